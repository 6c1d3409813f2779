using KaMeng.Data;
using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Admin.Substations;

/// <summary>A substation as the platform manages it.</summary>
public sealed record SubstationRow(int Id, string Code, string Name, string? Parent, string? Owner, string? Level, StationStatus Status, bool ListingSuspended, string? SuspensionReason)
{
    public string StatusText => Status switch
    {
        StationStatus.Closed => "已关闭",
        StationStatus.Suspended => $"暂停：{SuspensionReason}",
        _ => ListingSuspended ? $"商品已下架：{SuspensionReason}" : "正常",
    };
}

public enum SubstationSort { Id, Code, Name }

/// <summary>One page of 分站管理 (the page maps its grid state to this).</summary>
public sealed record SubstationPageQuery(string? Search, int Skip, int Take, SubstationSort SortBy = SubstationSort.Id, bool Descending = false);

public sealed record LevelOption(int Id, string Name);

public sealed class SubstationQueries(IDbContextFactory<KaMengDbContext> dbFactory)
{
    /// <summary>Platform-wide: only the platform's admins open 分站管理.</summary>
    public async Task<(IReadOnlyList<SubstationRow> Rows, int Total)> PageAsync(SubstationPageQuery q, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var query = from s in db.Stations.AsNoTracking()
                    where s.ParentId != null
                    join u in db.Users on s.OwnerUserId equals u.Id into us
                    from u in us.DefaultIfEmpty()
                    join p in db.Stations on s.ParentId equals p.Id
                    select new { s, Parent = p.Code, Owner = u != null ? u.UserName : null, Level = s.Level != null ? s.Level.Name : null };
        if (!string.IsNullOrWhiteSpace(q.Search))
        {
            var term = q.Search.Trim();
            query = query.Where(x => x.s.Code.Contains(term) || x.s.Name.Contains(term) || (x.Owner != null && x.Owner.Contains(term)));
        }
        var total = await query.CountAsync(ct);
        query = (q.SortBy, q.Descending) switch
        {
            (SubstationSort.Code, false) => query.OrderBy(x => x.s.Code),
            (SubstationSort.Code, true) => query.OrderByDescending(x => x.s.Code),
            (SubstationSort.Name, false) => query.OrderBy(x => x.s.Name).ThenBy(x => x.s.Id),
            (SubstationSort.Name, true) => query.OrderByDescending(x => x.s.Name).ThenByDescending(x => x.s.Id),
            (_, true) => query.OrderByDescending(x => x.s.Id),
            _ => query.OrderBy(x => x.s.Id),
        };
        // A listing-only suspension past its end time is over: the row reads 正常 again.
        var now = DateTimeOffset.UtcNow;
        var rows = await query.Skip(Math.Max(0, q.Skip)).Take(Math.Clamp(q.Take, 1, 200))
            .Select(x => new SubstationRow(x.s.Id, x.s.Code, x.s.Name, x.Parent, x.Owner, x.Level, x.s.Status,
                x.s.ListingSuspended && (x.s.ListingSuspendedUntil == null || x.s.ListingSuspendedUntil > now), x.s.SuspensionReason))
            .ToListAsync(ct);
        return (rows, total);
    }

    public async Task<IReadOnlyList<LevelOption>> LevelsAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.StationLevels.AsNoTracking().OrderBy(l => l.SortOrder).Select(l => new LevelOption(l.Id, l.Name)).ToListAsync(ct);
    }
}
