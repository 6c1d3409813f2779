using Microsoft.Playwright;

namespace KaMeng.Tests.Infrastructure;

/// <summary>Page object: the storefront builder at /admin/builder (canvas, settings panel, live preview).</summary>
public sealed class BuilderPage(IPage page)
{
    static readonly LocatorAssertionsToHaveCountOptions Slow = new() { Timeout = 20_000 };

    /// <summary>Signs in and opens the builder once its canvas is interactive.</summary>
    public static async Task<BuilderPage> SignInAsync(IPage page, string userName, string password)
    {
        await new LoginPage(page).LoginAsAsync(userName, password, "/admin/builder");
        await new AdminPage(page).WaitForCircuitAsync();
        var builder = new BuilderPage(page);
        await builder.WaitUntilReadyAsync();
        return builder;
    }

    /// <summary>The canvas is shown and the drag-and-drop script is wired (a drop before that is lost).</summary>
    public async Task WaitUntilReadyAsync()
    {
        await Assertions.Expect(Blocks.First).ToBeVisibleAsync(new() { Timeout = 20_000 });
        await Assertions.Expect(page.Locator("body[data-builder-ready]")).ToHaveCountAsync(1, new() { Timeout = 20_000 });
    }

    public ILocator Blocks => page.Locator("[data-testid=canvas-block]");
    public ILocator Block(string type) => page.Locator($"[data-testid=canvas-block][data-block-type={type}]");
    public ILocator Message => page.GetByTestId("builder-message");
    public ILocator Errors => page.GetByTestId("builder-errors");
    public IFrameLocator Preview => page.FrameLocator("[data-testid=preview]");

    public Task<string[]> OrderAsync() => Blocks.EvaluateAllAsync<string[]>("els => els.map(e => e.dataset.blockType)");

    public async Task WaitForOrderAsync(params string[] expected)
    {
        await Assertions.Expect(Blocks).ToHaveCountAsync(expected.Length, Slow);
        for (var i = 0; i < expected.Length; i++)
            await Assertions.Expect(Blocks.Nth(i)).ToHaveAttributeAsync("data-block-type", expected[i], new() { Timeout = 20_000 });
    }

    public Task ExpectMessageAsync(string text) => Assertions.Expect(Message).ToContainTextAsync(text, new() { Timeout = 20_000 });

    public Task ExpectErrorAsync(string text) => Assertions.Expect(Errors).ToContainTextAsync(text, new() { Timeout = 20_000 });

    /// <summary>Types into a settings field and leaves it, so the circuit has the value before 应用.</summary>
    public async Task FillSettingAsync(string testId, string value)
    {
        await page.GetByTestId(testId).FillAsync(value);
        await page.GetByTestId(testId).BlurAsync();
    }

    public async Task ApplySettingsAsync()
    {
        await page.GetByTestId("apply-settings").ClickAsync();
        await ExpectMessageAsync("设置已保存到草稿");
    }

    public async Task PublishAsync(int expectedVersion)
    {
        await page.GetByTestId("publish").ClickAsync();
        await ExpectMessageAsync($"已发布版本 {expectedVersion}");
    }

    /// <summary>Storefront blocks in page order (storefront pages and the preview mark blocks the same way).</summary>
    public static Task<string[]> StoreOrderAsync(ILocator scope) =>
        scope.Locator("[data-testid=block]").EvaluateAllAsync<string[]>("els => els.map(e => e.dataset.blockType)");
}
