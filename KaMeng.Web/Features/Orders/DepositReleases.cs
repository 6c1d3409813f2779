using KaMeng.Data;
using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Orders;

/// <summary>
/// Orders held for an owner's 预存款 (<see cref="Order.AwaitingDeposit"/>) go on when the deposit covers them: after a
/// recharge or an adjustment credits the owner, oldest first, each in its own transaction, stopping at the first the
/// deposit cannot cover (so a later, cheaper order never jumps the queue).
/// </summary>
public sealed class DepositReleases(IDbContextFactory<KaMengDbContext> dbFactory, TimeProvider clock, OrderEvents events, Telemetry.KaMengMetrics metrics)
{
    /// <summary>Releases the held orders of every station <paramref name="ownerUserId"/> owns. Returns how many went on.</summary>
    public async Task<int> ReleaseForOwnerAsync(string ownerUserId, CancellationToken ct = default)
    {
        List<long> held;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            held = await (from o in db.Orders
                          join s in db.Stations.IgnoreQueryFilters() on o.StationId equals s.Id
                          where s.OwnerUserId == ownerUserId && o.AwaitingDeposit && o.Status == OrderStatus.Paid
                          orderby o.PaidAt, o.Id
                          select o.Id).ToListAsync(ct);
        }
        var released = 0;
        foreach (var id in held)
        {
            var (order, outcome) = await ReleaseOneAsync(id, ct);
            if (order is null) continue; // another release took it meanwhile
            if (outcome == ReleaseOutcome.AwaitingDeposit) break;
            released++;
            if (outcome == ReleaseOutcome.Delivered) metrics.OrderDelivered();
            events.Publish(OrderEvent.Of(outcome == ReleaseOutcome.Delivered ? OrderEventKind.Delivered : OrderEventKind.Paid, order));
        }
        return released;
    }

    async Task<(Order? Order, ReleaseOutcome Outcome)> ReleaseOneAsync(long orderId, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.Database.OpenConnectionAsync(ct);
        await using var tx = await db.BeginBusinessTransactionAsync(ct);
        await db.LockRowAsync("Orders", "Id", orderId, ct);
        var order = await db.Orders.SingleAsync(o => o.Id == orderId, ct);
        if (!order.AwaitingDeposit || order.Status != OrderStatus.Paid) return (null, default);
        var outcome = await Fulfilment.ReleaseAsync(db, order, now, ct);
        // Still short: nothing of this attempt is kept (the order stays held as it was).
        if (outcome == ReleaseOutcome.AwaitingDeposit) return (order, outcome);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return (order, outcome);
    }
}
