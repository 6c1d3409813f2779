using Microsoft.Playwright;

namespace KaMeng.Tests.Infrastructure;

/// <summary>Picks an option of a select (MudSelect) by its visible text: opens it, then clicks the option by its role.</summary>
/// <summary>
/// A pick in a MudBlazor select or autocomplete that a re-render around it (a loaded machine) can drop: done, then checked
/// on the page, and done once more if it did not land, as a person who sees the old value would.
/// </summary>
static class Picks
{
    public static async Task OnceMoreIfDroppedAsync(string what, Func<Task> pick, Func<float, Task> landed)
    {
        await pick();
        try
        {
            await landed(3_000);
            return;
        }
        catch (Exception e) when (e is PlaywrightException or System.TimeoutException)
        {
            Console.WriteLine($"[picks] {what} did not stay; picking again");
        }
        await pick();
        await landed(15_000);
    }
}

static class Selects
{
    public static Task ChooseAsync(IPage page, ILocator select, string text) =>
        Picks.OnceMoreIfDroppedAsync($"the pick of {text}", async () =>
        {
            await select.ClickAsync();
            var option = page.GetByRole(AriaRole.Option).Filter(new() { HasText = text, Visible = true }).First;
            await option.ClickAsync();
            try
            {
                await Assertions.Expect(option).Not.ToBeVisibleAsync(new() { Timeout = 3_000 });
            }
            catch (PlaywrightException)
            {
                // A re-render of the grid around the select, on a loaded machine, can leave its list open: close it as a
                // person would, with Escape.
                await page.Keyboard.PressAsync("Escape");
                await Assertions.Expect(option).Not.ToBeVisibleAsync();
            }
        }, timeout => ShowsAsync(page, select, text, timeout));

    /// <summary>Waits until the select shows <paramref name="text"/>: MudSelect shows its value as the combobox's text or in
    /// an input, depending on how it is set up.</summary>
    static async Task ShowsAsync(IPage page, ILocator select, string text, float timeout)
    {
        var element = await select.ElementHandleAsync();
        await page.WaitForFunctionAsync("""
            ([e, t]) => [e.innerText ?? '', e.value ?? '', ...Array.from(e.querySelectorAll('input')).map(i => i.value)].some(v => v.includes(t))
            """, new object[] { element, text }, new() { Timeout = timeout });
    }
}

/// <summary>Page object: /admin/categories.</summary>
public sealed class CategoryAdminPage(IPage page)
{
    public AdminPage Admin { get; } = new(page);

    public Task GotoAsync() => Admin.GotoAsync("/admin/categories");

    public ILocator Grid => page.GetByTestId("category-grid");

    public ILocator Row(string name) => Grid.Locator("tr").Filter(new() { Has = page.GetByTestId("category-name").GetByText(name, new() { Exact = true }) });

    /// <summary>The icon shown beside a category's name; its data-icon is the stored Material name.</summary>
    public ILocator Icon(string name) => Row(name).GetByTestId("category-icon");

    public Task DeleteAsync(string name) => Row(name).GetByTestId("category-delete").ClickAsync();

    /// <summary>Opens the icon picker and picks the icon by its Chinese tooltip label.</summary>
    public async Task PickIconAsync(string label)
    {
        await page.GetByTestId("category-icon-picker").ClickAsync();
        await page.GetByTestId("category-icon-options").GetByRole(AriaRole.Button, new() { Name = label, Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("category-icon-options")).Not.ToBeVisibleAsync();
    }

    public ILocator Errors => page.GetByTestId("category-errors");

    /// <param name="icon">The icon's Chinese label in the picker (游戏, 礼品卡 …).</param>
    public async Task FillAsync(string name, string? icon = null, string? parent = null)
    {
        if (parent is not null) await Selects.ChooseAsync(page, page.GetByTestId("category-parent"), parent);
        await page.GetByTestId("category-name-input").FillAsync(name);
        if (icon is not null) await PickIconAsync(icon);
    }

    public Task SaveAsync() => page.GetByTestId("category-save").ClickAsync();

    /// <summary>Creates a category and waits until the grid lists it.</summary>
    public async Task CreateAsync(string name, string? icon = null, string? parent = null)
    {
        await FillAsync(name, icon, parent);
        await SaveAsync();
        await Assertions.Expect(Row(name)).ToBeVisibleAsync();
    }
}

/// <summary>Page object: /admin/products, the product grid.</summary>
public sealed class ProductListPage(IPage page)
{
    public AdminPage Admin { get; } = new(page);

