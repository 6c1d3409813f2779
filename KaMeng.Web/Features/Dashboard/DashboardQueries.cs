using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Storefront;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Dashboard;

/// <summary>A dashboard period: whole China-time days [FromDay, ToDay).</summary>
public sealed record DashboardRange(int FromDay, int ToDay)
{
    public DateTimeOffset From => StatTime.StartOfDay(FromDay);
    public DateTimeOffset To => StatTime.StartOfDay(ToDay);
    public int Days => ToDay - FromDay;
    /// <summary>One or two days are charted by hour, longer ranges by day.</summary>
    public bool Hourly => Days <= 2;
    public DashboardRange Previous => new(FromDay - Days, FromDay);

    public static DashboardRange LastDays(int days, DateTimeOffset now)
    {
        var today = StatTime.DayOf(now);
        return new(today - days + 1, today + 1);
    }

    public static DashboardRange Custom(DateOnly from, DateOnly toInclusive) =>
        new(StatTime.DayOfDate(from), StatTime.DayOfDate(toInclusive) + 1);
}

public sealed record DashboardSummary(StatCounters Counters, long PayingBuyers, long NewBuyers)
{
    public long AverageOrderFen => Counters.Paid == 0 ? 0 : Counters.GmvFen / Counters.Paid;
    public long ReturningBuyers => Math.Max(0, PayingBuyers - NewBuyers);
    public long NetProfitFen => Counters.ProfitFen - Counters.RefundProfitFen;
}

public sealed record TrendPoint(DateTimeOffset At, string Label, long Orders, long GmvFen);
public sealed record TopProduct(int ProductId, string Name, long Paid, long Quantity, long GmvFen);
public sealed record StockWarning(int ProductId, string Name, int Available, int Threshold);
public sealed record HeatCell(DayOfWeek Weekday, int Hour, long Created, long Paid)
{
    public decimal Conversion => Created == 0 ? 0 : Math.Round((decimal)Paid / Created, 4);
}
public sealed record SegmentCount(BuyerSegment Segment, long Buyers);
public sealed record SegmentBuyer(string BuyerUserId, string? UserName, DateTimeOffset FirstPaidAt, DateTimeOffset LastPaidAt, int PaidOrders, long SpendFen);
public sealed record LeaderboardRow(int StationId, string Code, string Name, long GmvFen, long PreviousGmvFen, long ProfitFen, long Paid)
{
    public decimal? Growth => PreviousGmvFen == 0 ? null : Math.Round((decimal)(GmvFen - PreviousGmvFen) / PreviousGmvFen, 4);
}
public sealed record NewStation(int Id, string Code, string Name, DateTimeOffset CreatedAt);
public sealed record PendingWithdrawals(int Count, long AmountFen);

/// <summary>
/// Every number the dashboards show, read from the rollups (never a scan of orders). <paramref name="station"/> is a
/// station id or <see cref="OrderFacts.PlatformBucket"/> (0) for the whole platform. Callers pass a context from
/// CurrentAdmin, so an owner's context cannot read another station's rows even when asked to.
/// </summary>
public static class DashboardQueries
{
    public static async Task<DashboardSummary> SummaryAsync(KaMengDbContext db, int station, DashboardRange r, CancellationToken ct = default)
    {
        var rows = await db.StationDayStats.AsNoTracking().Where(x => x.StationId == station && x.Day >= r.FromDay && x.Day < r.ToDay).ToListAsync(ct);
        var counters = rows.Aggregate(default(StatCounters), (sum, row) => sum + row.Counters);
        DateTimeOffset from = r.From, to = r.To;
        var fresh = await db.BuyerStats.CountAsync(x => x.StationId == station && x.FirstPaidAt >= from && x.FirstPaidAt < to, ct);
        return new DashboardSummary(counters, await PayingBuyersAsync(db, station, r, ct), fresh);
    }

    /// <summary>
    /// Distinct buyers who paid in the range. When nobody has paid at or after the range's end (every range that ends
    /// today), they are exactly the buyers whose last payment is at or after its start: one index count over
    /// <see cref="BuyerStat"/>, however long the range. A range wholly in the past counts distinct buyer-days.
    /// </summary>
    public static async Task<long> PayingBuyersAsync(KaMengDbContext db, int station, DashboardRange r, CancellationToken ct = default)
    {
        DateTimeOffset from = r.From, to = r.To;
        var buyers = db.BuyerStats.Where(x => x.StationId == station);
        if (!await buyers.AnyAsync(x => x.LastPaidAt >= to, ct))
            return await buyers.LongCountAsync(x => x.LastPaidAt >= from, ct);
        return await db.BuyerDayStats.Where(x => x.StationId == station && x.Day >= r.FromDay && x.Day < r.ToDay).Select(x => x.BuyerUserId).Distinct().LongCountAsync(ct);
    }

