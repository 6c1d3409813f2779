using System.IO.Compression;
using KaMeng.Domain;
using KaMeng.Web.Features.Admin.Reports;

namespace KaMeng.Tests.Reports;

public class ExcelWriterTests
{
    static async Task<byte[]> WriteAsync(Func<ExcelWriter, Task> write)
    {
        using var ms = new MemoryStream();
        await using (var excel = await ExcelWriter.CreateAsync(ms)) await write(excel);
        return ms.ToArray();
    }

    [Theory]
    [InlineData("=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")")]
    [InlineData("+1-2", "'+1-2")]
    [InlineData("-5", "'-5")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("\tx", "'\tx")]
    [InlineData("\rx", "'\rx")]
    [InlineData("普通文本 = 1", "普通文本 = 1")]
    [InlineData("a\u0001b", "ab")]
    public void Dangerous_text_is_prefixed_and_control_characters_dropped(string input, string expected) =>
        Assert.Equal(expected, ExcelWriter.SafeText(input));

    [Fact]
    public void Column_names() => Assert.Equal(["A", "Z", "AA", "AZ", "BA"], new[] { 0, 25, 26, 51, 52 }.Select(ExcelWriter.ColumnName));

    [Fact]
    public async Task Money_is_an_exact_number_with_the_currency_format_and_dates_are_business_time_with_the_date_format()
    {
        var when = new DateTimeOffset(2026, 11, 22, 13, 45, 30, TimeSpan.Zero);
        var bytes = await WriteAsync(async x =>
        {
            var s = await x.BeginSheetAsync("S", [new("金额", 10), new("时间", 20), new("文本", 10), new("数量", 6)]);
            await s.BeginRow().Money(123456789012345L).DateTime(when).Text("=1+1").Integer(3).EndRowAsync();
            await s.BeginRow().Money(-1).DateTime(null).Text(null).Integer(-7).EndRowAsync();
            await s.BeginRow().Money(10).DateTime(when).Text("x").Integer(0).EndRowAsync();
        });
        using var book = new Workbook(bytes);
        var rows = book.Rows("S");
        Assert.Equal(4, rows.Count);
        Assert.Equal(["金额", "时间", "文本", "数量"], rows[0].Select(Workbook.Text));
        Assert.All(rows[0], c => Assert.True(Workbook.IsBold(c)));

        var r1 = rows[1];
        Assert.True(Workbook.IsNumber(r1[0]));
        Assert.Equal(1234567890123.45m, Workbook.Number(r1[0]));
        Assert.Equal(ExcelWriter.MoneyFormatCode, Workbook.FormatCode(r1[0]));
        Assert.True(Workbook.IsNumber(r1[1]));
        Assert.Equal(ExcelWriter.DateTimeFormatCode, Workbook.FormatCode(r1[1]));
        Assert.Equal(BusinessTime.ToBusiness(when).DateTime, DateTime.FromOADate((double)Workbook.Number(r1[1])), TimeSpan.FromMilliseconds(1));
        Assert.Equal(3m, Workbook.Number(r1[3]));
        Assert.Equal(-0.01m, Workbook.Number(rows[2][0]));
        Assert.True(rows[2][1].IsEmpty());
        Assert.True(rows[2][2].IsEmpty());
        Assert.Equal(0.10m, Workbook.Number(rows[3][0]));
    }

    [Fact]
    public async Task Money_is_written_as_the_exact_decimal_text_of_the_fen()
    {
        var bytes = await WriteAsync(async x =>
        {
            var s = await x.BeginSheetAsync("S", [new("金额", 10)]);
            foreach (var fen in new[] { 123456789012345L, -1, 10, 1234, 999_999_999_999L, 7 }) await s.BeginRow().Money(fen).EndRowAsync();
        });
        // The raw sheet XML: what another reader (not only Excel) sees is the amount itself, not a binary neighbour of it.
        using var zip = new ZipArchive(new MemoryStream(bytes));
        using var reader = new StreamReader(zip.GetEntry("xl/worksheets/sheet1.xml")!.Open());
        var values = System.Text.RegularExpressions.Regex.Matches(reader.ReadToEnd(), "<v>([^<]*)</v>").Select(m => m.Groups[1].Value);
        Assert.Equal(["1234567890123.45", "-0.01", "0.1", "12.34", "9999999999.99", "0.07"], values);
    }

    [Fact]
    public async Task A_formula_like_text_stays_inert_text_with_its_apostrophe()
    {
        var bytes = await WriteAsync(async x =>
        {
            var s = await x.BeginSheetAsync("S", [new("文本", 10)]);
            foreach (var text in new[] { "=1+1", "+1-2", "@SUM(A1)", "-5", "=cmd|' /C calc'!A0" }) await s.BeginRow().Text(text).EndRowAsync();
        });
        using var book = new Workbook(bytes);
        var cells = book.Rows("S").Skip(1).Select(r => r[0]).ToList();
        Assert.All(cells, c => Assert.True(Workbook.IsText(c)));
        Assert.All(cells, c => Assert.False(c.HasFormula));
        Assert.Equal(["'=1+1", "'+1-2", "'@SUM(A1)", "'-5", "'=cmd|' /C calc'!A0"], cells.Select(Workbook.Text));
    }

    [Fact]
    public async Task Every_sheet_has_a_frozen_header_set_widths_and_a_filter_down_to_its_last_row_or_its_known_rows()
    {
        var bytes = await WriteAsync(async x =>
        {
            var streamed = await x.BeginSheetAsync("流", [new("A列", 12), new("B列", 30)]);
            await streamed.BeginRow().Text("a").Integer(1).EndRowAsync();
            var known = await x.BeginSheetAsync("汇总", [new("项目", 16), new("笔数", 12), new("金额", 18)], rows: 2);
            await known.BeginRow().Text("合计", bold: true).Integer(1).Money(100).EndRowAsync();
            await known.BeginRow().Text("筛选").EndRowAsync();
        });
        using var book = new Workbook(bytes);
        Assert.Equal(["流", "汇总"], book.SheetNames);
        Assert.Equal(1, book.FrozenRows("流"));
        Assert.Equal(1, book.FrozenRows("汇总"));
        // A streamed sheet's row count is not known when it starts: its filter takes every row below the header (A1:B1048576,
        // which is the whole of columns A and B).
        Assert.Equal("A:B", book.FilterRange("流"));
        Assert.Equal("A1:C3", book.FilterRange("汇总"));
        // ClosedXML reads a width less the cell padding it adds when it writes one (~0.71): within a character of what was set.
        Assert.Equal(12, book.ColumnWidth("流", 1), 1.0);
        Assert.Equal(30, book.ColumnWidth("流", 2), 1.0);
        Assert.True(Workbook.IsBold(book.Rows("汇总")[1][0]));
        Assert.False(Workbook.IsBold(book.Rows("汇总")[2][0]));
    }
}
