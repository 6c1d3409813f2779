using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Orders;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Dashboard.Admin;

/// <summary>What the dashboard page reads, each in the acting admin's station scope, a context per call.</summary>
public sealed class DashboardPageQueries(IDbContextFactory<KaMengDbContext> dbFactory, CurrentAdmin admin, StationRatingService ratings)
{
    async Task<KaMengDbContext> ScopedAsync(CancellationToken ct) => await (await admin.GetAsync()).ScopedAsync(dbFactory, ct);

    public async Task<IReadOnlyList<StationListItem>> StationsAsync(CancellationToken ct = default)
    {
        await using var db = await ScopedAsync(ct);
        return await StationListQueries.AllAsync(db);
    }

    public async Task<AdminDashboardModel> LoadAsync(int station, bool platform, DashboardRange range, DateTimeOffset now, CancellationToken ct = default)
    {
        await using var db = await ScopedAsync(ct);
        return await AdminDashboardModel.LoadAsync(db, ratings, station, platform, range, now);
    }

    public async Task<IReadOnlyList<StockWarning>> StockWarningsAsync(CancellationToken ct = default)
    {
        await using var db = await ScopedAsync(ct);
        return await DashboardQueries.StockWarningsAsync(db);
    }

    public async Task<(IReadOnlyList<SegmentBuyer> Items, int Total)> SegmentBuyersAsync(int station, BuyerSegment segment, DateTimeOffset now, int page, int pageSize, CancellationToken ct)
    {
        await using var db = await ScopedAsync(ct);
        return await DashboardQueries.SegmentBuyersPageAsync(db, station, segment, now, page, pageSize, ct);
    }

    public async Task<(IReadOnlyList<StationListItem> Items, int Total)> StationsPageAsync(StationListQuery query, CancellationToken ct)
    {
        await using var db = await ScopedAsync(ct);
        return await StationListQueries.PageAsync(db, query, ct);
    }
}
