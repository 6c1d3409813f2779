using ClosedXML.Excel;
using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Admin.Reports;
using KaMeng.Web.Features.Orders;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Tests.Reports;

/// <summary>提现, 分站收益, 卡密库存 and 买家 exports, re-opened with ClosedXML: rows, types and totals.</summary>
public class MoreExportTests : IAsyncLifetime
{
    const string Evil = "=cmd|' /C calc'!A0";
    CommerceHarness h = default!;
    Product product = default!;
    string buyer = default!;

    public async Task InitializeAsync()
    {
        h = await CommerceHarness.CreateAsync(DatabaseProvider.Sqlite);
        product = await h.AddCardKeyProductAsync(6, priceFen: 500, p => p.Name = "@SUM(1+1)");
        buyer = (await h.AddBuyersAsync(1, 100000))[0];
        for (var i = 0; i < 2; i++)
            Assert.Null((await h.Checkout.PlaceBalanceOrderAsync(CommerceHarness.Main, new CheckoutRequest(product.Id, 1, buyer, Guid.NewGuid().ToString("N")))).Error);
        await using var db = h.Db.NewContext();
        var now = DateTimeOffset.UtcNow;
        db.Withdrawals.AddRange(
            new Withdrawal { UserId = buyer, Amount = Money.FromFen(10000), Fee = Money.FromFen(100), PayoutAccount = Evil, CreatedAt = now },
            new Withdrawal { UserId = buyer, Amount = Money.FromFen(2550), Fee = Money.Zero, PayoutAccount = "支付宝 a@b.cn", CreatedAt = now, Status = WithdrawalStatus.Approved, PayoutReference = "P1", DecidedAt = now });
        await db.SaveChangesAsync();
    }

    public async Task DisposeAsync() => await h.DisposeAsync();

    async Task<Workbook> ExportAsync(MoreExports.Kind kind, ReportFilter filter)
    {
        using var ms = new MemoryStream();
        await using (var db = h.Db.NewContext())
        {
            var totals = await MoreExports.WriteAsync(db, kind, filter, ms);
            Assert.Equal(await MoreExports.CountAsync(db, kind, filter), totals.Count); // the file holds what the page counts
        }
        return new Workbook(ms.ToArray());
    }

    static IXLCell At(IXLCell[] r, string column) => Workbook.At(r, column);

    static IXLCell[] Total(Workbook book) => book.Rows("汇总").Single(c => Workbook.Text(c[0]) == "合计");

    [Fact]
    public async Task Withdrawals_export_has_money_as_numbers_formula_safe_accounts_and_totals_of_the_filter()
    {
        using var all = await ExportAsync(MoreExports.Withdrawals, new ReportFilter());
        var rows = all.Rows("提现");
        Assert.Equal(3, rows.Count);
        var first = rows[1];
        Assert.True(Workbook.IsNumber(At(first, "D")));
        Assert.Equal(ExcelWriter.MoneyFormatCode, Workbook.FormatCode(At(first, "D")));
        Assert.Equal(100m, Workbook.Number(At(first, "D")));
        Assert.Equal("'" + Evil, Workbook.Text(At(first, "F")));
        Assert.Equal("待审核", Workbook.Text(At(first, "G")));
        Assert.Equal(125.50m, Workbook.Number(Total(all)[2]));

        using var approved = await ExportAsync(MoreExports.Withdrawals, new ReportFilter(Status: nameof(WithdrawalStatus.Approved)));
        Assert.Equal(2, approved.Rows("提现").Count);
        Assert.Equal(25.50m, Workbook.Number(Total(approved)[2]));
    }

    [Fact]
    public async Task Inventory_buyers_and_earnings_exports_match_the_database()
    {
        using var inventory = await ExportAsync(MoreExports.Inventory, new ReportFilter(Search: "SUM"));
        var row = inventory.Rows("卡密库存")[1];
        Assert.Equal("'@SUM(1+1)", Workbook.Text(At(row, "B")));
        Assert.Equal(4m, Workbook.Number(At(row, "C")));
        Assert.Equal(2m, Workbook.Number(At(row, "D")));
        Assert.Equal(6m, Workbook.Number(Total(inventory)[1]));

        using var buyers = await ExportAsync(MoreExports.Buyers, new ReportFilter());
        await using var db = h.Db.NewContext();
        var name = db.Users.Single(u => u.Id == buyer).UserName;
        var buyerRow = buyers.Rows("买家").Skip(1).Single(r => Workbook.Text(At(r, "A")) == name);
        var spent = (await db.Orders.Where(o => o.BuyerUserId == buyer && o.Status == OrderStatus.Delivered).Select(o => o.Total).ToListAsync()).Sum(m => m.Fen);
        Assert.Equal(spent / 100m, Workbook.Number(At(buyerRow, "G")));
        Assert.Equal(2m, Workbook.Number(At(buyerRow, "F")));
        Assert.Equal((await db.Wallets.SingleAsync(w => w.UserId == buyer)).Balance.Fen / 100m, Workbook.Number(At(buyerRow, "E")));

        using var earnings = await ExportAsync(MoreExports.Earnings, new ReportFilter());
        var earned = (await db.LedgerEntries.Where(e => e.Type == LedgerEntryType.Earning).Select(e => e.Amount).ToListAsync()).Sum(m => m.Fen);
        Assert.Equal(earned / 100m, Workbook.Number(Total(earnings)[2]));
    }

    [Fact]
    public async Task Inventory_marks_low_stock_at_the_line_the_restock_alert_uses()
    {
        await h.AddCardKeyProductAsync(3, configure: p => { p.Name = "共享链接"; p.ReusableKey = true; p.LowStockThreshold = 10; });
        await h.AddCardKeyProductAsync(3, configure: p => { p.Name = "点卡"; p.LowStockThreshold = 10; });

        using var book = await ExportAsync(MoreExports.Inventory, new ReportFilter());
        var rows = book.Rows("卡密库存").Skip(1).ToDictionary(r => Workbook.Text(At(r, "B")));
        // A reusable key is sold again and again: it is low only when none is left, as its restock alert is.
        Assert.Equal(1m, Workbook.Number(At(rows["共享链接"], "F")));
        Assert.Equal("否", Workbook.Text(At(rows["共享链接"], "G")));
        Assert.Equal(10m, Workbook.Number(At(rows["点卡"], "F")));
        Assert.Equal("是", Workbook.Text(At(rows["点卡"], "G")));
    }
}
