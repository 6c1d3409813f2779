using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Stations;
using KaMeng.Web.Features.Storefront;
using KaMeng.Web.Features.Substations;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Tests.Refunds;

/// <summary>Issue 15 §3: who may refund what. A station owner refunds from their own wallet, never from an upstream's
/// share; never their own purchase; refunded keys never go back on sale. On each provider.</summary>
public abstract class RefundAuthorityTests(DatabaseProvider provider) : IAsyncLifetime
{
    static readonly AuditActor Platform = new("admin-id", "admin", null);
    CommerceHarness h = default!;
    string owner = default!;
    StationInfo shop = default!;
    Product product = default!;
    AuditActor Owner => new(owner, "owner", shop.Id);

    /// <summary>An owner of a 高级 substation (buys at 90%: ¥90) selling the main station's ¥100 card (cost ¥80) at +20% (¥108).
    /// The owner keeps ¥300 after paying ¥200 for the station.</summary>
    public async Task InitializeAsync()
    {
        h = await CommerceHarness.CreateAsync(provider);
        (owner, shop, product, _) = await h.OpenSellingShopAsync(keys: 4);
    }

    public async Task DisposeAsync() => await h.DisposeAsync();

    async Task<Order> BuyAsync(string buyer, int quantity = 1, StationInfo? station = null)
    {
        var result = await h.Checkout.PlaceBalanceOrderAsync(station ?? shop, new CheckoutRequest(product.Id, quantity, buyer, Guid.NewGuid().ToString("N")));
        Assert.True(result.Succeeded, result.Error);
        await using var db = h.Db.NewContext();
        return await db.Orders.AsNoTracking().SingleAsync(o => o.Number == result.OrderNumber);
    }

    async Task<OrderStatus> StatusAsync(Order order)
    {
        await using var db = h.Db.NewContext();
        return await db.Orders.Where(o => o.Id == order.Id).Select(o => o.Status).SingleAsync();
    }

    async Task<List<CardKeyStatus>> KeysOfAsync(Order order)
    {
        await using var db = h.Db.NewContext();
        return await db.CardKeys.Where(k => k.OrderId == order.Id).Select(k => k.Status).ToListAsync();
    }

    [Fact]
    public async Task An_owner_refunding_a_main_station_key_order_pays_the_whole_refund_from_their_own_wallet()
    {
        var buyer = (await h.AddBuyersAsync(1, balanceFen: 50000))[0];
        var order = await BuyAsync(buyer);
        Assert.Equal(30000, await h.BalanceAsync(owner));
        Assert.Equal(1800, await h.EarningsAsync(owner)); // the owner's margin, 待结算

        Assert.Null(await h.Orders.RefundAsync(order.Id, "买家不想要了", Owner));

        Assert.Equal(50000, await h.BalanceAsync(buyer));
        // The owner pays the whole ¥108 from their 余额, their ¥18 margin stays theirs; the platform's ¥10 and its key's cost stay paid.
        Assert.Equal(30000 - 10800, await h.BalanceAsync(owner));
        Assert.Equal(1800, await h.EarningsAsync(owner));
        Assert.Equal(OrderStatus.Refunded, await StatusAsync(order));
        Assert.All(await KeysOfAsync(order), s => Assert.Equal(CardKeyStatus.Refunded, s));
        await using (var db = h.Db.NewContext())
        {
            var earning = await db.LedgerEntries.SingleAsync(e => e.OrderId == order.Id && e.Type == LedgerEntryType.Earning);
            Assert.Equal(1800, earning.Amount.Fen); // the margin stays booked: the owner paid instead
            var refunds = await db.LedgerEntries.Where(e => e.OrderId == order.Id && e.Type == LedgerEntryType.Refund).Select(e => e.Amount.Fen).ToListAsync();
            Assert.Equal([-10800L, 10800L], refunds.Order());
            var audit = await db.AuditEntries.SingleAsync(a => a.Action == "order.refund" && a.Target == order.Number);
            Assert.Contains("买家不想要了", audit.Detail);
        }
        await h.AssertEveryWalletEqualsItsLedgerAsync();
    }

    [Fact]
    public async Task An_owner_selling_at_cost_still_pays_their_refund_and_the_platform_keeps_its_share()
    {
        // A card the owner sells at their cost (¥90): no margin of theirs is booked on the sale.
        var atCost = await h.AddCardKeyProductAsync(keys: 2, priceFen: 10000, p => p.CostPrice = Money.FromFen(8000));
        Assert.Null(await h.Get<PriceRuleService>().SaveAsync(shop.Id,
            new PriceRuleInput(PriceRuleAudience.Selling, PriceRuleScope.Product, null, atCost.Id, PriceRuleKind.PlusPercent, "0", PriceRounding.Fen), Owner));
        var buyer = (await h.AddBuyersAsync(1, balanceFen: 50000))[0];
        var result = await h.Checkout.PlaceBalanceOrderAsync(await h.StationAsync(shop.Id), new CheckoutRequest(atCost.Id, 1, buyer, Guid.NewGuid().ToString("N")));
        Assert.True(result.Succeeded, result.Error);
        long orderId;
        await using (var db = h.Db.NewContext())
            orderId = (await db.Orders.SingleAsync(o => o.Number == result.OrderNumber)).Id;

        Assert.Null(await h.Orders.RefundAsync(orderId, "买家不想要了", Owner));

        Assert.Equal(50000, await h.BalanceAsync(buyer));
        Assert.Equal(30000 - 9000, await h.BalanceAsync(owner)); // the owner's refund, not the platform's
        await h.AssertEveryWalletEqualsItsLedgerAsync();
    }

