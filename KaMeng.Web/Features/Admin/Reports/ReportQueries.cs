using KaMeng.Data;
using KaMeng.Web.Features.Orders;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Admin.Reports;

/// <summary>The row counts the 报表导出 page shows for its filters.</summary>
public sealed record ReportCounts(int Orders, int Ledger, int More);

/// <summary>What the 报表导出 page reads: how many rows each export would hold, in the actor's station scope.</summary>
public sealed class ReportQueries(IDbContextFactory<KaMengDbContext> dbFactory)
{
    public async Task<ReportCounts> CountsAsync(AuditActor actor, ReportFilter orders, ReportFilter ledger, FinanceExports.Export more, ReportFilter moreFilter,
        CancellationToken ct = default)
    {
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var orderCount = await FinanceExports.Orders.CountAsync(db, orders, ct);
        var ledgerCount = await FinanceExports.Ledger.CountAsync(db, ledger, ct);
        return new(orderCount, ledgerCount, await more.CountAsync(db, moreFilter, ct));
    }
}
