using System.Net;
using System.Text;
using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Tests.Payments;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Payments;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KaMeng.Tests.Refunds;

/// <summary>A gateway that answers api.php?act=refund as told, and remembers every call.</summary>
sealed class FakeRefundGateway : HttpMessageHandler
{
    public List<Dictionary<string, string>> Calls { get; } = [];
    public string? FailWith { get; set; }
    readonly HashSet<string> refunded = [];
    public int Paid => refunded.Count;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        var form = QueryHelpers.ParseQuery(await request.Content!.ReadAsStringAsync(ct)).ToDictionary(kv => kv.Key, kv => kv.Value.ToString());
        lock (Calls) Calls.Add(form);
        var json = FailWith is { } error
            ? $$"""{"code":-1,"msg":"{{error}}"}"""
            : (refunded.Add(form["out_refund_no"]) || true) ? $$"""{"code":1,"msg":"退款成功","refund_no":"GWR-{{form["out_refund_no"]}}"}""" : "";
        return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
    }
}

/// <summary>Issue 15 §4: one record per refund, partial refunds within what remains, real money back for gateway orders.</summary>
public abstract class RefundRecordTests(DatabaseProvider provider) : IAsyncLifetime
{
    const string MainKey = "main-key-0123456789";
    static readonly AuditActor Platform = new("admin-id", "admin", null);
    static readonly AuditActor Finance = new("finance-id", "finance", null);
    static readonly SiteAddress Site = new("http://shop.test", "");
    CommerceHarness h = default!;
    readonly FakeRefundGateway gateway = new();
    Product product = default!;

    public async Task InitializeAsync()
    {
        h = await CommerceHarness.CreateAsync(provider, s =>
        {
            s.AddPaymentServices();
            s.AddHttpClient(EPayReconciliation.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => gateway);
        });
        Assert.Null(await h.Get<GatewaySettingsService>().SaveAsync(Platform, Station.MainStationId,
            new GatewayForm { BaseUrl = "https://pay.main.test", Pid = "1001", Key = MainKey, Channels = ["alipay"] }));
        product = await h.AddCardKeyProductAsync(keys: 10, priceFen: 1000);
    }

    public async Task DisposeAsync() => await h.DisposeAsync();

    RefundService Refunds => h.Get<RefundService>();

    async Task<Order> BalanceOrderAsync(string buyer, int quantity = 1)
    {
        var result = await h.Checkout.PlaceBalanceOrderAsync(CommerceHarness.Main, new CheckoutRequest(product.Id, quantity, buyer, Guid.NewGuid().ToString("N")));
        Assert.True(result.Succeeded, result.Error);
        return await OrderAsync(result.OrderNumber!);
    }

    /// <summary>A gateway order (of a signed-in buyer, or a guest when <paramref name="buyer"/> is null), paid by a verified notify.</summary>
    async Task<Order> GatewayOrderAsync(string? buyer, int quantity = 1)
    {
        var redirect = await h.Get<EPayCheckout>().StartOrderAsync(CommerceHarness.Main,
            new GatewayCheckoutRequest(product.Id, quantity, "alipay", Guid.NewGuid().ToString("N"), buyer, buyer is null ? "guest@example.cn" : null, buyer is null ? "668899" : null), Site);
        Assert.Null(redirect.Error);
        var order = await OrderAsync(redirect.OutTradeNo!);
        Assert.Equal(PaymentOutcome.Accepted, await h.Get<EPayNotifications>().HandleAsync(
            SignedNotify.Parameters(order.Number, order.Total.ToDecimalString(), MainKey, tradeNo: "GW-" + order.Number)));
        return await OrderAsync(order.Number);
    }

    async Task<Order> OrderAsync(string number)
    {
        await using var db = h.Db.NewContext();
        return await db.Orders.AsNoTracking().SingleAsync(o => o.Number == number);
    }

