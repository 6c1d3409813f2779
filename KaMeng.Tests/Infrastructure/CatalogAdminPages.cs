using Microsoft.Playwright;

namespace KaMeng.Tests.Infrastructure;

/// <summary>Picks an option of a Radzen dropdown by its visible text.</summary>
static class RadzenDropDowns
{
    public static async Task ChooseAsync(IPage page, ILocator dropdown, string text)
    {
        await dropdown.ClickAsync();
        await page.Locator("li.rz-dropdown-item").Filter(new() { HasText = text, Visible = true }).First.ClickAsync();
    }
}

/// <summary>Page object: /admin/categories.</summary>
public sealed class CategoryAdminPage(IPage page)
{
    public AdminPage Admin { get; } = new(page);

    public Task GotoAsync() => Admin.GotoAsync("/admin/categories");

    public ILocator Grid => page.GetByTestId("category-grid");

    public ILocator Row(string name) => Grid.Locator("tbody tr").Filter(new() { Has = page.GetByTestId("category-name").GetByText(name, new() { Exact = true }) });

    public ILocator Errors => page.GetByTestId("category-errors");

    public async Task FillAsync(string name, string? icon = null, string? parent = null)
    {
        if (parent is not null) await RadzenDropDowns.ChooseAsync(page, page.GetByTestId("category-parent"), parent);
        await page.GetByTestId("category-name-input").FillAsync(name);
        if (icon is not null) await page.Locator("input[name=category-icon]").FillAsync(icon);
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

    public ILocator Rows => Grid.Locator("tbody tr[data-product-id]");

    public ILocator Row(string name) => Rows.Filter(new() { Has = page.GetByTestId("product-name").GetByText(name, new() { Exact = true }) });

    public ILocator Status(string name) => Row(name).GetByTestId("product-status");

    public ILocator Stock(string name) => Row(name).GetByTestId("product-stock");

    public ILocator Price(string name) => Row(name).GetByTestId("product-price");

    public ILocator SelectedCount => page.GetByTestId("selected-count");

    public async Task SearchAsync(string text)
    {
        await page.GetByTestId("product-search").FillAsync(text);
        await page.GetByTestId("product-search-button").ClickAsync();
    }

    public Task FilterByCategoryAsync(string category) => RadzenDropDowns.ChooseAsync(page, page.GetByTestId("product-filter-category"), category);

    public Task SelectAsync(string name) => Row(name).GetByTestId("select-row").Locator(".rz-chkbox-box").ClickAsync();

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

    public ILocator Preview => page.GetByTestId("markdown-preview");

    public ILocator ImagePreview => page.GetByTestId("product-image-preview");

    public ILocator ImageError => page.GetByTestId("image-error");

    public async Task FillAsync(string name, string category, string price, string cost = "0", string? faceValue = null)
    {
        await Assertions.Expect(page.GetByTestId("product-name-input")).ToBeVisibleAsync();
        await page.GetByTestId("product-name-input").FillAsync(name);
        await RadzenDropDowns.ChooseAsync(page, page.GetByTestId("product-category"), category);
        await page.GetByTestId("product-face").FillAsync(faceValue ?? price);
        await page.GetByTestId("product-cost").FillAsync(cost);
        await page.GetByTestId("product-price-input").FillAsync(price);
    }

    public Task DescribeAsync(string markdown) => page.GetByTestId("product-description").FillAsync(markdown);

    public Task UploadImageAsync(string fileName, string mimeType, byte[] bytes) =>
        page.GetByTestId("product-image-input").SetInputFilesAsync(new FilePayload { Name = fileName, MimeType = mimeType, Buffer = bytes });

    public Task SaveAsync() => page.GetByTestId("product-save").ClickAsync();
}
