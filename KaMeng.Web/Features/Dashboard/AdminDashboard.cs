using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Orders;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Dashboard;

/// <summary>A labelled count for the small charts (funnel, payment methods, new vs returning buyers).</summary>
public sealed record NamedCount(string Name, long Count);

public sealed record PlatformExtras(IReadOnlyList<LeaderboardRow> Leaderboard, IReadOnlyList<NewStation> NewStations, PendingWithdrawals Withdrawals);

/// <summary>Everything the admin dashboard shows for one station (or the platform) and period.</summary>
public sealed record AdminDashboardModel(
    DashboardRange Range, DashboardSummary Summary, IReadOnlyList<TrendPoint> Trend, IReadOnlyList<TopProduct> TopProducts,
    IReadOnlyList<StockWarning> StockWarnings, IReadOnlyList<HeatCell> Heat, (int Cohort, int Repurchased) Repurchase,
    IReadOnlyList<SegmentCount> Segments, IReadOnlyList<NamedCount> Funnel, IReadOnlyList<NamedCount> PaymentSplit,
    IReadOnlyList<NamedCount> NewVsReturning, StationRatingResult? Rating, PlatformExtras? Platform)
{
    /// <summary>Reads the whole dashboard through <see cref="DashboardQueries"/> with the caller's (tenancy-scoped) context.</summary>
    public static async Task<AdminDashboardModel> LoadAsync(KaMengDbContext db, StationRatingService ratings, int station, bool platform,
        DashboardRange range, DateTimeOffset now, CancellationToken ct = default)
    {
        var summary = await DashboardQueries.SummaryAsync(db, station, range, ct);
        var c = summary.Counters;
        PlatformExtras? extras = platform && station == OrderFacts.PlatformBucket
            ? new PlatformExtras(await DashboardQueries.LeaderboardAsync(db, range, ct: ct), await DashboardQueries.NewStationsAsync(db, range, ct),
                await DashboardQueries.PendingWithdrawalsAsync(db, ct))
            : null;
        StationRatingResult? rating = station is > Station.MainStationId ? await ratings.ComputeAsync(station) : null;
        return new AdminDashboardModel(range, summary,
            await DashboardQueries.TrendAsync(db, station, range, ct),
            await DashboardQueries.TopProductsAsync(db, station, range, ct: ct),
            await DashboardQueries.StockWarningsAsync(db, ct),
            await DashboardQueries.HeatmapAsync(db, station, range, ct),
            await DashboardQueries.RepurchaseAsync(db, station, range, now, ct),
            await DashboardQueries.SegmentsAsync(db, station, now, ct),
            [new("创建", c.Created), new("已支付", c.CohortPaid), new("已发货", c.CohortDelivered), new("失败", c.CohortFailed), new("已取消", c.CohortCancelled)],
            [new("余额", c.BalancePaid), new("易支付", c.EPayPaid)],
            [new("新客", summary.NewBuyers), new("老客", summary.ReturningBuyers)],
            rating, extras);
    }
}

/// <summary>A station in the dashboard's station picker and list.</summary>
public sealed record StationListItem(int Id, string Code, string Name, bool IsMain, StationStatus Status);

/// <summary>One page of the station list: sorted by <see cref="SortBy"/> ("Code", "Name", "Status"; otherwise by id).</summary>
public sealed record StationListQuery(int Page, int PageSize, string? SortBy = null, bool Descending = false);

public static class StationListQueries
{
    /// <summary>Every station for the platform admin's picker (id order: the main station first).</summary>
    public static async Task<IReadOnlyList<StationListItem>> AllAsync(KaMengDbContext db, CancellationToken ct = default) =>
        await db.Stations.AsNoTracking().OrderBy(s => s.Id)
            .Select(s => new StationListItem(s.Id, s.Code, s.Name, s.ParentId == null, s.Status)).ToListAsync(ct);

    public static async Task<(IReadOnlyList<StationListItem> Items, int Total)> PageAsync(KaMengDbContext db, StationListQuery q, CancellationToken ct = default)
    {
        var stations = db.Stations.AsNoTracking();
        stations = (q.SortBy, q.Descending) switch
        {
            ("Code", false) => stations.OrderBy(s => s.Code),
            ("Code", true) => stations.OrderByDescending(s => s.Code),
            ("Name", false) => stations.OrderBy(s => s.Name),
            ("Name", true) => stations.OrderByDescending(s => s.Name),
            ("Status", false) => stations.OrderBy(s => s.Status).ThenBy(s => s.Id),
            ("Status", true) => stations.OrderByDescending(s => s.Status).ThenBy(s => s.Id),
            _ => stations.OrderBy(s => s.Id),
        };
        var total = await stations.CountAsync(ct);
        var items = await stations.Skip(q.Page * q.PageSize).Take(q.PageSize)
            .Select(s => new StationListItem(s.Id, s.Code, s.Name, s.ParentId == null, s.Status)).ToListAsync(ct);
        return (items, total);
    }
}

/// <summary>Readable chart axes (issue 17 §3): a few x labels instead of thirty, integer steps on count axes.</summary>
public static class ChartAxes
{
    static readonly int[] LabelSteps = [1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 24, 30, 60, 90, 120];

    /// <summary>Every label is kept when there are at most <paramref name="max"/>; otherwise every n-th (a round n, the first
    /// label always shown) and the others blank, so the axis keeps one slot per point.</summary>
    public static string[] Thin(IReadOnlyList<string> labels, int max = 7)
    {
        var step = LabelSteps.FirstOrDefault(s => (labels.Count + s - 1) / s <= max, LabelSteps[^1]);
        return labels.Select((l, i) => i % step == 0 ? l : "").ToArray();
    }

    /// <summary>A tick spacing of 1, 2 or 5 × 10ⁿ giving at most <paramref name="maxTicks"/> steps up to <paramref name="max"/>;
    /// at least 1, so counts never show fractional ticks.</summary>
    public static int Step(double max, int maxTicks = 5)
    {
        if (max <= maxTicks) return 1;
        for (var magnitude = 1L; ; magnitude *= 10)
            foreach (var m in new[] { 1, 2, 5 })
                if (max / (m * magnitude) <= maxTicks) return (int)Math.Min(int.MaxValue, m * magnitude);
    }
}