    public Task GotoAsync() => Admin.GotoAsync("/admin/products");

    public ILocator Grid => page.GetByTestId("product-grid");

    /// <summary>The product rows (a row holds a product-name link; detail rows and the empty state do not).</summary>
    public ILocator Rows => Grid.Locator("tr").Filter(new() { Has = page.GetByTestId("product-name") });

    public ILocator Row(string name) => Grid.Locator("tr").Filter(new() { Has = page.GetByTestId("product-name").GetByText(name, new() { Exact = true }) });

    public ILocator BatchBar => page.GetByTestId("batch-bar");

    /// <summary>The header of the last column (操作): it must be on screen at 1280 px.</summary>
    public ILocator LastColumnHeader => page.GetByTestId("col-actions");

    public ILocator Status(string name) => Row(name).GetByTestId("product-status");

    public ILocator Stock(string name) => Row(name).GetByTestId("product-stock");

    public ILocator Price(string name) => Row(name).GetByTestId("product-price");

    public ILocator SelectedCount => page.GetByTestId("selected-count");

    public async Task SearchAsync(string text)
    {
        await page.GetByTestId("product-search").FillAsync(text);
        await page.GetByTestId("product-search-button").ClickAsync();
    }

    public Task FilterByCategoryAsync(string category) => Selects.ChooseAsync(page, page.GetByTestId("product-filter-category"), category);

    public Task SelectAsync(string name) => Row(name).GetByRole(AriaRole.Checkbox).CheckAsync();

    public Task DeleteSelectedAsync() => page.GetByTestId("batch-delete").ClickAsync();

    public Task TakeOffShelfAsync() => page.GetByTestId("batch-off").ClickAsync();

    public Task PutOnShelfAsync() => page.GetByTestId("batch-on").ClickAsync();

    public Task NewProductAsync() => page.GetByTestId("product-new").ClickAsync();
}

/// <summary>Page object: /admin/products/new and /admin/products/{id}.</summary>
public sealed class ProductEditPage(IPage page)
{
    public AdminPage Admin { get; } = new(page);

    public Task GotoNewAsync() => Admin.GotoAsync("/admin/products/new");

    public ILocator Errors => page.GetByTestId("product-errors");

    public ILocator PriceInput => page.GetByTestId("product-price-input");

    public ILocator Preview => page.GetByTestId("markdown-preview");

    public ILocator ImagePreview => page.GetByTestId("product-image-preview");

    public ILocator ImageError => page.GetByTestId("image-error");

    public async Task FillAsync(string name, string category, string price, string cost = "0", string? faceValue = null)
    {
        await Assertions.Expect(page.GetByTestId("product-name-input")).ToBeVisibleAsync();
        await page.GetByTestId("product-name-input").FillAsync(name);
        await Selects.ChooseAsync(page, page.GetByTestId("product-category"), category);
        await page.GetByTestId("product-face").FillAsync(faceValue ?? price);
        await page.GetByTestId("product-cost").FillAsync(cost);
        await page.GetByTestId("product-price-input").FillAsync(price);
    }

    public Task DescribeAsync(string markdown) => page.GetByTestId("product-description").FillAsync(markdown);

    public Task WritePurchaseNoticeAsync(string markdown) => page.GetByTestId("product-notice").FillAsync(markdown);

    public Task UploadImageAsync(string fileName, string mimeType, byte[] bytes) =>
        page.Locator("[data-testid=product-image-upload] input[type=file], input[type=file][data-testid=product-image-upload]").First.SetInputFilesAsync(new FilePayload { Name = fileName, MimeType = mimeType, Buffer = bytes });

    public Task SaveAsync() => page.GetByTestId("product-save").ClickAsync();
}
