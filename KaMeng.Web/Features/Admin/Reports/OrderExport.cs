using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Orders;
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
    /// <summary>The price chain frozen at order time (each station's cost), JSON.</summary>
    public string? PriceChainJson { get; init; }

    /// <summary>成本: the selling station's cost × quantity, from the frozen price chain (null when the order has none).</summary>
    public long? CostFen => OrderExport.CostFen(PriceChainJson, Quantity);

    /// <summary>利润: what the selling station earned, the amount less its cost.</summary>
    public long? ProfitFen => CostFen is { } cost ? Total.Fen - cost : null;
}

/// <summary>订单导出: the orders the finance page's filter shows, streamed row by row into an .xlsx.</summary>
public static class OrderExport
{
    public const string SheetName = "订单";
    public const string SummarySheetName = ReportSummary.SheetName;

    public static readonly ExcelColumn[] Columns =
    [
        new("订单号", 24), new("分站", 14), new("商品", 30), new("数量", 8), new("单价", 12), new("金额", 14), new("状态", 10),
        new("支付方式", 10), new("买家", 18), new("联系方式", 22), new("下单时间", 20), new("支付时间", 20),
        new("成本", 12), new("利润", 12),
    ];

    /// <summary>The selling station's cost of an order (its last step's cost × quantity, less what upstream stations subsidised
    /// of its coupon: the station is credited as if it sold at its own price), or null without a price chain.</summary>
    public static long? CostFen(string? priceChainJson, int quantity) =>
        UnitCostAndSubsidy(priceChainJson) is { } c ? checked(c.UnitCost * quantity - c.Subsidy) : null;

    static (long UnitCost, long Subsidy)? UnitCostAndSubsidy(string? priceChainJson) =>
        PriceResolver.ReadSnapshot(priceChainJson) is { Count: > 0 } steps ? (steps[^1].CostFen, steps.Take(steps.Count - 1).Sum(s => s.FundsFen)) : null;

    public static string PaymentName(PaymentMethod method) => method switch
    {
        PaymentMethod.Balance => "余额",
        PaymentMethod.EPay => "在线支付",
        _ => method.ToString(),
    };

    /// <summary>The filtered rows of a context already scoped to the exporting user, oldest first.</summary>
    public static IQueryable<OrderExportRow> Query(KaMengDbContext db, ReportFilter filter) =>
        from x in Filtered(db, filter)
        join s in db.Stations on x.O.StationId equals s.Id into stations
        from s in stations.DefaultIfEmpty()
        orderby x.O.CreatedAt, x.O.Id
        select new OrderExportRow
        {
            Id = x.O.Id, Number = x.O.Number, StationName = s != null ? s.Name : null, ProductName = x.O.ProductName, Quantity = x.O.Quantity,
            UnitPrice = x.O.UnitPrice, Total = x.O.Total, Status = x.O.Status, PaymentMethod = x.O.PaymentMethod,
            BuyerName = x.BuyerName, Contact = x.O.Contact, CreatedAt = x.O.CreatedAt, PaidAt = x.O.PaidAt,
            PriceChainJson = x.O.PriceChainJson,
        };

    /// <summary>An order with its buyer's name: the user name, or the contact for a guest (what the filter searches).</summary>
    sealed class Joined
    {
        public Order O { get; init; } = default!;
        public string? BuyerName { get; init; }
        /// <summary>The buyer's user name (null for a guest).</summary>
        public string? UserName { get; init; }
    }

    /// <summary>The orders the filter selects (the one place the filter is applied: the page's count, the download and the
    /// scheduled workbook all read through it).</summary>
    static IQueryable<Joined> Filtered(KaMengDbContext db, ReportFilter filter)
    {
        var query = from o in db.Orders.AsNoTracking()
                    join u in db.Users on o.BuyerUserId equals u.Id into buyers
                    from u in buyers.DefaultIfEmpty()
                    select new Joined { O = o, BuyerName = u != null && u.UserName != null ? u.UserName : o.Contact, UserName = u != null ? u.UserName : null };
        if (filter.Start is { } start) query = query.Where(x => x.O.CreatedAt >= start);
        if (filter.End is { } end) query = query.Where(x => x.O.CreatedAt < end);
        if (filter.StatusAs<OrderStatus>() is { } status) query = query.Where(x => x.O.Status == status);
        if (filter.Search is { Length: > 0 } q)
            query = query.Where(x => x.O.Number.Contains(q) || x.O.ProductName.Contains(q)
                                     || (x.BuyerName != null && x.BuyerName.Contains(q)));
        return query;
    }

