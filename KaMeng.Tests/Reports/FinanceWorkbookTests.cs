using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Admin.Reports;
using KaMeng.Web.Features.Orders;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Tests.Reports;

/// <summary>The scheduled statement workbook, written with ClosedXML: its sheets, styles, formats and totals.</summary>
public class FinanceWorkbookTests : IAsyncLifetime
{
    const string Evil = "=HYPERLINK(\"http://x\",\"y\")";
    CommerceHarness h = default!;
    List<string> numbers = [];

    public async Task InitializeAsync()
    {
        h = await CommerceHarness.CreateAsync(DatabaseProvider.Sqlite);
        var product = await h.AddCardKeyProductAsync(10, priceFen: 1234, p => p.Name = Evil);
        var buyer = (await h.AddBuyersAsync(1, 100000))[0];
        foreach (var qty in new[] { 1, 2, 3 })
        {
            var r = await h.Checkout.PlaceBalanceOrderAsync(CommerceHarness.Main, new CheckoutRequest(product.Id, qty, buyer, Guid.NewGuid().ToString("N"), Contact: "+1-2"));
            Assert.Null(r.Error);
            numbers.Add(r.OrderNumber!);
        }
    }

    public async Task DisposeAsync() => await h.DisposeAsync();

    async Task<(Workbook Book, IReadOnlyList<(string Report, long Count, long Fen)> Totals)> WriteAsync(int maxRows = FinanceWorkbook.MaxRowsPerSheet)
    {
        var today = BusinessTime.DateOf(DateTimeOffset.UtcNow);
        using var ms = new MemoryStream();
        IReadOnlyList<(string, long, long)> totals;
        await using (var db = h.Db.NewContext()) totals = await FinanceWorkbook.WriteAsync(db, new ReportFilter(today, today), ms, maxRows);
        return (new Workbook(ms.ToArray()), totals);
    }

    [Fact]
    public async Task The_statement_has_a_sheet_per_report_and_a_summary_with_styled_frozen_filtered_headers_and_set_widths()
    {
        var (book, totals) = await WriteAsync();
        using var _ = book;
        Assert.Equal(["订单", "资金流水", "提现", "分站收益", "汇总"], book.SheetNames);
        foreach (var sheet in book.SheetNames)
        {
            Assert.Equal(1, book.FrozenRows(sheet));
            Assert.All(book.Rows(sheet)[0].Where(c => !c.IsEmpty()), c => Assert.True(Workbook.IsBold(c)));
        }
        // Widths are set from the column list (never measured with AdjustToContents).
        Assert.Equal(OrderExport.Columns.Select(c => c.Width), Enumerable.Range(1, OrderExport.Columns.Length).Select(i => book.ColumnWidth("订单", i)));
        Assert.Equal(LedgerExport.Columns.Select(c => c.Width), Enumerable.Range(1, LedgerExport.Columns.Length).Select(i => book.ColumnWidth("资金流水", i)));
        // The filter covers exactly the header and the rows written.
        var orders = book.Rows("订单");
        Assert.Equal(4, orders.Count);
        Assert.Equal("A1:N4", book.FilterRange("订单"));
        Assert.Equal(OrderExport.Columns.Select(c => c.Header), orders[0].Select(Workbook.Text));

        List<Order> placed;
        await using (var db = h.Db.NewContext()) placed = await db.Orders.AsNoTracking().Where(o => numbers.Contains(o.Number)).ToListAsync();
        var order = placed.Single(o => o.Number == numbers[1]);
        var row = orders.Single(r => Workbook.Text(r[0]) == numbers[1]);
        Assert.True(Workbook.IsNumber(row[5]));
        Assert.Equal(ExcelWriter.MoneyFormatCode, Workbook.FormatCode(row[5]));
        Assert.Equal(order.Total.Fen / 100m, Workbook.Number(row[5]));
        Assert.Equal(ExcelWriter.DateTimeFormatCode, Workbook.FormatCode(row[10]));
        Assert.Equal(BusinessTime.ToBusiness(order.CreatedAt).DateTime, DateTime.FromOADate((double)Workbook.Number(row[10])), TimeSpan.FromMilliseconds(1));
        // Formula-like text stays text, apostrophed, never a formula.
        Assert.True(Workbook.IsText(row[2]));
        Assert.False(row[2].HasFormula);
        Assert.Equal("'" + Evil, Workbook.Text(row[2]));
        Assert.Equal("'+1-2", Workbook.Text(row[9]));

        var summary = book.Rows("汇总").Single(r => Workbook.Text(r[0]) == "订单");
        Assert.Equal(3m, Workbook.Number(summary[1]));
        Assert.Equal(placed.Sum(o => o.Total.Fen) / 100m, Workbook.Number(summary[2]));
        Assert.Equal(ExcelWriter.MoneyFormatCode, Workbook.FormatCode(summary[2]));
        Assert.Equal(("订单", 3L, placed.Sum(o => o.Total.Fen)), totals[0]);
    }

    [Fact]
    public async Task A_sheet_past_its_row_limit_lists_the_first_rows_says_so_and_the_summary_still_counts_all()
    {
        var (book, totals) = await WriteAsync(maxRows: 2);
        using var _ = book;
        var orders = book.Rows("订单");
        Assert.Equal(numbers.Take(2), orders.Skip(1).Take(2).Select(r => Workbook.Text(r[0])));
        Assert.Equal("A1:N3", book.FilterRange("订单"));
        Assert.Contains(orders, r => Workbook.Text(r[0]).StartsWith("仅列出前 2 行（共 3 行）"));
        Assert.Equal(3m, Workbook.Number(book.Rows("汇总").Single(r => Workbook.Text(r[0]) == "订单")[1]));
        Assert.Equal(3L, totals[0].Count);
    }
}
