using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Risk;
using KaMeng.Web.Features.Risk.Blacklists;
using KaMeng.Web.Features.Stations;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Tests.Orders;

/// <summary>风控 (issue 21 §2–3): each rule kind trips exactly at its threshold; held orders keep their keys from everyone else
/// until the platform's risk staff decide; owners cannot decide them.</summary>
public class RiskReviewTests
{
    static readonly AuditActor Platform = new("risk-staff", "风控", null);

    static async Task RuleAsync(CommerceHarness h, RiskRuleKind kind, long threshold = 1, int window = 0, RiskDimension dimension = RiskDimension.Buyer,
        RiskAction action = RiskAction.Review, AuditActor? actor = null) =>
        Assert.Null(await h.Get<RiskReviewService>().SaveRuleAsync(actor ?? Platform,
            new RiskRule { Kind = kind, Threshold = threshold, WindowMinutes = window, Dimension = dimension, Action = action }));

    static Task<CheckoutResult> BuyAsync(CommerceHarness h, string buyer, Product product, int quantity = 1, ClientSignals? signals = null, StationInfo? at = null, bool captcha = false) =>
        h.Checkout.PlaceBalanceOrderAsync(at ?? CommerceHarness.Main, new CheckoutRequest(product.Id, quantity, buyer, CheckoutRequest.NewIdempotencyKey(), Signals: signals, CaptchaPassed: captcha));

    static async Task<Order> OrderAsync(CommerceHarness h, CheckoutResult result)
    {
        Assert.True(result.Succeeded, result.Error);
        await using var db = h.Db.NewContext();
        return await db.Orders.AsNoTracking().SingleAsync(o => o.Number == result.OrderNumber);
    }

