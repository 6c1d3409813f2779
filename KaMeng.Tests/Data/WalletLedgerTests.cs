using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Tests.Data;

public class WalletLedgerTests
{
    /// <summary>The seeded demo buyer (¥100.00) and their wallet.</summary>
    static async Task<(string UserId, Wallet Wallet)> DemoBuyerWalletAsync(KaMengDbContext ctx)
    {
        var buyer = await ctx.Users.SingleAsync(u => u.UserName == "demo-buyer");
        return (buyer.Id, await ctx.EnsureWalletAsync(buyer.Id));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [SqlServerData]
    public async Task A_debit_beyond_the_balance_writes_nothing(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await using var ctx = db.NewContext();
        var (_, wallet) = await DemoBuyerWalletAsync(ctx);
        var before = await ctx.LedgerEntries.CountAsync();

        var entry = await ctx.PostAsync(wallet.Id, LedgerEntryType.Purchase, Money.FromFen(-10001), DateTimeOffset.UtcNow);

        Assert.Null(entry);
        Assert.Equal(before, await ctx.LedgerEntries.CountAsync());
        Assert.Equal(10000, (await ctx.Wallets.AsNoTracking().SingleAsync(w => w.Id == wallet.Id)).Balance.Fen);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [SqlServerData]
    public async Task Parallel_debits_never_overdraw_and_balance_equals_ledger(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        int walletId;
        await using (var ctx = db.NewContext())
            walletId = (await DemoBuyerWalletAsync(ctx)).Wallet.Id;
        // ¥100.00 and 30 debits of ¥7.00: exactly 14 can succeed.
        var results = await Task.WhenAll(Enumerable.Range(0, 30).Select(async _ =>
        {
            await using var ctx = db.NewContext();
            await using var tx = await ctx.Database.BeginTransactionAsync();
            var entry = await ctx.PostAsync(walletId, LedgerEntryType.Purchase, Money.FromFen(-700), DateTimeOffset.UtcNow);
            await tx.CommitAsync();
            return entry is not null;
        }));
        Assert.Equal(14, results.Count(ok => ok));
        await using var check = db.NewContext();
        var wallet = await check.Wallets.SingleAsync(w => w.Id == walletId);
        Assert.Equal(10000 - 14 * 700, wallet.Balance.Fen);
        Assert.Equal(wallet.Balance.Fen, (await check.LedgerEntries.Where(e => e.WalletId == walletId).Select(e => e.Amount).ToListAsync()).Sum(m => m.Fen));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [SqlServerData]
    public async Task A_credit_lands_on_a_wallet_below_zero(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await using var ctx = db.NewContext();
        var (ownerId, wallet) = await DemoBuyerWalletAsync(ctx);
        // An earning taken back on a refund may take a wallet below zero ...
        Assert.NotNull(await ctx.PostAsync(wallet.Id, LedgerEntryType.Refund, Money.FromFen(-15000), DateTimeOffset.UtcNow, allowNegative: true));

        // ... and the next recharge or earning must still be credited, by wallet and by user.
        var byWallet = await ctx.PostAsync(wallet.Id, LedgerEntryType.Earning, Money.FromFen(1000), DateTimeOffset.UtcNow);
        var byUser = await ctx.PostToUserAsync(ownerId, LedgerEntryType.Recharge, Money.FromFen(1500), DateTimeOffset.UtcNow);

        Assert.Equal(-4000, byWallet?.BalanceAfter.Fen);
        Assert.Equal(-2500, byUser?.BalanceAfter.Fen);
        // A debit is still refused below zero.
        Assert.Null(await ctx.PostAsync(wallet.Id, LedgerEntryType.Purchase, Money.FromFen(-1), DateTimeOffset.UtcNow));
        var balance = (await ctx.Wallets.AsNoTracking().SingleAsync(w => w.Id == wallet.Id)).Balance.Fen;
        Assert.Equal(-2500, balance);
        Assert.Equal(balance, (await ctx.LedgerEntries.Where(e => e.WalletId == wallet.Id).Select(e => e.Amount).ToListAsync()).Sum(m => m.Fen));
    }
}
