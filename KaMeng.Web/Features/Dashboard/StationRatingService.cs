using KaMeng.Data;
using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Dashboard;

public sealed record StationRatingRow(int StationId, string Code, string Name, StationRatingResult Rating);

/// <summary>
/// 分站评级 over the last 30 days (see <see cref="StationRating"/>), from the rollups. The daily job calls
/// <see cref="ComputeAllAsync"/>; the dashboard calls <see cref="ComputeAsync"/> for one station. Unscoped on purpose:
/// the job rates every station.
/// </summary>
public sealed class StationRatingService(IDbContextFactory<KaMengDbContext> dbFactory, TimeProvider clock)
{
    public async Task<StationRatingResult> ComputeAsync(int stationId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return StationRating.Compute(await InputsAsync(db, stationId, clock.GetUtcNow(), ct));
    }

    public async Task<IReadOnlyList<StationRatingRow>> ComputeAllAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow();
        var stations = await db.Stations.AsNoTracking().Where(s => s.ParentId != null && s.Status != StationStatus.Closed)
            .OrderBy(s => s.Id).Select(s => new { s.Id, s.Code, s.Name }).ToListAsync(ct);
        var rows = new List<StationRatingRow>(stations.Count);
        foreach (var s in stations)
            rows.Add(new StationRatingRow(s.Id, s.Code, s.Name, StationRating.Compute(await InputsAsync(db, s.Id, now, ct))));
        return rows;
    }

    public static async Task<RatingInputs> InputsAsync(KaMengDbContext db, int stationId, DateTimeOffset now, CancellationToken ct)
    {
        var current = DashboardRange.LastDays(30, now);
        var previous = current.Previous;
        var days = await db.StationDayStats.AsNoTracking().Where(x => x.StationId == stationId && x.Day >= previous.FromDay && x.Day < current.ToDay)
            .Select(x => new { x.Day, x.GmvFen, x.Paid, x.Refunds }).ToListAsync(ct);
        var inCurrent = days.Where(d => d.Day >= current.FromDay).ToList();
        // Repurchase of the buyers who first paid 60 to 30 days ago: their 30 days are over.
        var cohort = await DashboardQueries.RepurchaseAsync(db, stationId, new DashboardRange(current.FromDay - 30, current.FromDay), now, ct);
        var since = now.AddDays(-90);
        var suspensions = await db.AuditEntries.IgnoreQueryFilters().CountAsync(a => a.StationId == stationId && a.Action == "station.status"
            && a.Detail != null && a.Detail.StartsWith(nameof(StationStatus.Suspended)) && a.CreatedAt >= since, ct);
        // A suspension counts only before its end time (a listing-only one too).
        var suspended = await db.Stations.IgnoreQueryFilters().AnyAsync(s => s.Id == stationId
            && ((s.Status == StationStatus.Suspended && (s.SuspendedUntil == null || s.SuspendedUntil > now))
                || (s.ListingSuspended && (s.ListingSuspendedUntil == null || s.ListingSuspendedUntil > now))), ct);
        // 站点处罚 (issue 21): those imposed in the last 90 days, and whether one holds now.
        var sanctions = await db.StationSanctions.IgnoreQueryFilters().Where(x => x.StationId == stationId && x.CreatedAt >= since)
            .Select(x => new { x.StartsAt, x.EndsAt, x.LiftedAt }).ToListAsync(ct);
        var sanctionedNow = await db.StationSanctions.IgnoreQueryFilters()
            .AnyAsync(x => x.StationId == stationId && x.LiftedAt == null && x.StartsAt <= now && x.EndsAt > now, ct);
        return new RatingInputs(inCurrent.Sum(d => d.GmvFen), days.Where(d => d.Day < current.FromDay).Sum(d => d.GmvFen),
            cohort.Cohort, cohort.Repurchased, inCurrent.Sum(d => d.Paid), inCurrent.Sum(d => d.Refunds), suspensions, suspended,
            sanctions.Count, sanctionedNow);
    }
}
