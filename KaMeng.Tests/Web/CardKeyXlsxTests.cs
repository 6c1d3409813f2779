using ClosedXML.Excel;
using KaMeng.Domain;
using KaMeng.Web.Features.Admin.CardKeys;

namespace KaMeng.Tests.Web;

public class CardKeyXlsxTests
{
    /// <summary>A workbook as a supplier sends it from Excel: 序号, 卡密, 备注, written with ClosedXML (shared strings,
    /// numbers as numbers).</summary>
    static byte[] Workbook(params (object? No, object? Key, string? Note)[] rows)
    {
        using var book = new XLWorkbook();
        var sheet = book.AddWorksheet("Sheet1");
        sheet.Cell(1, 1).SetValue("序号");
        sheet.Cell(1, 2).SetValue("卡密");
        sheet.Cell(1, 3).SetValue("备注");
        for (var i = 0; i < rows.Length; i++)
        {
            var (no, key, note) = rows[i];
            Set(sheet.Cell(i + 2, 1), no);
            Set(sheet.Cell(i + 2, 2), key);
            Set(sheet.Cell(i + 2, 3), note);
        }
        using var ms = new MemoryStream();
        book.SaveAs(ms);
        return ms.ToArray();

        static void Set(IXLCell cell, object? value)
        {
            if (value is string s) cell.SetValue(s);
            else if (value is int n) cell.SetValue(n);
        }
    }

    [Fact]
    public void The_key_column_is_found_by_its_header_and_its_cells_get_the_same_preview_and_dedupe_as_csv()
    {
        var sheet = CardKeyXlsx.Read(Workbook((1, "AAAA-1111", "x"), (2, "BBBB-2222", null), (3, "AAAA-1111", "dup"), (4, null, "blank"), (5, 100001, "数字")));
        Assert.Equal(["序号", "卡密", "备注"], sheet.Headers);
        Assert.Equal(1, sheet.GuessColumn());

        var preview = CardKeyXlsx.Parse(sheet, sheet.GuessColumn(), CardKeyImportMode.Single);
        // A key Excel stored as a number comes back as its digits.
        Assert.Equal(["AAAA-1111", "BBBB-2222", "100001"], preview.Keys.Select(k => k.Secret));
        Assert.Equal([2, 3, 6], preview.Keys.Select(k => k.LineNumber)); // the sheet's row numbers
        Assert.Equal(1, preview.DuplicateInBatchCount);
        Assert.Equal(1, preview.BlankCount);
    }

    [Fact]
    public void Another_column_can_be_chosen_and_pairs_take_the_next_column_as_the_password()
    {
        var sheet = CardKeyXlsx.Read(Workbook(("K1", "AAAA", "n")));
        var preview = CardKeyXlsx.Parse(sheet, 0, CardKeyImportMode.Single);
        Assert.Equal("K1", Assert.Single(preview.Keys).Secret);
        var pairs = CardKeyXlsx.Parse(sheet, 0, CardKeyImportMode.Pair);
        Assert.Equal("K1 AAAA", Assert.Single(pairs.Keys).Secret);
    }

    [Theory]
    [InlineData("not a workbook")]
    [InlineData("卡密\nAAAA-1111\n")]
    public void A_file_that_is_not_an_xlsx_workbook_is_refused_with_a_chinese_message(string content)
    {
        var ex = Assert.Throws<DomainException>(() => CardKeyXlsx.Read(System.Text.Encoding.UTF8.GetBytes(content)));
        Assert.StartsWith("无法读取 Excel 文件", ex.Message);
        Assert.Contains(".xlsx", ex.Message);
    }
}
