using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Payments;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace KaMeng.Tests.Browser;

/// <summary>Issue 15 §1 in Chromium: the demo owner takes buyers' money through their own (sandbox) merchant; each sale settles
/// the chain cost from their 预存款; a sale the deposit cannot cover waits, and the owner's platform recharge releases it.</summary>
public class OwnGatewayTests(BrowserFixture fx) : IClassFixture<BrowserFixture>
{
    const string Product = "王者荣耀 60 点券";
    static readonly AuditActor Platform = new("test-admin", "admin", null);

    static long CostAtSeller(Order order) => PriceResolver.ReadSnapshot(order.PriceChainJson)[^1].CostFen * order.Quantity;

    async Task<Order> OrderAsync(string number)
    {
        await using var db = fx.App.NewContext();
        return await db.Orders.IgnoreQueryFilters().AsNoTracking().SingleAsync(o => o.Number == number);
    }

    /// <summary>A guest buys one key on the demo storefront and pays at the sandbox cashier; returns the order number.</summary>
    static async Task<string> GuestPaysAsync(IPage page, string contact, KaMengApp app)
    {
        var store = new StorefrontPage(page, "/s/demo");
        await store.OpenProductAsync(Product);
        await page.FillAsync("#quantity", "1");
        await page.FillAsync("#contact", contact);
        await page.FillAsync("#query-password", "246813");
        await CaptchaSolver.SolveAsync(page, app);
        await page.GetByTestId("pay-alipay").ClickAsync();
        // The owner's merchant (pid 2002) takes this money, not the platform's.
        await Assertions.Expect(page.Locator("body")).ToContainTextAsync("2002");
        var number = (await page.GetByTestId("sandbox-order").InnerTextAsync()).Trim();
        await page.GetByTestId("sandbox-pay").ClickAsync();
        await Assertions.Expect(store.OrderNumber).ToHaveTextAsync(number);
        return number;
    }