    static async Task AssertHeldAsync(CommerceHarness h, CheckoutResult result, bool held)
    {
        var order = await OrderAsync(h, result);
        Assert.Equal(held ? OrderStatus.UnderReview : OrderStatus.Delivered, order.Status);
        Assert.Equal(held ? RiskAction.Review : RiskAction.Allow, order.RiskAction);
        if (held) Assert.NotEmpty(RiskEvaluator.ReadHits(order.RiskHitsJson));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Velocity_by_buyer_trips_on_the_nth_order_in_the_window(DatabaseProvider provider)
    {
        await using var h = await CommerceHarness.CreateAsync(provider);
        var product = await h.AddCardKeyProductAsync(10);
        await RuleAsync(h, RiskRuleKind.VelocityCount, threshold: 3, window: 60);
        var buyer = (await h.AddBuyersAsync(1))[0];
        await AssertHeldAsync(h, await BuyAsync(h, buyer, product), false);
        await AssertHeldAsync(h, await BuyAsync(h, buyer, product), false);
        await AssertHeldAsync(h, await BuyAsync(h, buyer, product), true);
    }

    // On PostgreSQL the probe is a prepared statement: after five runs on a connection the server may keep one generic plan,
    // and ANALYZE (as autovacuum runs it) replaces it. Neither may change an answer, and one buyer's count is not another's.
    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Velocity_trips_at_its_threshold_through_many_checkouts_and_a_statistics_refresh(DatabaseProvider provider)
    {
        await using var h = await CommerceHarness.CreateAsync(provider);
        var product = await h.AddCardKeyProductAsync(20);
        await RuleAsync(h, RiskRuleKind.VelocityCount, threshold: 9, window: 60);
        var buyers = await h.AddBuyersAsync(2, balanceFen: 100_000);
        for (var i = 1; i <= 7; i++) await AssertHeldAsync(h, await BuyAsync(h, buyers[0], product), false);
        if (provider == DatabaseProvider.Postgres)
        {
            await using var db = h.Db.NewContext();
            await db.Database.ExecuteSqlRawAsync("ANALYZE \"Orders\"");
        }
        await AssertHeldAsync(h, await BuyAsync(h, buyers[1], product), false);
        await AssertHeldAsync(h, await BuyAsync(h, buyers[0], product), false);   // 8th
        await AssertHeldAsync(h, await BuyAsync(h, buyers[0], product), true);    // 9th
        await AssertHeldAsync(h, await BuyAsync(h, buyers[1], product), false);   // the other buyer's 2nd
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Amount_by_ip_trips_when_the_window_total_reaches_the_threshold(DatabaseProvider provider)
    {
        await using var h = await CommerceHarness.CreateAsync(provider);
        var product = await h.AddCardKeyProductAsync(10, priceFen: 700);
        await RuleAsync(h, RiskRuleKind.VelocityAmount, threshold: 2100, window: 60, dimension: RiskDimension.Ip);
        var buyers = await h.AddBuyersAsync(3);
        var ip = new ClientSignals("192.0.2.7", null, null, null);
        await AssertHeldAsync(h, await BuyAsync(h, buyers[0], product, signals: ip), false);   // ¥7
        await AssertHeldAsync(h, await BuyAsync(h, buyers[1], product, signals: ip), false);   // ¥14
        await AssertHeldAsync(h, await BuyAsync(h, buyers[2], product, signals: ip with { DeviceId = "x" }), true);   // ¥21
        await AssertHeldAsync(h, await BuyAsync(h, buyers[2], product, signals: new ClientSignals("198.51.100.1", null, null, null)), false);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Large_amounts_absolute_against_the_median_and_from_new_accounts_trip_at_their_thresholds(DatabaseProvider provider)
    {
        await using var h = await CommerceHarness.CreateAsync(provider);
        var product = await h.AddCardKeyProductAsync(40, priceFen: 700);
        var buyer = (await h.AddBuyersAsync(1, balanceFen: 100000))[0];
        for (var i = 0; i < 3; i++) await AssertHeldAsync(h, await BuyAsync(h, buyer, product), false);   // history: ¥7 × 3
        await RuleAsync(h, RiskRuleKind.LargeVsMedian, threshold: 500);
        await AssertHeldAsync(h, await BuyAsync(h, buyer, product, 4), false);   // ¥28 < 5 × ¥7
        await AssertHeldAsync(h, await BuyAsync(h, buyer, product, 5), true);    // ¥35 = 5 × ¥7

        await using var h2 = await CommerceHarness.CreateAsync(provider);
        var p2 = await h2.AddCardKeyProductAsync(10, priceFen: 700);
        await RuleAsync(h2, RiskRuleKind.LargeAmount, threshold: 2100);
        await RuleAsync(h2, RiskRuleKind.NewAccountLargeAmount, threshold: 1400, window: 60);
        var fresh = (await h2.AddBuyersAsync(1))[0];
        await AssertHeldAsync(h2, await BuyAsync(h2, fresh, p2, 1), false);
        var held = await OrderAsync(h2, await BuyAsync(h2, fresh, p2, 2));   // ¥14 from an account made just now
        Assert.Equal(OrderStatus.UnderReview, held.Status);
        Assert.Contains("注册不满", Assert.Single(RiskEvaluator.ReadHits(held.RiskHitsJson)).Rule);
        var big = await OrderAsync(h2, await BuyAsync(h2, fresh, p2, 3));     // ¥21: both rules
        Assert.Equal(2, RiskEvaluator.ReadHits(big.RiskHitsJson).Count);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task A_new_province_a_shared_device_many_refunds_and_self_dealing_trip_at_their_thresholds(DatabaseProvider provider)
    {
        await using var h = await CommerceHarness.CreateAsync(provider);
        var product = await h.AddCardKeyProductAsync(30, priceFen: 700);
        await RuleAsync(h, RiskRuleKind.NewProvince);
        await RuleAsync(h, RiskRuleKind.SharedDevice, threshold: 3);
        var buyers = await h.AddBuyersAsync(3);
        await AssertHeldAsync(h, await BuyAsync(h, buyers[0], product, signals: new("192.0.2.1", "dev-a", null, "广东")), false);
        await AssertHeldAsync(h, await BuyAsync(h, buyers[0], product, signals: new("192.0.2.1", "dev-a", null, "广东")), false);
        await AssertHeldAsync(h, await BuyAsync(h, buyers[0], product, signals: new("192.0.2.9", "dev-b", null, "北京")), true);
        await AssertHeldAsync(h, await BuyAsync(h, buyers[1], product, signals: new(null, "dev-a", null, null)), false);   // 2 accounts
        await AssertHeldAsync(h, await BuyAsync(h, buyers[2], product, signals: new(null, "dev-a", null, null)), true);    // 3 accounts

        await using var h2 = await CommerceHarness.CreateAsync(provider);
        var shop = await h2.OpenSellingShopAsync(keys: 10);
        await RuleAsync(h2, RiskRuleKind.ManyRefunds, threshold: 2, window: 24 * 60);
        await RuleAsync(h2, RiskRuleKind.SelfDealing);
        var refunder = (await h2.AddBuyersAsync(1, balanceFen: 100000))[0];
        for (var refunds = 0; refunds < 2; refunds++)
        {
            // Below the threshold (0, then 1 refund in the window): delivered, then refunded.
            var order = await OrderAsync(h2, await BuyAsync(h2, refunder, shop.Product, at: shop.Shop));
            Assert.Equal(OrderStatus.Delivered, order.Status);
            Assert.Null(await h2.Orders.RefundAsync(order.Id, "测试退款", Platform));
        }
        await AssertHeldAsync(h2, await BuyAsync(h2, refunder, shop.Product, at: shop.Shop), true);   // 2 refunds: held
        // The shop's owner buying on the chain, and someone sharing the owner's contact.
        await AssertHeldAsync(h2, await BuyAsync(h2, shop.Owner, shop.Product, at: shop.Shop), true);
        var twin = (await h2.AddBuyersAsync(1, balanceFen: 50000))[0];
        await using (var db = h2.Db.NewContext())
            await db.Users.Where(u => u.Id == shop.Owner || u.Id == twin).ExecuteUpdateAsync(u => u.SetProperty(x => x.Email, "boss@example.cn"));
        await AssertHeldAsync(h2, await BuyAsync(h2, twin, shop.Product, at: shop.Shop), true);
    }

    [Fact]
    public async Task A_rejected_order_tells_the_buyer_nothing_specific_and_charges_nothing_and_a_captcha_rule_wants_a_solved_captcha()
    {
        await using var h = await CommerceHarness.CreateAsync(DatabaseProvider.Sqlite);
        var product = await h.AddCardKeyProductAsync(10, priceFen: 700);
        await RuleAsync(h, RiskRuleKind.LargeAmount, threshold: 2100, action: RiskAction.Reject);
        await RuleAsync(h, RiskRuleKind.LargeAmount, threshold: 1400, action: RiskAction.Captcha);
        var buyer = (await h.AddBuyersAsync(1))[0];
        var refused = await BuyAsync(h, buyer, product, 3);
        Assert.Equal("checkout.risk", refused.ErrorCode);
        Assert.Equal("暂时无法下单，请联系客服", refused.Error);
        Assert.Equal("checkout.captcha", (await BuyAsync(h, buyer, product, 2)).ErrorCode);
        Assert.Equal(10000, await h.BalanceAsync(buyer));
        var order = await OrderAsync(h, await BuyAsync(h, buyer, product, 2, captcha: true));
        Assert.Equal(OrderStatus.Delivered, order.Status);
        Assert.Equal(RiskAction.Captcha, order.RiskAction);

        // Bad rules are refused and change nothing.
        var service = h.Get<RiskReviewService>();
        Assert.Equal("阈值必须大于 0", await service.SaveRuleAsync(Platform, new RiskRule { Kind = RiskRuleKind.LargeAmount, Threshold = 0, Action = RiskAction.Review }));
        Assert.Equal("已有相同的规则", await service.SaveRuleAsync(Platform, new RiskRule { Kind = RiskRuleKind.LargeAmount, Threshold = 2100, Action = RiskAction.Review }));
        Assert.Equal("时间窗口必须大于 0 分钟", await service.SaveRuleAsync(Platform, new RiskRule { Kind = RiskRuleKind.VelocityCount, Threshold = 3, Action = RiskAction.Review }));
        await using var db = h.Db.NewContext();
        Assert.Equal(2, await db.RiskRules.CountAsync());
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task A_held_orders_keys_are_never_sold_to_anyone_else_and_racing_decisions_deliver_once(DatabaseProvider provider)
    {
        await using var h = await CommerceHarness.CreateAsync(provider);
        var shop = await h.OpenSellingShopAsync(keys: 1);
        await RuleAsync(h, RiskRuleKind.LargeAmount, threshold: 10000);
        var buyers = await h.AddBuyersAsync(9, balanceFen: 50000);
        var ownerBefore = await h.EarningsAsync(shop.Owner);
        var held = await OrderAsync(h, await BuyAsync(h, buyers[0], shop.Product, at: shop.Shop));
        Assert.Equal(OrderStatus.UnderReview, held.Status);
        Assert.Equal(50000 - 10800, await h.BalanceAsync(buyers[0]));
        Assert.Equal(ownerBefore, await h.EarningsAsync(shop.Owner));   // nothing booked while held
        Assert.Empty((await h.Orders.GetForBuyerAsync(held.Number, buyers[0]))!.Keys);   // claimed, not shown

        // Eight more buyers race for the product: the held order's key is not for sale.
        var others = await Task.WhenAll(buyers.Skip(1).Select(b => Task.Run(() => BuyAsync(h, b, shop.Product, at: shop.Shop))));
        Assert.All(others, r => Assert.Equal("checkout.stock", r.ErrorCode));

        // The owner sees it and cannot decide it; staff decide it once even when they race.
        var owner = new AuditActor(shop.Owner, "owner", shop.Shop.Id);
        Assert.Single(await h.Get<RiskReviewService>().QueueAsync(owner));
        Assert.Equal(RiskReviewService.OnlyPlatform, await h.Get<RiskReviewService>().ApproveAsync(held.Id, null, owner));
        Assert.Equal("订单审核中，由平台风控处理，不能退款", await h.Orders.RefundAsync(held.Id, "站长退款", owner));
        Assert.Equal("订单不在处理中，不能发货", await h.Orders.CompleteAsync(held.Id, "站长发货", owner));
        var decisions = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => Task.Run(() => i % 2 == 0
            ? h.Get<RiskReviewService>().ApproveAsync(held.Id, "核实无误", Platform)
            : h.Get<RiskReviewService>().RejectAsync(held.Id, "疑似盗刷", Platform))));
        Assert.Single(decisions, d => d is null);

        await using var db = h.Db.NewContext();
        var after = await db.Orders.SingleAsync(o => o.Id == held.Id);
        var keys = await db.CardKeys.Where(k => k.ProductId == shop.Product.Id).ToListAsync();
        if (after.Status == OrderStatus.Delivered)
        {
            Assert.Equal(held.Id, Assert.Single(keys).OrderId);
            Assert.Single((await h.Orders.GetForBuyerAsync(held.Number, buyers[0]))!.Keys);
            Assert.Equal(ownerBefore + 1800, await h.EarningsAsync(shop.Owner));
        }
        else
        {
            Assert.Equal(OrderStatus.Refunded, after.Status);
            Assert.Equal(CardKeyStatus.Available, Assert.Single(keys).Status);   // never shown: back to stock
            Assert.Equal(50000, await h.BalanceAsync(buyers[0]));
            Assert.Equal(ownerBefore, await h.EarningsAsync(shop.Owner));
        }
        await h.AssertEveryWalletEqualsItsLedgerAsync();
    }

    [Fact]
    public async Task Held_orders_nobody_reviewed_in_time_are_released_or_refunded_as_the_platform_set()
    {
        await using var h = await CommerceHarness.CreateAsync(DatabaseProvider.Sqlite);
        var product = await h.AddCardKeyProductAsync(5, priceFen: 700);
        await RuleAsync(h, RiskRuleKind.LargeAmount, threshold: 700);
        var buyer = (await h.AddBuyersAsync(1))[0];
        var first = await OrderAsync(h, await BuyAsync(h, buyer, product));
        var second = await OrderAsync(h, await BuyAsync(h, buyer, product));
        var reviews = h.Get<RiskReviewService>();
        Assert.Equal(0, await reviews.DecideOverdueAsync());   // not due yet
        await using (var db = h.Db.NewContext())
            await db.Orders.Where(o => o.Id == first.Id).ExecuteUpdateAsync(u => u.SetProperty(o => o.ReviewDeadline, DateTimeOffset.UtcNow.AddMinutes(-1)));
        Assert.Equal(1, await reviews.DecideOverdueAsync());
        await using (var db = h.Db.NewContext())
        {
            Assert.Equal(OrderStatus.Delivered, (await db.Orders.SingleAsync(o => o.Id == first.Id)).Status);   // released (the default)
            await db.PlatformSettings.ExecuteUpdateAsync(u => u.SetProperty(p => p.RiskTimeoutRefunds, true));
            await db.Orders.Where(o => o.Id == second.Id).ExecuteUpdateAsync(u => u.SetProperty(o => o.ReviewDeadline, DateTimeOffset.UtcNow.AddMinutes(-1)));
        }
        Assert.Equal(1, await reviews.DecideOverdueAsync());
        await using (var db = h.Db.NewContext())
            Assert.Equal(OrderStatus.Refunded, (await db.Orders.SingleAsync(o => o.Id == second.Id)).Status);
        Assert.Equal(10000 - 700, await h.BalanceAsync(buyer));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task A_blacklisted_device_or_network_cannot_check_out_and_is_told_nothing_specific(DatabaseProvider provider)
    {
        await using var h = await CommerceHarness.CreateAsync(provider, s => { s.AddRiskServices(); s.AddBlacklistServices(); });
        var product = await h.AddCardKeyProductAsync(5, priceFen: 700);
        var lists = h.Get<KaMeng.Web.Features.Risk.Blacklists.BlacklistService>();
        Assert.Null((await lists.AddAsync(null, new(BlacklistKind.Device, "DEVBAD0001", "盗刷设备", null), Platform)).Error);
        Assert.Null((await lists.AddAsync(null, new(BlacklistKind.Cidr, "203.0.113.0/24", "代理网段", null), Platform)).Error);
        var buyer = (await h.AddBuyersAsync(1))[0];

        foreach (var signals in new ClientSignals[] { new("198.51.100.1", "DEVBAD0001", null, null), new("203.0.113.77", "DEVGOOD0001", null, null) })
        {
            var refused = await BuyAsync(h, buyer, product, signals: signals);
            Assert.Equal("checkout.blocked", refused.ErrorCode);
            Assert.Equal("暂时无法下单，请联系客服", refused.Error);
        }
        Assert.Equal(10000, await h.BalanceAsync(buyer));
        await AssertHeldAsync(h, await BuyAsync(h, buyer, product, signals: new("198.51.100.1", "DEVGOOD0001", null, null)), false);
    }

    [Fact]
    public async Task A_rejection_can_blacklist_the_orders_device_and_buyer_and_review_settings_are_validated()
    {
        await using var h = await CommerceHarness.CreateAsync(DatabaseProvider.Sqlite, s => { s.AddRiskServices(); s.AddBlacklistServices(); });
        var product = await h.AddCardKeyProductAsync(5, priceFen: 700);
        await RuleAsync(h, RiskRuleKind.LargeAmount, threshold: 700);
        var buyer = (await h.AddBuyersAsync(1))[0];
        var held = await OrderAsync(h, await BuyAsync(h, buyer, product, signals: new("198.51.100.3", "DEVSUSPECT01", null, null)));
        var reviews = h.Get<RiskReviewService>();
        Assert.Null(await reviews.RejectAsync(held.Id, "盗刷", Platform, blacklist: true));
        Assert.Equal(10000, await h.BalanceAsync(buyer));
        var again = await BuyAsync(h, buyer, product, signals: new("198.51.100.4", "DEVOTHER0001", null, null));
        Assert.Equal("checkout.blocked", again.ErrorCode);   // the account is on the list now

        Assert.Equal("审核时限须为 5 分钟到 7 天", await reviews.SaveReviewSettingsAsync(Platform, 1, false));
        Assert.Equal(RiskReviewService.OnlyPlatform, await reviews.SaveReviewSettingsAsync(new AuditActor("o", "owner", 2), 30, true));
        Assert.Null(await reviews.SaveReviewSettingsAsync(Platform, 30, true));
        Assert.Equal((30, true), await reviews.ReviewSettingsAsync());
    }
}
