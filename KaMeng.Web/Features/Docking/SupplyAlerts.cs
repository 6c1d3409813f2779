namespace KaMeng.Web.Features.Docking;

public enum SupplyAlertKind { CostAbovePrice, Unreachable, Gone, OutOfStock, ProcurementFailed }

/// <summary>Something the station owner must hear about: a product sync took off shelf, or a procurement that finally failed.</summary>
public sealed record SupplyAlert(SupplyAlertKind Kind, int StationId, string Subject, string Detail);

/// <summary>The hook for owner notifications (the audit log already has the entry).</summary>
public interface ISupplyAlerts
{
    Task RaiseAsync(SupplyAlert alert, CancellationToken ct = default);
}

public sealed class LoggedSupplyAlerts(ILogger<LoggedSupplyAlerts> log) : ISupplyAlerts
{
    public Task RaiseAsync(SupplyAlert alert, CancellationToken ct = default)
    {
        log.LogWarning("Supply alert {Kind} for station {StationId}: {Subject} — {Detail}", alert.Kind, alert.StationId, alert.Subject, alert.Detail);
        return Task.CompletedTask;
    }
}
