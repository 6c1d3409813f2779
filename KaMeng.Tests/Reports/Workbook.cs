using System.Globalization;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;

namespace KaMeng.Tests.Reports;

/// <summary>An exported .xlsx re-opened with the Open XML SDK, with what the tests check read off it.</summary>
public sealed class Workbook : IDisposable
{
    readonly SpreadsheetDocument document;
    readonly MemoryStream stream;

    public Workbook(byte[] bytes)
    {
        stream = new MemoryStream(bytes);
        document = SpreadsheetDocument.Open(stream, false);
    }

    public IReadOnlyList<string> SheetNames => [.. document.WorkbookPart!.Workbook.Sheets!.Elements<Sheet>().Select(s => s.Name!.Value!)];

    public Worksheet Sheet(string name)
    {
        var sheet = document.WorkbookPart!.Workbook.Sheets!.Elements<Sheet>().Single(s => s.Name == name);
        return ((WorksheetPart)document.WorkbookPart.GetPartById(sheet.Id!)).Worksheet;
    }

    public List<Row> Rows(string sheet) => [.. Sheet(sheet).GetFirstChild<SheetData>()!.Elements<Row>()];

    public static string Text(Cell cell) =>
        cell.DataType?.Value == CellValues.InlineString ? cell.InlineString!.Text!.Text : cell.CellValue?.Text ?? "";

    public static bool IsText(Cell cell) => cell.DataType?.Value == CellValues.InlineString;

    public static bool IsNumber(Cell cell) => cell.DataType is null && cell.CellValue is not null;

    public static decimal Number(Cell cell) => decimal.Parse(cell.CellValue!.Text, NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary>The number format code a cell is shown with ("General" for the built-in 0).</summary>
    public string FormatCode(Cell cell)
    {
        var stylesheet = document.WorkbookPart!.WorkbookStylesPart!.Stylesheet;
        var xf = stylesheet.CellFormats!.Elements<CellFormat>().ElementAt((int)(cell.StyleIndex?.Value ?? 0));
        var id = xf.NumberFormatId?.Value ?? 0;
        return stylesheet.NumberingFormats?.Elements<NumberingFormat>().FirstOrDefault(f => f.NumberFormatId?.Value == id)?.FormatCode?.Value
               ?? (id == 0 ? "General" : "builtin:" + id);
    }

    public bool IsBold(Cell cell)
    {
        var stylesheet = document.WorkbookPart!.WorkbookStylesPart!.Stylesheet;
        var xf = stylesheet.CellFormats!.Elements<CellFormat>().ElementAt((int)(cell.StyleIndex?.Value ?? 0));
        return stylesheet.Fonts!.Elements<Font>().ElementAt((int)(xf.FontId?.Value ?? 0)).Bold is not null;
    }

    /// <summary>Counts the data rows (all rows but the header) of a sheet with the SAX reader, as a large file would be read.</summary>
    public static long CountRowsStreaming(Stream xlsx, string sheetName)
    {
        using var doc = SpreadsheetDocument.Open(xlsx, false);
        var sheet = doc.WorkbookPart!.Workbook.Sheets!.Elements<Sheet>().Single(s => s.Name == sheetName);
        using var reader = OpenXmlReader.Create(doc.WorkbookPart.GetPartById(sheet.Id!));
        long rows = 0;
        while (reader.Read())
            if (reader.ElementType == typeof(Row) && reader.IsStartElement) rows++;
        return rows - 1;
    }

    public void Dispose()
    {
        document.Dispose();
        stream.Dispose();
    }
}
