using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Payments;
using KaMeng.Web.Features.Stations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Primitives;

namespace KaMeng.Tests.Payments;

/// <summary>
/// 分站独立收款 against a hostile owner: the demo substation's owner saves their own EPay merchant, so they know its key and
/// can sign any notify for it. Money paid there is theirs; the platform's share of every order comes out of their 预存款
/// (decision 0019), and nothing of it ever becomes platform-wide balance.
/// </summary>
public abstract class OwnGatewaySettlementTests(DatabaseProvider provider) : IAsyncLifetime
{
    const string MainKey = "main-key-0123456789", OwnerKey = "owner-key-9876543210";
    static readonly SiteAddress Site = new("http://shop.test", "");
    CommerceHarness h = default!;
    readonly KaMeng.Tests.Refunds.FakeRefundGateway refundGateway = new();
    StationInfo demo = default!;
    string ownerId = default!;
    AuditActor owner = default!;

    public async Task InitializeAsync()
    {
        h = await CommerceHarness.CreateAsync(provider, s =>
        {
            s.AddPaymentServices();
            s.AddHttpClient(EPayReconciliation.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => refundGateway);
        });
        var settings = h.Get<GatewaySettingsService>();
        Assert.Null(await settings.SaveAsync(new AuditActor("test-admin", "admin", null), Station.MainStationId,
            new GatewayForm { BaseUrl = "https://pay.main.test", Pid = "1001", Key = MainKey, Channels = ["alipay"] }));
        await using var db = h.Db.NewContext();
        var station = await db.Stations.SingleAsync(s => s.Code == "demo");
        ownerId = station.OwnerUserId!;
        owner = new AuditActor(ownerId, "demo-owner", station.Id);
        // The owner brings their own merchant account: the demo's level (高级) allows it.
        Assert.Null(await settings.SaveAsync(owner, station.Id, new GatewayForm { BaseUrl = "https://pay.owner.test/", Pid = "2002", Key = OwnerKey, Channels = ["alipay"] }));
        demo = await h.StationAsync(station.Id);
    }

    public async Task DisposeAsync() => await h.DisposeAsync();

    EPayNotifications Notifications => h.Get<EPayNotifications>();

    static Dictionary<string, StringValues> OwnerSigned(string outTradeNo, Money money, string tradeNo) =>
        SignedNotify.Parameters(outTradeNo, money.ToDecimalString(), OwnerKey, tradeNo, pid: "2002");

    async Task<Order> GuestOrderAtDemoAsync(Product product, int quantity = 1, string? buyerUserId = null)
    {
        var redirect = await h.Get<EPayCheckout>().StartOrderAsync(demo,
            new GatewayCheckoutRequest(product.Id, quantity, "alipay", CheckoutRequest.NewIdempotencyKey(), buyerUserId, buyerUserId is null ? "guest@example.cn" : null,
                buyerUserId is null ? "668899" : null), Site);
        Assert.Null(redirect.Error);
        Assert.StartsWith("https://pay.owner.test/submit.php?", redirect.Url);
        return await ReloadAsync(redirect.OutTradeNo!);
    }

    async Task<Order> ReloadAsync(string number)
    {
        await using var db = h.Db.NewContext();
        return await db.Orders.AsNoTracking().SingleAsync(o => o.Number == number);
    }

    async Task<int> KeysSoldToAsync(Order order)
    {
        await using var db = h.Db.NewContext();
        return await db.CardKeys.CountAsync(k => k.OrderId == order.Id);
    }

    /// <summary>A ¥10 card at the demo station, ¥100 of 预存款, and an order of it paid to the owner's gateway and delivered.</summary>
    async Task<Order> PaidToOwnerAsync(int quantity, string tradeNo, string? buyerUserId = null)
    {
        var product = await h.AddCardKeyProductAsync(5, priceFen: 1000);
        await DepositAsync(10_000);
        var order = await GuestOrderAtDemoAsync(product, quantity, buyerUserId);
        Assert.Equal(PaymentOutcome.Accepted, await Notifications.HandleAsync(OwnerSigned(order.Number, order.Total, tradeNo)));
        return order;
    }

