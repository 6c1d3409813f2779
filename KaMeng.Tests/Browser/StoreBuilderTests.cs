using KaMeng.Tests.Infrastructure;
using Microsoft.Playwright;

namespace KaMeng.Tests.Browser;

public class StoreBuilderTests(BrowserFixture fx) : IClassFixture<BrowserFixture>
{
    static Task<string[]> StoreOrderAsync(IPage page) => BuilderPage.StoreOrderAsync(page.Locator("body"));

    [Fact]
    public async Task The_demo_owner_drags_blocks_reorders_them_picks_the_dark_theme_publishes_and_rolls_back()
    {
        var page = await fx.NewPageAsync();
        var builder = await BuilderPage.SignInAsync(page, "demo-owner", TestAccounts.DemoPassword);
        var before = await builder.OrderAsync();
        Assert.Equal(["category-nav", "product-grid"], before.Where(t => t != "announcement"));

        // Version 1: today's storefront, published as it is.
        await builder.PublishAsync(1);

        // Drag a banner, then a product grid, from the palette to the top of the canvas.
        await builder.DragFromPaletteAsync("banner", 0);
        await builder.WaitForOrderAsync(["banner", .. before]);
        await builder.DragFromPaletteAsync("product-grid", 0);
        await builder.WaitForOrderAsync(["product-grid", "banner", .. before]);

        // Reorder by dragging the banner above the new grid …
        await builder.DragBlockAsync(builder.Block("banner"), 0);
        await builder.WaitForOrderAsync(["banner", "product-grid", .. before]);

        // … and with the keyboard: Alt+ArrowDown moves the focused block and keeps the focus on it.
        var banner = builder.Block("banner");
        await banner.FocusAsync();
        await page.Keyboard.PressAsync("Alt+ArrowDown");
        await builder.WaitForOrderAsync(["product-grid", "banner", .. before]);
        await Assertions.Expect(banner).ToBeFocusedAsync(new() { Timeout = 20_000 });
        await page.Keyboard.PressAsync("Alt+ArrowUp");
        await builder.WaitForOrderAsync(["banner", "product-grid", .. before]);

        // Delete, then undo and redo the delete.
        await banner.GetByTestId("delete").ClickAsync();
        await builder.WaitForOrderAsync(["product-grid", .. before]);
        await page.GetByTestId("undo").ClickAsync();
        await builder.WaitForOrderAsync(["banner", "product-grid", .. before]);
        await page.GetByTestId("redo").ClickAsync();
        await builder.WaitForOrderAsync(["product-grid", .. before]);
        await page.GetByTestId("undo").ClickAsync();
        await builder.WaitForOrderAsync(["banner", "product-grid", .. before]);

        // Invalid settings are refused in Chinese and not stored.
        await builder.EditAsync(builder.Block("product-grid").First);
        await builder.FillSettingAsync("setting-columns", "9");
        await page.GetByTestId("apply-settings").ClickAsync();
        await builder.ExpectSettingsErrorAsync("每行列数须在 1–6 之间");
        await builder.FillSettingAsync("setting-columns", "3");
        await Assertions.Expect(builder.SettingsErrors).ToHaveCountAsync(0); // gone as soon as the field is fixed
        await builder.FillSettingAsync("setting-title", "本周热卖");
        await builder.ApplySettingsAsync();

        // Theme 暗夜: chosen in the draft, visible in the preview before publishing.
        await page.GetByTestId("deselect").ClickAsync();
        await builder.SelectThemeAsync("暗夜");
        await builder.ExpectMessageAsync("主题已改为");
        var preview = builder.Preview;
        await Assertions.Expect(preview.Locator("link[href$='/themes/dark/theme.css']")).ToHaveCountAsync(1, new() { Timeout = 20_000 });
        await Assertions.Expect(preview.Locator("[data-testid=block]").First).ToHaveAttributeAsync("data-block-type", "banner", new() { Timeout = 20_000 });
        await Assertions.Expect(preview.GetByTestId("product-card").First).ToBeVisibleAsync(new() { Timeout = 20_000 });

        // The storefront still shows version 1 until 发布.
        var store = await fx.NewPageAsync();
        await store.GotoAsync("/s/demo/");
        Assert.Equal(before, await StoreOrderAsync(store));
        await Assertions.Expect(store.Locator("link[href$='/themes/dark/theme.css']")).ToHaveCountAsync(0);

        await builder.PublishAsync(2);
        await BrowserFixture.ScreenshotsAsync(page, "builder");

        // The desktop preview: the storefront at full width, scaled into view, not cut off; then back to the phone.
        var frame = page.GetByTestId("preview");
        await page.GetByTestId("preview-desktop").ClickAsync();
        await Assertions.Expect(frame).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("\\bdesktop\\b"));
        await Assertions.Expect(frame).ToBeInViewportAsync();
        var wide = (await frame.BoundingBoxAsync())!;
        Assert.True(wide.X >= 0 && wide.X + wide.Width <= 1280, $"the desktop preview fits the window ({wide.X} + {wide.Width})");
        await page.ScreenshotAsync(new() { Path = Path.Combine(TestPaths.TestResults, "builder-desktop-preview.png") });
        await page.GetByTestId("preview-phone").ClickAsync();
        await Assertions.Expect(frame).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("\\bphone\\b"));
        await Assertions.Expect(frame).ToBeInViewportAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(TestPaths.TestResults, "builder-phone-preview.png"), FullPage = true });

        await store.GotoAsync("/s/demo/");
        string[] published = ["banner", "product-grid", .. before];
        Assert.Equal(published, await StoreOrderAsync(store));
        await Assertions.Expect(store.Locator("link[href$='/themes/dark/theme.css']")).ToHaveCountAsync(1);
        await Assertions.Expect(store.GetByText("本周热卖")).ToBeVisibleAsync();
        await Assertions.Expect(store.GetByTestId("product-card").First).ToHaveAttributeAsync("href", new System.Text.RegularExpressions.Regex("^product/[0-9]+$"));
        await BrowserFixture.ScreenshotsAsync(store, "builder-published-dark");

        // Rolling back to version 1 restores the old order and theme.
        await builder.RollBackAsync(1);
        await builder.WaitForOrderAsync(before);
        await store.GotoAsync("/s/demo/");
        Assert.Equal(before, await StoreOrderAsync(store));
        await Assertions.Expect(store.Locator("link[href$='/themes/default/theme.css']")).ToHaveCountAsync(1);
        await BrowserFixture.ScreenshotsAsync(store, "builder-rolled-back");
    }
}
