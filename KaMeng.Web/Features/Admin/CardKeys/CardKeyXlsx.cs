using System.Globalization;
using ClosedXML.Excel;
using KaMeng.Domain;

namespace KaMeng.Web.Features.Admin.CardKeys;

/// <summary>
/// Card keys from an .xlsx: the first sheet, one column chosen by its header (the first row). Its cells become the same
/// records the .csv import makes, so preview, dedupe and the import itself are the existing ones.
/// </summary>
public static class CardKeyXlsx
{
    public static bool IsXlsx(string? fileName) => fileName is not null && fileName.EndsWith(".xlsx", StringComparison.OrdinalIgnoreCase);

    public sealed record Sheet(IReadOnlyList<string> Headers, IReadOnlyList<(int Row, IReadOnlyDictionary<int, string> Cells)> Rows)
    {
        /// <summary>The column a header names like a key (卡密, 卡号, key …), else the first.</summary>
        public int GuessColumn()
        {
            for (var i = 0; i < Headers.Count; i++)
                if (CardKeyFiles.IsKeyHeader(Headers[i])) return i;
            return 0;
        }
    }

    /// <summary>Reads the first worksheet (with ClosedXML). A file that is not an .xlsx workbook is a DomainException with a
    /// Chinese message.</summary>
    public static Sheet Read(byte[] bytes)
    {
        XLWorkbook book;
        try
        {
            book = new XLWorkbook(new MemoryStream(bytes, writable: false));
        }
        catch (Exception ex) when (ex is not DomainException)
        {
            throw new DomainException("cardkey.xlsx", "无法读取 Excel 文件：它不是有效的 .xlsx 工作簿（.xls 或 .csv 请先在 Excel 中另存为 .xlsx，或改传 .csv / .txt）");
        }
        using (book)
        {
            var first = book.Worksheets.FirstOrDefault() ?? throw new DomainException("cardkey.xlsx", "Excel 文件中没有工作表");
            var headers = new List<string>();
            var rows = new List<(int, IReadOnlyDictionary<int, string>)>();
            var headerRead = false;
            foreach (var row in first.RowsUsed())
            {
                var cells = new Dictionary<int, string>();
                foreach (var cell in row.CellsUsed())
                    cells[cell.Address.ColumnNumber - 1] = Value(cell);
                if (!headerRead)
                {
                    headerRead = true;
                    var width = cells.Count == 0 ? 0 : cells.Keys.Max() + 1;
                    for (var i = 0; i < width; i++) headers.Add(cells.GetValueOrDefault(i, "").Trim());
                    continue;
                }
                rows.Add((row.RowNumber(), cells));
            }
            return new Sheet(headers, rows);
        }
    }

    /// <summary>The chosen column's cells as import records (line number = the sheet's row number); in 卡号 密码 mode the
    /// chosen column is 卡号 and the next one 密码.</summary>
    public static CardKeyImportPreview Parse(Sheet sheet, int column, CardKeyImportMode mode) =>
        CardKeyImport.FromRecords(sheet.Rows.Select(r => new CardKeyRecord(r.Row, mode == CardKeyImportMode.Single
            ? [r.Cells.GetValueOrDefault(column, "")]
            : [r.Cells.GetValueOrDefault(column, ""), r.Cells.GetValueOrDefault(column + 1, "")])), mode);

    /// <summary>A cell's text as the sheet holds it: a number in invariant digits (a numeric key 100001, not "100001.0"
    /// or a culture's separators), a formula's last computed value, text as is.</summary>
    static string Value(IXLCell cell)
    {
        var value = cell.HasFormula ? cell.CachedValue : cell.Value;
        return value switch
        {
            double d => d.ToString("R", CultureInfo.InvariantCulture),
            DateTime or TimeSpan => cell.GetFormattedString(),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            null => "",
            _ => value.ToString() ?? "",
        };
    }
}
