using System.Collections.Concurrent;
using KaMeng.Data;
using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace KaMeng.Web.Features.Orders;

/// <summary>
/// Takes available card keys for an order. The invariant of the business: a key is sold at most once.
/// The UPDATE only touches rows still Available, and the caller checks the affected-row count; on PostgreSQL
/// the candidate rows are locked with FOR UPDATE SKIP LOCKED so racing buyers take different keys instead of
/// queueing on the same ones.
/// </summary>
public static class CardKeyClaim
{
    /// <summary>
    /// PostgreSQL: takes up to @p2 available (@p1) keys of product @p0 with an id of at least @p6, in id order, for order
    /// @p4 (status @p3, sold at @p5); its one row is how many and the lowest id taken. The claim bench's raw baseline runs
    /// it too. The locking CTE runs once. (Written as `WHERE "Id" IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)` the planner
    /// may re-run the subquery per row and sell more keys than ordered — a test caught exactly that.)
    /// </summary>
    public const string PostgresClaimSql = """
            WITH picked AS (
                SELECT "Id" FROM "CardKeys"
                WHERE "ProductId" = @p0 AND "Status" = @p1 AND "Id" >= @p6
                ORDER BY "Id" LIMIT @p2
                FOR UPDATE SKIP LOCKED),
            taken AS (
                UPDATE "CardKeys" AS k SET "Status" = @p3, "OrderId" = @p4, "SoldAt" = @p5
                FROM picked WHERE k."Id" = picked."Id" AND k."Status" = @p1
                RETURNING k."Id")
            SELECT COUNT(*)::int, COALESCE(MIN("Id"), 0) FROM taken
            """;

    static Task<(int Taken, long Lowest)> ClaimFromAsync(KaMengDbContext db, int productId, long orderId, int quantity, long fromId, DateTimeOffset now, CancellationToken ct) =>
        RawCommands.RunAsync(db, PostgresClaimSql, [productId, (int)CardKeyStatus.Available, quantity, (int)CardKeyStatus.Sold, orderId, RawCommands.ToProvider(SoldAtProperty(db), now), fromId],
            async c =>
            {
                await using var reader = await c.ExecuteReaderAsync(ct);
                await reader.ReadAsync(ct);
                return (reader.GetInt32(0), reader.GetInt64(1));
            }, ct);

    static IProperty SoldAtProperty(KaMengDbContext db) => db.Model.FindEntityType(typeof(CardKey))!.FindProperty(nameof(CardKey.SoldAt))!;

    public static async Task<int> ClaimAsync(KaMengDbContext db, int productId, long orderId, int quantity, DateTimeOffset now, CancellationToken ct)
    {
        if (db.Provider == DatabaseProvider.Postgres)
        {
            // From the product's floor: a sold key's old row version keeps its entry in the available-keys range of the
            // index until VACUUM, so a scan from the start steps over every key sold since (30,000: 117 index pages, not 5).
            return await ClaimFloor.ClaimAsync(db.Database.GetConnectionString() ?? "", productId, quantity,
                (fromId, count) => ClaimFromAsync(db, productId, orderId, count, fromId, now, ct));
        }
        // SQLite has one writer at a time (the business transaction's gate). The same UPDATE EF's ExecuteUpdate generated,
        // as a prepared statement (it runs in every purchase, inside the writer's serial section); SoldAt goes through the
        // model's own converter.
        var soldAt = RawCommands.ToProvider(SoldAtProperty(db), now);
        return SqlitePrepared.NonQuery(db, """
            UPDATE "CardKeys" SET "Status" = $p0, "OrderId" = $p1, "SoldAt" = $p2
            WHERE "Id" IN (
                SELECT "Id" FROM "CardKeys"
                WHERE "ProductId" = $p3 AND "Status" = $p4
                ORDER BY "Id" LIMIT $p5)
              AND "Status" = $p4
            """, (int)CardKeyStatus.Sold, orderId, soldAt, productId, (int)CardKeyStatus.Available, quantity);
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