    static long CostAtSeller(Order order) => PriceResolver.ReadSnapshot(order.PriceChainJson)[^1].CostFen * order.Quantity;

    async Task DepositAsync(long fen) =>
        Assert.Null(await h.Wallets.AdjustAsync(ownerId, Money.FromFen(fen).ToDecimalString(), "预存款充值", new AuditActor("test-finance", "finance", null)));

    [Fact]
    public async Task An_owner_signing_their_own_gateways_notify_cannot_mint_platform_balance()
    {
        // The recharge of 我的余额 on the owner's station goes to the platform's merchant, never the owner's.
        var redirect = await h.Get<EPayCheckout>().StartRechargeAsync(demo, ownerId, "50000.00", "alipay", Site);
        Assert.Null(redirect.Error);
        Assert.StartsWith("https://pay.main.test/submit.php?", redirect.Url);
        // The owner signs a notify for it with the key they know: refused.
        Assert.Equal(PaymentOutcome.Rejected, await Notifications.HandleAsync(OwnerSigned(redirect.OutTradeNo!, Money.FromYuan(50000), "FORGED-1")));

        // A recharge that did go to the owner's merchant (as the old code sent them) is never credited either, however it is signed.
        var legacy = "R" + OrderNumber.New(DateTimeOffset.UtcNow)[1..];
        await using (var db = h.Db.NewContext())
        {
            var ownGateway = await db.PaymentGateways.SingleAsync(g => g.StationId == demo.Id);
            db.GatewayPayments.Add(new GatewayPayment
            {
                OutTradeNo = legacy, StationId = demo.Id, GatewayId = ownGateway.Id, Channel = "alipay",
                Kind = GatewayPaymentKind.Recharge, UserId = ownerId, Amount = Money.FromYuan(50000), CreatedAt = DateTimeOffset.UtcNow,
            });
            await db.SaveChangesAsync();
        }
        Assert.Equal(PaymentOutcome.Rejected, await Notifications.HandleAsync(OwnerSigned(legacy, Money.FromYuan(50000), "FORGED-2")));
        await using (var db = h.Db.NewContext())
            Assert.Equal(GatewayPaymentStatus.Pending, (await db.GatewayPayments.AsNoTracking().SingleAsync(p => p.OutTradeNo == legacy)).Status);
        await using (var db = h.Db.NewContext())
            Assert.False(await db.Wallets.AnyAsync(w => w.UserId == ownerId), "no money of any kind reached the owner's wallet");
        await h.AssertBooksAsync();
    }

    [Fact]
    public async Task A_guest_order_paid_to_an_owners_gateway_takes_the_platforms_share_from_the_owners_deposit()
    {
        var product = await h.AddCardKeyProductAsync(5, priceFen: 1000);
        await DepositAsync(10_000);
        var order = await GuestOrderAtDemoAsync(product, 2);

        Assert.Equal(PaymentOutcome.Accepted, await Notifications.HandleAsync(OwnerSigned(order.Number, order.Total, "OWN-1")));

        var paid = await ReloadAsync(order.Number);
        Assert.Equal(OrderStatus.Delivered, paid.Status);
        Assert.True(paid.OwnerCollected);
        Assert.Equal(2, await KeysSoldToAsync(paid));
        var share = CostAtSeller(paid);
        Assert.True(share > 0);
        Assert.Equal(10_000 - share, await h.BalanceAsync(ownerId));
        await using (var db = h.Db.NewContext())
        {
            // The owner's margin is already in their merchant account: no 分站收益 is booked for it on top.
            Assert.False(await db.LedgerEntries.AnyAsync(e => e.OrderId == paid.Id && e.Type == LedgerEntryType.Earning && e.StationId == demo.Id));
            Assert.Equal(-share, (await db.LedgerEntries.SingleAsync(e => e.OrderId == paid.Id && e.Type == LedgerEntryType.Settlement)).Amount.Fen);
        }
        await h.AssertBooksAsync();
    }

