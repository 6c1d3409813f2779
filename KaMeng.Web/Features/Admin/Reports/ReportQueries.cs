using KaMeng.Data;
using KaMeng.Web.Features.Orders;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Admin.Reports;

/// <summary>Which page of the order report to show: the report filter (the export's), a page (from 0) and a sort.</summary>
public sealed record OrderReportRequest(ReportFilter Filter, int Page = 0, int PageSize = 20, OrderReportSort Sort = OrderReportSort.CreatedAt, bool Descending = false);

/// <summary>The columns the on-screen order report sorts by (the export keeps its own order: oldest first).</summary>
public enum OrderReportSort { CreatedAt, Number, Quantity, Total, PaidAt }

/// <summary>One page of the order report and how many orders the filter selects in all.</summary>
public sealed record OrderReportPage(IReadOnlyList<OrderExportRow> Rows, int TotalCount);

/// <summary>
/// What the finance reports page reads: the orders on screen are <see cref="OrderExport.Query"/> (the export's own query,
/// filter and station scope), a page of it at a time; the counts are each export's own count. A context per call, scoped
/// to the acting admin's station (null = platform-wide), as the download endpoints scope theirs.
/// </summary>
public sealed class ReportQueries(IDbContextFactory<KaMengDbContext> dbFactory)
{
    public async Task<OrderReportPage> OrdersAsync(AuditActor actor, OrderReportRequest request, CancellationToken ct = default)
    {
        if (request.Filter.Error is not null) return new([], 0);
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var query = OrderExport.Query(db, request.Filter);
        var total = await query.CountAsync(ct);
        var sorted = (request.Sort, request.Descending) switch
        {
            (OrderReportSort.Number, false) => query.OrderBy(r => r.Number),
            (OrderReportSort.Number, true) => query.OrderByDescending(r => r.Number),
            (OrderReportSort.Quantity, false) => query.OrderBy(r => r.Quantity).ThenBy(r => r.Id),
            (OrderReportSort.Quantity, true) => query.OrderByDescending(r => r.Quantity).ThenByDescending(r => r.Id),
            (OrderReportSort.Total, false) => query.OrderBy(r => r.Total).ThenBy(r => r.Id),
            (OrderReportSort.Total, true) => query.OrderByDescending(r => r.Total).ThenByDescending(r => r.Id),
            (OrderReportSort.PaidAt, false) => query.OrderBy(r => r.PaidAt).ThenBy(r => r.Id),
            (OrderReportSort.PaidAt, true) => query.OrderByDescending(r => r.PaidAt).ThenByDescending(r => r.Id),
            (_, true) => query.OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id),
            _ => query.OrderBy(r => r.CreatedAt).ThenBy(r => r.Id),
        };
        var size = Math.Clamp(request.PageSize, 1, 200);
        var rows = await sorted.Skip(Math.Max(0, request.Page) * size).Take(size).ToListAsync(ct);
        return new(rows, total);
    }

    /// <summary>How many rows an export writes for this filter, for this admin.</summary>
    public async Task<int> CountAsync(AuditActor actor, FinanceExports.Export export, ReportFilter filter, CancellationToken ct = default)
    {
        if (filter.Error is not null) return 0;
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        return await export.CountAsync(db, filter, ct);
    }
}
