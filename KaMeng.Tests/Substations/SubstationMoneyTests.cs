using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Stations;
using KaMeng.Web.Features.Substations;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Tests.Substations;

public class SubstationMoneyTests
{
    static readonly AuditActor Platform = new("admin-id", "admin", null);
    static readonly AuditActor Finance = new("finance-id", "finance", null);

    sealed record World(CommerceHarness H, StationLevel Level, string AdminId, string Owner, StationInfo Shop, Product Product) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => H.DisposeAsync();
    }

    /// <summary>An owner with a 高级 substation "shop1" (buys at 90%) selling a ¥100 product (cost ¥80) at +20%.</summary>
    static async Task<World> WorldAsync(DatabaseProvider provider)
    {
        var h = await CommerceHarness.CreateAsync(provider);
        StationLevel level; string adminId;
        await using (var db = h.Db.NewContext())
        {
            level = await db.StationLevels.SingleAsync(l => l.Name == "高级");
            adminId = (await db.Users.SingleAsync(u => u.UserName == "admin")).Id;
        }
        var owner = (await h.AddBuyersAsync(1, balanceFen: 50000))[0];
        var (stationId, error) = await h.Get<SubstationService>().OpenAsync(Station.MainStationId, owner, new OpenSubstationRequest("shop1", "一号小店", level.Id));
        Assert.Null(error);
        var product = await h.AddCardKeyProductAsync(keys: 10, priceFen: 10000, p => p.CostPrice = Money.FromFen(8000));
        Assert.Null(await h.Get<PriceRuleService>().SaveAsync(stationId!.Value,
            new PriceRuleInput(PriceRuleAudience.Selling, PriceRuleScope.Category, product.CategoryId, null, PriceRuleKind.PlusPercent, "20", PriceRounding.Fen),
            new AuditActor(owner, "owner", stationId)));
        return new World(h, level, adminId, owner, await h.StationAsync(stationId.Value), product);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [SqlServerData]
    public async Task Opening_charges_the_level_price_to_the_buyer(DatabaseProvider provider)
    {
        await using var w = await WorldAsync(provider);
        Assert.Equal(50000 - 20000, await w.H.BalanceAsync(w.Owner));
        Assert.Equal(w.Owner, w.Shop.OwnerUserId);
        await w.H.AssertEveryWalletEqualsItsLedgerAsync();
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [SqlServerData]
    public async Task A_sale_at_the_substation_pays_each_station_its_margin_and_a_refund_reverses_them(DatabaseProvider provider)
    {
        await using var w = await WorldAsync(provider);
        var buyer = (await w.H.AddBuyersAsync(1, balanceFen: 50000))[0];
        var result = await w.H.Checkout.PlaceBalanceOrderAsync(w.Shop, new CheckoutRequest(w.Product.Id, 2, buyer, Guid.NewGuid().ToString("N")));
        Assert.True(result.Succeeded, result.Error);

        Assert.Equal(50000 - 2 * 10800, await w.H.BalanceAsync(buyer));
        Assert.Equal(30000, await w.H.BalanceAsync(w.Owner));
        Assert.Equal(2 * (10800 - 9000), await w.H.EarningsAsync(w.Owner));      // the substation's margin, as 收益

        long orderId;
        await using (var db = w.H.Db.NewContext())
        {
            var order = await db.Orders.SingleAsync(o => o.Number == result.OrderNumber);
            orderId = order.Id;
            var chain = PriceResolver.ReadSnapshot(order.PriceChainJson);
            Assert.Equal([8000L, 9000L], chain.Select(s => s.CostFen)); // the platform's margin stays on the order
        }
        Assert.Null(await w.H.Orders.RefundAsync(orderId, "买家退款", Platform));
        Assert.Equal(50000, await w.H.BalanceAsync(buyer));
        Assert.Equal(30000, await w.H.BalanceAsync(w.Owner));
        Assert.Equal(0, await w.H.EarningsAsync(w.Owner));
        await w.H.AssertEveryWalletEqualsItsLedgerAsync();
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [SqlServerData]
    public async Task An_owner_buying_on_their_own_station_pays_cost_and_earns_nothing_on_themselves(DatabaseProvider provider)
    {
        await using var w = await WorldAsync(provider);
        var result = await w.H.Checkout.PlaceBalanceOrderAsync(w.Shop, new CheckoutRequest(w.Product.Id, 1, w.Owner, Guid.NewGuid().ToString("N")));
        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(30000 - 9000, await w.H.BalanceAsync(w.Owner));
        await using var db = w.H.Db.NewContext();
        Assert.Equal(0, await db.LedgerEntries.CountAsync(e => e.Type == LedgerEntryType.Earning && e.StationId == w.Shop.Id));
    }

    [Fact]
    public async Task A_rule_below_cost_is_refused_and_the_price_is_unchanged()
    {
        await using var w = await WorldAsync(DatabaseProvider.Sqlite);
        var error = await w.H.Get<PriceRuleService>().SaveAsync(w.Shop.Id,
            new PriceRuleInput(PriceRuleAudience.Selling, PriceRuleScope.Product, null, w.Product.Id, PriceRuleKind.Fixed, "89.99", PriceRounding.Fen), new AuditActor(w.Owner, "owner", w.Shop.Id));
        Assert.Equal($"该规则会使「{w.Product.Name}」售价低于成本价 ¥90.00，已拒绝", error);
        Assert.Equal(10800, (await w.H.Get<PriceResolver>().ForStationAsync(w.Shop.Id)).Quote(w.Product).Price.Fen);
    }

    [Fact]
    public async Task An_owner_cannot_price_another_station()
    {
        await using var w = await WorldAsync(DatabaseProvider.Sqlite);
        var error = await w.H.Get<PriceRuleService>().SaveAsync(w.Shop.Id,
            new PriceRuleInput(PriceRuleAudience.Selling, PriceRuleScope.All, null, null, PriceRuleKind.PlusPercent, "50", PriceRounding.Fen), new AuditActor("someone", "someone", 999));
        Assert.Equal("分站不存在", error);
    }

    [Fact]
    public async Task Codes_are_unique_and_reserved_words_are_refused_with_nothing_charged()
    {
        await using var w = await WorldAsync(DatabaseProvider.Sqlite);
        var other = (await w.H.AddBuyersAsync(1, balanceFen: 50000))[0];
        var service = w.H.Get<SubstationService>();
        Assert.Equal("站点编号 shop1 已被使用", (await service.OpenAsync(Station.MainStationId, other, new("shop1", "抢注", w.Level.Id))).Error);
        Assert.StartsWith("站点编号须为", (await service.OpenAsync(Station.MainStationId, other, new("admin", "保留", w.Level.Id))).Error);
        Assert.StartsWith("站点编号须为", (await service.OpenAsync(Station.MainStationId, other, new("Bad Code!", "坏", w.Level.Id))).Error);
        var poor = (await w.H.AddBuyersAsync(1, balanceFen: 100))[0];
        Assert.Equal("余额不足：开通高级分站需要 ¥200.00", (await service.OpenAsync(Station.MainStationId, poor, new("poor", "穷", w.Level.Id))).Error);
        Assert.Equal(50000, await w.H.BalanceAsync(other));
        Assert.Equal(100, await w.H.BalanceAsync(poor));
        await using var db = w.H.Db.NewContext();
        Assert.False(await db.Stations.AnyAsync(s => s.Code == "poor"));
    }

    [Fact]
    public async Task Children_may_be_opened_down_to_the_depth_cap_and_no_further()
    {
        await using var w = await WorldAsync(DatabaseProvider.Sqlite);
        var service = w.H.Get<SubstationService>();
        var childOwner = (await w.H.AddBuyersAsync(1, balanceFen: 50000))[0];
        var (childId, error) = await service.OpenAsync(w.Shop.Id, childOwner, new("shop1-kid", "下级店", w.Level.Id));
        Assert.Null(error);
        var grandOwner = (await w.H.AddBuyersAsync(1, balanceFen: 50000))[0];
        var refused = await service.OpenAsync(childId!.Value, grandOwner, new("shop1-grand", "孙店", w.Level.Id));
        Assert.Equal("分站层级已达上限（总站以下最多 2 级）", refused.Error);
        Assert.Equal(50000, await w.H.BalanceAsync(grandOwner));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [SqlServerData]
    public async Task A_withdrawal_holds_amount_and_fee_finance_approves_or_rejects_and_releases(DatabaseProvider provider)
    {
        await using var w = await WorldAsync(provider);
        var withdrawals = w.H.Get<WithdrawalService>();
        Assert.Equal("最低提现金额为 ¥10.00", (await withdrawals.RequestAsync(w.Owner, w.Shop.Id, "9.99", "支付宝 a@b.cn")).Error);
        // The ¥300 left of the owner's recharge is 余额: never cash.
        Assert.Equal("可提现收益不足：可提现 ¥0.00，需要 ¥303.00", (await withdrawals.RequestAsync(w.Owner, w.Shop.Id, "300", "支付宝 a@b.cn")).Error);
        // ¥300 of earnings past their hold.
        await using (var ctx = w.H.Db.NewContext())
            await ctx.PostToUserAsync(w.Owner, LedgerEntryType.Earning, Money.FromYuan(300), DateTimeOffset.UtcNow, reason: "已结算收益", bucket: WalletBucket.Earnings);
        Assert.Equal("可提现收益不足：可提现 ¥300.00，需要 ¥303.00", (await withdrawals.RequestAsync(w.Owner, w.Shop.Id, "300", "支付宝 a@b.cn")).Error);

        var (first, e1) = await withdrawals.RequestAsync(w.Owner, w.Shop.Id, "100", "支付宝 a@b.cn");
        Assert.Null(e1);
        Assert.Equal(30000 - 10100, await w.H.EarningsAsync(w.Owner));
        Assert.Equal(30000, await w.H.BalanceAsync(w.Owner));
        Assert.Equal("请填写打款流水号", await withdrawals.ApproveAsync(first!.Value, " ", Finance));
        Assert.Null(await withdrawals.ApproveAsync(first.Value, "ALIPAY-2026-001", Finance));
        Assert.Equal("该提现已处理", await withdrawals.RejectAsync(first.Value, "重复", Finance));

        var (second, _) = await withdrawals.RequestAsync(w.Owner, w.Shop.Id, "50", "微信 wx123");
        Assert.Null(await withdrawals.RejectAsync(second!.Value, "账户信息有误", Finance));
        Assert.Equal(30000 - 10100, await w.H.EarningsAsync(w.Owner));
        await w.H.AssertEveryWalletEqualsItsLedgerAsync();
        await using var db = w.H.Db.NewContext();
        Assert.Equal(3, await db.AuditEntries.CountAsync(a => a.Action.StartsWith("withdrawal.") && a.Action != "withdrawal.request") + 1);
    }

    [Fact]
    public async Task Suspension_closes_the_shop_to_orders_with_its_reason()
    {
        await using var w = await WorldAsync(DatabaseProvider.Sqlite);
        var service = w.H.Get<SubstationService>();
        Assert.Equal("请填写暂停原因", await service.SetStatusAsync(w.Shop.Id, StationStatus.Suspended, false, " ", null, Platform));
        Assert.Null(await service.SetStatusAsync(w.Shop.Id, StationStatus.Suspended, false, "涉嫌违规，整改中", DateTimeOffset.UtcNow.AddDays(3), Platform));
        var shop = await w.H.StationAsync(w.Shop.Id);
        Assert.True(shop.IsSuspendedAt(DateTimeOffset.UtcNow));
        var buyer = (await w.H.AddBuyersAsync(1, balanceFen: 50000))[0];
        var result = await w.H.Checkout.PlaceBalanceOrderAsync(shop, new CheckoutRequest(w.Product.Id, 1, buyer, Guid.NewGuid().ToString("N")));
        Assert.Equal("checkout.station_closed", result.ErrorCode);
        Assert.Equal(50000, await w.H.BalanceAsync(buyer));
    }

    [Fact]
    public async Task Upgrading_pays_the_difference_and_lowers_the_cost_and_renewal_extends_the_expiry()
    {
        await using var w = await WorldAsync(DatabaseProvider.Sqlite); // 高级 (¥200, 90%)
        var service = w.H.Get<SubstationService>();
        int flagship;
        await using (var db = w.H.Db.NewContext())
        {
            flagship = (await db.StationLevels.SingleAsync(l => l.Name == "旗舰")).Id; // ¥800, 85%
            var basic = (await db.StationLevels.SingleAsync(l => l.Name == "普通")).Id;
            Assert.Equal("只能升级到更高的等级", await service.UpgradeAsync(w.Shop.Id, basic, w.Owner));
        }
        Assert.Equal("余额不足：升级需要 ¥600.00", await service.UpgradeAsync(w.Shop.Id, flagship, w.Owner));
        await using (var db = w.H.Db.NewContext())
        {
            await db.PostToUserAsync(w.Owner, LedgerEntryType.Recharge, Money.FromYuan(600), DateTimeOffset.UtcNow, reason: "测试充值");
        }
        Assert.Null(await service.UpgradeAsync(w.Shop.Id, flagship, w.Owner));
        Assert.Equal(30000, await w.H.BalanceAsync(w.Owner));
        w.H.Get<PriceResolver>().Invalidate();
        Assert.Equal(8500, (await w.H.Get<PriceResolver>().ForStationAsync(w.Shop.Id)).Quote(w.Product).Cost.Fen);
        Assert.Equal("当前等级永久有效，无需续费", await service.RenewAsync(w.Shop.Id, w.Owner));

        await using (var db = w.H.Db.NewContext())
            await db.StationLevels.Where(l => l.Id == flagship).ExecuteUpdateAsync(u => u.SetProperty(l => l.RenewalDays, 30));
        Assert.Equal("余额不足：续费需要 ¥800.00", await service.RenewAsync(w.Shop.Id, w.Owner));
        await using (var db = w.H.Db.NewContext())
        {
            await db.PostToUserAsync(w.Owner, LedgerEntryType.Recharge, Money.FromYuan(800), DateTimeOffset.UtcNow, reason: "测试充值");
        }
        Assert.Null(await service.RenewAsync(w.Shop.Id, w.Owner));
        await using (var db = w.H.Db.NewContext())
        {
            var expires = (await db.Stations.SingleAsync(s => s.Id == w.Shop.Id)).ExpiresAt!.Value;
            Assert.InRange(expires, DateTimeOffset.UtcNow.AddDays(29), DateTimeOffset.UtcNow.AddDays(31));
        }
        Assert.Equal(30000, await w.H.BalanceAsync(w.Owner));
        await w.H.AssertEveryWalletEqualsItsLedgerAsync();
    }

    [Fact]
    public async Task A_substation_sells_child_substations_at_its_markup_and_earns_it()
    {
        await using var w = await WorldAsync(DatabaseProvider.Sqlite);
        var service = w.H.Get<SubstationService>();
        var owner = new AuditActor(w.Owner, "owner", w.Shop.Id);
        var branding = new SubstationService.Branding("一号小店", null, null, null, null, null, null, null, null, null, null, "30");
        Assert.Null(await service.UpdateBrandingAsync(w.Shop.Id, branding, owner));
        Assert.Equal("下级分站加价须为不小于 0 的金额", await service.UpdateBrandingAsync(w.Shop.Id, branding with { ChildOpenMarkup = "-1" }, owner));

        var child = (await w.H.AddBuyersAsync(1, balanceFen: 50000))[0];
        var (childId, error) = await service.OpenAsync(w.Shop.Id, child, new("shop1-kid", "下级店", w.Level.Id));
        Assert.Null(error);
        Assert.Equal(50000 - 23000, await w.H.BalanceAsync(child));       // the platform's ¥200 + the parent's ¥30
        Assert.Equal(30000, await w.H.BalanceAsync(w.Owner));
        Assert.Equal(3000, await w.H.EarningsAsync(w.Owner));      // the parent earns its markup, as 收益
        await w.H.AssertEveryWalletEqualsItsLedgerAsync();
    }
}
