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

    /// <summary>The canvas is shown and interactive (a drop before that is lost).</summary>
    public async Task WaitUntilReadyAsync()
    {
        await Assertions.Expect(Blocks.First).ToBeVisibleAsync(new() { Timeout = 20_000 });
        await Assertions.Expect(page.Locator("body[data-builder-ready]")).ToHaveCountAsync(1, new() { Timeout = 20_000 });
    }

    public ILocator Blocks => page.Locator("[data-testid=canvas-block]");
    /// <summary>Opens a block's settings with its 编辑 button (a click on the block itself may land on one of its other buttons).</summary>
    public async Task EditAsync(ILocator block)
    {
        await block.GetByTestId("edit-block").ClickAsync();
        await Assertions.Expect(block).ToHaveAttributeAsync("aria-selected", "true", new() { Timeout = 20_000 });
    }

    public ILocator Block(string type) => page.Locator($"[data-testid=canvas-block][data-block-type={type}]");
    public ILocator Message => page.GetByTestId("builder-message");
    public ILocator Errors => page.GetByTestId("builder-errors");
    /// <summary>What the settings panel found wrong before saving (next to the form).</summary>
    public ILocator SettingsErrors => page.GetByTestId("settings-errors");
    /// <summary>The page being edited, as the page switch names it (首页, or 标题（/p/地址）).</summary>
    public ILocator CurrentPage => page.GetByTestId("page-switch");
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

    public Task ExpectSettingsErrorAsync(string text) => Assertions.Expect(SettingsErrors).ToContainTextAsync(text, new() { Timeout = 20_000 });

    public Task ExpectToastAsync(string text) =>
        Assertions.Expect(page.GetByTestId("toast").Filter(new() { HasText = text })).ToHaveCountAsync(1, new() { Timeout = 20_000 });

    /// <summary>Drags a block type from the palette onto a drop slot: it lands before the block now at <paramref name="slot"/> (the block count: at the end).</summary>
    public async Task DragFromPaletteAsync(string type, int slot)
    {
        for (var attempt = 1; ; attempt++)
        {
            var before = await Blocks.CountAsync();
            await page.GetByTestId($"palette-{type}").DragToAsync(page.GetByTestId($"drop-slot-{slot}"), new() { SourcePosition = new() { X = 12, Y = 12 } });
            await Assertions.Expect(Blocks).ToHaveCountAsync(before + 1, new() { Timeout = 20_000 });
            var landed = await Blocks.Nth(slot).GetAttributeAsync("data-block-type");
            if (landed == type || attempt == 2) return; // a second miss is left to the caller's assertion of the order
            // Once, on a loaded CI machine, the drag picked up a neighbouring palette item (the pointer went down while the
            // palette was still moving): undo it, as a person would, and drag again. Logged, so a real fault shows.
            Console.WriteLine($"[builder test] dragged {type} but {landed} landed at {slot}; undoing and dragging again");
            await page.GetByTestId("undo").ClickAsync();
            await Assertions.Expect(Blocks).ToHaveCountAsync(before, new() { Timeout = 20_000 });
        }
    }

    /// <summary>Drags a block (by its grip, the top left corner) onto a drop slot.</summary>
    public Task DragBlockAsync(ILocator block, int slot) =>
        block.DragToAsync(page.GetByTestId($"drop-slot-{slot}"), new() { SourcePosition = new() { X = 12, Y = 12 } });

    /// <summary>Chooses the draft's theme by its name (经典, 暗夜…).</summary>
    public Task SelectThemeAsync(string displayName) => Selects.ChooseAsync(page, page.GetByTestId("theme-select"), displayName);

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

    /// <summary>发布, confirmed in the dialog that names the version about to go live.</summary>
    public async Task PublishAsync(int expectedVersion)
    {
        await page.GetByTestId("publish").ClickAsync();
        await Assertions.Expect(page.GetByTestId("confirm-message")).ToContainTextAsync($"线上版本 {expectedVersion}");
        await page.GetByTestId("confirm-ok").ClickAsync();
        await ExpectToastAsync($"已发布版本 {expectedVersion}");
        await ExpectMessageAsync($"已发布版本 {expectedVersion}");
    }

    /// <summary>Rolls back to a version, confirmed in the dialog.</summary>
    public async Task RollBackAsync(int number)
    {
        await page.GetByTestId($"rollback-{number}").ClickAsync();
        await Assertions.Expect(page.GetByTestId("confirm-message")).ToContainTextAsync($"版本 {number}");
        await page.GetByTestId("confirm-ok").ClickAsync();
        await ExpectToastAsync($"已回滚到版本 {number}");
        await ExpectMessageAsync($"已回滚到版本 {number}");
    }

    /// <summary>Storefront blocks in page order (storefront pages and the preview mark blocks the same way).</summary>
    public static Task<string[]> StoreOrderAsync(ILocator scope) =>
        scope.Locator("[data-testid=block]").EvaluateAllAsync<string[]>("els => els.map(e => e.dataset.blockType)");
}