    public static async Task<IReadOnlyList<TrendPoint>> TrendAsync(KaMengDbContext db, int station, DashboardRange r, CancellationToken ct = default)
    {
        if (r.Hourly)
        {
            long from = StatTime.HourOf(r.From), to = StatTime.HourOf(r.To);
            var rows = await db.StationHourStats.AsNoTracking().Where(x => x.StationId == station && x.Hour >= from && x.Hour < to)
                .Select(x => new { x.Hour, x.Paid, x.GmvFen }).ToDictionaryAsync(x => x.Hour, ct);
            var points = new List<TrendPoint>();
            for (var h = from; h < to; h++)
            {
                var at = StatTime.StartOfHour(h);
                var local = BusinessTime.ToBusiness(at);
                var row = rows.GetValueOrDefault(h);
                points.Add(new TrendPoint(at, r.Days == 1 ? $"{local.Hour}时" : $"{local:M/d} {local.Hour}时", row?.Paid ?? 0, row?.GmvFen ?? 0));
            }
            return points;
        }
        var days = await db.StationDayStats.AsNoTracking().Where(x => x.StationId == station && x.Day >= r.FromDay && x.Day < r.ToDay)
            .Select(x => new { x.Day, x.Paid, x.GmvFen }).ToDictionaryAsync(x => x.Day, ct);
        return Enumerable.Range(r.FromDay, r.Days).Select(d =>
        {
            var row = days.GetValueOrDefault(d);
            return new TrendPoint(StatTime.StartOfDay(d), StatTime.DateOfDay(d).ToString("M/d"), row?.Paid ?? 0, row?.GmvFen ?? 0);
        }).ToList();
    }

    public static async Task<IReadOnlyList<TopProduct>> TopProductsAsync(KaMengDbContext db, int station, DashboardRange r, int take = 10, CancellationToken ct = default)
    {
        var top = await db.ProductDayStats.Where(x => x.StationId == station && x.Day >= r.FromDay && x.Day < r.ToDay)
            .GroupBy(x => x.ProductId)
            .Select(g => new { ProductId = g.Key, Paid = g.Sum(x => x.Paid), Quantity = g.Sum(x => x.Quantity), Gmv = g.Sum(x => x.GmvFen) })
            .OrderByDescending(x => x.Gmv).Take(take).ToListAsync(ct);
        var ids = top.Select(t => t.ProductId).ToList();
        var names = await db.Products.IgnoreQueryFilters().Where(p => ids.Contains(p.Id)).ToDictionaryAsync(p => p.Id, p => p.Name, ct);
        return top.Select(t => new TopProduct(t.ProductId, names.GetValueOrDefault(t.ProductId, $"#{t.ProductId}"), t.Paid, t.Quantity, t.Gmv)).ToList();
    }

    /// <summary>Card-key products on sale whose available keys are under their low-stock line (<see cref="StockLevels"/>).</summary>
    public static async Task<IReadOnlyList<StockWarning>> StockWarningsAsync(KaMengDbContext db, CancellationToken ct = default) =>
        (await StockLevels.LowAsync(db, p => p.OnShelf, ct)).Select(l => new StockWarning(l.ProductId, l.Name, l.Available, l.Threshold)).ToList();

    /// <summary>Orders created and paid by China-time weekday and hour over the range.</summary>
    public static async Task<IReadOnlyList<HeatCell>> HeatmapAsync(KaMengDbContext db, int station, DashboardRange r, CancellationToken ct = default)
    {
        long from = StatTime.HourOf(r.From), to = StatTime.HourOf(r.To);
        var rows = await db.StationHourStats.AsNoTracking().Where(x => x.StationId == station && x.Hour >= from && x.Hour < to)
            .Select(x => new { x.Hour, x.Created, x.CohortPaid }).ToListAsync(ct);
        var cells = new Dictionary<(DayOfWeek, int), (long Created, long Paid)>();
        foreach (var row in rows)
        {
            var (hour, weekday) = StatTime.LocalHour(row.Hour);
            var c = cells.GetValueOrDefault((weekday, hour));
            cells[(weekday, hour)] = (c.Created + row.Created, c.Paid + row.CohortPaid);
        }
        return cells.Select(kv => new HeatCell(kv.Key.Item1, kv.Key.Item2, kv.Value.Created, kv.Value.Paid)).ToList();
    }

