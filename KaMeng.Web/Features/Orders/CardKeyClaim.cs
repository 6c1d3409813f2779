using System.Collections.Concurrent;
using KaMeng.Data;
using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace KaMeng.Web.Features.Orders;

/// <summary>
/// Takes available card keys for an order. The invariant of the business: a key is sold at most once.
/// The UPDATE only touches rows still Available, and the caller checks the affected-row count; on PostgreSQL
/// the candidate rows are locked with FOR UPDATE SKIP LOCKED (SQL Server: UPDLOCK, READPAST) so racing buyers take
/// different keys instead of queueing on the same ones. The statements are in KaMeng.Data/Providers.
/// </summary>
public static class CardKeyClaim
{
    static Task<(int Taken, long Lowest)> ClaimFromAsync(KaMengDbContext db, int productId, long orderId, int quantity, long fromId, DateTimeOffset now, CancellationToken ct) =>
        RawCommands.RunAsync(db, db.Provider == DatabaseProvider.SqlServer ? SqlServerSql.ClaimKeys : PostgresSql.ClaimKeys, [productId, (int)CardKeyStatus.Available, quantity, (int)CardKeyStatus.Sold, orderId, RawCommands.ToProvider(SoldAtProperty(db), now), fromId],
            async c =>
            {
                await using var reader = await c.ExecuteReaderAsync(ct);
                await reader.ReadAsync(ct);
                return (reader.GetInt32(0), reader.GetInt64(1));
            }, ct);

    static IProperty SoldAtProperty(KaMengDbContext db) => db.Model.FindEntityType(typeof(CardKey))!.FindProperty(nameof(CardKey.SoldAt))!;

    public static async Task<int> ClaimAsync(KaMengDbContext db, int productId, long orderId, int quantity, DateTimeOffset now, CancellationToken ct)
    {
        switch (db.Provider)
        {
            case DatabaseProvider.Postgres or DatabaseProvider.SqlServer:
                // From the product's floor: a sold key's old row version keeps its entry in the available-keys range of the
                // index until VACUUM (PostgreSQL), so a scan from the start steps over every key sold since (30,000: 117
                // index pages, not 5). On SQL Server the floor spares READPAST the sold range the same way.
                return await ClaimFloor.ClaimAsync(db.Database.GetConnectionString() ?? "", productId, quantity,
                    (fromId, count) => ClaimFromAsync(db, productId, orderId, count, fromId, now, ct));
            case DatabaseProvider.Sqlite:
                // SQLite has one writer at a time (the business transaction's gate): a prepared statement (it runs in every
                // purchase, inside the writer's serial section); SoldAt goes through the model's own converter.
                var soldAt = RawCommands.ToProvider(SoldAtProperty(db), now);
                return SqlitePrepared.NonQuery(db, SqliteSql.ClaimKeys, (int)CardKeyStatus.Sold, orderId, soldAt, productId, (int)CardKeyStatus.Available, quantity);
            default:
                throw ProviderSql.Unsupported(db.Provider);
        }
    }
}

/// <summary>
/// PostgreSQL: per database and product, the lowest key id the latest claim took, where the next claim starts
/// (docs/performance/claim-bench-steady-state-and-claim-floor.md). Claims go in id order, so below it every key is sold, held by a transaction still running, or
/// given back by one that rolled back. Only a hint: each process keeps its own, and a claim that comes up short looks
/// again from the start before the buyer is told there is no stock.
/// </summary>
public static class ClaimFloor
{
    static readonly ConcurrentDictionary<(string Database, int ProductId), long> Floors = new();

    /// <summary>
    /// Takes <paramref name="quantity"/> keys through <paramref name="claimFrom"/> (from id, how many → taken, lowest id
    /// taken), from the floor first; how many were taken. The claim bench's raw baseline runs its own SQL through it too.
    /// </summary>
    public static async Task<int> ClaimAsync(string database, int productId, int quantity, Func<long, int, Task<(int Taken, long Lowest)>> claimFrom)
    {
        var key = (database, productId);
        var floor = Floors.GetValueOrDefault(key);
        var (taken, lowest) = await claimFrom(floor, quantity);
        // The floor only rises: claims go in id order.
        if (taken > 0) Floors.AddOrUpdate(key, lowest, (_, old) => Math.Max(old, lowest));
        if (taken < quantity && floor > 0)
            taken += (await claimFrom(0, quantity - taken)).Taken;
        return taken;
    }
}
