using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Stations;
using KaMeng.Web.Features.Substations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace KaMeng.Tests.Wallets;

/// <summary>Issue 15 §5: spendable 余额 apart from withdrawable 收益. Recharges never leave as cash; earnings are 待结算 for the
/// hold, then 可提现; a refund in the hold takes back the pending earning, after it the available one (even below zero).</summary>
public abstract class WalletBucketTests(DatabaseProvider provider) : IAsyncLifetime
{
    static readonly AuditActor Platform = new("admin-id", "admin", null);
    static readonly DateTimeOffset Start = new(2026, 12, 1, 2, 0, 0, TimeSpan.Zero); // 10:00 in China
    readonly FakeTimeProvider clock = new(Start);
    CommerceHarness h = default!;
    string owner = default!;
    StationInfo shop = default!;
    Product product = default!;
    int levelId;

    /// <summary>An owner of a 高级 substation (buys at 90%: ¥90) selling the main station's ¥100 card at +20% (¥108): ¥18 margin a
    /// key. The owner's ¥500 recharge paid ¥200 for the station.</summary>
    public async Task InitializeAsync()
    {
        h = await CommerceHarness.CreateAsync(provider, s => s.AddSingleton<TimeProvider>(clock));
        (owner, shop, product, levelId) = await h.OpenSellingShopAsync();
    }

    public async Task DisposeAsync() => await h.DisposeAsync();

    WithdrawalService Withdrawals => h.Get<WithdrawalService>();

    async Task<Order> SellAsync(int quantity = 1)
    {
        var buyer = (await h.AddBuyersAsync(1, balanceFen: 100000))[0];
        var result = await h.Checkout.PlaceBalanceOrderAsync(shop, new CheckoutRequest(product.Id, quantity, buyer, Guid.NewGuid().ToString("N")));
        Assert.True(result.Succeeded, result.Error);
        await using var db = h.Db.NewContext();
        return await db.Orders.AsNoTracking().SingleAsync(o => o.Number == result.OrderNumber);
    }

    async Task<EarningsState> EarningsAsync()
    {
        await using var db = h.Db.NewContext();
        return await db.EarningsOfAsync(owner, clock.GetUtcNow());
    }

    async Task<int> WithdrawalCountAsync()
    {
        await using var db = h.Db.NewContext();
        return await db.Withdrawals.CountAsync();
    }

    [Fact]
    public async Task A_recharge_cannot_be_withdrawn_as_cash()
    {
        var (id, error) = await Withdrawals.RequestAsync(owner, shop.Id, "100", "支付宝 a@b.cn");

        Assert.Null(id);
        Assert.Equal("可提现收益不足：可提现 ¥0.00，需要 ¥101.00", error);
        Assert.Equal(30000, await h.BalanceAsync(owner));
        Assert.Equal(0, await WithdrawalCountAsync());
        await h.AssertBooksAsync();
    }

    [Fact]
    public async Task An_earning_is_pending_for_the_hold_and_a_withdrawal_says_when_it_arrives()
    {
        await SellAsync(quantity: 2);

        var earnings = await EarningsAsync();
        Assert.Equal((3600, 3600, 0), (earnings.Total.Fen, earnings.Pending.Fen, earnings.Available.Fen));
        Assert.Equal(30000, await h.BalanceAsync(owner)); // the margin is 收益, not 余额
        var (_, error) = await Withdrawals.RequestAsync(owner, shop.Id, "20", "支付宝 a@b.cn");
        Assert.Equal("可提现收益不足：待结算 ¥36.00 将于 2026-12-08 到账（可提现 ¥0.00，需要 ¥20.20）", error);
        Assert.Equal(0, await WithdrawalCountAsync());

        clock.Advance(TimeSpan.FromDays(7));
        var (id, ok) = await Withdrawals.RequestAsync(owner, shop.Id, "20", "支付宝 a@b.cn");

        Assert.Null(ok);
        Assert.NotNull(id);
        earnings = await EarningsAsync();
        Assert.Equal((1580, 0, 1580), (earnings.Total.Fen, earnings.Pending.Fen, earnings.Available.Fen));
        Assert.Equal(30000, await h.BalanceAsync(owner));
        await h.AssertBooksAsync();
    }

    [Fact]
    public async Task A_level_may_hold_earnings_longer_than_the_platform()
    {
        Assert.Null(await h.Get<StationSettingsService>().SaveLevelAsync(levelId, "高级", "200", "90", true, 10, null, Platform, earningHoldDays: 14));
        await SellAsync();

        clock.Advance(TimeSpan.FromDays(8));
        Assert.Equal(1800, (await EarningsAsync()).Pending.Fen);
        clock.Advance(TimeSpan.FromDays(6));
        Assert.Equal(1800, (await EarningsAsync()).Available.Fen);
    }