    /// <summary>30-day repurchase of the buyers whose first paid order falls in the range (see <see cref="Repurchase"/>).</summary>
    public static async Task<(int Cohort, int Repurchased)> RepurchaseAsync(KaMengDbContext db, int station, DashboardRange r, DateTimeOffset now, CancellationToken ct = default)
    {
        // Repurchase.Count as two index counts: the repurchased, and the others whose window has closed.
        DateTimeOffset from = r.From, to = r.To, closed = Repurchase.WindowClosedBy(now);
        var cohort = db.BuyerStats.Where(x => x.StationId == station && x.FirstPaidAt >= from && x.FirstPaidAt < to);
        var again = await cohort.CountAsync(x => x.RepurchasedInWindow, ct);
        var rest = await cohort.CountAsync(x => !x.RepurchasedInWindow && x.FirstPaidAt <= closed, ct);
        return (again + rest, again);
    }

    /// <summary>The rules of <see cref="BuyerSegments.Classify"/> at a station's thresholds (its 营销 settings; the defaults for the
    /// platform's bucket) as a filter per segment, so each can use the indexes (checked against Classify by the tests). Campaign
    /// audiences use the same filter.</summary>
    public static IQueryable<BuyerStat> InSegment(IQueryable<BuyerStat> q, BuyerSegment segment, SegmentThresholds t, DateTimeOffset now)
    {
        var dormant = now.AddDays(-t.DormantAfterDays);
        var fresh = now.AddDays(-t.NewWithinDays);
        var high = t.HighValueSpendFen;
        return segment switch
        {
            BuyerSegment.Dormant => q.Where(b => b.LastPaidAt <= dormant),
            BuyerSegment.HighValue => q.Where(b => b.LastPaidAt > dormant && b.SpendFen >= high),
            BuyerSegment.New => q.Where(b => b.LastPaidAt > dormant && b.SpendFen < high && b.FirstPaidAt > fresh && b.PaidOrders <= 1),
            _ => q.Where(b => b.LastPaidAt > dormant && b.SpendFen < high && !(b.FirstPaidAt > fresh && b.PaidOrders <= 1)),
        };
    }

    /// <summary>The segment thresholds of a station (its 营销 settings), the defaults without any.</summary>
    public static async Task<SegmentThresholds> ThresholdsAsync(KaMengDbContext db, int station, CancellationToken ct = default) =>
        (await db.MarketingSettings.AsNoTracking().Where(s => s.StationId == station).FirstOrDefaultAsync(ct))?.Thresholds ?? SegmentThresholds.Default;

    /// <summary>How many buyers each segment has: one pass over the station's buyers, grouped by the rules of
    /// <see cref="BuyerSegments.Classify"/> written as a CASE (the tests check both against Classify).</summary>
    public static async Task<IReadOnlyList<SegmentCount>> SegmentsAsync(KaMengDbContext db, int station, DateTimeOffset now, CancellationToken ct = default)
    {
        var t = await ThresholdsAsync(db, station, ct);
        var dormant = now.AddDays(-t.DormantAfterDays);
        var fresh = now.AddDays(-t.NewWithinDays);
        var high = t.HighValueSpendFen;
        var counts = await db.BuyerStats.Where(b => b.StationId == station)
            .GroupBy(b => b.LastPaidAt <= dormant ? BuyerSegment.Dormant
                : b.SpendFen >= high ? BuyerSegment.HighValue
                : b.FirstPaidAt > fresh && b.PaidOrders <= 1 ? BuyerSegment.New : BuyerSegment.Active)
            .Select(g => new { g.Key, Count = g.LongCount() }).ToDictionaryAsync(x => x.Key, x => x.Count, ct);
        return [.. new[] { BuyerSegment.New, BuyerSegment.Active, BuyerSegment.HighValue, BuyerSegment.Dormant }.Select(s => new SegmentCount(s, counts.GetValueOrDefault(s)))];
    }

