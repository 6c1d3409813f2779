using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;
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

    /// <summary>Reads the first worksheet. A file that is not a workbook is a DomainException with a Chinese message.</summary>
    public static Sheet Read(byte[] bytes)
    {
        try
        {
            using var doc = SpreadsheetDocument.Open(new MemoryStream(bytes), false);
            var wb = doc.WorkbookPart ?? throw new DomainException("cardkey.xlsx", "不是有效的 Excel 文件");
            var first = wb.Workbook.Sheets?.Elements<DocumentFormat.OpenXml.Spreadsheet.Sheet>().FirstOrDefault()
                ?? throw new DomainException("cardkey.xlsx", "Excel 文件中没有工作表");
            var part = (WorksheetPart)wb.GetPartById(first.Id!);
            var shared = wb.SharedStringTablePart?.SharedStringTable.Elements<SharedStringItem>().Select(s => s.InnerText).ToList() ?? [];
            var rows = new List<(int, IReadOnlyDictionary<int, string>)>();
            var headers = new List<string>();
            var headerRead = false;
            foreach (var row in part.Worksheet.Descendants<Row>())
            {
                var cells = new Dictionary<int, string>();
                var next = 0;
                foreach (var cell in row.Elements<Cell>())
                {
                    var col = cell.CellReference?.Value is { } r ? ColumnIndex(r) : next;
                    next = col + 1;
                    cells[col] = Value(cell, shared);
                }
                var index = (int)(row.RowIndex?.Value ?? (uint)(rows.Count + 2));
                if (!headerRead)
                {
                    headerRead = true;
                    var width = cells.Count == 0 ? 0 : cells.Keys.Max() + 1;
                    for (var i = 0; i < width; i++) headers.Add(cells.GetValueOrDefault(i, "")?.Trim() ?? "");
                    continue;
                }
                rows.Add((index, cells));
            }
            return new Sheet(headers, rows);
        }
        catch (Exception ex) when (ex is not DomainException)
        {
            throw new DomainException("cardkey.xlsx", "无法读取 Excel 文件：" + ex.Message);
        }
    }

    /// <summary>The chosen column's cells as import records (line number = the sheet's row number); in 卡号 密码 mode the
    /// chosen column is 卡号 and the next one 密码.</summary>
    public static CardKeyImportPreview Parse(Sheet sheet, int column, CardKeyImportMode mode) =>
        CardKeyImport.FromRecords(sheet.Rows.Select(r => new CardKeyRecord(r.Row, mode == CardKeyImportMode.Single
            ? [r.Cells.GetValueOrDefault(column, "")]
            : [r.Cells.GetValueOrDefault(column, ""), r.Cells.GetValueOrDefault(column + 1, "")])), mode);

    static string Value(Cell cell, List<string> shared)
    {
        if (cell.DataType?.Value == CellValues.SharedString && int.TryParse(cell.CellValue?.Text, out var i) && i < shared.Count) return shared[i];
        if (cell.DataType?.Value == CellValues.InlineString) return cell.InlineString?.InnerText ?? "";
        return cell.CellValue?.Text ?? cell.InnerText;
    }

    static int ColumnIndex(string reference)
    {
        var n = 0;
        foreach (var c in reference)
        {
            if (!char.IsAsciiLetter(c)) break;
            n = n * 26 + (char.ToUpperInvariant(c) - 'A' + 1);
        }
        return n - 1;
    }
}
