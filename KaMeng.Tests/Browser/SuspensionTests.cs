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
        await new AdminPage(page).WaitForCircuitAsync();
        var row = page.GetByTestId("substation-grid").Locator("tbody tr").Filter(new() { HasTextString = "演示分站" });
        await row.GetByLabel("暂停原因").FillAsync("违规销售，整改中");
        await row.GetByRole(AriaRole.Button, new() { Name = "暂停", Exact = true }).ClickAsync();
        await Assertions.Expect(row).ToContainTextAsync("暂停：违规销售，整改中");

        var buyer = await fx.NewPageAsync(mobile: true);
        await buyer.GotoAsync("/s/demo/");
        await Assertions.Expect(buyer.GetByTestId("suspended-notice")).ToContainTextAsync("违规销售，整改中");
        await buyer.GetByTestId("product-card").First.ClickAsync();
        await Assertions.Expect(buyer.Locator(".alert-error")).ToContainTextAsync("商品已下架，暂时不能购买");
        await BrowserFixture.ScreenshotsAsync(buyer, "substation-suspended");

        await row.GetByRole(AriaRole.Button, new() { Name = "恢复" }).ClickAsync();
        await Assertions.Expect(row).ToContainTextAsync("正常");
        await buyer.GotoAsync("/s/demo/");
        await Assertions.Expect(buyer.GetByTestId("suspended-notice")).ToHaveCountAsync(0);
    }
}
