using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Orders;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Themes;

/// <summary>What the 总站主题 page reads.</summary>
public sealed class ThemeQueries(IDbContextFactory<KaMengDbContext> dbFactory)
{
    /// <summary>The main station (its live theme and token overrides), as the actor may see it.</summary>
    public async Task<Station> MainStationAsync(AuditActor actor, CancellationToken ct = default)
    {
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        return await db.Stations.AsNoTracking().SingleAsync(s => s.Id == Station.MainStationId, ct);
    }
}
