using KaMeng.Tests.Infrastructure;
using Microsoft.Playwright;

namespace KaMeng.Tests.Browser;

/// <summary>Blocks the main station locks: on every substation's canvas, kept, unchangeable, movable.</summary>
public class BuilderLockTests(BrowserFixture fx) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task The_platform_locks_a_compliance_notice_and_the_demo_owner_sees_it_locked_on_canvas_and_store()
    {
        var admin = await fx.NewPageAsync();
        var main = await BuilderPage.SignInAsync(admin, "admin", TestAccounts.AdminPassword);
        // Dragging is StoreBuilderTests' subject; here the palette's 添加 button and 上移 (the keyboard-free alternatives) put
        // the notice on top, which does not depend on the browser's drag events reaching the circuit in time.
        await admin.GetByTestId("palette-notice").GetByRole(AriaRole.Button).ClickAsync();
        await Assertions.Expect(main.Block("notice")).ToHaveCountAsync(1, new() { Timeout = 20_000 });
        for (var position = (await main.OrderAsync()).ToList().IndexOf("notice"); position > 0; position--)
        {
            await main.Block("notice").GetByTestId("move-up").ClickAsync();
            await Assertions.Expect(main.Blocks.Nth(position - 1)).ToHaveAttributeAsync("data-block-type", "notice", new() { Timeout = 20_000 });
        }
        await main.FillSettingAsync("setting-text", "合规提示：未成年人禁止购买");
        await main.ApplySettingsAsync();
        await main.Block("notice").GetByTestId("toggle-lock").ClickAsync();
        await Assertions.Expect(main.Block("notice").GetByTestId("locked-badge")).ToBeVisibleAsync(new() { Timeout = 20_000 });
        await main.PublishAsync(1);

        var page = await fx.NewPageAsync();
        var builder = await BuilderPage.SignInAsync(page, "demo-owner", TestAccounts.DemoPassword);
        var notice = builder.Block("notice");
        await Assertions.Expect(builder.Blocks.First).ToHaveAttributeAsync("data-block-type", "notice", new() { Timeout = 20_000 });
        await Assertions.Expect(notice.GetByTestId("locked-badge")).ToBeVisibleAsync();
        foreach (var action in new[] { "delete", "duplicate", "toggle-hidden" })
            await Assertions.Expect(notice.GetByTestId(action)).ToBeDisabledAsync();
        await builder.EditAsync(notice);
        await Assertions.Expect(page.GetByTestId("settings-panel")).ToContainTextAsync("此区块由总站锁定，分站不能修改。");
        await Assertions.Expect(page.GetByTestId("apply-settings")).ToHaveCountAsync(0);

        // Moving it is allowed: Alt+ArrowDown, and the published page keeps it.
        await notice.FocusAsync();
        await page.Keyboard.PressAsync("Alt+ArrowDown");
        await Assertions.Expect(builder.Blocks.Nth(1)).ToHaveAttributeAsync("data-block-type", "notice", new() { Timeout = 20_000 });

        // The preview at phone width is 390px wide.
        await page.GetByTestId("preview-phone").ClickAsync();
        await Assertions.Expect(page.GetByTestId("preview")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("\\bphone\\b"));
        Assert.InRange((await page.GetByTestId("preview").BoundingBoxAsync())!.Width, 388, 394); // 390 + its border
        await Assertions.Expect(builder.Preview.GetByText("合规提示：未成年人禁止购买")).ToBeVisibleAsync(new() { Timeout = 20_000 });
        await builder.PublishAsync(1);
        await BrowserFixture.ScreenshotsAsync(page, "builder-locked-block");

        var store = await fx.NewPageAsync(mobile: true);
        await store.GotoAsync("/s/demo/");
        Assert.Equal("notice", (await BuilderPage.StoreOrderAsync(store.Locator("body")))[1]);
        await Assertions.Expect(store.GetByText("合规提示：未成年人禁止购买")).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotsAsync(store, "store-locked-notice");
    }
}
