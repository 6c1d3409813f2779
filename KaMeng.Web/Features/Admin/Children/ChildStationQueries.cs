using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Orders;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Admin.Children;

/// <summary>A direct child station as 下级分站 lists it, with its delivered orders and their amount since a time.</summary>
public sealed record ChildStationRow(string Code, string Name, string? Level, string Status, int Orders, long GmvFen, DateTimeOffset CreatedAt);

/// <summary>What the owner's 下级分站 page reads.</summary>
public sealed class ChildStationQueries(IDbContextFactory<KaMengDbContext> dbFactory)
{
    /// <summary>The direct children of the owner's station with their delivered orders since <paramref name="since"/>; empty
    /// for a platform-wide actor (the platform sees every substation on 分站管理).</summary>
    public async Task<List<ChildStationRow>> ChildrenAsync(AuditActor actor, DateTimeOffset since, CancellationToken ct = default)
    {
        if (actor.StationId is not int mine) return [];
        // Children are other stations: read them unscoped, but only the direct children of the owner's station.
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var children = await db.Stations.AsNoTracking().Where(s => s.ParentId == mine).Include(s => s.Level).OrderBy(s => s.Id).ToListAsync(ct);
        var ids = children.Select(c => c.Id).ToList();
        var sales = (await db.Orders.AsNoTracking().Where(o => ids.Contains(o.StationId) && o.Status == OrderStatus.Delivered && o.CreatedAt >= since)
            .Select(o => new { o.StationId, o.Total }).ToListAsync(ct))
            .GroupBy(o => o.StationId).ToDictionary(g => g.Key, g => (Count: g.Count(), Fen: g.Sum(x => x.Total.Fen)));
        return children.Select(c => new ChildStationRow(c.Code, c.Name, c.Level?.Name,
            c.Status switch { StationStatus.Active => "正常", StationStatus.Suspended => "暂停", _ => "关闭" },
            sales.GetValueOrDefault(c.Id).Count, sales.GetValueOrDefault(c.Id).Fen, c.CreatedAt)).ToList();
    }
}
