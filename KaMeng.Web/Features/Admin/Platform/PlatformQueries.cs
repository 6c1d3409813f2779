using KaMeng.Data;
using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Admin.Platform;

/// <summary>What the 平台设置 page edits: the platform settings, the station levels, and the main station's products (for level prices).</summary>
public sealed record PlatformSettingsData(PlatformSettings Settings, List<StationLevel> Levels, List<Product> Products);

/// <summary>What the 平台设置 page reads.</summary>
public sealed class PlatformQueries(IDbContextFactory<KaMengDbContext> dbFactory)
{
    public async Task<PlatformSettingsData> LoadAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var settings = await db.PlatformSettings.AsNoTracking().SingleAsync(ct);
        var levels = await db.StationLevels.AsNoTracking().OrderBy(l => l.SortOrder).ToListAsync(ct);
        var products = await db.Products.AsNoTracking().Where(p => !p.Deleted && p.StationId == Station.MainStationId).OrderBy(p => p.Name).ToListAsync(ct);
        return new(settings, levels, products);
    }
}
