using DocumentFormat.OpenXml.Spreadsheet;
using KaMeng.Domain;
using KaMeng.Web.Features.Admin.Reports;

namespace KaMeng.Tests.Reports;

public class ExcelWriterTests
{
    static byte[] Write(Action<ExcelWriter> write)
    {
        using var ms = new MemoryStream();
        using (var excel = ExcelWriter.Create(ms)) write(excel);
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
    public void Money_is_an_exact_number_with_the_currency_format_and_dates_are_oadates_with_the_date_format()
    {
        var when = new DateTimeOffset(2026, 11, 22, 13, 45, 30, TimeSpan.Zero);
        var bytes = Write(x =>
        {
            using var s = x.BeginSheet("S", [new("金额", 10), new("时间", 20), new("文本", 10), new("数量", 6)]);
            s.BeginRow().Money(123456789012345L).DateTime(when).Text("=1+1").Integer(3).EndRow();
            s.BeginRow().Money(-1).DateTime(null).Text(null).Integer(-7).EndRow();
            s.BeginRow().Money(10).DateTime(when).Text("x").Integer(0).EndRow();
        });
        using var book = new Workbook(bytes);
        var rows = book.Rows("S");
        Assert.Equal(4, rows.Count);
        var header = rows[0].Elements<Cell>().ToList();
        Assert.Equal(["金额", "时间", "文本", "数量"], header.Select(Workbook.Text));
        Assert.All(header, c => Assert.True(book.IsBold(c)));

        var r1 = rows[1].Elements<Cell>().ToList();
        Assert.True(Workbook.IsNumber(r1[0]));
        Assert.Equal("1234567890123.45", r1[0].CellValue!.Text);
        Assert.Equal(ExcelWriter.MoneyFormatCode, book.FormatCode(r1[0]));
        Assert.True(Workbook.IsNumber(r1[1]));
        Assert.Equal(ExcelWriter.DateTimeFormatCode, book.FormatCode(r1[1]));
        Assert.Equal(BusinessTime.ToBusiness(when).DateTime, DateTime.FromOADate((double)Workbook.Number(r1[1])), TimeSpan.FromMilliseconds(1));
        Assert.True(Workbook.IsText(r1[2]));
        Assert.Equal("'=1+1", Workbook.Text(r1[2]));
        Assert.Null(r1[2].CellFormula);
        Assert.Equal(3m, Workbook.Number(r1[3]));
        Assert.Equal("-0.01", rows[2].Elements<Cell>().First().CellValue!.Text);
        Assert.Equal("0.10", rows[3].Elements<Cell>().First().CellValue!.Text);

        var sheet = book.Sheet("S");
        var pane = sheet.GetFirstChild<SheetViews>()!.GetFirstChild<SheetView>()!.GetFirstChild<Pane>()!;
        Assert.Equal(PaneStateValues.Frozen, pane.State!.Value);
        Assert.Equal(1d, pane.VerticalSplit!.Value);
        Assert.Equal("A2", pane.TopLeftCell!.Value);
        Assert.Equal("A1:D4", sheet.GetFirstChild<AutoFilter>()!.Reference!.Value);
        Assert.Equal(4, sheet.GetFirstChild<Columns>()!.Elements<Column>().Count());
    }
}
