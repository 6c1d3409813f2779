using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Notifications;
using KaMeng.Web.Features.Storefront;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Jobs;

/// <summary>补货提醒: reads the available card keys of every card-key product per station that holds them (and the
/// product's own station), and alerts the station's owner once per crossing under the product's threshold.</summary>
public sealed class RestockService(IDbContextFactory<KaMengDbContext> dbFactory, Notifier notifier, TimeProvider clock)
{
    public sealed record Result(int Checked, int Alerted);

    public async Task<Result> CheckAsync(CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var levels = await StockLevels.ByStationAsync(db, ct: ct);
        var alerts = await db.RestockAlerts.ToDictionaryAsync(a => (a.StationId, a.ProductId), ct);

        var fired = new List<StockLevel>();
        foreach (var level in levels)
        {
            if (!alerts.TryGetValue((level.StationId, level.ProductId), out var alert))
            {
                alert = new RestockAlert { StationId = level.StationId, ProductId = level.ProductId };
                db.RestockAlerts.Add(alert);
                alerts[(level.StationId, level.ProductId)] = alert;
            }
            if (alert.Observe(level.Available, level.Threshold, now)) fired.Add(level);
        }
        await db.SaveChangesAsync(ct);
        // After the commit: the alert state is recorded even if a notification later fails.
        foreach (var f in fired)
            notifier.Publish(new NotificationRequest(NotificationEvent.LowStock, $"补货提醒：{f.Name} 库存仅剩 {f.Available}",
                $"商品「{f.Name}」可用卡密 {f.Available} 张，低于提醒阈值 {f.Threshold} 张，请及时补货。", "/admin/card-keys",
                StationId: f.StationId, Data: new { productId = f.ProductId, stock = f.Available, threshold = f.Threshold }));
        return new Result(levels.Count, fired.Count);
    }
}