    /// <summary>
    /// Writes the workbook to <paramref name="output"/> and returns its totals. The rows are read with the provider's data
    /// reader from the command EF builds for the filtered query (plain columns, station names from a dictionary instead of
    /// a join): a million-row export is mostly the database read, and EF's per-row materialisation was a visible share of it.
    /// The read runs ahead on another core while the rows before are written (<see cref="ReadAhead"/>).
    /// </summary>
    public static async Task<ReportTotals> WriteAsync(KaMengDbContext db, ReportFilter filter, Stream output, CancellationToken ct = default, IProgress<long>? progress = null)
    {
        var stationNames = await db.Stations.AsNoTracking().Select(s => new { s.Id, s.Name }).ToDictionaryAsync(s => s.Id, s => s.Name, ct);
        var statusNames = Enum.GetValues<OrderStatus>().ToDictionary(s => (int)s, s => DisplayNames.Of(s));
        var paymentNames = Enum.GetValues<PaymentMethod>().ToDictionary(m => (int)m, PaymentName);
        var byStatus = new Dictionary<int, (long Count, long Fen)>();
        long count = 0, fen = 0;
        // Orders of one product share their chain text: read each distinct one once.
        var unitCosts = new Dictionary<string, (long UnitCost, long Subsidy)?>(StringComparer.Ordinal);
        await using (var excel = await ExcelWriter.CreateAsync(output, ct))
        {
            var sheet = await excel.BeginSheetAsync(SheetName, Columns, ct: ct);
            await foreach (var batch in ReadAhead.Batches(ReadLines(db, filter, ct), ct))
                foreach (var o in batch)
                {
                    long? cost = null;
                    if (o.PriceChainJson is { } chain)
                    {
                        if (!unitCosts.TryGetValue(chain, out var unit))
                        {
                            if (unitCosts.Count > 10_000) unitCosts.Clear();
                            unitCosts[chain] = unit = UnitCostAndSubsidy(chain);
                        }
                        if (unit is { } u) cost = checked(u.UnitCost * o.Quantity - u.Subsidy);
                    }
                    sheet.BeginRow()
                        .Text(o.Number).Text(stationNames.GetValueOrDefault(o.StationId)).Text(o.ProductName).Integer(o.Quantity)
                        .Money(o.UnitPriceFen).Money(o.TotalFen)
                        .Text(statusNames.GetValueOrDefault(o.Status) ?? o.Status.ToString()).Text(paymentNames.GetValueOrDefault(o.PaymentMethod))
                        .Text(o.UserName ?? o.Contact).Text(o.Contact)
                        .DateTime(o.CreatedAt).DateTime(o.PaidAt);
                    if (cost is { } c) sheet.Money(c).Money(o.TotalFen - c);
                    await sheet.EndRowAsync(ct);
                    count++;
                    if (count % 1000 == 0) progress?.Report(count);
                    fen = checked(fen + o.TotalFen);
                    ref var s = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(byStatus, o.Status, out _);
                    s = (s.Count + 1, checked(s.Fen + o.TotalFen));
                }
            await ReportSummary.WriteAsync(excel, "订单数", byStatus.OrderBy(b => b.Key).Select(b => (DisplayNames.Of((OrderStatus)b.Key), b.Value.Count, b.Value.Fen)).ToList(), count, fen,
                filter.Describe(filter.StatusAs<OrderStatus>() is { } st ? DisplayNames.Of(st) : null), ct);
        }
        return new ReportTotals(count, fen);
    }

    /// <summary>One order as the export reads it: plain columns, no materialisation through EF.</summary>
    readonly record struct Line(string Number, int StationId, string ProductName, int Quantity, long UnitPriceFen, long TotalFen, int Status,
        int PaymentMethod, string? UserName, string? Contact, DateTimeOffset CreatedAt, DateTimeOffset? PaidAt, string? PriceChainJson);

    static async IAsyncEnumerable<Line> ReadLines(KaMengDbContext db, ReportFilter filter, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        // The buyer's user name and the contact as two columns (not the filter's coalesced name): the contact is read once.
        var columns = from x in Filtered(db, filter)
                      orderby x.O.CreatedAt, x.O.Id
                      select new
                      {
                          x.O.Number, x.O.StationId, x.O.ProductName, x.O.Quantity, x.O.UnitPrice, x.O.Total, x.O.Status, x.O.PaymentMethod,
                          x.UserName, x.O.Contact, x.O.CreatedAt, x.O.PaidAt, x.O.PriceChainJson,
                      };
        var readTime = TimeReader(db);
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using var command = columns.CreateDbCommand();
            await using var r = await command.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
                yield return new Line(r.GetString(0), r.GetInt32(1), r.GetString(2), r.GetInt32(3), r.GetInt64(4), r.GetInt64(5), r.GetInt32(6),
                    r.GetInt32(7), r.IsDBNull(8) ? null : r.GetString(8), r.IsDBNull(9) ? null : r.GetString(9),
                    readTime(r, 10), r.IsDBNull(11) ? null : readTime(r, 11), r.IsDBNull(12) ? null : r.GetString(12));
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>Reads a DateTimeOffset column as the model stores it: through its value converter where it has one
    /// (SQLite: UTC ticks as a long), natively otherwise.</summary>
    static Func<System.Data.Common.DbDataReader, int, DateTimeOffset> TimeReader(KaMengDbContext db)
    {
        var converter = db.Model.FindEntityType(typeof(Order))!.FindProperty(nameof(Order.CreatedAt))!.GetTypeMapping().Converter;
        if (converter is null) return (r, i) => r.GetFieldValue<DateTimeOffset>(i);
        var fromProvider = (Func<long, DateTimeOffset>)converter.ConvertFromProviderExpression.Compile();
        return (r, i) => fromProvider(r.GetInt64(i));
    }
}
