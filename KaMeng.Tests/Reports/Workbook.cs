using ClosedXML.Excel;

namespace KaMeng.Tests.Reports;

/// <summary>An exported .xlsx re-opened with ClosedXML (as Excel reads it: cells by position, types, styles, sheet
/// views), with what the tests check read off it. Only for small workbooks: ClosedXML loads the whole file.</summary>
public sealed class Workbook : IDisposable
{
    readonly XLWorkbook book;

    public Workbook(byte[] bytes) => book = new XLWorkbook(new MemoryStream(bytes, writable: false));

    public IReadOnlyList<string> SheetNames => [.. book.Worksheets.Select(s => s.Name)];

    public IXLWorksheet Sheet(string name) => book.Worksheet(name);

    /// <summary>The rows of a sheet from the first to the last with a value, header included; each row's cells from column
    /// A to the sheet's last used column, by position (an empty cell is an empty string, not a shift).</summary>
    public List<IXLCell[]> Rows(string sheet)
    {
        var ws = Sheet(sheet);
        var lastRow = ws.LastRowUsed()?.RowNumber() ?? 0;
        var lastColumn = ws.LastColumnUsed()?.ColumnNumber() ?? 0;
        return [.. Enumerable.Range(1, lastRow).Select(r => Enumerable.Range(1, lastColumn).Select(c => ws.Cell(r, c)).ToArray())];
    }

    /// <summary>The cell of a column letter in a row of <see cref="Rows"/>.</summary>
    public static IXLCell At(IXLCell[] row, string column) => row[XLHelper.GetColumnNumberFromLetter(column) - 1];

    public static string Text(IXLCell cell) => cell.GetString();

    public static bool IsText(IXLCell cell) => cell.DataType == XLDataType.Text && !cell.HasFormula && !cell.IsEmpty();

    /// <summary>Stored as a number (what Excel sums and sorts): ClosedXML calls one with a date format a DateTime.</summary>
    public static bool IsNumber(IXLCell cell) => cell.DataType is XLDataType.Number or XLDataType.DateTime && !cell.HasFormula && !cell.IsEmpty();

    /// <summary>The number stored in the cell (a date as its serial number).</summary>
    public static decimal Number(IXLCell cell) =>
        cell.DataType == XLDataType.DateTime ? (decimal)cell.GetDateTime().ToOADate() : (decimal)cell.GetDouble();

    /// <summary>The number format code a cell is shown with ("General" for the built-in 0, "builtin:N" for another).</summary>
    public static string FormatCode(IXLCell cell)
    {
        var format = cell.Style.NumberFormat;
        if (!string.IsNullOrEmpty(format.Format)) return format.Format;
        return format.NumberFormatId <= 0 ? "General" : "builtin:" + format.NumberFormatId;
    }

    public static bool IsBold(IXLCell cell) => cell.Style.Font.Bold;

    /// <summary>Rows frozen at the top of the sheet (0 when none).</summary>
    public int FrozenRows(string sheet) => Sheet(sheet).SheetView.SplitRow;

    /// <summary>The auto-filter's range, "A1:N7" (null when the sheet has none).</summary>
    public string? FilterRange(string sheet) =>
        Sheet(sheet).AutoFilter is { IsEnabled: true } filter ? filter.Range.RangeAddress.ToStringRelative() : null;

    public double ColumnWidth(string sheet, int column) => Sheet(sheet).Column(column).Width;

    public void Dispose() => book.Dispose();
}
