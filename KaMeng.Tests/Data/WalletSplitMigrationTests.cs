using KaMeng.Data;
using KaMeng.Data.Migrations;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace KaMeng.Tests.Data;

/// <summary>Migration SplitWalletBuckets (decision 0023) on wallets with one balance and their ledger history.</summary>
public class WalletSplitMigrationTests
{
    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Existing_wallets_are_split_into_balance_and_earnings_from_their_ledger(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        string mine;
        await using (var ctx = db.NewContext())
        {
            var all = ctx.Database.GetMigrations().ToList();
            mine = all.Single(m => m.EndsWith("_SplitWalletBuckets"));
            await ctx.GetService<IMigrator>().MigrateAsync(all[all.IndexOf(mine) - 1]);
        }

        // The old schema: one balance. The current model no longer fits it, so the history is written in SQL.
        var now = provider == DatabaseProvider.Sqlite ? RevokeKeysMadeForOthersSql.SqliteNow : RevokeKeysMadeForOthersSql.PostgresNow;
        string owner, admin, buyer;
        await using (var ctx = db.NewContext())
        {
            owner = await ctx.Users.Where(u => u.UserName == "demo-owner").Select(u => u.Id).SingleAsync();
            admin = await ctx.Users.Where(u => u.UserName == "admin").Select(u => u.Id).SingleAsync();
            buyer = await ctx.Users.Where(u => u.UserName == "demo-buyer").Select(u => u.Id).SingleAsync();
            async Task History(string userId, params (int Type, long Fen, long? OrderId)[] entries)
            {
                await ctx.Database.ExecuteSqlRawAsync("""INSERT INTO "Wallets" ("UserId", "Balance") SELECT {0}, 0 WHERE NOT EXISTS (SELECT 1 FROM "Wallets" WHERE "UserId" = {0})""", userId);
                foreach (var (type, fen, orderId) in entries)
                {
                    // Numbers of this test only, and the provider's "now": nothing from outside goes into the text.
                    var sql = $"""
                        INSERT INTO "LedgerEntries" ("WalletId", "Type", "Amount", "BalanceAfter", "OrderId", "Reason", "CreatedAt")
                        SELECT "Id", {type}, {fen}, 0, {orderId?.ToString() ?? "NULL"}, '历史', {now} FROM "Wallets" WHERE "UserId" = {"{0}"}
                        """;
                    await ctx.Database.ExecuteSqlRawAsync(sql, userId);
                }
                await ctx.Database.ExecuteSqlRawAsync("""UPDATE "Wallets" SET "Balance" = (SELECT COALESCE(SUM(e."Amount"), 0) FROM "LedgerEntries" e WHERE e."WalletId" = "Wallets"."Id") WHERE "UserId" = {0}""", userId);
            }
            // Recharged ¥500; earned ¥30 (order 9001) and ¥5 (order 9002); withdrew ¥10; ¥5 of order 9002 taken back by a refund.
            await History(owner, (0, 50000, null), (3, 3000, 9001), (3, 500, 9002), (4, -1000, null), (2, -500, 9002));
            // Earned ¥20 and spent ¥18 of it: only what is left (¥2) can be earnings.
            await History(admin, (3, 2000, 9003), (1, -1800, 9004));
        }

        await using (var ctx = db.NewContext())
            await ctx.GetService<IMigrator>().MigrateAsync(mine);

        await using (var ctx = db.NewContext())
        {
            async Task<(long Balance, long Earnings)> BucketsAsync(string userId)
            {
                var w = await ctx.Wallets.AsNoTracking().SingleAsync(w => w.UserId == userId);
                return (w.Balance.Fen, w.Earnings.Fen);
            }
            Assert.Equal((50000, 2000), await BucketsAsync(owner)); // the recharge stays spendable; 30 + 5 − 10 − 5 is earnings
            Assert.Equal((0, 200), await BucketsAsync(admin));
            Assert.Equal((10000, 0), await BucketsAsync(buyer)); // the demo recharge: nothing to split, no entries written
            Assert.Equal(4, await ctx.LedgerEntries.CountAsync(e => e.Reason == SplitWalletBucketsSql.Reason));
            Assert.Equal(0, (await ctx.EarningsOfAsync(owner, DateTimeOffset.UtcNow)).Pending.Fen); // earned before the split: available
            await LedgerBooks.AssertWalletsEqualTheirLedgersAsync(ctx);
        }
    }
}
