using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Admin.Reports;
using KaMeng.Web.Features.Orders;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Tests.Reports;

public class ExportServiceTests
{
    const string Evil = "=HYPERLINK(\"http://x\",\"y\")";

    sealed record World(CommerceHarness H, Product Product, string Buyer, int DemoStationId, List<string> Numbers);

    /// <summary>Three balance orders of a product with a formula-like name (one with contact "+1-2"), and one order of the demo substation.</summary>
    static async Task<World> WorldAsync(DatabaseProvider provider)
    {
        var h = await CommerceHarness.CreateAsync(provider);
        var product = await h.AddCardKeyProductAsync(10, priceFen: 1234, p => p.Name = Evil);
        var buyer = (await h.AddBuyersAsync(1, 100000))[0];
        var numbers = new List<string>();
        foreach (var (qty, contact) in new[] { (1, "+1-2"), (2, "ok@example.cn"), (3, (string?)null) })
        {
            var r = await h.Checkout.PlaceBalanceOrderAsync(CommerceHarness.Main, new CheckoutRequest(product.Id, qty, buyer, Guid.NewGuid().ToString("N"), Contact: contact));
            Assert.Null(r.Error);
            numbers.Add(r.OrderNumber!);
        }
        await using var db = h.Db.NewContext();
        var demo = await db.Stations.SingleAsync(s => s.Code == "demo");
        var tracked = await db.Products.SingleAsync(p => p.Id == product.Id);
        var stationOrder = Order.Place("DEMO" + Guid.NewGuid().ToString("N")[..12], demo.Id, tracked, 2, Money.FromFen(999), DateTimeOffset.UtcNow, TimeSpan.FromMinutes(15));
        stationOrder.Contact = "station@example.cn";
        db.Orders.Add(stationOrder);
        await db.SaveChangesAsync();
        return new World(h, product, buyer, demo.Id, numbers);
    }

    static async Task<byte[]> ExportOrdersAsync(CommerceHarness h, ReportFilter filter, int? station = null)
    {
        using var ms = new MemoryStream();
        await using (var db = h.Db.NewContext().ScopedTo(station)) await OrderExport.WriteAsync(db, filter, ms);
        return ms.ToArray();
    }

    static async Task<byte[]> ExportLedgerAsync(CommerceHarness h, ReportFilter filter, int? station = null)
    {
        using var ms = new MemoryStream();
        await using (var db = h.Db.NewContext().ScopedTo(station)) await LedgerExport.WriteAsync(db, filter, ms);
        return ms.ToArray();
    }

