namespace KaMeng.Web.Features.Docking;

public enum SupplyAlertKind { CostAbovePrice, Unreachable, Gone, OutOfStock, ProcurementFailed }

/// <summary>Something the station owner must hear about: a product sync took off shelf, or a procurement that finally failed.</summary>
public sealed record SupplyAlert(SupplyAlertKind Kind, int StationId, string Subject, string Detail);

/// <summary>The hook for owner notifications (the audit log already has the entry).</summary>
public interface ISupplyAlerts
{
    Task RaiseAsync(SupplyAlert alert, CancellationToken ct = default);
}

/// <summary>Supply alerts go to the station owner's notification centre (and their chosen email/webhook channels).</summary>
public sealed class NotifiedSupplyAlerts(KaMeng.Web.Features.Notifications.Notifier notifier, ILogger<NotifiedSupplyAlerts> log) : ISupplyAlerts
{
    public Task RaiseAsync(SupplyAlert alert, CancellationToken ct = default)
    {
        log.LogWarning("Supply alert {Kind} for station {StationId}: {Subject} — {Detail}", alert.Kind, alert.StationId, alert.Subject, alert.Detail);
        var link = alert.Kind == SupplyAlertKind.ProcurementFailed ? "/admin/orders" : "/admin/suppliers";
        notifier.Publish(new KaMeng.Web.Features.Notifications.NotificationRequest(KaMeng.Domain.NotificationEvent.SupplyProblem,
            $"上游供货异常：{alert.Subject}", alert.Detail, link, StationId: alert.StationId, Data: new { kind = alert.Kind.ToString() }));
        return Task.CompletedTask;
    }
}
