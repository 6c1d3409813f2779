using KaMeng.Data;
using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Storefront.My;

/// <summary>What the buyer's own pages (我的订单) read.</summary>
public sealed class BuyerQueries(IDbContextFactory<KaMengDbContext> dbFactory)
{
    /// <summary>The buyer's latest orders on any station, newest first.</summary>
    public async Task<List<Order>> OrdersOfAsync(string buyerUserId, int take = 100, CancellationToken ct = default, int? stationId = null)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var query = db.Orders.AsNoTracking().Where(o => o.BuyerUserId == buyerUserId);
        if (stationId is not null) query = query.Where(o => o.StationId == stationId);
        return await query.OrderByDescending(o => o.CreatedAt).Take(take).ToListAsync(ct);
    }
}