    [Fact]
    public async Task An_owner_sells_through_their_own_gateway_pays_the_chain_cost_from_the_deposit_and_a_short_deposit_waits_for_a_top_up()
    {
        var sandbox = fx.App.BaseUrl + "/pay/sandbox/";
        var services = fx.App.Services;
        Assert.Null(await services.GetRequiredService<GatewaySettingsService>().SaveAsync(Platform, Station.MainStationId,
            new GatewayForm { BaseUrl = sandbox, Pid = "1001", Key = "platform-key-0123456789", Channels = ["alipay"] }));
        string ownerId;
        await using (var db = fx.App.NewContext())
        {
            var demo = await db.Stations.IgnoreQueryFilters().Include(s => s.Level).SingleAsync(s => s.Code == "demo");
            demo.Level!.AllowOwnGateway = true; // the platform allows own gateways for the demo's level
            await db.SaveChangesAsync();
            ownerId = demo.OwnerUserId!;
        }
        Assert.Null(await services.GetRequiredService<WalletService>().AdjustAsync(ownerId, "20", "预存款", Platform));

        // The owner saves their own merchant account in the admin.
        var ownerPage = await fx.NewPageAsync();
        await new LoginPage(ownerPage).LoginAsAsync("demo-owner", TestAccounts.DemoPassword, "/admin/payments");
        var admin = new AdminPage(ownerPage);
        await admin.WaitForCircuitAsync();
        var settings = new PaymentSettingsPage(ownerPage);
        // The form answers missing fields in Chinese next to them, before anything is sent.
        await settings.Save.ClickAsync();
        await Assertions.Expect(settings.Form).ToContainTextAsync("请填写网关地址");
        await Assertions.Expect(settings.Form).ToContainTextAsync("请填写商户密钥");
        await settings.BaseUrl.FillAsync(sandbox);
        await Assertions.Expect(settings.Form).Not.ToContainTextAsync("请填写网关地址");
        await settings.Pid.FillAsync("2002");
        await settings.Key.FillAsync("owner-key-0123456789");
        await settings.Save.ClickAsync();
        await Assertions.Expect(admin.Notification("已保存")).ToBeVisibleAsync();
        // …and chooses how signed-in buyers' gateway orders are refunded: back through the gateway.
        await settings.RefundMethod("原路退回").ClickAsync();
        await settings.SaveRefundMethod.ClickAsync();
        await Assertions.Expect(admin.Notification("退款方式已保存")).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotsAsync(ownerPage, "own-gateway-settings");
        await using (var db = fx.App.NewContext())
            Assert.Equal(RefundMethod.Gateway, (await db.Stations.IgnoreQueryFilters().SingleAsync(s => s.Code == "demo")).GatewayRefundMethod);

        // A guest pays the owner; the key is delivered and the owner's 预存款 goes down by the chain cost.
        var guest = await fx.NewPageAsync(mobile: true);
        var first = await OrderAsync(await GuestPaysAsync(guest, "first-guest@example.cn", fx.App));
        var store = new StorefrontPage(guest, "/s/demo");
        await Assertions.Expect(store.OrderStatus).ToHaveTextAsync("已发货");
        await Assertions.Expect(store.Keys).ToHaveCountAsync(1);
        Assert.True(first.OwnerCollected);
        var deposit = 2000 - CostAtSeller(first);
        await admin.GotoAsync("/admin/station");
        await ownerPage.GetByRole(AriaRole.Tab, new() { Name = "收益与提现" }).ClickAsync();
        await Assertions.Expect(ownerPage.GetByTestId("owner-balance")).ToHaveTextAsync(Money.FromFen(deposit).ToString());
        await Assertions.Expect(ownerPage.GetByTestId("owner-ledger")).ToContainTextAsync("预存款结算");
        await BrowserFixture.ScreenshotsAsync(ownerPage, "own-gateway-deposit");

        // The owner spends the deposit down to less than one key's cost (a platform adjustment), and a second guest pays.
        Assert.Null(await services.GetRequiredService<WalletService>().AdjustAsync(ownerId, Money.FromFen(-(deposit - 1)).ToDecimalString(), "测试：预存款用尽", Platform));
        var second = await GuestPaysAsync(guest, "second-guest@example.cn", fx.App);
        await Assertions.Expect(store.OrderStatus).ToHaveTextAsync("处理中");
        await Assertions.Expect(store.Keys).ToHaveCountAsync(0);
        await BrowserFixture.ScreenshotsAsync(guest, "own-gateway-order-waiting");
        var resultUrl = guest.Url;

        // The owner sees why, and is alerted.
        await admin.GotoAsync("/admin/orders");
        var row = ownerPage.Locator("tbody tr").Filter(new() { HasText = second });
        await Assertions.Expect(row.GetByTestId("order-status")).ToHaveTextAsync("站长预存款不足");
        await Poll.UntilAsync(async () =>
        {
            await using var db = fx.App.NewContext();
            return await db.Notifications.AnyAsync(n => n.UserId == ownerId && n.Event == NotificationEvent.DepositShort);
        }, "the owner's 预存款不足 notice", 30);

        // The owner tops the 预存款 up through the platform's gateway (pid 1001) on their storefront: the waiting order goes out.
        var ownerStore = await fx.NewPageAsync();
        await new LoginPage(ownerStore, "/s/demo").LoginAsAsync("demo-owner", TestAccounts.DemoPassword, "/s/demo/my/wallet");
        await ownerStore.FillAsync("#recharge-amount", "10");
        await ownerStore.GetByTestId("recharge-alipay").ClickAsync();
        await Assertions.Expect(ownerStore.Locator("body")).ToContainTextAsync("1001");
        await ownerStore.GetByTestId("sandbox-pay").ClickAsync();
        await Assertions.Expect(ownerStore.Locator("h1")).ToHaveTextAsync("充值成功");

        await guest.GotoAsync(resultUrl);
        await Assertions.Expect(store.OrderStatus).ToHaveTextAsync("已发货");
        await Assertions.Expect(store.Keys).ToHaveCountAsync(1);
        var released = await OrderAsync(second);
        Assert.False(released.AwaitingDeposit);
        await using (var db = fx.App.NewContext())
        {
            Assert.Equal(1 + 1000 - CostAtSeller(released), (await db.Wallets.SingleAsync(w => w.UserId == ownerId)).Balance.Fen);
            await LedgerBooks.AssertWalletsEqualTheirLedgersAsync(db);
            await LedgerBooks.AssertDeliveredOrdersBalanceAsync(db);
        }
    }
}
