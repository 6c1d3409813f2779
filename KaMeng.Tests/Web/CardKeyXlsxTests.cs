using KaMeng.Domain;
using KaMeng.Web.Features.Admin.CardKeys;
using KaMeng.Web.Features.Admin.Reports;

namespace KaMeng.Tests.Web;

public class CardKeyXlsxTests
{
    /// <summary>A workbook as a supplier sends it: 序号, 卡密, 备注 — written by the app's own Excel writer.</summary>
    static byte[] Workbook(params (string? No, string? Key, string? Note)[] rows)
    {
        using var ms = new MemoryStream();
        using (var excel = ExcelWriter.Create(ms))
        using (var sheet = excel.BeginSheet("Sheet1", [new("序号", 8), new("卡密", 30), new("备注", 20)]))
            foreach (var (no, key, note) in rows) sheet.BeginRow().Text(no).Text(key).Text(note).EndRow();
        return ms.ToArray();
    }

    [Fact]
    public void The_key_column_is_found_by_its_header_and_its_cells_get_the_same_preview_and_dedupe_as_csv()
    {
        var sheet = CardKeyXlsx.Read(Workbook(("1", "AAAA-1111", "x"), ("2", "BBBB-2222", null), ("3", "AAAA-1111", "dup"), ("4", null, "blank")));
        Assert.Equal(["序号", "卡密", "备注"], sheet.Headers);
        Assert.Equal(1, sheet.GuessColumn());

        var preview = CardKeyXlsx.Parse(sheet, sheet.GuessColumn(), CardKeyImportMode.Single);
        Assert.Equal(["AAAA-1111", "BBBB-2222"], preview.Keys.Select(k => k.Secret));
        Assert.Equal([2, 3], preview.Keys.Select(k => k.LineNumber)); // the sheet's row numbers
        Assert.Equal(1, preview.DuplicateInBatchCount);
        Assert.Equal(1, preview.BlankCount);
    }

    [Fact]
    public void Another_column_can_be_chosen_and_a_file_that_is_not_a_workbook_is_refused_in_chinese()
    {
        var sheet = CardKeyXlsx.Read(Workbook(("K1", "AAAA", "n")));
        var preview = CardKeyXlsx.Parse(sheet, 0, CardKeyImportMode.Single);
        Assert.Equal("K1", Assert.Single(preview.Keys).Secret);
        var ex = Assert.Throws<DomainException>(() => CardKeyXlsx.Read("not a workbook"u8.ToArray()));
        Assert.Contains("Excel", ex.Message);
    }
}
