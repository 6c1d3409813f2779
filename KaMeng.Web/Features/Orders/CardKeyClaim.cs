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
    static IProperty SoldAtProperty(KaMengDbContext db) => db.Model.FindEntityType(typeof(CardKey))!.FindProperty(nameof(CardKey.SoldAt))!;

    public static async Task<int> ClaimAsync(KaMengDbContext db, int productId, long orderId, int quantity, DateTimeOffset now, CancellationToken ct)
    {
        if (db.Provider == DatabaseProvider.Postgres)
        {
            // The locking CTE runs once. (Written as `WHERE "Id" IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)` the planner
            // may re-run the subquery per row and sell more keys than ordered — a test caught exactly that.)
            return await RawCommands.RunAsync(db, """
                WITH picked AS (
                    SELECT "Id" FROM "CardKeys"
                    WHERE "ProductId" = @p0 AND "Status" = @p1
                    ORDER BY "Id" LIMIT @p2
                    FOR UPDATE SKIP LOCKED)
                UPDATE "CardKeys" AS k SET "Status" = @p3, "OrderId" = @p4, "SoldAt" = @p5
                FROM picked WHERE k."Id" = picked."Id" AND k."Status" = @p1
                """, [productId, (int)CardKeyStatus.Available, quantity, (int)CardKeyStatus.Sold, orderId, RawCommands.ToProvider(SoldAtProperty(db), now)],
                c => c.ExecuteNonQueryAsync(ct), ct);
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