    /// <summary>The 合计 row of a 汇总 sheet: (count, amount).</summary>
    static (decimal Count, decimal Amount) Total(Workbook book)
    {
        var row = book.Rows("汇总").Single(c => Workbook.Text(c[0]) == "合计");
        Assert.Equal(ExcelWriter.MoneyFormatCode, Workbook.FormatCode(row[2]));
        return (Workbook.Number(row[1]), Workbook.Number(row[2]));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [SqlServerData]
    public async Task Order_export_has_chinese_headers_typed_cells_safe_text_and_totals_equal_the_database(DatabaseProvider provider)
    {
        var w = await WorldAsync(provider);
        await using var _ = w.H;
        using var book = new Workbook(await ExportOrdersAsync(w.H, new ReportFilter()));
        Assert.Equal(["订单", "汇总"], book.SheetNames);
        var rows = book.Rows("订单");
        Assert.Equal(["订单号", "分站", "商品", "数量", "单价", "金额", "状态", "支付方式", "买家", "联系方式", "下单时间", "支付时间", "成本", "利润"], rows[0].Select(Workbook.Text));

        List<Order> orders;
        await using (var db = w.H.Db.NewContext()) orders = await db.Orders.AsNoTracking().ToListAsync();
        Assert.Equal(orders.Count, rows.Count - 1);

        var first = rows.Single(c => Workbook.Text(c[0]) == w.Numbers[0]);
        var order = orders.Single(o => o.Number == w.Numbers[0]);
        Assert.Equal("卡盟总站", Workbook.Text(first[1]));
        Assert.True(Workbook.IsText(first[2]));
        Assert.Equal("'" + Evil, Workbook.Text(first[2]));
        Assert.Equal(1m, Workbook.Number(first[3]));
        Assert.True(Workbook.IsNumber(first[4]));
        Assert.Equal(ExcelWriter.MoneyFormatCode, Workbook.FormatCode(first[4]));
        Assert.Equal(order.UnitPrice.Fen / 100m, Workbook.Number(first[4]));
        Assert.True(Workbook.IsNumber(first[5]));
        Assert.Equal(ExcelWriter.MoneyFormatCode, Workbook.FormatCode(first[5]));
        Assert.Equal(order.Total.Fen / 100m, Workbook.Number(first[5]));
        Assert.Equal(DisplayNames.Of(order.Status), Workbook.Text(first[6]));
        Assert.Equal("余额", Workbook.Text(first[7]));
        Assert.Equal("'+1-2", Workbook.Text(first[9]));
        Assert.True(Workbook.IsNumber(first[10]));
        Assert.Equal(ExcelWriter.DateTimeFormatCode, Workbook.FormatCode(first[10]));
        Assert.Equal(BusinessTime.ToBusiness(order.CreatedAt).DateTime, DateTime.FromOADate((double)Workbook.Number(first[10])), TimeSpan.FromMilliseconds(1));

        Assert.Equal(1, book.FrozenRows("订单"));
        Assert.Equal("A:N", book.FilterRange("订单")); // the header and every row below it: A1:N1048576, whole columns
        Assert.Equal("A1:C5", book.FilterRange("汇总")); // two statuses, 合计, the filter line
        Assert.Equal(24, book.ColumnWidth("订单", 1), 1.0);

        var (count, amount) = Total(book);
        Assert.Equal(orders.Count, count);
        Assert.Equal(orders.Sum(o => o.Total.Fen) / 100m, amount);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [SqlServerData]
    public async Task Order_export_follows_the_filter_and_the_station_scope(DatabaseProvider provider)
    {
        var w = await WorldAsync(provider);
        await using var _ = w.H;
        var today = BusinessTime.DateOf(DateTimeOffset.UtcNow);

        // A station owner's export: only their station's order.
        using (var book = new Workbook(await ExportOrdersAsync(w.H, new ReportFilter(), w.DemoStationId)))
        {
            var rows = book.Rows("订单").Skip(1).ToList();
            Assert.Single(rows);
            Assert.StartsWith("DEMO", Workbook.Text(rows[0][0]));
            Assert.Equal("演示分站", Workbook.Text(rows[0][1]));
            Assert.Equal((1m, 19.98m), Total(book));
        }

        // Search, status and the date range.
        using (var book = new Workbook(await ExportOrdersAsync(w.H, new ReportFilter(today, today, nameof(OrderStatus.Delivered), "HYPERLINK"))))
        {
            var numbers = book.Rows("订单").Skip(1).Select(r => Workbook.Text(r[0])).ToHashSet();
            Assert.True(numbers.SetEquals(w.Numbers));
            Assert.Equal((3m, 6 * 12.34m), Total(book));
        }
        using (var book = new Workbook(await ExportOrdersAsync(w.H, new ReportFilter(Status: nameof(OrderStatus.PendingPayment)))))
            Assert.Equal((1m, 19.98m), Total(book));
        using (var book = new Workbook(await ExportOrdersAsync(w.H, new ReportFilter(today.AddDays(1), null))))
            Assert.Single(book.Rows("订单"));
        using (var book = new Workbook(await ExportOrdersAsync(w.H, new ReportFilter(null, today.AddDays(-1)))))
            Assert.Equal((0m, 0m), Total(book));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [SqlServerData]
    public async Task Ledger_export_totals_equal_the_database_and_follow_type_and_scope(DatabaseProvider provider)
    {
        var w = await WorldAsync(provider);
        await using var _ = w.H;
        List<LedgerEntry> entries;
        await using (var db = w.H.Db.NewContext()) entries = await db.LedgerEntries.AsNoTracking().ToListAsync();

        using (var book = new Workbook(await ExportLedgerAsync(w.H, new ReportFilter())))
        {
            Assert.Equal(["资金流水", "汇总"], book.SheetNames);
            var rows = book.Rows("资金流水");
            Assert.Equal(["时间", "用户", "类型", "金额", "余额", "订单", "说明", "操作人"], rows[0].Select(Workbook.Text));
            Assert.Equal(entries.Count, rows.Count - 1);
            var purchase = rows.Skip(1).First(c => Workbook.Text(c[5]) == w.Numbers[1]);
            Assert.Equal(ExcelWriter.DateTimeFormatCode, Workbook.FormatCode(purchase[0]));
            Assert.Equal("消费", Workbook.Text(purchase[2]));
            Assert.True(Workbook.IsNumber(purchase[3]));
            Assert.Equal(ExcelWriter.MoneyFormatCode, Workbook.FormatCode(purchase[3]));
            Assert.Equal(-2 * 12.34m, Workbook.Number(purchase[3]));
            Assert.Equal(ExcelWriter.MoneyFormatCode, Workbook.FormatCode(purchase[4]));
            Assert.Equal((entries.Count, entries.Sum(e => e.Amount.Fen) / 100m), Total(book));
        }
        using (var book = new Workbook(await ExportLedgerAsync(w.H, new ReportFilter(Status: nameof(LedgerEntryType.Purchase)))))
        {
            var purchases = entries.Where(e => e.Type == LedgerEntryType.Purchase).ToList();
            Assert.Equal((purchases.Count, purchases.Sum(e => e.Amount.Fen) / 100m), Total(book));
        }
        using (var book = new Workbook(await ExportLedgerAsync(w.H, new ReportFilter(), w.DemoStationId)))
        {
            var own = entries.Where(e => e.StationId == w.DemoStationId).ToList();
            Assert.Equal(own.Count, book.Rows("资金流水").Count - 1);
            Assert.Equal((own.Count, own.Sum(e => e.Amount.Fen) / 100m), Total(book));
        }
    }
}
