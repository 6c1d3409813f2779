using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Payments;
using KaMeng.Web.Features.Stations;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Primitives;

namespace KaMeng.Tests.Payments;

/// <summary>The EPay notify against everything a forger or a flaky gateway sends, on each provider.</summary>
public abstract class EPayNotifyTests(DatabaseProvider provider) : IAsyncLifetime
{
    const string MainKey = "main-key-0123456789", DemoKey = "demo-key-9876543210";
    static readonly AuditActor Platform = new("test-admin", "admin", null);
    static readonly SiteAddress Site = new("http://shop.test", "");
    CommerceHarness h = default!;
    StationInfo demo = default!;

    public async Task InitializeAsync()
    {
        h = await CommerceHarness.CreateAsync(provider, s => s.AddPaymentServices());
        var settings = h.Get<GatewaySettingsService>();
        Assert.Null(await settings.SaveAsync(Platform, Station.MainStationId, new GatewayForm { BaseUrl = "https://pay.main.test", Pid = "1001", Key = MainKey, Channels = ["alipay", "wxpay"] }));
        await using var db = h.Db.NewContext();
        var demoId = await db.Stations.Where(s => s.Code == "demo").Select(s => s.Id).SingleAsync();
        // The demo substation brings its own merchant account.
        Assert.Null(await settings.SaveAsync(Platform, demoId, new GatewayForm { BaseUrl = "https://pay.demo.test/epay/", Pid = "2002", Key = DemoKey, Channels = ["alipay"] }));
        demo = await h.StationAsync(demoId);
    }

    public async Task DisposeAsync() => await h.DisposeAsync();

    EPayNotifications Notifications => h.Get<EPayNotifications>();

    /// <summary>An order paid to demo's own gateway goes out only against its owner's 预存款 (decision 0019).</summary>
    async Task DepositOfDemoOwnerAsync(long fen)
    {
        await using var db = h.Db.NewContext();
        var ownerId = await db.Stations.Where(s => s.Id == demo.Id).Select(s => s.OwnerUserId!).SingleAsync();
        await db.PostToUserAsync(ownerId, LedgerEntryType.Recharge, Money.FromFen(fen), DateTimeOffset.UtcNow, reason: "预存款");
    }

    async Task<(GatewayRedirect Redirect, Order Order)> GuestOrderAsync(Product product, int quantity = 1, StationInfo? station = null, string channel = "alipay")
    {
        var redirect = await h.Get<EPayCheckout>().StartOrderAsync(station ?? CommerceHarness.Main,
            new GatewayCheckoutRequest(product.Id, quantity, channel, Guid.NewGuid().ToString("N"), null, "guest@example.cn", "668899"), Site);
        Assert.Null(redirect.Error);
        await using var db = h.Db.NewContext();
        return (redirect, await db.Orders.AsNoTracking().SingleAsync(o => o.Number == redirect.OutTradeNo));
    }

    static Dictionary<string, StringValues> Notify(string outTradeNo, string money, string key, string tradeNo = "2026112200000001",
        string type = "alipay", string pid = "1001", string status = "TRADE_SUCCESS") =>
        SignedNotify.Parameters(outTradeNo, money, key, tradeNo, type, pid, status);

    async Task<Order> ReloadAsync(Order order)
    {
        await using var db = h.Db.NewContext();
        return await db.Orders.AsNoTracking().SingleAsync(o => o.Id == order.Id);
    }

    async Task<int> KeysSoldToAsync(Order order)
    {
        await using var db = h.Db.NewContext();
        return await db.CardKeys.CountAsync(k => k.OrderId == order.Id);
    }

