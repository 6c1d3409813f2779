using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Stations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace KaMeng.Tests.Browser;

public class DashboardTests(BrowserFixture fx) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task An_order_placed_in_another_browser_shows_on_the_open_dashboard_without_reload()
    {
        var page = await fx.NewPageAsync();
        await new LoginPage(page).LoginAsAsync("admin", TestAccounts.AdminPassword, "/admin");
        await new AdminPage(page).WaitForCircuitAsync();
        var orders = page.GetByTestId("kpi-orders");
        await Assertions.Expect(orders).ToBeVisibleAsync();
        var before = long.Parse((await orders.InnerTextAsync()).Trim());
        var gmvBefore = (await page.GetByTestId("kpi-gmv").InnerTextAsync()).Trim();
        var chartBefore = await page.GetByTestId("trend-chart").InnerHTMLAsync();
        var url = page.Url;

        // A buyer in a second browser context buys a card key.
        var buyer = await fx.NewPageAsync(mobile: true);
        await new LoginPage(buyer).LoginAsAsync("demo-buyer", TestAccounts.DemoPassword);
        var store = new StorefrontPage(buyer);
        await store.OpenProductAsync("王者荣耀 60 点券");
        await store.BuyAsync("1");
        await Assertions.Expect(buyer.Locator("h1")).ToHaveTextAsync("购买成功");
        var number = (await store.OrderNumber.InnerTextAsync()).Trim();

        // The dashboard changes by itself: numbers, the live line and the chart's SVG.
        await Assertions.Expect(orders).ToHaveTextAsync((before + 1).ToString());
        await Assertions.Expect(page.GetByTestId("kpi-gmv")).Not.ToHaveTextAsync(gmvBefore);
        await Assertions.Expect(page.GetByTestId("live-last")).ToContainTextAsync(number);
        await page.WaitForFunctionAsync("before => document.querySelector('[data-testid=trend-chart]').innerHTML !== before", chartBefore);
        Assert.Equal(url, page.Url); // no navigation happened

        // A segment opens its buyers.
        await page.GetByTestId("segment-New").Or(page.GetByTestId("segment-Active")).First.ClickAsync();
        await Assertions.Expect(page.GetByTestId("segment-buyers")).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotsAsync(page, "dashboard");
    }

    [Fact]
    public async Task An_owner_sees_their_own_station_with_its_rating_and_no_station_picker()
    {
        var page = await fx.NewPageAsync(mobile: true);
        await new LoginPage(page, "/s/demo").LoginAsAsync("demo-owner", TestAccounts.DemoPassword);
        var admin = new AdminPage(page);
        await admin.GotoAsync();
        await admin.WaitForCircuitAsync();
        await Assertions.Expect(page.GetByTestId("kpi-gmv")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("rating")).ToContainTextAsync("分站评级");
        await Assertions.Expect(page.GetByTestId("station-picker")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByTestId("leaderboard")).ToHaveCountAsync(0);
        await BrowserFixture.ScreenshotsAsync(page, "dashboard-owner");
    }

    [Fact]
    public async Task A_sale_that_takes_a_product_under_its_line_warns_on_an_owners_open_dashboard()
    {
        const string name = "Steam 钱包 50 元";
        int productId, line;
        string buyerId;
        await using (var db = fx.App.NewContext())
        {
            var product = await db.Products.SingleAsync(p => p.Name == name && p.StationId == Station.MainStationId);
            (productId, line) = (product.Id, product.LowStockBelow);
            // Exactly at its line: enough stock until one more key sells.
            var extra = await db.CardKeys.Where(k => k.ProductId == productId && k.Status == CardKeyStatus.Available).OrderBy(k => k.Id).Skip(line).ToListAsync();
            foreach (var k in extra) k.Status = CardKeyStatus.Void;
            await db.SaveChangesAsync();
            buyerId = (await db.Users.SingleAsync(u => u.UserName == "demo-buyer")).Id;
        }

        var page = await fx.NewPageAsync();
        await new LoginPage(page, "/s/demo").LoginAsAsync("demo-owner", TestAccounts.DemoPassword);
        var admin = new AdminPage(page);
        await admin.GotoAsync();
        await admin.WaitForCircuitAsync();
        var warnings = page.GetByTestId("stock-warnings");
        await Assertions.Expect(warnings).ToBeVisibleAsync();
        await Assertions.Expect(warnings).Not.ToContainTextAsync(name);
        var url = page.Url;

        // A sale at the main station: not the owner's order, but the catalogue the owner resells is now low.
        var main = (await fx.App.Services.GetRequiredService<StationDirectory>().ByIdAsync(Station.MainStationId))!;
        var result = await fx.App.Services.GetRequiredService<CheckoutService>()
            .PlaceBalanceOrderAsync(main, new CheckoutRequest(productId, 1, buyerId, CheckoutRequest.NewIdempotencyKey()));
        Assert.True(result.Succeeded, result.Error);

        var row = warnings.Locator("tr", new() { HasText = name });
        await Assertions.Expect(row).ToContainTextAsync((line - 1).ToString());
        await Assertions.Expect(page.GetByTestId("live-last")).ToContainTextAsync(name);
        Assert.Equal(url, page.Url); // no navigation happened
    }
}
