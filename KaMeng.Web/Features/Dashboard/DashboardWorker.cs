using System.Threading.Channels;
using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Storefront;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Dashboard;

/// <summary>
/// Rolls orders up right after their commit, outside the order's transaction: order events (published after commit)
/// are queued here, applied in batches, and then signalled to the open dashboards. At start it catches up only the
/// orders committed after the last rolled-up one (an index range, cheap whatever the history); the full sweep of every
/// order runs once, cluster-wide, in the scheduled 统计核对 job, so two app instances never both sweep.
/// </summary>
public sealed class DashboardWorker(OrderEvents orderEvents, DashboardRollup rollup, DashboardSignals signals,
    IDbContextFactory<KaMengDbContext> dbFactory, TimeProvider clock, ILogger<DashboardWorker> log) : BackgroundService
{
    readonly Channel<OrderEvent> queue = Channel.CreateUnbounded<OrderEvent>(new() { SingleReader = true });

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var subscription = orderEvents.Subscribe(e => queue.Writer.TryWrite(e));
        try { await rollup.CatchUpAsync(stoppingToken); }
        catch (Exception ex) when (ex is not OperationCanceledException) { log.LogWarning(ex, "Dashboard catch-up at start failed"); }
        catch (OperationCanceledException) { return; }
        var batch = new List<OrderEvent>();
        try
        {
            while (await queue.Reader.WaitToReadAsync(stoppingToken))
            {
                batch.Clear();
                while (batch.Count < 500 && queue.Reader.TryRead(out var e)) batch.Add(e);
                try
                {
                    await rollup.ApplyAsync(batch.Select(e => e.OrderId).ToList(), stoppingToken);
                    await SignalAsync(batch, stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The 统计核对 job's sweep will pick these orders up again.
                    log.LogWarning(ex, "Rolling up {Count} order events failed", batch.Count);
                }
            }
        }
        catch (OperationCanceledException) { }
    }

    async Task SignalAsync(List<OrderEvent> batch, CancellationToken ct)
    {
        if (signals.SubscriberCount == 0) return; // no dashboard open: nothing to tell, so no stock query either (on a cluster the bus always listens, so every node asks)
        var now = clock.GetUtcNow();
        foreach (var e in batch)
        {
            var kind = e.Kind switch { OrderEventKind.Refunded => DashboardSignalKind.Refund, OrderEventKind.Paid => DashboardSignalKind.Payment, _ => DashboardSignalKind.Order };
            signals.Publish(new DashboardSignal(kind, e.StationId, $"订单 {e.OrderNumber} {DisplayNames.Of(e.Status)} {e.Total}", now));
        }
        // Low stock: the products just sold from, checked once per batch.
        var products = batch.Where(e => e.Kind is OrderEventKind.Paid or OrderEventKind.Delivered).Select(e => e.ProductId).Distinct().ToList();
        if (products.Count == 0) return;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var low = await StockLevels.LowAsync(db, p => products.Contains(p.Id), ct);
        foreach (var p in low)
            signals.Publish(new DashboardSignal(DashboardSignalKind.LowStock, OrderFacts.PlatformBucket, $"{p.Name} 库存仅剩 {p.Available}", now));
    }
}