    public static async Task<IReadOnlyList<SegmentBuyer>> SegmentBuyersAsync(KaMengDbContext db, int station, BuyerSegment segment, DateTimeOffset now, int take = 200, CancellationToken ct = default)
    {
        var rows = await InSegment(db.BuyerStats.AsNoTracking().Where(b => b.StationId == station), segment, await ThresholdsAsync(db, station, ct), now)
            .OrderByDescending(b => b.SpendFen).Take(take).ToListAsync(ct);
        var ids = rows.Select(r => r.BuyerUserId).ToList();
        var names = await db.Users.Where(u => ids.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.UserName, ct);
        return rows.Select(b => new SegmentBuyer(b.BuyerUserId, names.GetValueOrDefault(b.BuyerUserId), b.FirstPaidAt, b.LastPaidAt, b.PaidOrders, b.SpendFen)).ToList();
    }

    /// <summary>One page of a segment's buyers, biggest spenders first, and how many the segment has.</summary>
    public static async Task<(IReadOnlyList<SegmentBuyer> Items, int Total)> SegmentBuyersPageAsync(KaMengDbContext db, int station, BuyerSegment segment,
        DateTimeOffset now, int page, int pageSize, CancellationToken ct = default)
    {
        var segmentRows = InSegment(db.BuyerStats.AsNoTracking().Where(b => b.StationId == station), segment, await ThresholdsAsync(db, station, ct), now);
        var total = await segmentRows.CountAsync(ct);
        var rows = await segmentRows.OrderByDescending(b => b.SpendFen).ThenBy(b => b.BuyerUserId).Skip(page * pageSize).Take(pageSize).ToListAsync(ct);
        var ids = rows.Select(r => r.BuyerUserId).ToList();
        var names = await db.Users.Where(u => ids.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.UserName, ct);
        return (rows.Select(b => new SegmentBuyer(b.BuyerUserId, names.GetValueOrDefault(b.BuyerUserId), b.FirstPaidAt, b.LastPaidAt, b.PaidOrders, b.SpendFen)).ToList(), total);
    }

    public static async Task<IReadOnlyList<LeaderboardRow>> LeaderboardAsync(KaMengDbContext db, DashboardRange r, int take = 20, CancellationToken ct = default)
    {
        var prev = r.Previous;
        var sums = await db.StationDayStats.Where(x => x.StationId != OrderFacts.PlatformBucket && x.Day >= prev.FromDay && x.Day < r.ToDay)
            .GroupBy(x => x.StationId)
            .Select(g => new
            {
                StationId = g.Key,
                Gmv = g.Sum(x => x.Day >= r.FromDay ? x.GmvFen : 0),
                Previous = g.Sum(x => x.Day < r.FromDay ? x.GmvFen : 0),
                Profit = g.Sum(x => x.Day >= r.FromDay ? x.ProfitFen : 0),
                Paid = g.Sum(x => x.Day >= r.FromDay ? x.Paid : 0),
            })
            .OrderByDescending(x => x.Gmv).Take(take).ToListAsync(ct);
        var ids = sums.Select(s => s.StationId).ToList();
        var stations = await db.Stations.AsNoTracking().Where(s => ids.Contains(s.Id)).ToDictionaryAsync(s => s.Id, s => new { s.Code, s.Name }, ct);
        return sums.Where(s => stations.ContainsKey(s.StationId))
            .Select(s => new LeaderboardRow(s.StationId, stations[s.StationId].Code, stations[s.StationId].Name, s.Gmv, s.Previous, s.Profit, s.Paid)).ToList();
    }

    public static async Task<IReadOnlyList<NewStation>> NewStationsAsync(KaMengDbContext db, DashboardRange r, CancellationToken ct = default)
    {
        DateTimeOffset from = r.From, to = r.To;
        return await db.Stations.AsNoTracking().Where(s => s.ParentId != null && s.CreatedAt >= from && s.CreatedAt < to)
            .OrderByDescending(s => s.CreatedAt).Take(20).Select(s => new NewStation(s.Id, s.Code, s.Name, s.CreatedAt)).ToListAsync(ct);
    }

    public static async Task<PendingWithdrawals> PendingWithdrawalsAsync(KaMengDbContext db, CancellationToken ct = default)
    {
        var amounts = await db.Withdrawals.Where(w => w.Status == WithdrawalStatus.Pending).Select(w => w.Amount).ToListAsync(ct);
        return new PendingWithdrawals(amounts.Count, amounts.Sum(a => a.Fen));
    }
}
