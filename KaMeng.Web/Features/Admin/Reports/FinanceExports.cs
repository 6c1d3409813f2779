using KaMeng.Data;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Admin.Reports;

/// <summary>
/// The six finance exports by key (订单, 资金流水, 提现, 分站收益, 卡密库存, 买家): the count the page shows for a filter and
/// the writer of exactly those rows. Direct downloads and background exports both look an export up here, so a new
/// export is one line and gets both.
/// </summary>
public static class FinanceExports
{
    public sealed record Export(string Key, string Name,
        Func<KaMengDbContext, ReportFilter, CancellationToken, Task<int>> CountAsync,
        Func<KaMengDbContext, ReportFilter, Stream, IProgress<long>?, CancellationToken, Task<ReportTotals>> WriteAsync);

    public static readonly Export Orders = new("orders", "订单", (db, f, ct) => OrderExport.Query(db, f).CountAsync(ct),
        (db, f, s, p, ct) => OrderExport.WriteAsync(db, f, s, ct, p));

    public static readonly Export Ledger = new("ledger", "资金流水", (db, f, ct) => LedgerExport.Query(db, f).CountAsync(ct),
        (db, f, s, p, ct) => LedgerExport.WriteAsync(db, f, s, ct, p));

    public static readonly Export[] All =
    [
        Orders, Ledger,
        .. MoreExports.All.Select(k => new Export(k.Key, k.Name, (db, f, ct) => MoreExports.CountAsync(db, k, f, ct),
            (db, f, s, p, ct) => MoreExports.WriteAsync(db, k, f, s, ct, p))),
    ];

    public static Export? Find(string? key) => All.FirstOrDefault(e => e.Key == key);
}
