using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Notifications;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace KaMeng.Web.Features.Jobs;

/// <summary>补货提醒: reads the available card keys of every card-key product per station that holds them (and the
/// product's own station), and alerts the station's owner once per crossing under the product's threshold.</summary>
public sealed class RestockService(IDbContextFactory<KaMengDbContext> dbFactory, Notifier notifier, TimeProvider clock, IOptions<JobsOptions> options)
{
    public sealed record Result(int Checked, int Alerted);

    public async Task<Result> CheckAsync(CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var products = await db.Products.AsNoTracking()
            .Where(p => !p.Deleted && p.DeliveryType == DeliveryType.CardKey && !p.ReusableKey && p.LowStockThreshold > 0)
            .Select(p => new { p.Id, p.StationId, p.Name, p.LowStockThreshold }).ToListAsync(ct);
        var stock = await db.CardKeys.AsNoTracking().Where(k => k.Status == CardKeyStatus.Available)
            .GroupBy(k => new { k.StationId, k.ProductId }).Select(g => new { g.Key.StationId, g.Key.ProductId, Count = g.Count() }).ToListAsync(ct);
        var stockByKey = stock.ToDictionary(s => (s.StationId, s.ProductId), s => s.Count);
        var alerts = await db.RestockAlerts.ToDictionaryAsync(a => (a.StationId, a.ProductId), ct);

        var checkedCount = 0;
        var fired = new List<(int StationId, int ProductId, string Name, int Stock, int Threshold)>();
        foreach (var p in products)
        {
            var stations = stock.Where(s => s.ProductId == p.Id).Select(s => s.StationId).Append(p.StationId).Distinct();
            foreach (var stationId in stations)
            {
                var count = stockByKey.GetValueOrDefault((stationId, p.Id));
                if (!alerts.TryGetValue((stationId, p.Id), out var alert))
                {
                    alert = new RestockAlert { StationId = stationId, ProductId = p.Id };
                    db.RestockAlerts.Add(alert);
                    alerts[(stationId, p.Id)] = alert;
                }
                checkedCount++;
                if (alert.Observe(count, p.LowStockThreshold, now)) fired.Add((stationId, p.Id, p.Name, count, p.LowStockThreshold));
            }
        }
        await db.SaveChangesAsync(ct);
        // After the commit: the alert state is recorded even if a notification later fails.
        foreach (var f in fired)
            notifier.Publish(new NotificationRequest(NotificationEvent.LowStock, $"补货提醒：{f.Name} 库存仅剩 {f.Stock}",
                $"商品「{f.Name}」可用卡密 {f.Stock} 张，低于提醒阈值 {f.Threshold} 张，请及时补货。", "/admin/card-keys",
                StationId: f.StationId, Data: new { productId = f.ProductId, stock = f.Stock, threshold = f.Threshold }));
        return new Result(checkedCount, fired.Count);
    }

    /// <summary>Holds back the alert of this product at this station for <paramref name="duration"/> (default: the configured hours).</summary>
    public async Task SnoozeAsync(KaMengDbContext db, int stationId, int productId, CancellationToken ct = default, TimeSpan? duration = null)
    {
        var alert = await db.RestockAlerts.FirstOrDefaultAsync(a => a.StationId == stationId && a.ProductId == productId, ct);
        if (alert is null) db.RestockAlerts.Add(alert = new RestockAlert { StationId = stationId, ProductId = productId });
        alert.Snooze(clock.GetUtcNow() + (duration ?? TimeSpan.FromHours(options.Value.RestockSnoozeHours)));
        await db.SaveChangesAsync(ct);
    }
}
