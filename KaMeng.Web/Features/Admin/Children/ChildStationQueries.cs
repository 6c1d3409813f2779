using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Orders;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Admin.Children;

/// <summary>A direct child substation and how it sold in the last 30 days.</summary>
public sealed record ChildStationRow(string Code, string Name, string? Level, string Status, int Orders, long GmvFen, DateTimeOffset CreatedAt);

public enum ChildStationSort { CreatedAt, Code, Name, Orders, Gmv }

public sealed record ChildStationPageQuery(int Skip, int Take, ChildStationSort SortBy = ChildStationSort.CreatedAt, bool Descending = false);

public sealed class ChildStationQueries(IDbContextFactory<KaMengDbContext> dbFactory)
{
    /// <summary>The direct children of the owner's own station (none for the platform, which sees every substation on 分站管理).</summary>
    public async Task<(IReadOnlyList<ChildStationRow> Rows, int Total)> PageAsync(AuditActor actor, ChildStationPageQuery q, DateTimeOffset now, CancellationToken ct = default)
    {
        if (actor.StationId is not int mine) return ([], 0);
        // Children are other stations: read them unscoped, but only the direct children of the owner's station.
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        db.ScopedTo(null);
        var since = now.AddDays(-30);
        var children = await db.Stations.AsNoTracking().Where(s => s.ParentId == mine).Include(s => s.Level).OrderBy(s => s.Id).ToListAsync(ct);
        var ids = children.Select(c => c.Id).ToList();
        var sales = (await db.Orders.AsNoTracking().Where(o => ids.Contains(o.StationId) && o.Status == OrderStatus.Delivered && o.CreatedAt >= since)
            .Select(o => new { o.StationId, o.Total }).ToListAsync(ct))
            .GroupBy(o => o.StationId).ToDictionary(g => g.Key, g => (Count: g.Count(), Fen: g.Sum(x => x.Total.Fen)));
        var rows = children.Select(c => new ChildStationRow(c.Code, c.Name, c.Level?.Name, DisplayNames.Of(c.Status),
            sales.GetValueOrDefault(c.Id).Count, sales.GetValueOrDefault(c.Id).Fen, c.CreatedAt));
        // A station has few children (its level caps them): sorted and paged here, after the 30-day sums.
        rows = (q.SortBy, q.Descending) switch
        {
            (ChildStationSort.Code, false) => rows.OrderBy(r => r.Code, StringComparer.Ordinal),
            (ChildStationSort.Code, true) => rows.OrderByDescending(r => r.Code, StringComparer.Ordinal),
            (ChildStationSort.Name, false) => rows.OrderBy(r => r.Name, StringComparer.Ordinal),
            (ChildStationSort.Name, true) => rows.OrderByDescending(r => r.Name, StringComparer.Ordinal),
            (ChildStationSort.Orders, false) => rows.OrderBy(r => r.Orders),
            (ChildStationSort.Orders, true) => rows.OrderByDescending(r => r.Orders),
            (ChildStationSort.Gmv, false) => rows.OrderBy(r => r.GmvFen),
            (ChildStationSort.Gmv, true) => rows.OrderByDescending(r => r.GmvFen),
            (_, true) => rows.OrderByDescending(r => r.CreatedAt),
            _ => rows.OrderBy(r => r.CreatedAt),
        };
        var list = rows.ToList();
        return (list.Skip(Math.Max(0, q.Skip)).Take(Math.Clamp(q.Take, 1, 200)).ToList(), list.Count);
    }
}