    [Fact]
    public async Task The_redirect_goes_to_submit_php_signed_with_the_product_name_as_name_and_the_order_number_as_out_trade_no()
    {
        var product = await h.AddCardKeyProductAsync(3, priceFen: 1000);
        var (redirect, order) = await GuestOrderAsync(product, 2, channel: "wxpay");
        Assert.StartsWith("https://pay.main.test/submit.php?", redirect.Url);
        var query = QueryHelpers.ParseQuery(new Uri(redirect.Url!).Query).ToDictionary(kv => kv.Key, kv => (string?)kv.Value.ToString());
        Assert.Equal(order.Number, query["out_trade_no"]);
        // Buyers see 商品名称 on the cashier: the product's name, not the order number (issue 18 §2).
        Assert.Equal(product.Name, query["name"]);
        Assert.Equal(product.Name, order.ProductName);
        Assert.Equal("20.00", query["money"]);
        Assert.Equal("wxpay", query["type"]);
        Assert.Equal("1001", query["pid"]);
        Assert.Equal("http://shop.test/pay/epay/notify", query["notify_url"]);
        Assert.Equal($"http://shop.test/pay/result/{order.Number}", query["return_url"]);
        Assert.Equal("MD5", query["sign_type"]);
        Assert.True(EPaySignature.Verify(query, query["sign"], MainKey));
        Assert.Equal(OrderStatus.PendingPayment, order.Status);
        Assert.Null(order.BuyerUserId);
    }

    [Fact]
    public async Task A_guest_must_leave_a_contact_and_a_query_password()
    {
        var product = await h.AddCardKeyProductAsync(3);
        var checkout = h.Get<EPayCheckout>();
        var noContact = await checkout.StartOrderAsync(CommerceHarness.Main, new GatewayCheckoutRequest(product.Id, 1, "alipay", Guid.NewGuid().ToString("N"), null, " ", "668899"), Site);
        Assert.Contains("联系方式", noContact.Error);
        var noPassword = await checkout.StartOrderAsync(CommerceHarness.Main, new GatewayCheckoutRequest(product.Id, 1, "alipay", Guid.NewGuid().ToString("N"), null, "a@b.cn", null), Site);
        Assert.Contains("查单密码", noPassword.Error);
        var disabledChannel = await checkout.StartOrderAsync(CommerceHarness.Main, new GatewayCheckoutRequest(product.Id, 1, "qqpay", Guid.NewGuid().ToString("N"), null, "a@b.cn", "668899"), Site);
        Assert.NotNull(disabledChannel.Error);
        await using var db = h.Db.NewContext();
        Assert.Equal(0, await db.Orders.CountAsync(o => o.ProductId == product.Id));
    }

    [Fact]
    public async Task A_verified_notify_marks_the_order_paid_and_delivers_the_keys()
    {
        var product = await h.AddCardKeyProductAsync(3, priceFen: 1000);
        var (_, order) = await GuestOrderAsync(product, 2);
        Assert.Equal(PaymentOutcome.Accepted, await Notifications.HandleAsync(Notify(order.Number, "20.00", MainKey, tradeNo: "GW-1")));
        var paid = await ReloadAsync(order);
        Assert.Equal(OrderStatus.Delivered, paid.Status);
        Assert.Equal(PaymentMethod.EPay, paid.PaymentMethod);
        Assert.Equal("GW-1", paid.GatewayTradeNo);
        Assert.Equal(2, await KeysSoldToAsync(order));
        // The same notify again changes nothing and is still answered as accepted.
        Assert.Equal(PaymentOutcome.Replay, await Notifications.HandleAsync(Notify(order.Number, "20.00", MainKey, tradeNo: "GW-1")));
        Assert.Equal(2, await KeysSoldToAsync(order));
    }

    [Fact]
    public async Task A_gateway_order_a_rule_holds_is_paid_into_the_review_queue_with_its_keys_taken_and_a_replay_changes_nothing()
    {
        var product = await h.AddCardKeyProductAsync(3, priceFen: 1000);
        Assert.Null(await h.Get<KaMeng.Web.Features.Risk.RiskReviewService>().SaveRuleAsync(Platform,
            new RiskRule { Kind = RiskRuleKind.LargeAmount, Threshold = 1500, Action = RiskAction.Review }));
        var (_, order) = await GuestOrderAsync(product, 2);   // ¥20 ≥ ¥15: held once paid
        Assert.Equal(PaymentOutcome.Accepted, await Notifications.HandleAsync(Notify(order.Number, "20.00", MainKey, tradeNo: "GW-HOLD")));
        var held = await ReloadAsync(order);
        Assert.Equal(OrderStatus.UnderReview, held.Status);
        Assert.Equal("GW-HOLD", held.GatewayTradeNo);
        Assert.Equal(2, await KeysSoldToAsync(order));   // taken, so no one else can buy them, but not shown
        Assert.NotNull(held.ReviewDeadline);

        // The gateway retries: nothing is taken or delivered twice.
        Assert.Equal(PaymentOutcome.Replay, await Notifications.HandleAsync(Notify(order.Number, "20.00", MainKey, tradeNo: "GW-HOLD")));
        Assert.Equal(OrderStatus.UnderReview, (await ReloadAsync(order)).Status);
        Assert.Equal(2, await KeysSoldToAsync(order));

        Assert.Null(await h.Get<KaMeng.Web.Features.Risk.RiskReviewService>().ApproveAsync(order.Id, "核实无误", Platform));
        Assert.Equal(OrderStatus.Delivered, (await ReloadAsync(order)).Status);
        Assert.Equal(2, await KeysSoldToAsync(order));
        await using var db = h.Db.NewContext();
        Assert.Equal(1, await db.CardKeys.CountAsync(k => k.ProductId == product.Id && k.Status == CardKeyStatus.Available));
        await LedgerBooks.AssertWalletsEqualTheirLedgersAsync(db);
    }

