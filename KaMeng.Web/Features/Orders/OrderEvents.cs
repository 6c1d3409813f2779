using System.Collections.Immutable;
using KaMeng.Domain;

namespace KaMeng.Web.Features.Orders;

public enum OrderEventKind { Paid, Delivered, Refunded, Cancelled, Failed }

/// <param name="GuestEmail">Set when the order is a gateway-paid guest's with an email contact (<see cref="Order.GuestMailAddress"/>):
/// on delivery, that guest is mailed the keys.</param>
/// <param name="AwaitingDeposit">Paid into the owner's own gateway and held: the owner's 预存款 does not cover the platform's share.</param>
public sealed record OrderEvent(OrderEventKind Kind, long OrderId, string OrderNumber, int StationId, int ProductId, Money Total, OrderStatus Status, string? GuestEmail = null, bool AwaitingDeposit = false)
{
    /// <summary>The event of <paramref name="order"/> as it stands now (publish after commit).</summary>
    public static OrderEvent Of(OrderEventKind kind, Order order) =>
        new(kind, order.Id, order.Number, order.StationId, order.ProductId, order.Total, order.Status, order.GuestMailAddress(), order.AwaitingDeposit);
}

/// <summary>
/// In-process notifier of order events, published after commit. Components subscribe in OnInitialized and
/// dispose the subscription. A second server instance can later be fed from the database (LISTEN/NOTIFY)
/// by calling <see cref="Publish"/> from a listener, without touching subscribers.
/// </summary>
public sealed class OrderEvents(ILogger<OrderEvents> log)
{
    ImmutableArray<Action<OrderEvent>> handlers = [];

    public IDisposable Subscribe(Action<OrderEvent> handler)
    {
        ImmutableInterlocked.Update(ref handlers, h => h.Add(handler));
        return new Subscription(this, handler);
    }

    public void Publish(OrderEvent e)
    {
        foreach (var handler in handlers)
        {
            // A subscriber's failure never reaches the business operation that already committed.
            try { handler(e); }
            catch (Exception ex) { log.LogWarning(ex, "Order event subscriber failed"); }
        }
    }

    sealed class Subscription(OrderEvents owner, Action<OrderEvent> handler) : IDisposable
    {
        public void Dispose() => ImmutableInterlocked.Update(ref owner.handlers, h => h.Remove(handler));
    }
}
