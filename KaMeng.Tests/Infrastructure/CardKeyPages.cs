using Microsoft.Playwright;

namespace KaMeng.Tests.Infrastructure;

/// <summary>Page object: /admin/card-keys (卡密库存). Elements are found by data-testid and role only.</summary>
public sealed class CardKeyInventoryPage(IPage page)
{
    public IPage Page => page;
    public AdminPage Admin { get; } = new(page);

    public Task GotoAsync() => Admin.GotoAsync("/admin/card-keys");

    /// <summary>The input of a MudBlazor field, wherever the data-testid lands (on the input or around it).</summary>
    ILocator Field(string testId) => page.Locator($"[data-testid={testId}] input, input[data-testid={testId}], [data-testid={testId}] textarea, textarea[data-testid={testId}]").First;

    /// <summary>Types the product's name into the product picker and picks it from the list.</summary>
    public async Task SelectProductAsync(string name)
    {
        var input = Field("product-select");
        // A pick that shows the name but loads no counts was dropped by a re-render.
        await Picks.OnceMoreIfDroppedAsync($"the product {name}", async () =>
        {
            await input.ClickAsync();
            await input.FillAsync(name);
            await page.GetByTestId("product-option").GetByText(name, new() { Exact = true }).ClickAsync();
            await Assertions.Expect(input).ToHaveValueAsync(name);
        }, timeout => Available.WaitForAsync(new() { Timeout = timeout }));
    }

    public ILocator Available => page.GetByTestId("count-available");
    public ILocator Void => page.GetByTestId("count-void");

    /// <summary>Generous limit for the steps that move thousands of keys through the circuit on a busy machine.</summary>
    public const float BulkTimeout = 30_000;

    public Task PasteAsync(string text) => Field("import-text").FillAsync(text, new() { Timeout = BulkTimeout });

    public async Task PreviewAsync()
    {
        await page.GetByTestId("preview").ClickAsync();
        await PreviewSummary.WaitForAsync(new() { Timeout = BulkTimeout });
    }

    public Task ChoosePairModeAsync() => page.GetByRole(AriaRole.Radio, new() { Name = "卡号 + 密码" }).CheckAsync();

    public async Task UploadAsync(string fileName, byte[] content)
    {
        await page.GetByTestId("import-file").SetInputFilesAsync(new FilePayload { Name = fileName, MimeType = "text/plain", Buffer = content });
        await Assertions.Expect(page.GetByTestId("import-file-name")).ToContainTextAsync(fileName, new() { Timeout = BulkTimeout });
    }

    public ILocator PreviewSummary => page.GetByTestId("preview-summary");
    public ILocator PreviewCount(string which) => page.GetByTestId($"preview-{which}");
    public ILocator ProblemRows => page.GetByTestId("problem-grid").Locator("tr").Filter(new() { Has = page.GetByTestId("problem-line") });

    public async Task<string> ImportAsync()
    {
        await page.GetByTestId("confirm-import").ClickAsync();
        var result = page.GetByTestId("import-result");
        await Assertions.Expect(result).ToContainTextAsync("已导入", new() { Timeout = BulkTimeout });
        return (await result.InnerTextAsync()).Trim();
    }

    public ILocator ExportLink(string batchNumber) => page.GetByTestId($"export-{batchNumber}");

    /// <summary>The key rows of the key table (a row holds a key id; detail and empty rows do not).</summary>
    public ILocator KeyRows => page.GetByTestId("key-grid").Locator("tr").Filter(new() { Has = page.GetByTestId("key-id") });

    public static async Task<long> IdOfAsync(ILocator row) => long.Parse((await row.GetByTestId("key-id").InnerTextAsync()).Trim());

    /// <summary>Clicks 查看 in a row, accepts the logged-action warning and returns the secret shown.</summary>
    public async Task<string> RevealAsync(ILocator row)
    {
        await row.GetByTestId("reveal").ClickAsync();
        await Assertions.Expect(Admin.Confirmation).ToContainTextAsync("记录到操作日志");
        await Assertions.Expect(page.GetByTestId("confirm-ok")).ToHaveTextAsync("查看并记录");
        await Admin.ConfirmAsync();
        var secret = page.GetByTestId("revealed-secret");
        await secret.WaitForAsync();
        var text = (await secret.InnerTextAsync()).Trim();
        await page.GetByTestId("close-reveal").ClickAsync();
        await secret.WaitForAsync(new() { State = WaitForSelectorState.Detached });
        return text;
    }

    /// <summary>Clicks 作废 in a row and confirms.</summary>
    public async Task VoidAsync(ILocator row)
    {
        await row.GetByTestId("void").ClickAsync();
        await Assertions.Expect(Admin.Confirmation).ToContainTextAsync("不能恢复");
        await Admin.ConfirmAsync();
    }

    public Task SelectAsync(ILocator row) => row.GetByRole(AriaRole.Checkbox).CheckAsync();

    public ILocator BatchBar => page.GetByTestId("key-batch-bar");
    public ILocator SelectedCount => page.GetByTestId("key-selected-count");

    /// <summary>Clicks the batch 作废 and waits for its confirmation (not yet confirmed).</summary>
    public async Task StartBatchVoidAsync()
    {
        await page.GetByTestId("batch-void").ClickAsync();
        await Admin.Confirmation.WaitForAsync();
    }
}
