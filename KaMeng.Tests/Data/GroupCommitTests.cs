using KaMeng.Web.Features.Orders;
using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Tests.Data;

public class GroupCommitTests
{
    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [SqlServerData]
    public async Task Each_business_transaction_stays_all_or_nothing_when_they_share_a_commit(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        int walletId;
        await using (var ctx = db.NewContext())
        {
            var buyer = await ctx.Users.SingleAsync(u => u.UserName == "demo-buyer");
            walletId = (await ctx.EnsureWalletAsync(buyer.Id)).Id;
        }

        // ¥100.00 and 30 debits of ¥7.00; every fifth body fails after its debit. Its debit must vanish and the other
        // bodies must not: exactly 14 of the 24 others are paid, 10 are refused, whatever batches they shared.
        var results = await Task.WhenAll(Enumerable.Range(0, 30).Select(i => Task.Run(async () =>
        {
            await using var ctx = db.NewContext();
            try
            {
                return await ctx.RunBusinessTransactionAsync(async (tx, ct) =>
                {
                    var entry = await tx.PostAsync(walletId, LedgerEntryType.Purchase, Money.FromFen(-700), DateTimeOffset.UtcNow, reason: $"body {i}", ct: ct);
                    if (i % 5 == 0) throw new InvalidOperationException("failed after the debit");
                    return entry is null ? BusinessOutcome.Rollback("refused") : BusinessOutcome.Commit("paid");
                });
            }
            catch (InvalidOperationException e) when (e.Message == "failed after the debit")
            {
                return "failed";
            }
        })));

        Assert.Equal(6, results.Count(r => r == "failed"));
        Assert.Equal(14, results.Count(r => r == "paid"));
        Assert.Equal(10, results.Count(r => r == "refused"));
        await using var check = db.NewContext();
        var wallet = await check.Wallets.SingleAsync(w => w.Id == walletId);
        Assert.Equal(10000 - 14 * 700, wallet.Balance.Fen);
        var entries = await check.LedgerEntries.Where(e => e.WalletId == walletId).ToListAsync();
        Assert.Equal(wallet.Balance.Fen, entries.Sum(e => e.Amount.Fen));
        Assert.DoesNotContain(entries, e => e.Reason is { } r && r.StartsWith("body ") && int.Parse(r[5..]) % 5 == 0);
    }
}