    async Task<List<Refund>> RefundsOfAsync(Order order)
    {
        await using var db = h.Db.NewContext();
        return await db.Refunds.AsNoTracking().Where(r => r.OrderId == order.Id).OrderBy(r => r.Id).ToListAsync();
    }

    [Fact]
    public async Task A_refund_above_what_remains_is_refused_and_changes_nothing()
    {
        var buyer = (await h.AddBuyersAsync(1, balanceFen: 10000))[0];
        var order = await BalanceOrderAsync(buyer); // ¥10
        var first = await Refunds.RefundAsync(new RefundRequest(order.Id, "少发一张", "3.00"), Platform);
        Assert.Null(first.Error);
        Assert.Equal(RefundStatus.Completed, first.Status);
        Assert.Equal(10000 - 1000 + 300, await h.BalanceAsync(buyer));

        var tooMuch = await Refunds.RefundAsync(new RefundRequest(order.Id, "再退", "7.01"), Platform);
        Assert.Equal("退款金额 ¥7.01 超过可退金额 ¥7.00（已付 ¥10.00）", tooMuch.Error);
        Assert.Equal("退款金额须为大于 0 的金额（最多两位小数）", (await Refunds.RefundAsync(new RefundRequest(order.Id, "再退", "-1"), Platform)).Error);
        Assert.Equal(10000 - 1000 + 300, await h.BalanceAsync(buyer));
        Assert.Single(await RefundsOfAsync(order));
        Assert.Equal(OrderStatus.Delivered, (await OrderAsync(order.Number)).Status);

        Assert.Null((await Refunds.RefundAsync(new RefundRequest(order.Id, "其余退回", "7"), Platform)).Error);
        Assert.Equal(10000, await h.BalanceAsync(buyer));
        Assert.Equal(OrderStatus.Refunded, (await OrderAsync(order.Number)).Status);
        Assert.Equal([300L, 700L], (await RefundsOfAsync(order)).Select(r => r.Amount.Fen));
        Assert.Equal("订单状态为「已退款」，不能退款", (await Refunds.RefundAsync(new RefundRequest(order.Id, "又退", "0.01"), Platform)).Error);
        await h.AssertEveryWalletEqualsItsLedgerAsync();
    }

    [Fact]
    public async Task Partial_refunds_reverse_each_share_in_proportion_and_add_up_to_it_exactly()
    {
        // Shares of 333 fen on 1000 paid, refunded as 1 + 333 + 666 fen: floor-cumulative gives 0 + 111 + 222 = 333.
        Assert.Equal(0, RefundShares.Reversal(333, 1000, 0, 1));
        Assert.Equal(111, RefundShares.Reversal(333, 1000, 1, 333));
        Assert.Equal(222, RefundShares.Reversal(333, 1000, 334, 666));
        Assert.Throws<ArgumentOutOfRangeException>(() => RefundShares.Reversal(333, 1000, 500, 501));

        // On a sale at the demo substation, whose owner earns a margin.
        int demoId;
        await using (var db = h.Db.NewContext()) demoId = await db.Stations.Where(s => s.Code == "demo").Select(s => s.Id).SingleAsync();
        var demo = await h.StationAsync(demoId);
        var buyer = (await h.AddBuyersAsync(1, balanceFen: 100000))[0];
        var result = await h.Checkout.PlaceBalanceOrderAsync(demo, new CheckoutRequest(product.Id, 3, buyer, Guid.NewGuid().ToString("N")));
        Assert.True(result.Succeeded, result.Error);
        var order = await OrderAsync(result.OrderNumber!);
        long Net(List<LedgerEntry> entries, int walletId) => entries.Where(e => e.WalletId == walletId).Sum(e => e.Amount.Fen);
        List<LedgerEntry> shares;
        await using (var db = h.Db.NewContext())
            shares = await db.LedgerEntries.AsNoTracking().Where(e => e.OrderId == order.Id && e.Type == LedgerEntryType.Earning).ToListAsync();
        Assert.NotEmpty(shares);

        foreach (var piece in new[] { "0.01", "10.00" })
            Assert.Null((await Refunds.RefundAsync(new RefundRequest(order.Id, "部分退款", piece), Platform)).Error);
        Assert.Null((await Refunds.RefundAsync(new RefundRequest(order.Id, "其余退回"), Platform)).Error);

        await using (var db = h.Db.NewContext())
        {
            var entries = await db.LedgerEntries.AsNoTracking().Where(e => e.OrderId == order.Id).ToListAsync();
            foreach (var wallet in shares.Select(s => s.WalletId).Distinct())
                Assert.Equal(0, Net(entries, wallet)); // every share given back to the fen
        }
        Assert.Equal(100000, await h.BalanceAsync(buyer));
        await h.AssertEveryWalletEqualsItsLedgerAsync();
    }

