using System.Collections.Immutable;

namespace KaMeng.Web.Features.Dashboard;

public enum DashboardSignalKind { Order, Payment, Refund, LowStock }

/// <summary>Something a dashboard shows changed at a station (the rollups already include it).</summary>
public sealed record DashboardSignal(DashboardSignalKind Kind, int StationId, string Text, DateTimeOffset At);

/// <summary>
/// In-process notifier the dashboards subscribe to (in OnInitialized; the subscription is disposed with the component).
/// The rollup worker publishes after it has applied an order, so a dashboard that reloads on a signal sees the change.
/// A feeder from PostgreSQL LISTEN/NOTIFY (another server instance's changes) would call <see cref="Publish"/> too.
/// </summary>
public sealed class DashboardSignals(ILogger<DashboardSignals> log)
{
    ImmutableArray<Action<DashboardSignal>> handlers = [];

    public int SubscriberCount => handlers.Length;

    public IDisposable Subscribe(Action<DashboardSignal> handler)
    {
        ImmutableInterlocked.Update(ref handlers, h => h.Add(handler));
        return new Subscription(this, handler);
    }

    public void Publish(DashboardSignal signal)
    {
        foreach (var handler in handlers)
        {
            try { handler(signal); }
            catch (Exception ex) { log.LogWarning(ex, "Dashboard subscriber failed"); }
        }
    }

    sealed class Subscription(DashboardSignals owner, Action<DashboardSignal> handler) : IDisposable
    {
        public void Dispose() => ImmutableInterlocked.Update(ref owner.handlers, h => h.Remove(handler));
    }
}
