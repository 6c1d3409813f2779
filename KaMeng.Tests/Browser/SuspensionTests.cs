using KaMeng.Tests.Infrastructure;
using Microsoft.Playwright;

namespace KaMeng.Tests.Browser;

public class SuspensionTests(BrowserFixture fx) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task The_platform_suspends_a_substation_and_its_storefront_says_why_and_takes_no_orders()
    {
        var page = await fx.NewPageAsync();
        await new LoginPage(page).LoginAsAsync("admin", TestAccounts.AdminPassword, "/admin/substations");
        var list = new SubstationListPage(page);
        await list.Admin.WaitForCircuitAsync();
        await list.SuspendAsync("演示分站", "违规销售，整改中");
        await Assertions.Expect(list.Status("演示分站")).ToHaveTextAsync("暂停：违规销售，整改中");
        await Assertions.Expect(list.Admin.Notification("已更新 demo")).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotsAsync(page, "substation-list");

        var buyer = await fx.NewPageAsync(mobile: true);
        await buyer.GotoAsync("/s/demo/");
        await Assertions.Expect(buyer.GetByTestId("suspended-notice")).ToContainTextAsync("违规销售，整改中");
        await buyer.GetByTestId("product-card").First.ClickAsync();
        await Assertions.Expect(buyer.Locator(".alert-error")).ToContainTextAsync("商品已下架，暂时不能购买");
        await BrowserFixture.ScreenshotsAsync(buyer, "substation-suspended");

        await list.ResumeAsync("演示分站");
        await Assertions.Expect(list.Status("演示分站")).ToHaveTextAsync("正常");
        await buyer.GotoAsync("/s/demo/");
        await Assertions.Expect(buyer.GetByTestId("suspended-notice")).ToHaveCountAsync(0);

        // 总站主题: the main station's live theme, read-only, with the way to the builder.
        await list.Admin.GotoAsync("/admin/themes");
        await Assertions.Expect(page.GetByTestId("live-theme")).Not.ToBeEmptyAsync();
        await Assertions.Expect(page.GetByTestId("edit-theme-in-builder")).ToHaveAttributeAsync("href", "admin/builder?station=1");
        await BrowserFixture.ScreenshotsAsync(page, "main-station-theme");
    }
}
