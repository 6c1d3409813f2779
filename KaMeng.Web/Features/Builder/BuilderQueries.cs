using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Orders;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Builder;

/// <summary>What the 店铺装修 page reads besides <see cref="LayoutService"/>.</summary>
public sealed class BuilderQueries(IDbContextFactory<KaMengDbContext> dbFactory)
{
    /// <summary>The station as it is live, if the actor may see it.</summary>
    public async Task<Station?> StationAsync(AuditActor actor, int stationId, CancellationToken ct = default)
    {
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        return await db.Stations.AsNoTracking().SingleOrDefaultAsync(s => s.Id == stationId, ct);
    }
}