    [Fact]
    public async Task A_gateway_paid_order_refund_returns_money_to_the_buyer()
    {
        var buyer = (await h.AddBuyersAsync(1, balanceFen: 0))[0];
        var order = await GatewayOrderAsync(buyer);
        Assert.Equal(OrderStatus.Delivered, order.Status);

        // The system's refund (as after a failed procurement): a signed-in buyer gets it in their balance.
        Assert.Null(await h.Orders.RefundAsync(order.Id, "上游采购失败", Platform));
        Assert.Equal(1000, await h.BalanceAsync(buyer));
        Assert.Equal(OrderStatus.Refunded, (await OrderAsync(order.Number)).Status);
        var refund = Assert.Single(await RefundsOfAsync(order));
        Assert.Equal((RefundMethod.Balance, RefundStatus.Completed, 1000L), (refund.Method, refund.Status, refund.Amount.Fen));

        // A guest's comes back through the gateway, with our refund number.
        var guestOrder = await GatewayOrderAsync(null);
        var outcome = await Refunds.RefundAsync(new RefundRequest(guestOrder.Id, "买家申请"), Platform);
        Assert.Null(outcome.Error);
        Assert.Equal(RefundStatus.Completed, outcome.Status);
        var call = Assert.Single(gateway.Calls);
        Assert.Equal(("1001", MainKey, "GW-" + guestOrder.Number, "10.00"), (call["pid"], call["key"], call["trade_no"], call["money"]));
        var made = Assert.Single(await RefundsOfAsync(guestOrder));
        Assert.Equal(call["out_refund_no"], made.Number);
        Assert.Equal("GWR-" + made.Number, made.GatewayReference);
        Assert.Equal(OrderStatus.Refunded, (await OrderAsync(guestOrder.Number)).Status);
        await h.AssertEveryWalletEqualsItsLedgerAsync();
    }

    [Fact]
    public async Task A_station_that_refunds_through_the_gateway_sends_a_signed_in_buyers_money_back_there()
    {
        var gateways = h.Get<GatewaySettingsService>();
        Assert.Equal("退款方式只能是退回余额或原路退回", await gateways.SaveRefundMethodAsync(Platform, Station.MainStationId, RefundMethod.Manual));
        Assert.Equal("无权修改该站点的支付设置", await gateways.SaveRefundMethodAsync(new AuditActor("someone", "owner", 99), Station.MainStationId, RefundMethod.Gateway));
        Assert.Equal(RefundMethod.Balance, await gateways.RefundMethodAsync(Platform, Station.MainStationId));
        Assert.Null(await gateways.SaveRefundMethodAsync(Platform, Station.MainStationId, RefundMethod.Gateway));
        var buyer = (await h.AddBuyersAsync(1, balanceFen: 0))[0];
        var order = await GatewayOrderAsync(buyer);
        Assert.Equal(RefundMethod.Gateway, (await Refunds.QuoteAsync(order.Id, Platform))!.DefaultMethod);

        var outcome = await Refunds.RefundAsync(new RefundRequest(order.Id, "买家申请"), Platform);

        Assert.Equal(RefundStatus.Completed, outcome.Status);
        Assert.Equal(0, await h.BalanceAsync(buyer));
        Assert.Equal("10.00", Assert.Single(gateway.Calls)["money"]);
        Assert.Equal(RefundMethod.Gateway, Assert.Single(await RefundsOfAsync(order)).Method);
        await h.AssertEveryWalletEqualsItsLedgerAsync();
    }