    [Fact]
    public async Task A_guest_order_waits_while_the_deposit_is_short_and_goes_out_oldest_first_after_a_top_up()
    {
        var product = await h.AddCardKeyProductAsync(5, priceFen: 1000);
        var first = await GuestOrderAtDemoAsync(product, 2);
        var second = await GuestOrderAtDemoAsync(product, 1);
        // The owner signs both notifies without a fen of 预存款.
        Assert.Equal(PaymentOutcome.Accepted, await Notifications.HandleAsync(OwnerSigned(first.Number, first.Total, "OWN-1")));
        Assert.Equal(PaymentOutcome.Accepted, await Notifications.HandleAsync(OwnerSigned(second.Number, second.Total, "OWN-2")));

        foreach (var held in new[] { await ReloadAsync(first.Number), await ReloadAsync(second.Number) })
        {
            Assert.Equal(OrderStatus.Paid, held.Status);
            Assert.True(held.AwaitingDeposit);
            Assert.Equal("处理中", held.BuyerStatusText);
            Assert.Equal("站长预存款不足", Order.StaffStatusText(held.Status, held.AwaitingDeposit));
            Assert.Equal(0, await KeysSoldToAsync(held));
        }
        await using (var db = h.Db.NewContext())
            Assert.False(await db.Wallets.AnyAsync(w => w.UserId == ownerId && w.Balance != Money.Zero));

        // A top-up that covers the first order only: the first goes out, the second keeps waiting (no jumping the queue).
        var firstShare = CostAtSeller(first);
        await DepositAsync(firstShare + 1);
        var delivered = await ReloadAsync(first.Number);
        Assert.Equal(OrderStatus.Delivered, delivered.Status);
        Assert.False(delivered.AwaitingDeposit);
        Assert.Equal(2, await KeysSoldToAsync(delivered));
        Assert.True((await ReloadAsync(second.Number)).AwaitingDeposit);
        Assert.Equal(1, await h.BalanceAsync(ownerId));

        await DepositAsync(CostAtSeller(second));
        Assert.Equal(OrderStatus.Delivered, (await ReloadAsync(second.Number)).Status);
        Assert.Equal(1, await h.BalanceAsync(ownerId));
        await h.AssertBooksAsync();
    }

