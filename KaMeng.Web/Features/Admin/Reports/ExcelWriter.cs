using System.Globalization;
using System.Text;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;
using System.IO.Compression;

namespace KaMeng.Web.Features.Admin.Reports;

/// <summary>A column of an exported sheet: its header and width (in characters).</summary>
public sealed record ExcelColumn(string Header, double Width);

/// <summary>
/// A small streaming .xlsx writer on the Open XML SDK's SAX <see cref="OpenXmlWriter"/>: rows go to the package as
/// they are written, so memory does not grow with the row count. Money is written as a number (yuan, computed exactly
/// from integer fen through decimal) with a ¥ format; dates as OADate numbers with a date-time format. Text that Excel
/// could evaluate as a formula is prefixed with an apostrophe.
/// </summary>
public sealed class ExcelWriter : IDisposable
{
    /// <summary>Style indexes of the styles part (cellXfs).</summary>
    public const uint StyleDefault = 0, StyleHeader = 1, StyleMoney = 2, StyleDateTime = 3, StyleInteger = 4;
    public const uint MoneyFormatId = 164, DateTimeFormatId = 165;
    public const string MoneyFormatCode = "\"¥\"#,##0.00;\\-\"¥\"#,##0.00";
    public const string DateTimeFormatCode = "yyyy-mm-dd hh:mm:ss";

    const string RelNs = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

    readonly ZipArchive zip;
    readonly List<(string Name, string RelationshipId, string Path, SheetWriter Writer)> sheets = [];
    SheetWriter? open;

    ExcelWriter(Stream stream)
    {
        // The package is written by hand as a zip in Create mode, which streams: System.IO.Packaging (under
        // SpreadsheetDocument) opens read-write and buffers every part in memory until it closes, i.e. the whole sheet.
        zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
        WriteDom("xl/styles.xml", BuildStylesheet());
    }

    /// <summary>Writes a workbook to <paramref name="stream"/>, front to back (the stream need not be seekable).</summary>
    public static ExcelWriter Create(Stream stream) => new(stream);

    /// <summary>Starts a sheet with a bold, frozen header row. Dispose the sheet (or start the next one) to finish it.</summary>
    public SheetWriter BeginSheet(string name, IReadOnlyList<ExcelColumn> columns)
    {
        open?.Dispose();
        var n = sheets.Count + 1;
        var path = $"worksheets/sheet{n}.xml";
        open = new SheetWriter(zip.CreateEntry("xl/" + path, CompressionLevel.Fastest).Open(), columns);
        sheets.Add((name, $"rId{n}", path, open));
        return open;
    }

