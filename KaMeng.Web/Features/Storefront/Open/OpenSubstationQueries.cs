using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Substations;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Storefront.Open;

/// <summary>What 开通分站 offers under a station: why it cannot be done (or null), and each level with its price there.</summary>
public sealed record OpenOffer(string? Refusal, List<(StationLevel Level, Money Price)> Levels);

/// <summary>What the 开通分站 page reads.</summary>
public sealed class OpenSubstationQueries(IDbContextFactory<KaMengDbContext> dbFactory)
{
    public async Task<OpenOffer> OfferAsync(int parentStationId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var parent = await db.Stations.AsNoTracking().SingleAsync(s => s.Id == parentStationId, ct);
        var refusal = await SubstationService.CanOpenUnderAsync(db, parent, ct);
        var levels = await db.StationLevels.AsNoTracking().OrderBy(l => l.SortOrder).ToListAsync(ct);
        return new(refusal, levels.Select(l => (l, SubstationService.OpenPrice(l, parent))).ToList());
    }
}
