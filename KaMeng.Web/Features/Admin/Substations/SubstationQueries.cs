using KaMeng.Data;
using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Admin.Substations;

/// <summary>A substation as 分站管理 lists it.</summary>
public sealed record SubstationRow(int Id, string Code, string Name, string? Parent, string? Owner, string? Level, StationStatus Status, bool ListingSuspended, string StatusText);

/// <summary>What the platform's 分站管理 page reads: every substation, and the station levels.</summary>
public sealed class SubstationQueries(IDbContextFactory<KaMengDbContext> dbFactory)
{
    public async Task<(List<StationLevel> Levels, List<SubstationRow> Rows)> ListAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var levels = await db.StationLevels.AsNoTracking().OrderBy(l => l.SortOrder).ToListAsync(ct);
        var list = await (from s in db.Stations.AsNoTracking()
                          where s.ParentId != null
                          join u in db.Users on s.OwnerUserId equals u.Id into us
                          from u in us.DefaultIfEmpty()
                          join p in db.Stations on s.ParentId equals p.Id
                          orderby s.Id
                          select new { s.Id, s.Code, s.Name, Parent = p.Code, Owner = u != null ? u.UserName : null, Level = s.Level != null ? s.Level.Name : null, s.Status, s.ListingSuspended, s.SuspensionReason }).ToListAsync(ct);
        var rows = list.Select(x => new SubstationRow(x.Id, x.Code, x.Name, x.Parent, x.Owner, x.Level, x.Status, x.ListingSuspended,
            x.Status switch { StationStatus.Closed => "已关闭", StationStatus.Suspended => $"暂停：{x.SuspensionReason}", _ => x.ListingSuspended ? $"商品已下架：{x.SuspensionReason}" : "正常" })).ToList();
        return (levels, rows);
    }
}
