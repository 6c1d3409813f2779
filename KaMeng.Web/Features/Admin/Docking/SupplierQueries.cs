using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Orders;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Admin.Docking;

/// <summary>What the 上游供货 page reads besides <see cref="Features.Docking.SupplierService"/>: the categories an import can go into.</summary>
public sealed class SupplierQueries(IDbContextFactory<KaMengDbContext> dbFactory)
{
    /// <summary>The station's own categories and the main station's, as the actor may see them.</summary>
    public async Task<List<Category>> CategoriesAsync(AuditActor actor, int? stationId, CancellationToken ct = default)
    {
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        return await db.Categories.AsNoTracking().Where(c => c.StationId == stationId || c.StationId == Station.MainStationId)
            .OrderBy(c => c.SortOrder).ThenBy(c => c.Id).ToListAsync(ct);
    }
}
