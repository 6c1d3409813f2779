using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Stations;
using KaMeng.Web.Features.Themes;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Substations;

/// <summary>A station's storefront theme and its design-token overrides, set by its owner or a platform admin
/// (the main station's by a platform admin only).</summary>
public sealed class ThemeService(IDbContextFactory<KaMengDbContext> dbFactory, StationDirectory directory, ThemeCatalog catalog, TimeProvider clock)
{
    public async Task<string?> SetThemeAsync(int stationId, string? theme, IReadOnlyDictionary<string, string?>? tokens, AuditActor actor, CancellationToken ct = default)
    {
        if (!actor.MaySee(stationId)) return "分站不存在";
        var (clean, error) = catalog.Validate(theme, tokens);
        if (error is not null) return error;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var station = await db.Stations.SingleOrDefaultAsync(s => s.Id == stationId, ct);
        if (station is null) return "分站不存在";
        Apply(station, theme!, clean);
        db.AuditEntries.Add(actor.Entry("station.theme", station.Code, $"{theme} {station.ThemeTokensJson}".Trim(), clock.GetUtcNow(), station.Id));
        await db.SaveChangesAsync(ct);
        directory.Invalidate();
        return null;
    }

    /// <summary>Puts a checked theme and its checked overrides on a station; the builder's publish uses it in its own transaction.</summary>
    public static void Apply(Station station, string theme, IReadOnlyDictionary<string, string>? tokens)
    {
        station.Theme = theme;
        station.ThemeTokensJson = ThemeCatalog.StoredJson(tokens);
    }
}
