using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Notifications;
using KaMeng.Web.Features.Orders;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Marketing;

/// <summary>
/// A flash sale is checked against the station's cost when it is saved; a later cost rise (the product's cost, a level price,
/// a parent's supply rule, an upstream sync) can put it below. Checkout never sells under cost anyway (the price is floored),
/// but the owner must know: such a sale is paused with the reason and the owner alerted. Runs after every price change and
/// every minute (the 促销成本检查 job).
/// </summary>
public sealed class FlashSaleGuard(IDbContextFactory<KaMengDbContext> dbFactory, PriceResolver prices, Notifier notifier, TimeProvider clock, ILogger<FlashSaleGuard> log)
{
    readonly SemaphoreSlim gate = new(1, 1);

    /// <summary>Pauses every sale not over yet whose price is below its station's cost now. Returns the sales paused.</summary>
    public async Task<IReadOnlyList<FlashSale>> PauseBelowCostAsync(CancellationToken ct = default)
    {
        await gate.WaitAsync(ct);
        try
        {
            var now = clock.GetUtcNow();
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var sales = await db.FlashSales.Where(f => !f.Paused && f.EndsAt > now).ToListAsync(ct);
            if (sales.Count == 0) return [];
            var productIds = sales.Select(s => s.ProductId).Distinct().ToList();
            var products = await db.Products.AsNoTracking().Where(p => productIds.Contains(p.Id)).ToDictionaryAsync(p => p.Id, ct);
            var paused = new List<FlashSale>();
            foreach (var sale in sales)
            {
                if (!products.TryGetValue(sale.ProductId, out var product)) continue;
                var quote = (await prices.ForStationAsync(sale.StationId)).Quote(product);
                var price = sale.PriceFor(quote.Price);
                if (price >= quote.Cost) continue;
                sale.Paused = true;
                sale.PauseReason = $"成本上涨至 {quote.Cost}，活动价 {price} 低于成本，已自动暂停";
                db.AuditEntries.Add(new AuditEntry { Action = "flash.pause", Target = sale.Title, Detail = sale.PauseReason, UserName = "系统", CreatedAt = now, StationId = sale.StationId });
                paused.Add(sale);
            }
            if (paused.Count == 0) return [];
            await db.SaveChangesAsync(ct);
            foreach (var sale in paused)
                notifier.Publish(new NotificationRequest(NotificationEvent.PromotionPaused, $"秒杀「{sale.Title}」已暂停", sale.PauseReason,
                    "admin/marketing/flash-sales", StationId: sale.StationId));
            log.LogInformation("Paused {Count} flash sales below cost", paused.Count);
            prices.Invalidate();
            return paused;
        }
        finally { gate.Release(); }
    }
}
