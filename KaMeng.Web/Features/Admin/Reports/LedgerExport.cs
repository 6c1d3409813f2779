using KaMeng.Data;
using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Admin.Reports;

/// <summary>A row of the ledger export.</summary>
public sealed record LedgerExportRow
{
    public long Id { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public string? UserName { get; init; }
    public LedgerEntryType Type { get; init; }
    public Money Amount { get; init; }
    public Money BalanceAfter { get; init; }
    public string? OrderNumber { get; init; }
    public string? Reason { get; init; }
    public string? OperatorName { get; init; }
}

/// <summary>资金流水导出: the ledger entries the finance page's filter shows, streamed into an .xlsx. A station owner's
/// export holds the entries of their station only.</summary>
public static class LedgerExport
{
    public const string SheetName = "资金流水";
    public const string SummarySheetName = ReportSummary.SheetName;

    public static readonly ExcelColumn[] Columns =
    [
        new("时间", 20), new("用户", 18), new("类型", 10), new("金额", 14), new("余额", 14), new("订单", 24), new("说明", 36), new("操作人", 16),
    ];

    public static IQueryable<LedgerExportRow> Query(KaMengDbContext db, ReportFilter filter)
    {
        var entries = db.LedgerEntries.AsNoTracking();
        // Ledger entries carry no query filter of their own: apply the context's station scope here.
        if (db.ScopeStationId is { } station) entries = entries.Where(e => e.StationId == station);
        var query = from e in entries
                    join w in db.Wallets on e.WalletId equals w.Id
                    join u in db.Users on w.UserId equals u.Id into users
                    from u in users.DefaultIfEmpty()
                    join op in db.Users on e.OperatorUserId equals op.Id into operators
                    from op in operators.DefaultIfEmpty()
                    join o in db.Orders on e.OrderId equals (long?)o.Id into orders
                    from o in orders.DefaultIfEmpty()
                    select new LedgerExportRow
                    {
                        Id = e.Id, CreatedAt = e.CreatedAt, UserName = u != null ? u.UserName : null, Type = e.Type, Amount = e.Amount,
                        BalanceAfter = e.BalanceAfter, OrderNumber = o != null ? o.Number : null, Reason = e.Reason,
                        OperatorName = op != null ? op.UserName : null,
                    };
        if (filter.Start is { } start) query = query.Where(e => e.CreatedAt >= start);
        if (filter.End is { } end) query = query.Where(e => e.CreatedAt < end);
        if (filter.StatusAs<LedgerEntryType>() is { } type) query = query.Where(e => e.Type == type);
        if (filter.Search is { Length: > 0 } q)
            query = query.Where(e => (e.UserName != null && e.UserName.Contains(q)) || (e.Reason != null && e.Reason.Contains(q))
                                     || (e.OrderNumber != null && e.OrderNumber.Contains(q)));
        return query.OrderBy(e => e.CreatedAt).ThenBy(e => e.Id);
    }

    public static async Task<ReportTotals> WriteAsync(KaMengDbContext db, ReportFilter filter, Stream output, CancellationToken ct = default, IProgress<long>? progress = null)
    {
        var byType = new SortedDictionary<LedgerEntryType, (long Count, long Fen)>();
        long count = 0, fen = 0;
        await using (var excel = await ExcelWriter.CreateAsync(output, ct))
        {
            var sheet = await excel.BeginSheetAsync(SheetName, Columns, ct: ct);
            await foreach (var batch in ReadAhead.Batches(Query(db, filter).AsAsyncEnumerable(), ct))
                foreach (var e in batch)
                {
                    await sheet.BeginRow()
                        .DateTime(e.CreatedAt).Text(e.UserName).Text(LedgerEntry.TypeName(e.Type)).Money(e.Amount.Fen).Money(e.BalanceAfter.Fen)
                        .Text(e.OrderNumber).Text(e.Reason).Text(e.OperatorName)
                        .EndRowAsync(ct);
                    count++;
                    if (count % 1000 == 0) progress?.Report(count);
                    fen = checked(fen + e.Amount.Fen);
                    var t = byType.GetValueOrDefault(e.Type);
                    byType[e.Type] = (t.Count + 1, checked(t.Fen + e.Amount.Fen));
                }
            await ReportSummary.WriteAsync(excel, "笔数", byType.Select(b => (LedgerEntry.TypeName(b.Key), b.Value.Count, b.Value.Fen)).ToList(), count, fen,
                filter.Describe(filter.StatusAs<LedgerEntryType>() is { } st ? LedgerEntry.TypeName(st) : null), ct);
        }
        return new ReportTotals(count, fen);
    }
}
