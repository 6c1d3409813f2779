using KaMeng.Data;
using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Orders;

/// <summary>
/// Takes available card keys for an order. The invariant of the business: a key is sold at most once.
/// The UPDATE only touches rows still Available, and the caller checks the affected-row count; on PostgreSQL
/// the candidate rows are locked with FOR UPDATE SKIP LOCKED so racing buyers take different keys instead of
/// queueing on the same ones.
/// </summary>
public static class CardKeyClaim
{
    public static async Task<int> ClaimAsync(KaMengDbContext db, int productId, long orderId, int quantity, DateTimeOffset now, CancellationToken ct)
    {
        if (db.Provider == DatabaseProvider.Postgres)
        {
            // The locking CTE runs once. (Written as `WHERE "Id" IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)` the planner
            // may re-run the subquery per row and sell more keys than ordered — a test caught exactly that.)
            return await db.Database.ExecuteSqlInterpolatedAsync($"""
                WITH picked AS (
                    SELECT "Id" FROM "CardKeys"
                    WHERE "ProductId" = {productId} AND "Status" = {(int)CardKeyStatus.Available}
                    ORDER BY "Id" LIMIT {quantity}
                    FOR UPDATE SKIP LOCKED)
                UPDATE "CardKeys" AS k SET "Status" = {(int)CardKeyStatus.Sold}, "OrderId" = {orderId}, "SoldAt" = {now}
                FROM picked WHERE k."Id" = picked."Id" AND k."Status" = {(int)CardKeyStatus.Available}
                """, ct);
        }
        // SQLite has one writer at a time; EF applies the DateTimeOffset converter to SoldAt.
        var candidates = db.CardKeys.Where(k => k.ProductId == productId && k.Status == CardKeyStatus.Available)
            .OrderBy(k => k.Id).Select(k => k.Id).Take(quantity);
        return await db.CardKeys.Where(k => candidates.Contains(k.Id) && k.Status == CardKeyStatus.Available)
            .ExecuteUpdateAsync(s => s.SetProperty(k => k.Status, CardKeyStatus.Sold).SetProperty(k => k.OrderId, orderId).SetProperty(k => k.SoldAt, now), ct);
    }
}