    public void Dispose()
    {
        open?.Dispose();
        var workbook = new Workbook(new Sheets(sheets.Select((s, i) => new Sheet { Name = s.Name, SheetId = (uint)(i + 1), Id = s.RelationshipId })));
        workbook.AddNamespaceDeclaration("r", RelNs);
        // Excel keeps an auto-filter's range as a hidden defined name per sheet.
        var names = sheets.Select((s, i) => (s, i)).Where(x => x.s.Writer.FilterRange is not null)
            .Select(x => new DefinedName("'" + x.s.Name.Replace("'", "''") + "'!" + x.s.Writer.AbsoluteFilterRange) { Name = "_xlnm._FilterDatabase", LocalSheetId = (uint)x.i, Hidden = true })
            .ToList();
        if (names.Count > 0) workbook.AppendChild(new DefinedNames(names));
        WriteDom("xl/workbook.xml", workbook);

        var rels = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">");
        foreach (var s in sheets) rels.Append($"<Relationship Id=\"{s.RelationshipId}\" Type=\"{RelNs}/worksheet\" Target=\"{s.Path}\"/>");
        rels.Append($"<Relationship Id=\"rIdStyles\" Type=\"{RelNs}/styles\" Target=\"styles.xml\"/></Relationships>");
        WriteText("xl/_rels/workbook.xml.rels", rels.ToString());
        WriteText("_rels/.rels", "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
            + $"<Relationship Id=\"rId1\" Type=\"{RelNs}/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>");
        var types = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
            + "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/>"
            + "<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>"
            + "<Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>");
        foreach (var s in sheets) types.Append($"<Override PartName=\"/xl/{s.Path}\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>");
        types.Append("</Types>");
        WriteText("[Content_Types].xml", types.ToString());
        zip.Dispose();
    }

    void WriteDom(string path, OpenXmlElement root)
    {
        using var stream = zip.CreateEntry(path, CompressionLevel.Fastest).Open();
        using var writer = OpenXmlWriter.Create(stream);
        writer.WriteStartDocument(true);
        writer.WriteElement(root);
        writer.Close();
    }

    void WriteText(string path, string xml)
    {
        using var stream = zip.CreateEntry(path, CompressionLevel.Fastest).Open();
        var bytes = Encoding.UTF8.GetBytes(xml);
        stream.Write(bytes);
    }

    static Stylesheet BuildStylesheet() => new(
        new NumberingFormats(
            new NumberingFormat { NumberFormatId = MoneyFormatId, FormatCode = MoneyFormatCode },
            new NumberingFormat { NumberFormatId = DateTimeFormatId, FormatCode = DateTimeFormatCode }) { Count = 2 },
        new Fonts(
            new Font(new FontSize { Val = 11 }, new FontName { Val = "等线" }),
            new Font(new Bold(), new FontSize { Val = 11 }, new FontName { Val = "等线" })) { Count = 2 },
        new Fills(
            new Fill(new PatternFill { PatternType = PatternValues.None }),
            new Fill(new PatternFill { PatternType = PatternValues.Gray125 })) { Count = 2 },
        new Borders(new Border(new LeftBorder(), new RightBorder(), new TopBorder(), new BottomBorder(), new DiagonalBorder())) { Count = 1 },
        new CellStyleFormats(new CellFormat { NumberFormatId = 0, FontId = 0, FillId = 0, BorderId = 0 }) { Count = 1 },
        new CellFormats(
            new CellFormat { NumberFormatId = 0, FontId = 0, FillId = 0, BorderId = 0, FormatId = 0 },
            new CellFormat { NumberFormatId = 0, FontId = 1, FillId = 0, BorderId = 0, FormatId = 0, ApplyFont = true },
            new CellFormat { NumberFormatId = MoneyFormatId, FontId = 0, FillId = 0, BorderId = 0, FormatId = 0, ApplyNumberFormat = true },
            new CellFormat { NumberFormatId = DateTimeFormatId, FontId = 0, FillId = 0, BorderId = 0, FormatId = 0, ApplyNumberFormat = true },
            new CellFormat { NumberFormatId = 1, FontId = 0, FillId = 0, BorderId = 0, FormatId = 0, ApplyNumberFormat = true }) { Count = 5 },
        new CellStyles(new CellStyle { Name = "Normal", FormatId = 0, BuiltinId = 0 }) { Count = 1 });

    /// <summary>Text Excel would evaluate (=, +, -, @, tab, CR first) gets a leading apostrophe; characters XML cannot
    /// carry are dropped.</summary>
    public static string SafeText(string text)
    {
        StringBuilder? clean = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var ok = c is '\t' or '\n' or '\r' || (c >= 0x20 && c != '\uFFFE' && c != '\uFFFF');
            if (ok && char.IsSurrogate(c))
                ok = char.IsHighSurrogate(c) ? i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) : i > 0 && char.IsHighSurrogate(text[i - 1]);
            if (!ok) clean ??= new StringBuilder(text, 0, i, text.Length);
            else clean?.Append(c);
        }
        var s = clean?.ToString() ?? text;
        return s.Length > 0 && s[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + s : s;
    }

    /// <summary>Column letters of a zero-based column index: 0 → A, 26 → AA.</summary>
    public static string ColumnName(int index)
    {
        var name = "";
        for (var n = index + 1; n > 0; n = (n - 1) / 26) name = (char)('A' + (n - 1) % 26) + name;
        return name;
    }

    public sealed class SheetWriter : IDisposable
    {
        readonly OpenXmlWriter writer;
        readonly string[] columnNames;
        readonly int columnCount;
        int rowIndex;
        int cellIndex;
        bool inRow, done;

        readonly Stream stream;

        internal SheetWriter(Stream stream, IReadOnlyList<ExcelColumn> columns)
        {
            columnCount = columns.Count;
            columnNames = [.. Enumerable.Range(0, columns.Count).Select(ColumnName)];
            this.stream = stream;
            writer = OpenXmlWriter.Create(stream);
            writer.WriteStartDocument(true);
            writer.WriteStartElement(new Worksheet());
            // Frozen header row: the pane starts at A2.
            writer.WriteElement(new SheetViews(new SheetView(
                new Pane { VerticalSplit = 1, TopLeftCell = "A2", ActivePane = PaneValues.BottomLeft, State = PaneStateValues.Frozen },
                new Selection { Pane = PaneValues.BottomLeft, ActiveCell = "A2", SequenceOfReferences = new ListValue<StringValue>([new StringValue("A2")]) })
            { WorkbookViewId = 0 }));
            writer.WriteElement(new Columns(columns.Select((c, i) => new Column { Min = (uint)(i + 1), Max = (uint)(i + 1), Width = c.Width, CustomWidth = true })));
            writer.WriteStartElement(new SheetData());
            BeginRow();
            foreach (var c in columns) Text(c.Header, StyleHeader);
            EndRow();
        }

        internal string? FilterRange { get; private set; }
        internal string? AbsoluteFilterRange { get; private set; }

        /// <summary>Data rows written so far (the header not counted).</summary>
        public int DataRows => Math.Max(0, rowIndex - 1);

        public SheetWriter BeginRow()
        {
            if (inRow) EndRow();
            rowIndex++;
            cellIndex = 0;
            inRow = true;
            writer.WriteStartElement(new Row(), [new OpenXmlAttribute("r", "", rowIndex.ToString(CultureInfo.InvariantCulture))], []);
            return this;
        }

        public SheetWriter EndRow()
        {
            if (!inRow) return this;
            writer.WriteEndElement();
            inRow = false;
            return this;
        }

        string NextReference() => columnNames.Length > cellIndex
            ? columnNames[cellIndex++] + rowIndex.ToString(CultureInfo.InvariantCulture)
            : ColumnName(cellIndex++) + rowIndex.ToString(CultureInfo.InvariantCulture);

        public SheetWriter Text(string? text, uint style = StyleDefault)
        {
            var reference = NextReference();
            if (string.IsNullOrEmpty(text)) return style == StyleDefault ? this : Empty(reference, style);
            var cell = new Cell { CellReference = reference, DataType = CellValues.InlineString };
            if (style != StyleDefault) cell.StyleIndex = style;
            cell.AppendChild(new InlineString(new Text(SafeText(text)) { Space = SpaceProcessingModeValues.Preserve }));
            writer.WriteElement(cell);
            return this;
        }

        SheetWriter Empty(string reference, uint style)
        {
            writer.WriteElement(new Cell { CellReference = reference, StyleIndex = style });
            return this;
        }

        SheetWriter RawNumber(string value, uint style)
        {
            var cell = new Cell { CellReference = NextReference(), CellValue = new CellValue(value) };
            if (style != StyleDefault) cell.StyleIndex = style;
            writer.WriteElement(cell);
            return this;
        }

        public SheetWriter Integer(long value) => RawNumber(value.ToString(CultureInfo.InvariantCulture), StyleInteger);

        /// <summary>An amount of fen as a yuan number with the ¥ format: fen / 100 in decimal, exact.</summary>
        public SheetWriter Money(long fen) => RawNumber((fen / 100m).ToString("0.00", CultureInfo.InvariantCulture), StyleMoney);

        /// <summary>A point in time as an OADate number (local wall-clock time) with the date-time format; empty when null.</summary>
        public SheetWriter DateTime(DateTimeOffset? value)
        {
            if (value is null) { NextReference(); return this; }
            return RawNumber(value.Value.ToLocalTime().DateTime.ToOADate().ToString("R", CultureInfo.InvariantCulture), StyleDateTime);
        }

        public void Dispose()
        {
            if (done) return;
            done = true;
            EndRow();
            writer.WriteEndElement(); // sheetData
            if (columnCount > 0)
            {
                var last = ColumnName(columnCount - 1);
                var rows = Math.Max(rowIndex, 1);
                FilterRange = $"A1:{last}{rows}";
                AbsoluteFilterRange = $"$A$1:${last}${rows}";
                writer.WriteElement(new AutoFilter { Reference = FilterRange });
            }
            writer.WriteEndElement(); // worksheet
            writer.Close();
            stream.Dispose();
        }
    }
}
