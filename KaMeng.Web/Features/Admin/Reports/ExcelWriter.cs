using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Text;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;
using System.IO.Compression;
using KaMeng.Domain;

namespace KaMeng.Web.Features.Admin.Reports;

/// <summary>A column of an exported sheet: its header and width (in characters).</summary>
public sealed record ExcelColumn(string Header, double Width);

/// <summary>
/// A small streaming .xlsx writer: rows go to the package as they are written (sheet markup by hand, see
/// <see cref="SheetWriter"/>; the small fixed parts through the Open XML SDK), so memory does not grow with the row count.
/// Money is written as a number (yuan, formatted exactly from integer fen) with a ¥ format; dates as OADate numbers with
/// a date-time format. Text that Excel could evaluate as a formula is prefixed with an apostrophe.
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
        var s = WithoutInvalid(text);
        return NeedsApostrophe(s) ? "'" + s : s;
    }

    static bool NeedsApostrophe(string s) => s.Length > 0 && s[0] is '=' or '+' or '-' or '@' or '\t' or '\r';

    // Control characters other than tab/LF/CR, U+FFFE/U+FFFF and surrogates: only these need the slow check below.
    static readonly SearchValues<char> Suspicious = SearchValues.Create(
        [.. Enumerable.Range(0, 0x20).Where(c => c is not ('\t' or '\n' or '\r')).Select(c => (char)c), .. Enumerable.Range(0xD800, 0x800).Select(c => (char)c), '\uFFFE', '\uFFFF']);

    /// <summary>The text without the characters XML cannot carry (the same instance when it has none, the usual case).</summary>
    static string WithoutInvalid(string text)
    {
        if (!text.AsSpan().ContainsAny(Suspicious)) return text;
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
        return clean?.ToString() ?? text;
    }

    /// <summary>Column letters of a zero-based column index: 0 → A, 26 → AA.</summary>
    public static string ColumnName(int index)
    {
        var name = "";
        for (var n = index + 1; n > 0; n = (n - 1) / 26) name = (char)('A' + (n - 1) % 26) + name;
        return name;
    }

    /// <summary>
    /// Writes one worksheet part as UTF-8 bytes straight into a buffer that is flushed to the zip entry in 128 KB blocks.
    /// The markup is fixed and tiny, so it is written by hand: OpenXmlWriter allocated a Cell/CellValue/InlineString
    /// element tree per cell and validated it, which cost ~90% of the export time (see docs/decisions, xlsx record).
    /// Everything variable goes through the same escaping (&amp; &lt; &gt; and CR as a character reference).
    /// </summary>
    public sealed class SheetWriter : IDisposable
    {
        static readonly SearchValues<char> Escaped = SearchValues.Create("&<>\r\"");
        static readonly byte[][] StyleAttributes = [.. Enumerable.Range(0, 5).Select(i => Encoding.UTF8.GetBytes($" s=\"{i}\""))];

        readonly Stream stream;
        readonly byte[][] columnNames;
        byte[] buffer = new byte[1 << 17];
        byte[]? spare;
        Task? pending;
        int length;
        int rowIndex;
        int cellIndex;
        const long TicksPerQuarterHour = 15 * TimeSpan.TicksPerMinute;
        readonly byte[] rowDigits = new byte[20];
        int rowDigitCount;
        int flushCount;
        readonly string?[] lastText;
        readonly byte[]?[] lastMarkup;
        readonly int[] lastMarkupLength;
        long offsetQuarter = long.MinValue, localOffset;
        bool inRow, done;

        internal SheetWriter(Stream stream, IReadOnlyList<ExcelColumn> columns)
        {
            lastText = new string?[columns.Count];
            lastMarkup = new byte[]?[columns.Count];
            lastMarkupLength = new int[columns.Count];
            columnNames = [.. Enumerable.Range(0, columns.Count).Select(i => Encoding.ASCII.GetBytes(ColumnName(i)))];
            this.stream = stream;
            var head = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>")
                .Append("<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">")
                // Frozen header row: the pane starts at A2.
                .Append("<sheetViews><sheetView workbookViewId=\"0\"><pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/>")
                .Append("<selection pane=\"bottomLeft\" activeCell=\"A2\" sqref=\"A2\"/></sheetView></sheetViews>");
            if (columns.Count > 0)
            {
                head.Append("<cols>");
                for (var i = 0; i < columns.Count; i++)
                    head.Append(CultureInfo.InvariantCulture, $"<col min=\"{i + 1}\" max=\"{i + 1}\" width=\"{columns[i].Width}\" customWidth=\"1\"/>");
                head.Append("</cols>");
            }
            head.Append("<sheetData>");
            Ascii(head.ToString());
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
            Ascii("<row r=\"");
            // The row number is formatted once and copied into every cell reference of the row.
            Utf8Formatter.TryFormat(rowIndex, rowDigits, out rowDigitCount);
            Ascii(rowDigits.AsSpan(0, rowDigitCount));
            Ascii("\">");
            return this;
        }

        public SheetWriter EndRow()
        {
            if (!inRow) return this;
            Ascii("</row>");
            inRow = false;
            return this;
        }

        public SheetWriter Text(string? text, uint style = StyleDefault)
        {
            if (string.IsNullOrEmpty(text))
            {
                if (style == StyleDefault) { cellIndex++; return this; }
                StartCell(style);
                Ascii("/>");
                return this;
            }
            StartCell(style);
            // The same text as this column's previous cell (a station, a status, a product): its markup again.
            var column = cellIndex - 1;
            if (column < lastText.Length && style == StyleDefault && string.Equals(lastText[column], text, StringComparison.Ordinal))
            {
                Ascii(lastMarkup[column]!.AsSpan(0, lastMarkupLength[column]));
                return this;
            }
            var start = length;
            var flushes = flushCount;
            // As SafeText, without allocating the apostrophed copy: the apostrophe is written before the text.
            var clean = WithoutInvalid(text);
            var apostrophe = NeedsApostrophe(clean);
            // xml:space only where whitespace at an end must survive: it is ~20% of a typical row's bytes to deflate.
            Ascii(clean.Length > 0 && ((!apostrophe && char.IsWhiteSpace(clean[0])) || char.IsWhiteSpace(clean[^1]))
                ? " t=\"inlineStr\"><is><t xml:space=\"preserve\">" : " t=\"inlineStr\"><is><t>");
            if (apostrophe) Ascii("'");
            Escape(clean);
            Ascii("</t></is></c>");
            if (column < lastText.Length && style == StyleDefault && flushes == flushCount && length - start <= 512)
            {
                // Remembered only when the markup is still whole in the buffer (no flush in between) and short.
                lastMarkup[column] ??= new byte[512];
                buffer.AsSpan(start, length - start).CopyTo(lastMarkup[column]!);
                lastMarkupLength[column] = length - start;
                lastText[column] = text;
            }
            return this;
        }

        public SheetWriter Integer(long value)
        {
            StartCell(StyleInteger);
            Ascii("><v>");
            Number(value);
            Ascii("</v></c>");
            return this;
        }

        /// <summary>An amount of fen as a yuan number with the ¥ format: fen / 100, exact, two decimals.</summary>
        public SheetWriter Money(long fen)
        {
            StartCell(StyleMoney);
            Ascii("><v>");
            // |fen| as ulong so that long.MinValue has a magnitude too.
            var magnitude = fen < 0 ? (ulong)(-(fen + 1)) + 1 : (ulong)fen;
            if (fen < 0) Ascii("-");
            Ensure(24);
            Utf8Formatter.TryFormat(magnitude / 100, buffer.AsSpan(length), out var n);
            length += n;
            var cents = (int)(magnitude % 100);
            buffer[length++] = (byte)'.';
            buffer[length++] = (byte)('0' + cents / 10);
            buffer[length++] = (byte)('0' + cents % 10);
            Ascii("</v></c>");
            return this;
        }

        /// <summary>A point in time as an OADate number (Beijing wall-clock time, <see cref="BusinessTime"/>) with the date-time format; empty when null.</summary>
        public SheetWriter DateTime(DateTimeOffset? value)
        {
            if (value is null) { cellIndex++; return this; }
            StartCell(StyleDateTime);
            Ascii("><v>");
            Ensure(32);
            // The business zone's offset is looked up in its time zone rules per call; rows come in time order, so the offset
            // of the last quarter hour is reused (zone offsets change only on quarter-hour boundaries).
            var utc = value.Value.UtcTicks;
            if (utc / TicksPerQuarterHour != offsetQuarter)
            {
                offsetQuarter = utc / TicksPerQuarterHour;
                localOffset = BusinessTime.Zone.GetUtcOffset(new System.DateTime(utc, DateTimeKind.Utc)).Ticks;
            }
            new System.DateTime(utc + localOffset).ToOADate().TryFormat(buffer.AsSpan(length), out var n, "R", CultureInfo.InvariantCulture);
            length += n;
            Ascii("</v></c>");
            return this;
        }

        /// <summary>&lt;c r="B7" s="2" — the caller closes the start tag.</summary>
        void StartCell(uint style)
        {
            Ascii("<c r=\"");
            if (cellIndex < columnNames.Length) Ascii(columnNames[cellIndex]);
            else Ascii(ColumnName(cellIndex));
            cellIndex++;
            Ascii(rowDigits.AsSpan(0, rowDigitCount));
            Ascii("\"");
            if (style != StyleDefault)
            {
                if (style < StyleAttributes.Length) Ascii(StyleAttributes[style]);
                else { Ascii(" s=\""); Number(style); Ascii("\""); }
            }
        }

        void Number(long value)
        {
            Ensure(20);
            Utf8Formatter.TryFormat(value, buffer.AsSpan(length), out var n);
            length += n;
        }

        void Ascii(string text)
        {
            Ensure(text.Length);
            for (var i = 0; i < text.Length; i++) buffer[length + i] = (byte)text[i];
            length += text.Length;
        }

        void Ascii(ReadOnlySpan<byte> bytes)
        {
            Ensure(bytes.Length);
            bytes.CopyTo(buffer.AsSpan(length));
            length += bytes.Length;
        }

        void Escape(ReadOnlySpan<char> text)
        {
            while (true)
            {
                var i = text.IndexOfAny(Escaped);
                var plain = i < 0 ? text : text[..i];
                Ensure(Encoding.UTF8.GetMaxByteCount(plain.Length));
                length += Encoding.UTF8.GetBytes(plain, buffer.AsSpan(length));
                if (i < 0) return;
                Ascii(text[i] switch { '&' => "&amp;", '<' => "&lt;", '>' => "&gt;", '"' => "&quot;", _ => "&#xD;" });
                text = text[(i + 1)..];
            }
        }

        void Ensure(int bytes)
        {
            if (length + bytes <= buffer.Length) return;
            Flush();
            if (bytes > buffer.Length) buffer = new byte[bytes];
        }

        /// <summary>Hands the full buffer to a worker that deflates it into the zip entry while the next one fills:
        /// compression is about a third of the work, and this way it overlaps with the query and the markup. At most
        /// one write is in flight, so the entry still sees its bytes in order.</summary>
        void Flush()
        {
            pending?.GetAwaiter().GetResult();
            pending = null;
            if (length == 0) return;
            flushCount++;
            var full = buffer;
            var count = length;
            (buffer, spare) = (spare ?? new byte[full.Length], full);
            length = 0;
            pending = Task.Run(() => stream.Write(full, 0, count));
        }

        public void Dispose()
        {
            if (done) return;
            done = true;
            EndRow();
            Ascii("</sheetData>");
            if (columnNames.Length > 0)
            {
                var last = ColumnName(columnNames.Length - 1);
                var rows = Math.Max(rowIndex, 1);
                FilterRange = $"A1:{last}{rows}";
                AbsoluteFilterRange = $"$A$1:${last}${rows}";
                Ascii($"<autoFilter ref=\"{FilterRange}\"/>");
            }
            Ascii("</worksheet>");
            Flush();
            pending?.GetAwaiter().GetResult();
            stream.Dispose();
        }
    }
}
