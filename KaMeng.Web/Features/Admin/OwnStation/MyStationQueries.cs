using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Orders;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Admin.OwnStation;

/// <summary>What the 我的分站 page shows of a substation: the station (with its level and hosts), the root domains, the
/// catalogue it resells (categories and products of the main station and its own) with its overrides by product id, the
/// station levels, its member levels and the owner's latest 50 withdrawals.</summary>
public sealed record MyStationData(Station Station, string[] RootDomains, List<Category> Categories, List<Product> Products,
    Dictionary<int, StationProduct> Overrides, List<StationLevel> Levels, List<MemberLevel> MemberLevels, List<Withdrawal> Withdrawals);

/// <summary>What the 我的分站 page reads (besides the pricing, wallet and withdrawal services), in the actor's station scope.</summary>
public sealed class MyStationQueries(IDbContextFactory<KaMengDbContext> dbFactory)
{
    /// <summary>Null for the main station, and for a station the actor may not see.</summary>
    public async Task<MyStationData?> LoadAsync(AuditActor actor, int stationId, CancellationToken ct = default)
    {
        if (stationId == Station.MainStationId) return null;
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var station = await db.Stations.AsNoTracking().Include(s => s.Level).Include(s => s.Hosts).SingleOrDefaultAsync(s => s.Id == stationId, ct);
        if (station is null) return null;
        var rootDomains = (await db.PlatformSettings.AsNoTracking().SingleAsync(ct)).RootDomainList.ToArray();
        var categories = await db.Categories.AsNoTracking().Where(c => c.StationId == Station.MainStationId || c.StationId == station.Id).OrderBy(c => c.SortOrder).ToListAsync(ct);
        var products = await db.Products.AsNoTracking().Where(p => !p.Deleted && (p.StationId == Station.MainStationId || p.StationId == station.Id))
            .OrderBy(p => p.CategoryId).ThenBy(p => p.SortOrder).ToListAsync(ct);
        var overrides = await db.StationProducts.AsNoTracking().Where(x => x.StationId == station.Id).ToDictionaryAsync(x => x.ProductId, ct);
        var levels = await db.StationLevels.AsNoTracking().OrderBy(l => l.SortOrder).ToListAsync(ct);
        var memberLevels = await db.MemberLevels.AsNoTracking().Where(m => m.StationId == station.Id).OrderBy(m => m.SpendThreshold).ToListAsync(ct);
        var withdrawals = station.OwnerUserId is string owner
            ? await db.Withdrawals.AsNoTracking().Where(w => w.UserId == owner).OrderByDescending(w => w.Id).Take(50).ToListAsync(ct)
            : [];
        return new(station, rootDomains, categories, products, overrides, levels, memberLevels, withdrawals);
    }
}
