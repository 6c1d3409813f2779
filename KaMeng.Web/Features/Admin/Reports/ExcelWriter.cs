using System.Buffers;
using System.Text;
using KaMeng.Domain;
using SpreadCheetah;
using SpreadCheetah.Styling;
using SpreadCheetah.Worksheets;

namespace KaMeng.Web.Features.Admin.Reports;

/// <summary>A column of an exported sheet: its header and width (in characters).</summary>
public sealed record ExcelColumn(string Header, double Width);

/// <summary>
/// The streaming .xlsx writer of the finance exports, on SpreadCheetah: rows go to the package as they are written, so
/// memory does not grow with the row count (see docs/decisions/0032). Every sheet has a bold, frozen header row, set
/// column widths and an auto-filter. Money is written as a number (yuan, from integer fen) with a ¥ format; dates as
/// date-time numbers in business time (<see cref="BusinessTime"/>); text that Excel could evaluate as a formula gets a
/// leading apostrophe.
/// </summary>
public sealed class ExcelWriter : IAsyncDisposable
{
    public const string MoneyFormatCode = "\"¥\"#,##0.00;\\-\"¥\"#,##0.00";
    public const string DateTimeFormatCode = "yyyy-mm-dd hh:mm:ss";
    public const string IntegerFormatCode = "0";
    /// <summary>The default font of Chinese Excel, 等线, by its family name (SpreadCheetah takes names of 3 to 31 characters).</summary>
    public const string FontName = "DengXian";

    /// <summary>The last row of a worksheet: a streamed sheet's filter reaches down to it, as its row count is not known
    /// when the sheet starts (SpreadCheetah takes the filter range up front).</summary>
    public const int MaxRows = 1_048_576;

    readonly Spreadsheet spreadsheet;
    readonly StyleId header, money, dateTime, integer;
    SheetWriter? open;

    ExcelWriter(Spreadsheet spreadsheet)
    {
        this.spreadsheet = spreadsheet;
        header = spreadsheet.AddStyle(new Style { Font = new Font { Name = FontName, Size = 11, Bold = true } });
        money = spreadsheet.AddStyle(new Style { Format = NumberFormat.Custom(MoneyFormatCode) });
        dateTime = spreadsheet.AddStyle(new Style { Format = NumberFormat.Custom(DateTimeFormatCode) });
        integer = spreadsheet.AddStyle(new Style { Format = NumberFormat.Standard(StandardNumberFormat.NoDecimalPlaces) });
    }

    /// <summary>Writes a workbook to <paramref name="stream"/>, front to back (the stream need not be seekable).</summary>
    public static async Task<ExcelWriter> CreateAsync(Stream stream, CancellationToken ct = default)
    {
        var spreadsheet = await Spreadsheet.CreateNewAsync(stream, new SpreadCheetahOptions
        {
            CompressionLevel = SpreadCheetahCompressionLevel.Fastest,
            // Larger than the 64 KB default: fewer, larger writes into the deflater.
            BufferSize = 1 << 18,
            DefaultDateTimeFormat = NumberFormat.Custom(DateTimeFormatCode),
            DefaultFont = new DefaultFont { Name = FontName, Size = 11 },
        }, ct);
        return new ExcelWriter(spreadsheet);
    }

    /// <summary>Starts a sheet with a bold, frozen header row, the columns' widths and an auto-filter over the header and
    /// the rows below it: <paramref name="rows"/> data rows when known up front, else down to the sheet's last row.
    /// Starting the next sheet (or disposing the writer) finishes it.</summary>
    public async Task<SheetWriter> BeginSheetAsync(string name, IReadOnlyList<ExcelColumn> columns, int? rows = null, CancellationToken ct = default)
    {
        var options = new WorksheetOptions { FrozenRows = 1 };
        for (var i = 0; i < columns.Count; i++) options.Column(i + 1).Width = columns[i].Width;
        if (columns.Count > 0)
            options.AutoFilter = new AutoFilterOptions($"A1:{ColumnName(columns.Count - 1)}{(rows is { } n ? Math.Min(n + 1, MaxRows) : MaxRows)}");
        await spreadsheet.StartWorksheetAsync(name, options, ct);
        await spreadsheet.AddHeaderRowAsync([.. columns.Select(c => c.Header)], header, ct);
        return open = new SheetWriter(this, columns.Count);
    }

    public async ValueTask DisposeAsync()
    {
        // Finishes the package after a failure too: such a file is the caller's to discard (a temp file, a deleted export).
        await spreadsheet.FinishAsync();
        spreadsheet.Dispose();
    }

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
    /// The rows of one sheet: cells are added to the current row (<see cref="BeginRow"/>, then Text/Integer/Money/DateTime),
    /// and <see cref="EndRowAsync"/> hands the row to SpreadCheetah, which writes it into the package.
    /// </summary>
    public sealed class SheetWriter
    {
        const long TicksPerQuarterHour = 15 * TimeSpan.TicksPerMinute;

        readonly ExcelWriter owner;
        StyledCell[] cells;
        int count;
        long offsetQuarter = long.MinValue, offsetTicks;

        internal SheetWriter(ExcelWriter owner, int columns)
        {
            this.owner = owner;
            cells = new StyledCell[Math.Max(columns, 4)];
        }

        /// <summary>Data rows written so far (the header not counted).</summary>
        public int DataRows { get; private set; }

        /// <summary>Starts a row (cells not yet ended are dropped).</summary>
        public SheetWriter BeginRow()
        {
            count = 0;
            return this;
        }

        public SheetWriter Text(string? text, bool bold = false) =>
            Add(string.IsNullOrEmpty(text) ? new StyledCell((string?)null, null) : new StyledCell(SafeText(text), bold ? owner.header : null));

        public SheetWriter Integer(long value) => Add(new StyledCell(value, owner.integer));

        /// <summary>An amount of fen as a yuan number with the ¥ format. fen / 100 as a double is the closest double to the
        /// exact amount, and it is written as the shortest text that reads back as that double: the exact two-decimal
        /// amount for any sum below 10^13 yuan.</summary>
        public SheetWriter Money(long fen) => Add(new StyledCell(fen / 100d, owner.money));

        /// <summary>A point in time as a date-time number in business time (<see cref="BusinessTime"/>), never the server's
        /// zone; empty when null.</summary>
        public SheetWriter DateTime(DateTimeOffset? value)
        {
            if (value is not { } v) return Add(new StyledCell((string?)null, null));
            // The zone's offset is looked up in its rules once per quarter hour: rows mostly come in time order, and zone
            // offsets change only on quarter-hour boundaries.
            var utc = v.UtcTicks;
            if (utc / TicksPerQuarterHour != offsetQuarter)
            {
                offsetQuarter = utc / TicksPerQuarterHour;
                offsetTicks = BusinessTime.Zone.GetUtcOffset(new System.DateTime(utc, DateTimeKind.Utc)).Ticks;
            }
            return Add(new StyledCell(new System.DateTime(utc + offsetTicks, DateTimeKind.Unspecified), owner.dateTime));
        }

        SheetWriter Add(StyledCell cell)
        {
            if (count == cells.Length) Array.Resize(ref cells, count * 2);
            cells[count++] = cell;
            return this;
        }

        /// <summary>Writes the row (an empty row when it has no cells).</summary>
        public async ValueTask EndRowAsync(CancellationToken ct = default)
        {
            if (owner.open != this) throw new InvalidOperationException("This sheet is finished: another sheet was started after it.");
            await owner.spreadsheet.AddRowAsync(cells.AsMemory(0, count), ct);
            count = 0;
            DataRows++;
        }
    }
}
