using KaMeng.Data;
using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Orders;

/// <summary>An order as its buyer sees it, with the delivered secrets decrypted.</summary>
public sealed record OrderView(Order Order, IReadOnlyList<string> Keys);

/// <summary>Reading orders for buyers and staff, and the staff operations after payment: complete, refund, expire.</summary>
public sealed class OrderService(IDbContextFactory<KaMengDbContext> dbFactory, CardKeyVault vault, TimeProvider clock, OrderEvents events, RefundService refunds, PriceResolver prices,
    Telemetry.KaMengMetrics metrics)
{
    /// <summary>The buyer's own order, or null (another buyer's order is as good as absent).</summary>
    public async Task<OrderView?> GetForBuyerAsync(string number, string buyerUserId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var order = await db.Orders.AsNoTracking().SingleOrDefaultAsync(o => o.Number == number && o.BuyerUserId == buyerUserId, ct);
        return order is null ? null : new OrderView(order, await KeysOfAsync(db, order, ct));
    }

    /// <summary>查单 without the order number: every order at this station left with this contact and query password (newest
    /// first, at most <paramref name="take"/>). Orders with another password for the same contact stay out.</summary>
    public async Task<List<OrderView>> QueryByContactAsync(int stationId, string? contact, string? password, int take = 20, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(contact) || string.IsNullOrEmpty(password)) return [];
        var trimmed = contact.Trim();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var candidates = await db.Orders.AsNoTracking()
            .Where(o => o.StationId == stationId && o.Contact == trimmed && o.QueryPasswordHash != null)
            .OrderByDescending(o => o.Id).Take(50).ToListAsync(ct);
        var views = new List<OrderView>();
        foreach (var order in candidates.Where(o => OrderDraft.VerifyQueryPassword(o, password)).Take(take))
            views.Add(new OrderView(order, await KeysOfAsync(db, order, ct)));
        return views;
    }

    /// <summary>查单: order number plus the contact and query password given at checkout.</summary>
    public async Task<OrderView?> QueryAsync(int stationId, string? number, string? contact, string? password, CancellationToken ct = default)
    {
        if (!OrderNumber.LooksValid(number?.Trim()) || string.IsNullOrWhiteSpace(contact) || string.IsNullOrEmpty(password)) return null;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var order = await db.Orders.AsNoTracking().SingleOrDefaultAsync(o => o.Number == number!.Trim() && o.StationId == stationId, ct);
        if (order is null || !string.Equals(order.Contact, contact.Trim(), StringComparison.Ordinal) || !OrderDraft.VerifyQueryPassword(order, password)) return null;
        return new OrderView(order, await KeysOfAsync(db, order, ct));
    }

    /// <summary>The secrets delivered with the order, decrypted (none before delivery or for other delivery types): the
    /// one reader every buyer-facing surface uses (order page, 查单, the gateway's return page, the guest's mail, the Open API).</summary>
    public async Task<IReadOnlyList<string>> KeysOfAsync(KaMengDbContext db, Order order, CancellationToken ct)
    {
        if (order.Status is not (OrderStatus.Delivered or OrderStatus.Refunded) || order.DeliveryType != DeliveryType.CardKey) return [];
        if (order.ReusableKeyId is { } reusable)
        {
            var cipher = await db.CardKeys.Where(k => k.Id == reusable).Select(k => k.SecretCipher).SingleAsync(ct);
            return Enumerable.Repeat(vault.Unprotect(cipher), order.Quantity).ToList();
        }
        var ciphers = await db.CardKeys.Where(k => k.OrderId == order.Id).OrderBy(k => k.Id).Select(k => k.SecretCipher).ToListAsync(ct);
        return ciphers.Select(vault.Unprotect).ToList();
    }

    /// <summary>Staff complete a DirectTopUp/Manual order: Processing → Delivered with the delivery text.</summary>
    public async Task<string?> CompleteAsync(long orderId, string? deliveryNote, AuditActor actor, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(deliveryNote)) return "请填写发货内容";
        if (deliveryNote.Length > 4000) return "发货内容过长";
        var now = clock.GetUtcNow();
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        Order? order;
        await using (var tx = await db.BeginBusinessTransactionAsync(ct))
        {
            order = await db.Orders.SingleOrDefaultAsync(o => o.Id == orderId, ct);
            if (order is null) return "订单不存在";
            if (order.Status != OrderStatus.Processing) return "订单不在处理中，不能发货";
            db.AuditEntries.Add(actor.Entry("order.complete", order.Number, null, now, order.StationId));
            try { await Fulfilment.DeliverAsync(db, order, now, deliveryNote.Trim(), ct); }
            catch (DbUpdateConcurrencyException) { return "订单状态已被他人修改，请刷新"; }
            await tx.CommitAsync(ct);
        }
        // Published after commit, with the SQLite writer gate released (as checkout does).
        metrics.OrderDelivered();
        events.Publish(OrderEvent.Of(OrderEventKind.Delivered, order));
        return null;
    }

    /// <summary>Refunds what remains of the order, the money going back the way it was paid (see <see cref="RefundService"/>):
    /// platform staff and the system reverse every share in proportion, a station owner pays it from their own wallet.</summary>
    public async Task<string?> RefundAsync(long orderId, string? reason, AuditActor actor, CancellationToken ct = default) =>
        (await refunds.RefundAsync(new RefundRequest(orderId, reason), actor, ct)).Error;

    /// <summary>
    /// The buyer cancels their own order (the Open API's cancel): unpaid → Cancelled; paid but not yet delivered (waiting for
    /// staff, or for a procurement that has not reached the upstream yet) → Refunded to the buyer's balance, in one
    /// transaction. Null when done (or already cancelled/refunded), else why not, in Chinese.
    /// </summary>
    public async Task<string?> CancelForBuyerAsync(long orderId, string buyerUserId, string reason, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        Order? order;
        await using (var tx = await db.BeginBusinessTransactionAsync(ct))
        {
            order = await db.Orders.SingleOrDefaultAsync(o => o.Id == orderId && o.BuyerUserId == buyerUserId, ct);
            if (order is null) return "订单不存在";
            switch (order.Status)
            {
                case OrderStatus.Cancelled or OrderStatus.Refunded or OrderStatus.Refunding:
                    return null;
                case OrderStatus.PendingPayment:
                    order.Cancel(now);
                    await Marketing.PromotionReservations.ReleaseUnpaidAsync(db, order, ct);
                    break;
                case OrderStatus.Paid or OrderStatus.Processing:
                    // Once the upstream has been asked, it may deliver (and charge us) whatever we decide here. The worker claims
                    // a procurement (Pending → Submitted) before its first call, and this conditional update races that claim
                    // row against row: exactly one of them wins.
                    if (await db.Procurements.AnyAsync(p => p.OrderId == orderId, ct)
                        && await db.Procurements.Where(p => p.OrderId == orderId && p.Status == ProcurementStatus.Pending && p.Attempts == 0 && p.UpstreamOrderNo == null)
                            .ExecuteUpdateAsync(u => u.SetProperty(p => p.Status, ProcurementStatus.Failed).SetProperty(p => p.LastError, "买家已取消")
                                .SetProperty(p => p.CompletedAt, now), ct) == 0)
                        return "订单已向上游采购，不能取消：请等待发货，失败时会自动退款";
                    break;
                default:
                    return $"订单状态为「{DisplayNames.Of(order.Status)}」，{(order.Status == OrderStatus.Delivered ? "已发货的订单不能取消" : "请联系站点处理")}";
            }
            try { await db.SaveChangesAsync(ct); }
            catch (DbUpdateConcurrencyException) { return "订单状态刚刚发生变化（可能已发货），请重新查询"; }
            if (order.Status == OrderStatus.Paid || order.Status == OrderStatus.Processing)
            {
                // The same refund as every other path: the money goes back the way it was paid. The order's status is the
                // concurrency token: a delivery racing this cancel makes one of them fail.
                try
                {
                    if (await refunds.BookWholeAsync(db, order, reason, buyerUserId, "买家", now, ct) is { } refused) return refused;
                }
                catch (DbUpdateConcurrencyException) { return "订单状态刚刚发生变化（可能已发货），请重新查询"; }
            }
            db.AuditEntries.Add(new AuditEntry { Action = "order.cancel", Target = order.Number, Detail = reason, UserId = buyerUserId, UserName = "买家", CreatedAt = now, StationId = order.StationId });
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        if (order.Status != OrderStatus.Cancelled) await refunds.AfterBookedAsync(order.Id, ct);
        else if (order.FlashSaleId is not null) prices.Invalidate();
        events.Publish(OrderEvent.Of(order.Status == OrderStatus.Cancelled ? OrderEventKind.Cancelled : OrderEventKind.Refunded, order));
        return null;
    }

    /// <summary>Cancels unpaid orders whose payment window has passed. Returns how many. (The scheduler calls this.)</summary>
    public async Task<int> ExpireUnpaidAsync(CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        List<Order> expired;
        await using (var tx = await db.BeginBusinessTransactionAsync(ct))
        {
            expired = await db.Orders.Where(o => o.Status == OrderStatus.PendingPayment && o.ExpiresAt <= now).ToListAsync(ct);
            foreach (var order in expired)
            {
                order.Cancel(now);
                await Marketing.PromotionReservations.ReleaseUnpaidAsync(db, order, ct);
            }
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        foreach (var order in expired)
            events.Publish(OrderEvent.Of(OrderEventKind.Cancelled, order));
        // Flash pieces came back: a sale shown as sold out may sell again.
        if (expired.Any(o => o.FlashSaleId is not null)) prices.Invalidate();
        return expired.Count;
    }
}
