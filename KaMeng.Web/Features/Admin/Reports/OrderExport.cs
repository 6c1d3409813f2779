using KaMeng.Data;
using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Admin.Reports;

/// <summary>A row of the order export.</summary>
public sealed record OrderExportRow
{
    public long Id { get; init; }
    public string Number { get; init; } = "";
    public string? StationName { get; init; }
    public string ProductName { get; init; } = "";
    public int Quantity { get; init; }
    public Money UnitPrice { get; init; }
    public Money Total { get; init; }
    public OrderStatus Status { get; init; }
    public PaymentMethod PaymentMethod { get; init; }
    public string? BuyerName { get; init; }
    public string? Contact { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? PaidAt { get; init; }
}

/// <summary>订单导出: the orders the finance page's filter shows, streamed row by row into an .xlsx.</summary>
public sealed class OrderExport
{
    public const string SheetName = "订单";
    public const string SummarySheetName = ReportSummary.SheetName;

    public static readonly ExcelColumn[] Columns =
    [
        new("订单号", 24), new("分站", 14), new("商品", 30), new("数量", 8), new("单价", 12), new("金额", 14), new("状态", 10),
        new("支付方式", 10), new("买家", 18), new("联系方式", 22), new("下单时间", 20), new("支付时间", 20),
    ];

    public static string PaymentName(PaymentMethod method) => method switch
    {
        PaymentMethod.Balance => "余额",
        PaymentMethod.EPay => "在线支付",
        _ => method.ToString(),
    };

    /// <summary>The filtered rows of a context already scoped to the exporting user, oldest first.</summary>
    public static IQueryable<OrderExportRow> Query(KaMengDbContext db, ReportFilter filter)
    {
        var query = from o in db.Orders.AsNoTracking()
                    join u in db.Users on o.BuyerUserId equals u.Id into buyers
                    from u in buyers.DefaultIfEmpty()
                    join s in db.Stations on o.StationId equals s.Id into stations
                    from s in stations.DefaultIfEmpty()
                    select new OrderExportRow
                    {
                        Id = o.Id, Number = o.Number, StationName = s != null ? s.Name : null, ProductName = o.ProductName, Quantity = o.Quantity,
                        UnitPrice = o.UnitPrice, Total = o.Total, Status = o.Status, PaymentMethod = o.PaymentMethod,
                        BuyerName = u != null ? u.UserName : o.Contact, Contact = o.Contact, CreatedAt = o.CreatedAt, PaidAt = o.PaidAt,
                    };
        if (filter.Start is { } start) query = query.Where(o => o.CreatedAt >= start);
        if (filter.End is { } end) query = query.Where(o => o.CreatedAt < end);
        if (filter.StatusAs<OrderStatus>() is { } status) query = query.Where(o => o.Status == status);
        if (filter.Search is { Length: > 0 } q)
            query = query.Where(o => o.Number.Contains(q) || o.ProductName.Contains(q) || (o.BuyerName != null && o.BuyerName.Contains(q)));
        return query.OrderBy(o => o.CreatedAt).ThenBy(o => o.Id);
    }

    /// <summary>Writes the workbook to <paramref name="output"/> (seekable) and returns its totals.</summary>
    public async Task<ReportTotals> WriteAsync(KaMengDbContext db, ReportFilter filter, Stream output, CancellationToken ct = default, IProgress<long>? progress = null)
    {
        var byStatus = new SortedDictionary<OrderStatus, (long Count, long Fen)>();
        long count = 0, fen = 0;
        using (var excel = ExcelWriter.Create(output))
        {
            using (var sheet = excel.BeginSheet(SheetName, Columns))
            {
                await foreach (var o in Query(db, filter).AsAsyncEnumerable().WithCancellation(ct))
                {
                    sheet.BeginRow()
                        .Text(o.Number).Text(o.StationName).Text(o.ProductName).Integer(o.Quantity).Money(o.UnitPrice.Fen).Money(o.Total.Fen)
                        .Text(DisplayNames.Of(o.Status)).Text(PaymentName(o.PaymentMethod)).Text(o.BuyerName).Text(o.Contact)
                        .DateTime(o.CreatedAt).DateTime(o.PaidAt)
                        .EndRow();
                    count++;
                    if (count % 1000 == 0) progress?.Report(count);
                    fen = checked(fen + o.Total.Fen);
                    var s = byStatus.GetValueOrDefault(o.Status);
                    byStatus[o.Status] = (s.Count + 1, checked(s.Fen + o.Total.Fen));
                }
            }
            ReportSummary.Write(excel, "订单数", byStatus.Select(b => (DisplayNames.Of(b.Key), b.Value.Count, b.Value.Fen)), count, fen,
                filter.Describe(filter.StatusAs<OrderStatus>() is { } st ? DisplayNames.Of(st) : null));
        }
        return new ReportTotals(count, fen);
    }
}