    public static TheoryData<string, Func<string, Dictionary<string, StringValues>>> Forgeries => new()
    {
        { "wrong sign", no => With(Notify(no, "10.00", MainKey), "sign", "0123456789abcdef0123456789abcdef") },
        { "sign not hex", no => With(Notify(no, "10.00", MainKey), "sign", "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz") },
        { "sign twice (not a string)", no => With(Notify(no, "10.00", MainKey), "sign", new StringValues([Notify(no, "10.00", MainKey)["sign"]!, "x"])) },
        { "sign as an array", no => Without(With(Notify(no, "10.00", MainKey), "sign[]", Notify(no, "10.00", MainKey)["sign"]), "sign") },
        { "sign missing", no => Without(Notify(no, "10.00", MainKey), "sign") },
        { "sign empty", no => With(Notify(no, "10.00", MainKey), "sign", "") },
        { "trade_status not success", no => Notify(no, "10.00", MainKey, status: "TRADE_CLOSED") },
        { "trade_status missing", no => Without(Notify(no, "10.00", MainKey), "trade_status") },
        { "money 1e1", no => Notify(no, "1e1", MainKey) },
        { "money 10.001", no => Notify(no, "10.001", MainKey) },
        { "money -1", no => Notify(no, "-1", MainKey) },
        { "money 9.99", no => Notify(no, "9.99", MainKey) },
        { "money 100.00", no => Notify(no, "100.00", MainKey) },
        { "pid mismatch", no => Notify(no, "10.00", MainKey, pid: "1002") },
        { "type mismatch", no => Notify(no, "10.00", MainKey, type: "wxpay") },
        { "another station's key", no => Notify(no, "10.00", DemoKey) },
        { "another station's pid and key", no => Notify(no, "10.00", DemoKey, pid: "2002") },
        { "sign_type not MD5", no => With(Notify(no, "10.00", MainKey), "sign_type", "RSA") },
        { "trade_no missing", no => Without(Notify(no, "10.00", MainKey), "trade_no") },
    };

    static Dictionary<string, StringValues> With(Dictionary<string, StringValues> p, string key, StringValues value) { p[key] = value; return p; }

    static Dictionary<string, StringValues> Without(Dictionary<string, StringValues> p, string key) { p.Remove(key); return p; }

    [Theory]
    [MemberData(nameof(Forgeries))]
    public async Task A_forged_or_wrong_notify_is_refused_and_changes_nothing(string why, Func<string, Dictionary<string, StringValues>> build)
    {
        var product = await h.AddCardKeyProductAsync(2, priceFen: 1000);
        var (_, order) = await GuestOrderAsync(product);
        Assert.True(PaymentOutcome.Rejected == await Notifications.HandleAsync(build(order.Number)), why);
        Assert.Equal(OrderStatus.PendingPayment, (await ReloadAsync(order)).Status);
        Assert.Equal(0, await KeysSoldToAsync(order));
        // The genuine notify still works afterwards: the refusal left nothing behind.
        Assert.Equal(PaymentOutcome.Accepted, await Notifications.HandleAsync(Notify(order.Number, "10.00", MainKey)));
    }

