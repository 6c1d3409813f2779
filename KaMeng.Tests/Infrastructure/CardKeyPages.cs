using Microsoft.Playwright;

namespace KaMeng.Tests.Infrastructure;

/// <summary>Page object: /admin/card-keys (卡密库存).</summary>
public sealed class CardKeyInventoryPage(IPage page)
{
    public IPage Page => page;
    public AdminPage Admin { get; } = new(page);

    public Task GotoAsync() => Admin.GotoAsync("/admin/card-keys");

    public async Task SelectProductAsync(string name)
    {
        await page.GetByTestId("product-select").ClickAsync();
        await page.Locator(".rz-popup:visible .rz-dropdown-item", new() { HasText = name }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("product-select")).ToContainTextAsync(name);
        await Available.WaitForAsync();
    }

    public ILocator Available => page.GetByTestId("count-available");
    public ILocator Void => page.GetByTestId("count-void");

    /// <summary>Generous limit for the steps that move thousands of keys through the circuit on a busy machine.</summary>
    public const float BulkTimeout = 30_000;

    public Task PasteAsync(string text) => page.GetByTestId("import-text").FillAsync(text, new() { Timeout = BulkTimeout });

    public async Task PreviewAsync()
    {
        await page.GetByTestId("preview").ClickAsync();
        await PreviewSummary.WaitForAsync(new() { Timeout = BulkTimeout });
    }

    public async Task ChoosePairModeAsync() => await page.GetByTestId("import-mode").GetByText("卡号 + 密码").ClickAsync();

    public async Task UploadAsync(string fileName, byte[] content)
    {
        await page.GetByTestId("import-file").SetInputFilesAsync(new FilePayload { Name = fileName, MimeType = "text/plain", Buffer = content });
        await Assertions.Expect(page.GetByTestId("import-file-name")).ToContainTextAsync(fileName, new() { Timeout = BulkTimeout });
    }

    public ILocator PreviewSummary => page.GetByTestId("preview-summary");
    public ILocator PreviewCount(string which) => page.GetByTestId($"preview-{which}");
    public ILocator ProblemRows => page.GetByTestId("problem-grid").Locator("tbody tr");

    public async Task<string> ImportAsync()
    {
        await page.GetByTestId("confirm-import").ClickAsync();
        var result = page.GetByTestId("import-result");
        await Assertions.Expect(result).ToContainTextAsync("已导入", new() { Timeout = BulkTimeout });
        return (await result.InnerTextAsync()).Trim();
    }

    public ILocator ExportLink(string batchNumber) => page.GetByTestId($"export-{batchNumber}");
    public ILocator KeyRows => page.GetByTestId("key-grid").Locator("tbody tr");

    /// <summary>Clicks 查看 in a row, accepts the logged-action warning and returns the secret shown.</summary>
    public async Task<string> RevealAsync(ILocator row)
    {
        await row.GetByTestId("reveal").ClickAsync();
        var dialog = page.Locator(".rz-dialog-confirm");
        await Assertions.Expect(dialog).ToContainTextAsync("记录到操作日志");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "查看并记录" }).ClickAsync();
        var secret = page.GetByTestId("revealed-secret");
        await secret.WaitForAsync();
        var text = (await secret.InnerTextAsync()).Trim();
        await page.GetByTestId("close-reveal").ClickAsync();
        await secret.WaitForAsync(new() { State = WaitForSelectorState.Detached });
        return text;
    }

    public async Task VoidAsync(ILocator row)
    {
        await row.GetByTestId("void").ClickAsync();
        await page.Locator(".rz-dialog-confirm").GetByRole(AriaRole.Button, new() { Name = "作废" }).ClickAsync();
    }
}