    [Fact]
    public async Task A_replayed_owner_notify_settles_once()
    {
        var product = await h.AddCardKeyProductAsync(5, priceFen: 1000);
        await DepositAsync(10_000);
        var order = await GuestOrderAtDemoAsync(product);
        var notify = OwnerSigned(order.Number, order.Total, "OWN-9");
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Task.Run(() => Notifications.HandleAsync(notify))));
        Assert.Equal(1, outcomes.Count(o => o == PaymentOutcome.Accepted));
        Assert.Equal(10_000 - CostAtSeller(order), await h.BalanceAsync(ownerId));
        await h.AssertBooksAsync();
    }

    [Fact]
    public async Task Own_gateways_serve_only_levels_the_platform_allows()
    {
        await using (var db = h.Db.NewContext())
        {
            var levelId = await db.Stations.Where(s => s.Id == demo.Id).Select(s => s.LevelId).SingleAsync();
            var level = await db.StationLevels.SingleAsync(l => l.Id == levelId);
            level.AllowOwnGateway = false;
            await db.SaveChangesAsync();
        }
        var settings = h.Get<GatewaySettingsService>();
        // Buyers now pay the platform, though the owner's account is still saved.
        Assert.Equal(Station.MainStationId, (await settings.ForStationAsync(demo.Id))!.StationId);
        // And the owner cannot save (or change) one.
        Assert.Equal("当前分站等级不支持独立收款，买家将通过平台收款",
            await settings.SaveAsync(owner, demo.Id, new GatewayForm { BaseUrl = "https://pay.owner.test/", Pid = "2003", Key = OwnerKey, Channels = ["alipay"] }));
        await using (var db = h.Db.NewContext())
            Assert.Equal("2002", (await db.PaymentGateways.SingleAsync(g => g.StationId == demo.Id)).Pid);
    }

    [Fact]
    public async Task A_balance_purchase_on_the_same_station_books_the_owners_margin_as_before()
    {
        var product = await h.AddCardKeyProductAsync(5, priceFen: 1000);
        var buyer = (await h.AddBuyersAsync(1))[0];
        var result = await h.Checkout.PlaceBalanceOrderAsync(demo, new CheckoutRequest(product.Id, 1, buyer, CheckoutRequest.NewIdempotencyKey()));
        Assert.True(result.Succeeded, result.Error);
        var order = await ReloadAsync(result.OrderNumber!);
        Assert.False(order.OwnerCollected);
        Assert.Equal(order.Total.Fen - CostAtSeller(order), await h.EarningsAsync(ownerId));
        await h.AssertBooksAsync();
    }
    [Fact]
    public async Task A_refund_of_an_order_paid_to_an_owners_gateway_never_becomes_platform_balance()
    {
        var buyer = (await h.AddBuyersAsync(1, balanceFen: 0))[0];
        var order = await PaidToOwnerAsync(1, "OWN-R1", buyer);
        var refunds = h.Get<RefundService>();

        // The buyer (or the owner for them) asks for the money back as platform balance: refused, nothing written.
        var asBalance = await refunds.RefundAsync(new RefundRequest(order.Id, "不想要了", Method: RefundMethod.Balance), owner);
        Assert.Equal("该订单不能「退回余额」", asBalance.Error);

        var outcome = await refunds.RefundAsync(new RefundRequest(order.Id, "不想要了"), owner);

        Assert.True(outcome.Succeeded, outcome.Error);
        Assert.Equal(RefundStatus.Completed, outcome.Status);
        Assert.Equal(0, await h.BalanceAsync(buyer));
        var call = Assert.Single(refundGateway.Calls);
        Assert.Equal("2002", call["pid"]); // back from the owner's merchant, which took the money
        Assert.Equal(order.Total.ToDecimalString(), call["money"]);
        // The owner pays nothing twice: the platform keeps its settled cost, their merchant returned the price.
        Assert.Equal(10_000 - CostAtSeller(order), await h.BalanceAsync(ownerId));
        Assert.Equal(OrderStatus.Refunded, (await ReloadAsync(order.Number)).Status);
        await h.AssertEveryWalletEqualsItsLedgerAsync();
    }

    [Fact]
    public async Task Staff_refunding_an_order_paid_to_an_owners_gateway_give_the_settled_cost_back_to_the_deposit_in_proportion()
    {
        var order = await PaidToOwnerAsync(2, "OWN-R2");
        var refunds = h.Get<RefundService>();
        var staff = new AuditActor("test-admin", "admin", null);
        var cost = CostAtSeller(order);

        var half = Money.FromFen(order.Total.Fen / 2);
        Assert.True((await refunds.RefundAsync(new RefundRequest(order.Id, "一张卡密无效", half.ToDecimalString()), staff)).Succeeded);
        Assert.Equal(10_000 - cost + cost * half.Fen / order.Total.Fen, await h.BalanceAsync(ownerId));
        Assert.True((await refunds.RefundAsync(new RefundRequest(order.Id, "另一张也无效"), staff)).Succeeded);

        Assert.Equal(10_000, await h.BalanceAsync(ownerId)); // the whole settlement back, to the fen
        Assert.All(refundGateway.Calls, c => Assert.Equal("2002", c["pid"]));
        Assert.Equal(order.Total.Fen, refundGateway.Calls.Sum(c => Money.TryParseYuan(c["money"], out var m) ? m.Fen : 0));
        await h.AssertEveryWalletEqualsItsLedgerAsync();
    }
}


public sealed class SqliteOwnGatewaySettlementTests() : OwnGatewaySettlementTests(DatabaseProvider.Sqlite);

public sealed class PostgresOwnGatewaySettlementTests() : OwnGatewaySettlementTests(DatabaseProvider.Postgres);