    [Fact]
    public async Task A_shared_refund_the_platform_approves_takes_back_only_the_asking_stations_share()
    {
        // shop1 supplies its child at +5% (¥94.50); the child sells at +10% (¥103.95). Both earn on a sale at the child.
        Assert.Null(await h.Get<PriceRuleService>().SaveAsync(shop.Id,
            new PriceRuleInput(PriceRuleAudience.ChildSupply, PriceRuleScope.Category, product.CategoryId, null, PriceRuleKind.PlusPercent, "5", PriceRounding.Fen), Owner));
        int levelId;
        await using (var db = h.Db.NewContext())
            levelId = (await db.StationLevels.SingleAsync(l => l.Name == "高级")).Id;
        var childOwner = (await h.AddBuyersAsync(1, balanceFen: 50000))[0];
        var (childId, error) = await h.Get<SubstationService>().OpenAsync(shop.Id, childOwner, new OpenSubstationRequest("shop1-kid", "下级店", levelId));
        Assert.Null(error);
        var kid = new AuditActor(childOwner, "kid", childId);
        Assert.Null(await h.Get<PriceRuleService>().SaveAsync(childId!.Value,
            new PriceRuleInput(PriceRuleAudience.Selling, PriceRuleScope.Category, product.CategoryId, null, PriceRuleKind.PlusPercent, "10", PriceRounding.Fen), kid));
        var buyer = (await h.AddBuyersAsync(1, balanceFen: 50000))[0];
        var order = await BuyAsync(buyer, station: await h.StationAsync(childId.Value));
        Assert.Equal(10395, order.Total.Fen);
        Assert.Equal(945, await h.EarningsAsync(childOwner));
        Assert.Equal(450, await h.EarningsAsync(owner));
        var refunds = h.Get<RefundService>();

        var asked = await refunds.RefundAsync(new RefundRequest(order.Id, "卡密无效", AskUpstream: true), kid);
        Assert.True(asked.Succeeded, asked.Error);
        Assert.Equal("只有平台可以审核分担申请", (await refunds.ApproveAsync(asked.RefundId!.Value, Owner)).Error);
        Assert.True((await refunds.ApproveAsync(asked.RefundId.Value, Platform)).Succeeded);

        Assert.Equal(50000, await h.BalanceAsync(buyer));
        Assert.Equal(0, await h.EarningsAsync(childOwner)); // the asking station gives its share back
        Assert.Equal(450, await h.EarningsAsync(owner));     // the parent was not asked: its share stays, the platform bears it
        await h.AssertEveryWalletEqualsItsLedgerAsync();
    }

    [Fact]
    public async Task An_owner_without_the_money_for_the_refund_is_refused_and_nothing_changes()
    {
        var buyer = (await h.AddBuyersAsync(1, balanceFen: 50000))[0];
        var order = await BuyAsync(buyer);
        // The owner spends down to ¥100: less than the ¥108 refund.
        await using (var db = h.Db.NewContext())
            await db.PostToUserAsync(owner, LedgerEntryType.Adjustment, Money.FromFen(-(30000 - 10000)), DateTimeOffset.UtcNow, reason: "测试扣减");

        var error = await h.Orders.RefundAsync(order.Id, "买家不想要了", Owner);

        Assert.Equal("余额不足：本站退款 ¥108.00 需从您的余额支付，当前余额 ¥100.00（或申请上级分担）", error);
        Assert.Equal(50000 - 10800, await h.BalanceAsync(buyer));
        Assert.Equal(10000, await h.BalanceAsync(owner));
        Assert.Equal(OrderStatus.Delivered, await StatusAsync(order));
        Assert.All(await KeysOfAsync(order), s => Assert.Equal(CardKeyStatus.Sold, s));
        await using (var db = h.Db.NewContext())
        {
            Assert.False(await db.Refunds.AnyAsync());
            Assert.False(await db.AuditEntries.AnyAsync(a => a.Action == "order.refund"));
        }
        await h.AssertEveryWalletEqualsItsLedgerAsync();
    }

    [Fact]
    public async Task An_owner_cannot_refund_an_order_they_bought()
    {
        var order = await BuyAsync(owner); // at cost: ¥90
        Assert.Equal(30000 - 9000, await h.BalanceAsync(owner));

        Assert.Equal("不能给自己购买的订单退款", await h.Orders.RefundAsync(order.Id, "自己退自己", Owner));

        Assert.Equal(30000 - 9000, await h.BalanceAsync(owner));
        Assert.Equal(OrderStatus.Delivered, await StatusAsync(order));
        Assert.All(await KeysOfAsync(order), s => Assert.Equal(CardKeyStatus.Sold, s));
        await h.AssertEveryWalletEqualsItsLedgerAsync();
    }