    [Fact]
    public async Task A_notify_for_an_unknown_order_is_refused()
    {
        Assert.Equal(PaymentOutcome.Rejected, await Notifications.HandleAsync(Notify("20990101000000000000000000", "10.00", MainKey)));
        await using var db = h.Db.NewContext();
        Assert.Equal(0, await db.PaymentIssues.CountAsync());
    }

    [Fact]
    public async Task A_substation_order_verifies_with_the_substation_key_only()
    {
        var product = await h.AddCardKeyProductAsync(2, priceFen: 1000);
        await DepositOfDemoOwnerAsync(10_000);
        var (redirect, order) = await GuestOrderAsync(product, station: demo);
        Assert.StartsWith("https://pay.demo.test/epay/submit.php?", redirect.Url);
        var money = order.Total.ToDecimalString();
        Assert.Equal(PaymentOutcome.Rejected, await Notifications.HandleAsync(Notify(order.Number, money, MainKey, pid: "2002")));
        Assert.Equal(PaymentOutcome.Rejected, await Notifications.HandleAsync(Notify(order.Number, money, MainKey, pid: "1001")));
        Assert.Equal(PaymentOutcome.Accepted, await Notifications.HandleAsync(Notify(order.Number, money, DemoKey, pid: "2002")));
        Assert.Equal(OrderStatus.Delivered, (await ReloadAsync(order)).Status);
    }

