using KaMeng.Data;
using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;
using Quartz;

namespace KaMeng.Web.Features.Risk.Blacklists;

/// <summary>Records the client signals of a sign-in, registration, order or withdrawal (issue 21 §1) and purges them after
/// <see cref="RiskSignal.Retention"/>.</summary>
public sealed class SignalRecorder(IDbContextFactory<KaMengDbContext> dbFactory, TimeProvider clock, ILogger<SignalRecorder> log)
{
    /// <summary>A signal row for <paramref name="db"/>: added inside the caller's transaction (an order's or a withdrawal's), so it
    /// is written exactly when the operation is.</summary>
    public RiskSignal Add(KaMengDbContext db, RiskSignalKind kind, ClientSignals signals, string? userId, int? stationId, long? orderId = null)
    {
        var row = New(kind, signals, userId, stationId, orderId);
        db.RiskSignals.Add(row);
        return row;
    }

    /// <summary>Records a signal on its own, after the operation succeeded. A failure is logged, never thrown: a lost signal
    /// must not undo a sign-in.</summary>
    public async Task RecordAsync(RiskSignalKind kind, ClientSignals signals, string? userId, int? stationId, long? orderId = null, CancellationToken ct = default)
    {
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            db.RiskSignals.Add(New(kind, signals, userId, stationId, orderId));
            await db.SaveChangesAsync(ct);
        }
        catch (Exception e) when (e is DbUpdateException or InvalidOperationException)
        {
            log.LogWarning(e, "Risk signal {Kind} of {UserId} not recorded", kind, userId);
        }
    }

    RiskSignal New(RiskSignalKind kind, ClientSignals s, string? userId, int? stationId, long? orderId) => new()
    {
        Kind = kind, UserId = userId, StationId = stationId, OrderId = orderId, Ip = Clip(s.Ip, 45), DeviceId = Clip(s.DeviceId, 64),
        UserAgentHash = Clip(s.UserAgentHash, 64), Region = Clip(s.Region, 64), At = clock.GetUtcNow(),
    };

    static string? Clip(string? text, int max) => text is null ? null : text.Length <= max ? text : text[..max];

    /// <summary>Deletes the signals older than the retention period; returns how many.</summary>
    public async Task<int> PurgeAsync(CancellationToken ct = default)
    {
        var cutoff = clock.GetUtcNow() - RiskSignal.Retention;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var n = await db.RiskSignals.IgnoreQueryFilters().Where(s => s.At < cutoff).ExecuteDeleteAsync(ct);
        // An order's own signals (its address, device and region, kept for the risk rules) go after the same 30 days.
        return n + await db.Orders.IgnoreQueryFilters().Where(o => o.CreatedAt < cutoff && (o.ClientIp != null || o.DeviceId != null || o.Region != null))
            .ExecuteUpdateAsync(u => u.SetProperty(o => o.ClientIp, (string?)null).SetProperty(o => o.DeviceId, (string?)null).SetProperty(o => o.Region, (string?)null), ct);
    }
}

/// <summary>风控信号清理: raw client signals are kept 30 days (issue 21 §1).</summary>
[DisallowConcurrentExecution]
public sealed class RiskSignalPurgeJob(SignalRecorder recorder) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken ct = default)
    {
        var n = await recorder.PurgeAsync(ct);
        context.Result = n > 0 ? JobRunReport.Succeeded($"删除 {n} 条超过 30 天的风控信号") : JobRunReport.Skipped("没有过期的风控信号");
    }
}
