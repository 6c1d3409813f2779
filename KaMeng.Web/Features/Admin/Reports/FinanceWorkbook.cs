using ClosedXML.Excel;
using KaMeng.Data;
using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Admin.Reports;

/// <summary>
/// The scheduled finance workbook (a station's statement, or the platform's): one sheet per report (订单, 资金流水, 提现,
/// 分站收益) over one period, and a 汇总 sheet with each report's count and amount. The context's station scope decides
/// whose figures they are. Built with ClosedXML, which holds the workbook in memory (see docs/decisions/0032): a sheet
/// lists at most <see cref="MaxRowsPerSheet"/> rows and says so below them when there were more; 汇总 always counts all.
/// </summary>
public static class FinanceWorkbook
{
    public const string SummarySheetName = "汇总";

    /// <summary>ClosedXML needs ~8 MB per 1,000 rows: a busy month of a large station is left to the streaming exports.</summary>
    public const int MaxRowsPerSheet = 20_000;

    public static readonly ExcelColumn[] WithdrawalColumns = [new("申请时间", 20), new("用户", 16), new("金额", 14), new("手续费", 12), new("状态", 10)];
    public static readonly ExcelColumn[] EarningColumns = [new("时间", 20), new("分站", 16), new("收益", 14), new("订单", 24)];
    public static readonly ExcelColumn[] SummaryColumns = [new("报表", 16), new("笔数", 12), new("金额", 18)];

    public static Task<IReadOnlyList<(string Report, long Count, long Fen)>> WriteAsync(KaMengDbContext db, ReportFilter period, Stream output, CancellationToken ct = default) =>
        WriteAsync(db, period, output, MaxRowsPerSheet, ct);

    /// <summary>The workbook with at most <paramref name="maxRows"/> rows listed per sheet.</summary>
    public static async Task<IReadOnlyList<(string Report, long Count, long Fen)>> WriteAsync(KaMengDbContext db, ReportFilter period, Stream output, int maxRows, CancellationToken ct = default)
    {
        var totals = new List<(string, long, long)>();
        using var book = new XLWorkbook();

        var sheet = new StatementSheet(book, OrderExport.SheetName, OrderExport.Columns, maxRows);
        long fen = 0;
        await foreach (var o in OrderExport.Query(db, period).AsAsyncEnumerable().WithCancellation(ct))
        {
            fen = checked(fen + o.Total.Fen);
            if (!sheet.BeginRow()) continue;
            sheet.Text(o.Number).Text(o.StationName).Text(o.ProductName).Integer(o.Quantity).Money(o.UnitPrice.Fen).Money(o.Total.Fen)
                .Text(DisplayNames.Of(o.Status)).Text(OrderExport.PaymentName(o.PaymentMethod)).Text(o.BuyerName).Text(o.Contact)
                .DateTime(o.CreatedAt).DateTime(o.PaidAt);
            if (o.CostFen is { } cost) sheet.Money(cost).Money(o.Total.Fen - cost);
        }
        totals.Add(("订单", sheet.Finish(), fen));

        sheet = new StatementSheet(book, LedgerExport.SheetName, LedgerExport.Columns, maxRows);
        fen = 0;
        await foreach (var e in LedgerExport.Query(db, period).AsAsyncEnumerable().WithCancellation(ct))
        {
            fen = checked(fen + e.Amount.Fen);
            if (!sheet.BeginRow()) continue;
            sheet.DateTime(e.CreatedAt).Text(e.UserName).Text(LedgerEntry.TypeName(e.Type)).Money(e.Amount.Fen).Money(e.BalanceAfter.Fen)
                .Text(e.OrderNumber).Text(e.Reason).Text(e.OperatorName);
        }
        totals.Add(("资金流水", sheet.Finish(), fen));

        sheet = new StatementSheet(book, "提现", WithdrawalColumns, maxRows);
        fen = 0;
        await foreach (var w in MoreExports.WithdrawalQuery(db, period).AsAsyncEnumerable().WithCancellation(ct))
        {
            fen = checked(fen + w.Amount.Fen);
            if (sheet.BeginRow()) sheet.DateTime(w.CreatedAt).Text(w.UserName).Money(w.Amount.Fen).Money(w.Fee.Fen).Text(MoreExports.WithdrawalName(w.Status));
        }
        totals.Add(("提现", sheet.Finish(), fen));

        sheet = new StatementSheet(book, "分站收益", EarningColumns, maxRows);
        fen = 0;
        await foreach (var e in MoreExports.EarningQuery(db, period).AsAsyncEnumerable().WithCancellation(ct))
        {
            fen = checked(fen + e.Amount.Fen);
            if (sheet.BeginRow()) sheet.DateTime(e.CreatedAt).Text(e.StationName).Money(e.Amount.Fen).Text(e.OrderNumber);
        }
        totals.Add(("分站收益", sheet.Finish(), fen));

        var summary = new StatementSheet(book, SummarySheetName, SummaryColumns, int.MaxValue);
        foreach (var (report, c, amount) in totals)
        {
            summary.BeginRow();
            summary.Text(report).Integer(c).Money(amount);
        }
        summary.Finish(filter: false);
        summary.Note(period.Describe(null));

        book.SaveAs(output);
        return totals;
    }

