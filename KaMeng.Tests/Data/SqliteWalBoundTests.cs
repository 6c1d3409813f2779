using KaMeng.Web.Features.Orders;
using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Tests.Data;

/// <summary>Tests that write hundreds of megabytes: run alone, so their disk traffic does not stall the fsyncs of others
/// (a Quartz run in another class waited past its minute while this one wrote).</summary>
[CollectionDefinition(nameof(HeavyDiskCollection), DisableParallelization = true)]
public sealed class HeavyDiskCollection;

[Collection(nameof(HeavyDiskCollection))]
public class SqliteWalBoundTests
{
    [Fact]
    public async Task The_sqlite_wal_stops_growing_when_writes_never_pause()
    {
        await using var db = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        await using (var ctx = db.NewContext())
            await ctx.Database.ExecuteSqlRawAsync("CREATE TABLE \"Filler\" (\"Data\" BLOB NOT NULL)");

        // Three times the limit in 16 KB rows, from more writers than a batch takes, so the writer never runs dry: without a
        // restart the WAL only grows (195 MB when tried); restarted, it stays within the limit plus the checkpoints' pace
        // (a checkpoint every 32 batches: 68–106 MB when tried).
        const int rowBytes = 16 << 10;
        var rows = (int)(3 * SqliteGroupCommit.WalLimitBytes / rowBytes);
        var walPath = Path.Combine(db.DataDir, "kameng.db-wal");
        var largest = 0L;
        var largestLock = new object();
        var next = 0;
        // Buyers read while others write (a product page, a draft's checks): some snapshot is always open.
        var readers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            await using var ctx = db.NewContext();
            while (Volatile.Read(ref next) < rows)
                await ctx.Database.SqlQueryRaw<long>("SELECT COALESCE(MAX(rowid), 0) AS \"Value\" FROM \"Filler\"").SingleAsync();
        })).ToList();
        await Task.WhenAll(Enumerable.Range(0, 128).Select(_ => Task.Run(async () =>
        {
            await using var ctx = db.NewContext();
            while (Interlocked.Increment(ref next) <= rows)
            {
                await ctx.RunBusinessTransactionAsync(async (tx, ct) =>
                {
                    await tx.Database.ExecuteSqlRawAsync($"INSERT INTO \"Filler\" VALUES (randomblob({rowBytes}))", ct);
                    return BusinessOutcome.Commit(true);
                });
                var size = new FileInfo(walPath) is { Exists: true } f ? f.Length : 0;
                lock (largestLock) largest = Math.Max(largest, size);
            }
        })));
        await Task.WhenAll(readers);

        await using var check = db.NewContext();
        Assert.Equal(rows, await check.Database.SqlQueryRaw<int>("SELECT COUNT(*) AS \"Value\" FROM \"Filler\"").SingleAsync());
        Assert.True(largest < 2 * SqliteGroupCommit.WalLimitBytes, $"the WAL reached {largest >> 20} MB with {3 * SqliteGroupCommit.WalLimitBytes >> 20} MB written");
    }
}