    [Fact]
    public async Task A_failed_gateway_refund_stays_refunding_and_is_retried_once()
    {
        var order = await GatewayOrderAsync(null);
        gateway.FailWith = "商户余额不足";
        var outcome = await Refunds.RefundAsync(new RefundRequest(order.Id, "卡密无效", Method: RefundMethod.Gateway), Platform);
        Assert.Null(outcome.Error);
        Assert.Equal(RefundStatus.Pending, outcome.Status);
        Assert.Equal(OrderStatus.Refunding, (await OrderAsync(order.Number)).Status);
        var pending = Assert.Single(await RefundsOfAsync(order));
        Assert.Contains("商户余额不足", pending.LastError);
        Assert.Equal("订单状态为「退款中」，不能退款", (await Refunds.RefundAsync(new RefundRequest(order.Id, "再退一次"), Platform)).Error);

        gateway.FailWith = null;
        var reconciliation = h.Get<EPayReconciliation>();
        var first = await reconciliation.ReconcileAsync();
        Assert.Equal((1, 1), (first.RefundsRetried, first.RefundsCompleted));
        var second = await reconciliation.ReconcileAsync();
        Assert.Equal(0, second.RefundsRetried);

        Assert.Equal(OrderStatus.Refunded, (await OrderAsync(order.Number)).Status);
        var done = Assert.Single(await RefundsOfAsync(order));
        Assert.Equal((RefundStatus.Completed, 2, (string?)null), (done.Status, done.Attempts, done.LastError));
        Assert.Equal(2, gateway.Calls.Count);
        Assert.All(gateway.Calls, c => Assert.Equal(done.Number, c["out_refund_no"]));
        Assert.Equal(1, gateway.Paid);
        await h.AssertEveryWalletEqualsItsLedgerAsync();
    }

    [Fact]
    public async Task A_guest_refund_by_hand_waits_for_finance_who_marks_it_done()
    {
        var order = await GatewayOrderAsync(null);
        var outcome = await Refunds.RefundAsync(new RefundRequest(order.Id, "网关已关闭", Method: RefundMethod.Manual), Platform);
        Assert.Equal(RefundStatus.Pending, outcome.Status);
        Assert.Equal(OrderStatus.Refunding, (await OrderAsync(order.Number)).Status);
        var task = Assert.Single(await Refunds.ListAsync(Finance, RefundStatus.Pending, RefundMethod.Manual));
        Assert.Equal("guest@example.cn", task.Contact);
        Assert.Empty(gateway.Calls);

        Assert.Equal("只有平台财务可以处理人工退款", await Refunds.CompleteManualAsync(task.Id, "支付宝转账", new AuditActor("owner", "owner", 2)));
        Assert.Equal("请填写退款方式和流水号", await Refunds.CompleteManualAsync(task.Id, " ", Finance));
        Assert.Null(await Refunds.CompleteManualAsync(task.Id, "支付宝转账 2026120300001", Finance));
        Assert.Equal("该退款已处理", await Refunds.CompleteManualAsync(task.Id, "again", Finance));
        Assert.Equal(OrderStatus.Refunded, (await OrderAsync(order.Number)).Status);
        await h.AssertEveryWalletEqualsItsLedgerAsync();
    }
}

public sealed class SqliteRefundRecordTests() : RefundRecordTests(DatabaseProvider.Sqlite);

public sealed class PostgresRefundRecordTests() : RefundRecordTests(DatabaseProvider.Postgres);
