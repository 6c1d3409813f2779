using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Stations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace KaMeng.Tests.Browser;

/// <summary>demo-owner (station A) tries every admin page and API with station B's ids.</summary>
public class TenancyTests(BrowserFixture fx) : IClassFixture<BrowserFixture>
{
    async Task<(string OrderNumber, int StationB, int BatchId)> StationBWithAnOrderAsync()
    {
        int stationB, productId, batchId;
        string buyerId;
        await using (var db = fx.App.NewContext())
        {
            var b = await db.Stations.FirstOrDefaultAsync(s => s.Code == "shop-b");
            if (b is null)
            {
                b = new Station { Code = "shop-b", Name = "B 的店", ParentId = Station.MainStationId, CreatedAt = DateTimeOffset.UtcNow, Announcement = "B 的秘密公告" };
                db.Stations.Add(b);
                await db.SaveChangesAsync();
            }
            stationB = b.Id;
            productId = (await db.Products.FirstAsync(p => p.Name == "王者荣耀 60 点券")).Id;
            batchId = await db.CardKeyBatches.Where(x => x.ProductId == productId).Select(x => x.Id).FirstAsync();
            buyerId = (await db.Users.SingleAsync(u => u.UserName == "demo-buyer")).Id;
        }
        fx.App.Services.GetRequiredService<StationDirectory>().Invalidate();
        var shopB = (await fx.App.Services.GetRequiredService<StationDirectory>().ByIdAsync(stationB))!;
        var result = await fx.App.Services.GetRequiredService<CheckoutService>()
            .PlaceBalanceOrderAsync(shopB, new CheckoutRequest(productId, 1, buyerId, Guid.NewGuid().ToString("N")));
        Assert.True(result.Succeeded, result.Error);
        return (result.OrderNumber!, stationB, batchId);
    }

    [Fact]
    public async Task An_owner_sees_nothing_of_another_station_on_any_admin_page_or_api()
    {
        var (orderB, stationB, mainBatch) = await StationBWithAnOrderAsync();
        var page = await fx.NewPageAsync();
        await new LoginPage(page).LoginAsAsync("demo-owner", TestAccounts.DemoPassword, "/admin/orders");
        var admin = new AdminPage(page);
        await admin.WaitForCircuitAsync();

        // Orders: the list has loaded (the grid's paging summary), and B's order is neither listed nor found by search.
        await Assertions.Expect(page.GetByTestId("order-grid")).ToContainTextAsync("共 0 条");
        await Assertions.Expect(page.GetByTestId("order-grid")).Not.ToContainTextAsync(orderB);
        await page.GetByLabel("搜索订单").FillAsync(orderB);
        await page.GetByTestId("order-search").ClickAsync();
        await Assertions.Expect(page.GetByTestId("order-grid")).ToContainTextAsync("暂无订单");

        // The processing queue and the station page with B's id show only A's own things.
        await admin.GotoAsync("/admin/orders/processing");
        await Assertions.Expect(page.Locator("body")).Not.ToContainTextAsync(orderB);
        await admin.GotoAsync($"/admin/station?id={stationB}");
        await Assertions.Expect(page.Locator("h1")).ToContainTextAsync("演示分站");
        await Assertions.Expect(page.Locator("body")).Not.ToContainTextAsync("B 的秘密公告");

        // Platform and finance pages are refused.
        foreach (var path in new[] { "/admin/products", "/admin/categories", "/admin/substations", "/admin/wallets", "/admin/finance/withdrawals" })
        {
            await page.GotoAsync(path);
            await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("无权访问");
        }

        // The export API refuses the main station's batch to a substation owner.
        var response = await page.APIRequest.GetAsync($"/admin/card-keys/batches/{mainBatch}/export");
        Assert.True(response.Status is 403 or 404, $"export answered {response.Status}");
        await BrowserFixture.ScreenshotsAsync(page, "tenancy-refused");

        // And in the data layer: A's scoped context cannot read B's order even by its number.
        await using var scoped = fx.App.NewContext().ScopedTo(2);
        Assert.False(await scoped.Orders.AnyAsync(o => o.Number == orderB));
    }

    [Fact]
    public async Task An_owner_sees_their_child_substations_read_only_and_the_platform_switches_into_any_station()
    {
        var (orderB, stationB, _) = await StationBWithAnOrderAsync();
        await using (var db = fx.App.NewContext())
        {
            if (!await db.Stations.AnyAsync(s => s.Code == "demo-kid"))
            {
                db.Stations.Add(new Station { Code = "demo-kid", Name = "演示下级店", ParentId = 2, CreatedAt = DateTimeOffset.UtcNow });
                await db.SaveChangesAsync();
            }
        }
        var page = await fx.NewPageAsync();
        await new LoginPage(page).LoginAsAsync("demo-owner", TestAccounts.DemoPassword, "/admin/children");
        await new AdminPage(page).WaitForCircuitAsync();
        var children = new ChildStationsPage(page);
        await Assertions.Expect(children.Grid).ToContainTextAsync("演示下级店");
        await Assertions.Expect(children.Grid).Not.ToContainTextAsync("B 的店");
        await BrowserFixture.ScreenshotsAsync(page, "child-stations");

        var adminPage = await fx.NewPageAsync();
        await new LoginPage(adminPage).LoginAsAsync("admin", TestAccounts.AdminPassword, $"/admin/orders?station={stationB}");
        await new AdminPage(adminPage).WaitForCircuitAsync();
        var grid = adminPage.GetByTestId("order-grid");
        await Assertions.Expect(grid).ToContainTextAsync(orderB);
        foreach (var row in await grid.Locator("tbody tr").AllAsync())
            Assert.Contains(orderB, await row.InnerTextAsync()); // only station B's orders
    }

    [Fact]
    public async Task An_owner_is_warned_when_a_cost_rise_leaves_a_stored_rule_below_cost()
    {
        await using (var db = fx.App.NewContext())
        {
            var product = await db.Products.FirstAsync(p => p.Name == "Steam 钱包 50 元");
            // A rule saved when it was fine; the cost has since risen above it (written directly: the service refuses it today).
            if (!await db.PriceRules.AnyAsync(r => r.StationId == 2 && r.ProductId == product.Id))
            {
                db.PriceRules.Add(new PriceRule { StationId = 2, Audience = PriceRuleAudience.Selling, Scope = PriceRuleScope.Product, ProductId = product.Id, Kind = PriceRuleKind.Fixed, Value = 100 });
                await db.SaveChangesAsync();
            }
        }
        fx.App.Services.GetRequiredService<PriceResolver>().Invalidate();
        var page = await fx.NewPageAsync();
        await new LoginPage(page).LoginAsAsync("demo-owner", TestAccounts.DemoPassword, "/admin/station");
        await new AdminPage(page).WaitForCircuitAsync();
        await Assertions.Expect(page.GetByTestId("floor-warning")).ToContainTextAsync("低于本站进价");
        await Assertions.Expect(new MyStationPage(page).ExplainRow("Steam 钱包 50 元")).ToContainTextAsync("按成本出售");
    }
}