    [Fact]
    public async Task Refunded_keys_are_never_sold_again()
    {
        var buyer = (await h.AddBuyersAsync(1, balanceFen: 100000))[0];
        var first = await BuyAsync(buyer, quantity: 4, station: CommerceHarness.Main); // every key of the product
        Assert.Null(await h.Orders.RefundAsync(first.Id, "卡密无效", Platform));

        Assert.Equal(100000, await h.BalanceAsync(buyer));
        var keys = await KeysOfAsync(first);
        Assert.Equal(4, keys.Count);
        Assert.All(keys, s => Assert.Equal(CardKeyStatus.Refunded, s));
        await using (var db = h.Db.NewContext())
            Assert.Equal(0, (await StockLevels.AvailableAsync(db, [product.Id])).GetValueOrDefault(product.Id));
        var again = await h.Checkout.PlaceBalanceOrderAsync(CommerceHarness.Main, new CheckoutRequest(product.Id, 1, buyer, Guid.NewGuid().ToString("N")));
        Assert.False(again.Succeeded);
        Assert.Equal("checkout.stock", again.ErrorCode);
        await h.AssertEveryWalletEqualsItsLedgerAsync();
    }

    [Fact]
    public async Task An_owner_may_ask_the_platform_to_share_a_refund_which_staff_reject_or_approve()
    {
        var refunds = h.Get<RefundService>();
        var buyer = (await h.AddBuyersAsync(1, balanceFen: 50000))[0];
        var order = await BuyAsync(buyer);
        var asked = await refunds.RefundAsync(new RefundRequest(order.Id, "卡密已失效", AskUpstream: true), Owner);
        Assert.Null(asked.Error);
        Assert.Equal(RefundStatus.Requested, asked.Status);
        Assert.Equal("该订单已有待上级审核的退款申请", (await refunds.RefundAsync(new RefundRequest(order.Id, "再申请", AskUpstream: true), Owner)).Error);
        Assert.Equal(50000 - 10800, await h.BalanceAsync(buyer)); // a request moves nothing
        Assert.Equal("只有平台可以审核分担申请", (await refunds.ApproveAsync(asked.RefundId!.Value, Owner)).Error);

        Assert.Equal("请填写驳回原因", await refunds.RejectAsync(asked.RefundId.Value, " ", Platform));
        Assert.Null(await refunds.RejectAsync(asked.RefundId.Value, "卡密已核验有效", Platform));
        Assert.Equal("该申请已处理", (await refunds.ApproveAsync(asked.RefundId.Value, Platform)).Error);
        Assert.Equal(OrderStatus.Delivered, await StatusAsync(order));

        var again = await refunds.RefundAsync(new RefundRequest(order.Id, "上游确认卡密失效", AskUpstream: true), Owner);
        Assert.Null((await refunds.ApproveAsync(again.RefundId!.Value, Platform)).Error);
        Assert.Equal(50000, await h.BalanceAsync(buyer));
        Assert.Equal(30000, await h.BalanceAsync(owner)); // shared: only the owner's own margin is reversed
        Assert.Equal(OrderStatus.Refunded, await StatusAsync(order));
        Assert.All(await KeysOfAsync(order), s => Assert.Equal(CardKeyStatus.Refunded, s));
        await using (var db = h.Db.NewContext())
        {
            Assert.Equal("卡密已核验有效", (await db.Refunds.SingleAsync(r => r.Id == asked.RefundId)).Note);
            Assert.Equal(1, await db.AuditEntries.CountAsync(a => a.Action == "order.refund.approve"));
        }
        await h.AssertEveryWalletEqualsItsLedgerAsync();
    }

    [Fact]
    public async Task Platform_staff_refund_anything_with_a_reason_reversing_every_share()
    {
        var buyer = (await h.AddBuyersAsync(1, balanceFen: 50000))[0];
        var order = await BuyAsync(buyer);
        Assert.Equal("请填写退款原因", await h.Orders.RefundAsync(order.Id, " ", Platform));
        Assert.Null(await h.Orders.RefundAsync(order.Id, "平台判定退款", Platform));
        Assert.Equal(50000, await h.BalanceAsync(buyer));
        Assert.Equal(30000, await h.BalanceAsync(owner)); // the owner's margin taken back, nothing more
        await using (var db = h.Db.NewContext())
            Assert.Equal("admin", (await db.AuditEntries.SingleAsync(a => a.Action == "order.refund")).UserName);
        await h.AssertEveryWalletEqualsItsLedgerAsync();
    }
}

public sealed class SqliteRefundAuthorityTests() : RefundAuthorityTests(DatabaseProvider.Sqlite);

public sealed class PostgresRefundAuthorityTests() : RefundAuthorityTests(DatabaseProvider.Postgres);