    [Fact]
    public async Task Fifty_parallel_replays_deliver_once_and_settle_once()
    {
        var product = await h.AddCardKeyProductAsync(10, priceFen: 1000);
        await DepositOfDemoOwnerAsync(10_000);
        var (_, order) = await GuestOrderAsync(product, 2, station: demo);
        var notify = Notify(order.Number, order.Total.ToDecimalString(), DemoKey, pid: "2002", tradeNo: "GW-50");
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Task.Run(() => Notifications.HandleAsync(notify))));
        Assert.Equal(1, outcomes.Count(o => o == PaymentOutcome.Accepted));
        Assert.Equal(49, outcomes.Count(o => o == PaymentOutcome.Replay));
        Assert.Equal(2, await KeysSoldToAsync(order));
        await using var db = h.Db.NewContext();
        // Paid to demo's own merchant: the platform's share is settled from the owner's 预存款 once (demo sits right under the
        // main station, so no upstream owner earns); the owner's margin is in their own account.
        Assert.Equal(1, await db.LedgerEntries.CountAsync(e => e.OrderId == order.Id));
        Assert.Equal(LedgerEntryType.Settlement, (await db.LedgerEntries.SingleAsync(e => e.OrderId == order.Id)).Type);
        await h.AssertBooksAsync();
    }

    [Fact]
    public async Task Fifty_parallel_replays_of_a_recharge_post_one_ledger_entry()
    {
        var buyer = (await h.AddBuyersAsync(1, balanceFen: 0))[0];
        var redirect = await h.Get<EPayCheckout>().StartRechargeAsync(CommerceHarness.Main, buyer, "12.30", "alipay", Site);
        Assert.Null(redirect.Error);
        var notify = Notify(redirect.OutTradeNo!, "12.30", MainKey, tradeNo: "GW-R");
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Task.Run(() => Notifications.HandleAsync(notify))));
        Assert.Equal(1, outcomes.Count(o => o == PaymentOutcome.Accepted));
        Assert.Equal(1230, await h.BalanceAsync(buyer));
        await using var db = h.Db.NewContext();
        Assert.Equal(1, await db.LedgerEntries.CountAsync(e => e.Type == LedgerEntryType.Recharge && e.Reason!.Contains(redirect.OutTradeNo!)));
        await h.AssertEveryWalletEqualsItsLedgerAsync();
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("0.99")]
    [InlineData("50000.01")]
    [InlineData("1.234")]
    public async Task A_recharge_amount_out_of_range_is_refused(string amount)
    {
        var buyer = (await h.AddBuyersAsync(1, balanceFen: 0))[0];
        Assert.NotNull((await h.Get<EPayCheckout>().StartRechargeAsync(CommerceHarness.Main, buyer, amount, "alipay", Site)).Error);
    }

    [Fact]
    public async Task Another_trade_no_for_a_paid_order_raises_one_finance_alert_and_changes_nothing()
    {
        var product = await h.AddCardKeyProductAsync(3, priceFen: 1000);
        var (_, order) = await GuestOrderAsync(product);
        Assert.Equal(PaymentOutcome.Accepted, await Notifications.HandleAsync(Notify(order.Number, "10.00", MainKey, tradeNo: "GW-A")));
        Assert.Equal(PaymentOutcome.Alerted, await Notifications.HandleAsync(Notify(order.Number, "10.00", MainKey, tradeNo: "GW-B")));
        Assert.Equal(PaymentOutcome.Alerted, await Notifications.HandleAsync(Notify(order.Number, "10.00", MainKey, tradeNo: "GW-B")));
        Assert.Equal("GW-A", (await ReloadAsync(order)).GatewayTradeNo);
        Assert.Equal(1, await KeysSoldToAsync(order));
        await using var db = h.Db.NewContext();
        var issue = await db.PaymentIssues.SingleAsync(i => i.OutTradeNo == order.Number);
        Assert.Equal(PaymentIssueKind.DifferentTradeNo, issue.Kind);
        Assert.Equal("GW-B", issue.TradeNo);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_notify_after_expiry_goes_to_reconciliation_and_does_not_revive_the_order(bool expiryJobRan)
    {
        var product = await h.AddCardKeyProductAsync(3, priceFen: 1000);
        var (_, order) = await GuestOrderAsync(product);
        await using (var db = h.Db.NewContext())
            await db.Orders.Where(o => o.Id == order.Id).ExecuteUpdateAsync(s => s.SetProperty(o => o.ExpiresAt, DateTimeOffset.UtcNow.AddMinutes(-1)));
        if (expiryJobRan) Assert.Equal(1, await h.Orders.ExpireUnpaidAsync());

        Assert.Equal(PaymentOutcome.Recorded, await Notifications.HandleAsync(Notify(order.Number, "10.00", MainKey, tradeNo: "GW-LATE")));
        Assert.Equal(PaymentOutcome.Replay, await Notifications.HandleAsync(Notify(order.Number, "10.00", MainKey, tradeNo: "GW-LATE")));
        var after = await ReloadAsync(order);
        Assert.Equal(expiryJobRan ? OrderStatus.Cancelled : OrderStatus.PendingPayment, after.Status);
        Assert.Equal(0, await KeysSoldToAsync(order));
        await using var check = h.Db.NewContext();
        var issue = await check.PaymentIssues.SingleAsync(i => i.OutTradeNo == order.Number);
        Assert.Equal(PaymentIssueKind.PaidAfterExpiry, issue.Kind);
        Assert.Equal(GatewayPaymentStatus.PaidLate, (await check.GatewayPayments.SingleAsync(p => p.OrderId == order.Id)).Status);
        // The expiry job does not cancel it twice or touch the payment.
        await h.Orders.ExpireUnpaidAsync();
        Assert.Equal(OrderStatus.Cancelled, (await ReloadAsync(order)).Status);
    }

    [Fact]
    public async Task A_payment_arriving_after_the_keys_ran_out_waits_in_the_processing_queue_and_alerts_finance()
    {
        var product = await h.AddCardKeyProductAsync(1, priceFen: 1000);
        var (_, first) = await GuestOrderAsync(product);
        var (_, second) = await GuestOrderAsync(product);
        Assert.Equal(PaymentOutcome.Accepted, await Notifications.HandleAsync(Notify(first.Number, "10.00", MainKey, tradeNo: "GW-1")));
        Assert.Equal(PaymentOutcome.Accepted, await Notifications.HandleAsync(Notify(second.Number, "10.00", MainKey, tradeNo: "GW-2")));
        Assert.Equal(OrderStatus.Delivered, (await ReloadAsync(first)).Status);
        Assert.Equal(OrderStatus.Processing, (await ReloadAsync(second)).Status);
        Assert.Equal(0, await KeysSoldToAsync(second));
        await using var db = h.Db.NewContext();
        Assert.Equal(PaymentIssueKind.PaidOutOfStock, (await db.PaymentIssues.SingleAsync(i => i.OutTradeNo == second.Number)).Kind);
    }
}

public sealed class SqliteEPayNotifyTests() : EPayNotifyTests(DatabaseProvider.Sqlite);

public sealed class PostgresEPayNotifyTests() : EPayNotifyTests(DatabaseProvider.Postgres);
