using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Dashboard;
using KaMeng.Web.Features.Orders;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Admin.Home;

/// <summary>What only the platform's dashboard shows: the station leaderboard, new stations and pending withdrawals.</summary>
public sealed record PlatformExtras(IReadOnlyList<LeaderboardRow> Leaderboard, IReadOnlyList<NewStation> NewStations, PendingWithdrawals Withdrawals);

/// <summary>The rollup figures of one dashboard load (a station's bucket, or the platform's).</summary>
public sealed record DashboardData(DashboardSummary Summary, IReadOnlyList<TrendPoint> Trend, IReadOnlyList<TopProduct> TopProducts,
    IReadOnlyList<StockWarning> StockWarnings, IReadOnlyList<HeatCell> Heat, (int Cohort, int Repurchased) Repurchase,
    IReadOnlyList<SegmentCount> Segments, PlatformExtras? Platform);

/// <summary>What the admin home (看板) reads, through <see cref="DashboardQueries"/>, in the actor's station scope.</summary>
public sealed class AdminHomeQueries(IDbContextFactory<KaMengDbContext> dbFactory)
{
    /// <summary>Every station the actor may see, by id.</summary>
    public async Task<List<Station>> StationsAsync(AuditActor actor, CancellationToken ct = default)
    {
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        return await db.Stations.AsNoTracking().OrderBy(s => s.Id).ToListAsync(ct);
    }

    /// <param name="station">The station's bucket, or <see cref="OrderFacts.PlatformBucket"/>.</param>
    /// <param name="withPlatformExtras">Also read what only the platform's dashboard shows.</param>
    public async Task<DashboardData> LoadAsync(AuditActor actor, int station, DashboardRange range, DateTimeOffset now, bool withPlatformExtras,
        CancellationToken ct = default)
    {
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var summary = await DashboardQueries.SummaryAsync(db, station, range, ct);
        var heat = await DashboardQueries.HeatmapAsync(db, station, range, ct);
        var extras = withPlatformExtras
            ? new PlatformExtras(await DashboardQueries.LeaderboardAsync(db, range, ct: ct), await DashboardQueries.NewStationsAsync(db, range, ct),
                await DashboardQueries.PendingWithdrawalsAsync(db, ct))
            : null;
        return new DashboardData(summary,
            await DashboardQueries.TrendAsync(db, station, range, ct),
            await DashboardQueries.TopProductsAsync(db, station, range, ct: ct),
            await DashboardQueries.StockWarningsAsync(db, ct),
            heat,
            await DashboardQueries.RepurchaseAsync(db, station, range, now, ct),
            await DashboardQueries.SegmentsAsync(db, station, now, ct),
            extras);
    }

    public async Task<IReadOnlyList<StockWarning>> StockWarningsAsync(AuditActor actor, CancellationToken ct = default)
    {
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        return await DashboardQueries.StockWarningsAsync(db, ct);
    }

    public async Task<IReadOnlyList<SegmentBuyer>> SegmentBuyersAsync(AuditActor actor, int station, BuyerSegment segment, DateTimeOffset now, CancellationToken ct = default)
    {
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        return await DashboardQueries.SegmentBuyersAsync(db, station, segment, now, ct: ct);
    }
}