    [Fact]
    public async Task A_refund_inside_the_hold_takes_back_the_pending_earning()
    {
        await SellAsync();
        clock.Advance(TimeSpan.FromDays(7));
        var refunded = await SellAsync(); // a second sale, refunded while its earning is on hold
        clock.Advance(TimeSpan.FromDays(1));

        Assert.Null(await h.Orders.RefundAsync(refunded.Id, "卡密无效", Platform));

        var earnings = await EarningsAsync();
        Assert.Equal((1800, 0, 1800), (earnings.Total.Fen, earnings.Pending.Fen, earnings.Available.Fen));
        clock.Advance(TimeSpan.FromDays(7)); // the reversed earning's hold ends: nothing more arrives
        Assert.Equal(1800, (await EarningsAsync()).Available.Fen);
        await h.AssertBooksAsync();
    }

    [Fact]
    public async Task A_refund_after_the_hold_may_take_available_below_zero_and_blocks_withdrawals_until_covered()
    {
        var sold = await SellAsync();
        clock.Advance(TimeSpan.FromDays(7));
        Assert.Null(await Withdrawals.RequestAsync(owner, shop.Id, "17", "支付宝 a@b.cn").ContinueWith(t => t.Result.Error));
        Assert.Equal(1800 - 1717, (await EarningsAsync()).Available.Fen);

        Assert.Null(await h.Orders.RefundAsync(sold.Id, "卡密无效", Platform));

        var earnings = await EarningsAsync();
        Assert.Equal(83 - 1800, earnings.Available.Fen);
        await SellAsync(); // a new margin, still pending, does not cover it
        var (_, error) = await Withdrawals.RequestAsync(owner, shop.Id, "10", "支付宝 a@b.cn");
        Assert.StartsWith("可提现收益不足：待结算 ¥18.00 将于 2026-12-15 到账（可提现收益为 -¥17.17，需先补足）", error);
        Assert.Equal(1, await WithdrawalCountAsync());
        await h.AssertBooksAsync();
    }

    [Fact]
    public async Task Available_earnings_move_into_the_balance_one_way_only()
    {
        await SellAsync(quantity: 2);
        var wallets = h.Wallets;
        Assert.StartsWith("可提现收益不足：待结算 ¥36.00", await wallets.TransferEarningsAsync(owner, "10"));
        clock.Advance(TimeSpan.FromDays(7));

        Assert.Equal("只能把可提现收益转入余额，余额不能转入收益", await wallets.TransferEarningsAsync(owner, "-10"));
        Assert.Equal("可提现收益不足：可提现 ¥36.00，需要 ¥50.00", await wallets.TransferEarningsAsync(owner, "50"));
        Assert.Equal(30000, await h.BalanceAsync(owner));

        Assert.Null(await wallets.TransferEarningsAsync(owner, "30"));

        Assert.Equal(33000, await h.BalanceAsync(owner));
        Assert.Equal(600, (await EarningsAsync()).Available.Fen);
        var (_, error) = await Withdrawals.RequestAsync(owner, shop.Id, "10", "支付宝 a@b.cn");
        Assert.StartsWith("可提现收益不足", error); // what went into 余额 stays there
        await h.AssertBooksAsync();
    }

    [Fact]
    public async Task A_rejected_withdrawal_returns_to_available_earnings()
    {
        await SellAsync(quantity: 2);
        clock.Advance(TimeSpan.FromDays(7));
        var (id, _) = await Withdrawals.RequestAsync(owner, shop.Id, "20", "支付宝 a@b.cn");

        Assert.Null(await Withdrawals.RejectAsync(id!.Value, "账户有误", new AuditActor("finance-id", "finance", null)));

        Assert.Equal(3600, (await EarningsAsync()).Available.Fen);
        Assert.Equal(30000, await h.BalanceAsync(owner));
        await h.AssertBooksAsync();
    }

    [Fact]
    public async Task The_owners_ledger_pages_newest_first_over_every_entry()
    {
        for (var i = 0; i < 3; i++) await SellAsync();
        await using (var db = h.Db.NewContext())
        {
            var walletId = await db.Wallets.Where(w => w.UserId == owner).Select(w => w.Id).SingleAsync();
            var all = await db.LedgerEntries.Where(e => e.WalletId == walletId).OrderByDescending(e => e.Id).Select(e => e.Id).ToListAsync();
            Assert.True(all.Count >= 4, $"the owner has {all.Count} entries");

            var first = await h.Wallets.LedgerPageAsync(owner, 0, 2);
            var second = await h.Wallets.LedgerPageAsync(owner, 1, 2);
            Assert.Equal(all.Count, first.Total);
            Assert.Equal(all.Take(2), first.Items.Select(e => e.Id));
            Assert.Equal(all.Skip(2).Take(2), second.Items.Select(e => e.Id));
        }
        Assert.Equal(0, (await h.Wallets.LedgerPageAsync("nobody", 0, 20)).Total);
    }
}

public sealed class SqliteWalletBucketTests() : WalletBucketTests(DatabaseProvider.Sqlite);
public sealed class PostgresWalletBucketTests() : WalletBucketTests(DatabaseProvider.Postgres);