    /// <summary>One styled sheet: a bold, shaded, frozen header row, the columns' widths (set, never measured: ClosedXML's
    /// AdjustToContents needs GDI+), money and date formats per cell, and an auto-filter over exactly the rows written.</summary>
    sealed class StatementSheet
    {
        readonly IXLWorksheet sheet;
        readonly int columns, maxRows;
        int row = 1, column;
        long rows;

        public StatementSheet(XLWorkbook book, string name, IReadOnlyList<ExcelColumn> columns, int maxRows)
        {
            sheet = book.AddWorksheet(name);
            this.columns = columns.Count;
            this.maxRows = maxRows;
            sheet.Style.Font.FontName = ExcelWriter.FontName;
            sheet.Style.Font.FontSize = 11;
            for (var i = 0; i < columns.Count; i++)
            {
                sheet.Cell(1, i + 1).SetValue(columns[i].Header);
                sheet.Column(i + 1).Width = columns[i].Width;
            }
            var header = sheet.Range(1, 1, 1, columns.Count).Style;
            header.Font.Bold = true;
            header.Fill.BackgroundColor = XLColor.FromHtml("#F2F2F2");
            header.Border.BottomBorder = XLBorderStyleValues.Thin;
            sheet.SheetView.FreezeRows(1);
        }

        /// <summary>Counts a row and starts it on the sheet; false (nothing to write) once the sheet is full.</summary>
        public bool BeginRow()
        {
            rows++;
            if (rows > maxRows) return false;
            row++;
            column = 0;
            return true;
        }

        IXLCell Next() => sheet.Cell(row, ++column);

        public StatementSheet Text(string? text)
        {
            var cell = Next();
            // SetValue<string> keeps text as text: the untyped Value setter would read "=…" as a formula and "0012" as a number.
            if (!string.IsNullOrEmpty(text)) cell.SetValue(ExcelWriter.SafeText(text));
            return this;
        }

        public StatementSheet Integer(long value)
        {
            Next().SetValue(value).Style.NumberFormat.Format = ExcelWriter.IntegerFormatCode;
            return this;
        }

        public StatementSheet Money(long fen)
        {
            Next().SetValue(fen / 100d).Style.NumberFormat.Format = ExcelWriter.MoneyFormatCode;
            return this;
        }

        /// <summary>The business wall-clock time of the instant (<see cref="BusinessTime"/>), never the server's.</summary>
        public StatementSheet DateTime(DateTimeOffset? value)
        {
            var cell = Next();
            if (BusinessTime.ToBusinessDateTime(value) is { } local)
                cell.SetValue(local).Style.NumberFormat.Format = ExcelWriter.DateTimeFormatCode;
            return this;
        }

        /// <summary>Sets the filter over the rows written, notes the rows left out; returns how many rows were counted.</summary>
        public long Finish(bool filter = true)
        {
            if (filter) sheet.Range(1, 1, row, columns).SetAutoFilter();
            if (rows > maxRows) Note($"仅列出前 {maxRows} 行（共 {rows} 行）；完整明细请在财务报表页导出。");
            return rows;
        }

        /// <summary>A line of text below the table, one row apart, outside the filter.</summary>
        public void Note(string text) => sheet.Cell(row + 2, 1).SetValue(text).Style.Font.Italic = true;
    }
}
