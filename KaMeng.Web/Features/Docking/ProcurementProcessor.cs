using System.Text.Json;
using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.OpenApi;
using KaMeng.Web.Features.Orders;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace KaMeng.Web.Features.Docking;

/// <summary>
/// The procurement queue (a table, so it survives restarts). Checkout only inserts the row inside the buyer's transaction;
/// this worker makes the upstream calls outside any transaction: create the upstream order (idempotent on our
/// client_order_no), poll its status, retry with backoff, switch to the backup supplier, and on final failure refund the
/// buyer to balance and alert the owner. Delivered card keys are stored encrypted on the local order.
/// </summary>
public sealed class ProcurementProcessor(IDbContextFactory<KaMengDbContext> dbFactory, SupplierService suppliers, SupplierClient client, OrderService orders,
    CardKeyVault vault, OrderEvents events, Telemetry.KaMengMetrics metrics, ISupplyAlerts alerts, IOptions<DockingOptions> options, TimeProvider clock, ILogger<ProcurementProcessor> log)
{
    static readonly AuditActor System = new("system", "对接采购", null);

    /// <summary>Called by checkout inside the buyer's transaction, after the order row is saved: queues the procurement, no upstream call.</summary>
    public static async Task EnqueueIfSuppliedAsync(KaMengDbContext db, Order order, DateTimeOffset now, CancellationToken ct)
    {
        var link = await db.SupplierProducts.AsNoTracking().SingleOrDefaultAsync(l => l.ProductId == order.ProductId, ct);
        if (link is not null) db.Procurements.Add(Procurement.For(order, link, now));
    }

    /// <summary>Works every due procurement once. Returns how many it touched.</summary>
    public async Task<int> ProcessDueAsync(CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        List<long> due;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
            due = await db.Procurements.Where(p => (p.Status == ProcurementStatus.Pending || p.Status == ProcurementStatus.Submitted) && p.NextAttemptAt <= now)
                .OrderBy(p => p.NextAttemptAt).Select(p => p.Id).Take(50).ToListAsync(ct);
        foreach (var id in due)
        {
            try { await ProcessAsync(id, ct); }
            catch (Exception e) when (!ct.IsCancellationRequested) { log.LogError(e, "Procurement {Id} failed to process", id); }
        }
        return due.Count;
    }

    async Task ProcessAsync(long id, CancellationToken ct)
    {
        Procurement p;
        SupplierProduct link;
        Supplier supplier;
        Order order;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            p = await db.Procurements.AsNoTracking().SingleAsync(x => x.Id == id, ct);
            link = await db.SupplierProducts.AsNoTracking().SingleAsync(x => x.Id == p.SupplierProductId, ct);
            supplier = await db.Suppliers.AsNoTracking().SingleAsync(x => x.Id == p.SupplierId, ct);
            order = await db.Orders.AsNoTracking().SingleAsync(x => x.Id == p.OrderId, ct);
        }
        var o = options.Value;
        var now = clock.GetUtcNow();
        if (order.Status != OrderStatus.Processing)
        {
            // Refunded or completed by staff meanwhile: nothing left to procure.
            p.Status = ProcurementStatus.Failed;
            p.LastError = $"本地订单状态为 {order.Status}，停止采购";
            p.CompletedAt = now;
            await SaveAsync(p, ct);
            return;
        }

        OrderData? result = null;
        string? failure = null;
        var final = false;
        try
        {
            var endpoint = suppliers.Endpoint(supplier);
            if (p.Status == ProcurementStatus.Pending)
            {
                // Claimed while the create is in flight, so a buyer's cancel (which needs Pending) cannot refund an order
                // the upstream is filling; what this try decides is saved over the claim below.
                if (!await ClaimAsync(p.Id, ct)) return;
                var inputs = string.IsNullOrEmpty(order.InputsJson) ? null : JsonSerializer.Deserialize<Dictionary<string, string?>>(order.InputsJson);
                result = await client.CreateOrderAsync(endpoint, new CreateOrderRequest(p.UpstreamProductId, order.Quantity, p.ClientOrderNo, inputs), ct);
            }
            else
            {
                result = await client.OrderAsync(endpoint, p.ClientOrderNo, ct);
            }
        }
        catch (SupplierException e) when (p.Status == ProcurementStatus.Submitted && e.Status == 404)
        {
            // The create never landed upstream: create it again (same number, so never twice).
            p.Status = ProcurementStatus.Pending;
            p.NextAttemptAt = now;
            await SaveAsync(p, ct);
            return;
        }
        catch (SupplierException e)
        {
            failure = $"{supplier.Name}：{e.Message}";
        }

        if (result is not null)
        {
            p.UpstreamOrderNo = result.OrderNo;
            switch (result.Status)
            {
                case nameof(OrderStatus.Delivered):
                    await DeliverAsync(p, order, result, ct);
                    return;
                case nameof(OrderStatus.Failed) or nameof(OrderStatus.Refunded) or nameof(OrderStatus.Cancelled):
                    failure = $"{supplier.Name}：上游订单 {result.OrderNo} 状态为 {result.Status}{(result.DeliveryNote is { } n ? "（" + n + "）" : "")}";
                    final = true;
                    break;
                default:
                    // Accepted upstream, not yet delivered: poll again later.
                    p.Status = ProcurementStatus.Submitted;
                    p.NextAttemptAt = now.AddSeconds(Math.Max(1, o.PollSeconds));
                    await SaveAsync(p, ct);
                    return;
            }
        }

        var wasBackup = p.OnBackup;
        if (!p.RecordFailure(failure!, link, now, TimeSpan.FromSeconds(o.RetryBaseSeconds), supplierSaysFinal: final))
        {
            await SaveAsync(p, ct);
            if (p.OnBackup && !wasBackup)
                await AuditAsync("procurement.backup", order, $"主供货商失败（{failure}），已切换到备用供货商", ct);
            return;
        }
        await SaveAsync(p, ct);
        var reason = $"上游采购失败：{failure}";
        var refused = await orders.RefundAsync(order.Id, reason.Length > 200 ? reason[..200] : reason, System, ct);
        if (refused is not null) log.LogWarning("Refund of order {Order} after failed procurement refused: {Error}", order.Number, refused);
        await alerts.RaiseAsync(new SupplyAlert(SupplyAlertKind.ProcurementFailed, order.StationId, order.Number, reason), ct);
    }

    async Task DeliverAsync(Procurement p, Order snapshot, OrderData result, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var tx = await db.BeginBusinessTransactionAsync(ct);
        var order = await db.Orders.SingleAsync(o => o.Id == snapshot.Id, ct);
        var procurement = await db.Procurements.SingleAsync(x => x.Id == p.Id, ct);
        if (order.Status != OrderStatus.Processing) return;
        if (result.CardKeys.Count > 0)
        {
            var batch = new CardKeyBatch { StationId = order.StationId, ProductId = order.ProductId, Number = "UP" + order.Number, Count = result.CardKeys.Count, CreatedAt = now };
            db.CardKeyBatches.Add(batch);
            await db.SaveChangesAsync(ct);
            var i = 0;
            foreach (var secret in result.CardKeys)
            {
                // Hashed with the order and position: an upstream 循环卡密 may deliver the same secret in many orders.
                db.CardKeys.Add(new CardKey
                {
                    StationId = order.StationId, ProductId = order.ProductId, BatchId = batch.Id, SecretCipher = vault.Protect(secret),
                    SecretHash = vault.Hash($"{order.Number}#{i++}#{secret}"), Status = CardKeyStatus.Sold, OrderId = order.Id, SoldAt = now, CreatedAt = now,
                });
            }
            // Shown to the buyer like the station's own keys.
            order.DeliveryType = DeliveryType.CardKey;
        }
        procurement.UpstreamOrderNo = result.OrderNo;
        procurement.Status = ProcurementStatus.Delivered;
        procurement.CompletedAt = now;
        procurement.LastError = null;
        await Fulfilment.DeliverAsync(db, order, now, result.CardKeys.Count > 0 ? null : result.DeliveryNote ?? "上游已发货", ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        metrics.OrderDelivered();
        events.Publish(OrderEvent.Of(OrderEventKind.Delivered, order));
    }

    async Task<bool> ClaimAsync(long id, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Procurements.Where(x => x.Id == id && x.Status == ProcurementStatus.Pending)
            .ExecuteUpdateAsync(u => u.SetProperty(x => x.Status, ProcurementStatus.Submitted), ct) == 1;
    }

    async Task SaveAsync(Procurement p, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        db.Procurements.Update(p);
        await db.SaveChangesAsync(ct);
    }

    async Task AuditAsync(string action, Order order, string detail, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        db.AuditEntries.Add(new AuditEntry { Action = action, Target = order.Number, Detail = detail, UserName = System.UserName, CreatedAt = clock.GetUtcNow(), StationId = order.StationId });
        await db.SaveChangesAsync(ct);
    }
}
