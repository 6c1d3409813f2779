using System.Text;
using KaMeng.Domain;
using KaMeng.Web.Features.Admin.CardKeys;

namespace KaMeng.Tests.Web;

public class CardKeyFilesTests
{
    [Fact]
    public void A_csv_with_a_header_and_two_columns_gives_pairs_with_their_line_numbers()
    {
        var preview = CardKeyFiles.Parse("\uFEFF卡号,密码\r\n100001,pw1\r\n\"100002\",\"pw2\"\r\n\r\n100001,pw1\r\n", new(CardKeyImportMode.Pair), "keys.csv");

        Assert.Equal(["100001 pw1", "100002 pw2"], preview.Keys.Select(k => k.Secret).ToArray());
        Assert.Equal([2, 3], preview.Keys.Select(k => k.LineNumber).ToArray());
        var dup = Assert.Single(preview.Problems);
        Assert.Equal((5, "与第 2 行重复"), (dup.LineNumber, dup.Reason));
        Assert.Equal(1, preview.BlankCount);
    }

    [Fact]
    public void A_single_column_csv_without_a_header_gives_one_key_per_row()
    {
        var preview = CardKeyFiles.Parse("KEY-1\nKEY-2\n\"KEY,3\"\n", new(CardKeyImportMode.Single), "KEYS.CSV");

        Assert.Equal(["KEY-1", "KEY-2", "KEY,3"], preview.Keys.Select(k => k.Secret).ToArray());
    }

    [Fact]
    public void A_two_column_csv_read_in_single_mode_reports_the_rows_instead_of_dropping_passwords()
    {
        var preview = CardKeyFiles.Parse("100001,pw1\n100002,pw2\n", new(CardKeyImportMode.Single), "keys.csv");

        Assert.Equal(0, preview.NewCount);
        Assert.Equal(2, preview.MalformedCount);
    }

    [Fact]
    public void A_txt_file_goes_through_the_line_classifier()
    {
        var preview = CardKeyFiles.Parse("100001----pw1\n", new(CardKeyImportMode.Pair, CardKeySeparator.Dashes), "keys.txt");

        Assert.Equal(["100001 pw1"], preview.Keys.Select(k => k.Secret).ToArray());
    }

    [Fact]
    public void Uploads_in_utf8_with_bom_utf16_or_gb18030_are_decoded()
    {
        Assert.Equal("卡密A", CardKeyFiles.Decode([.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes("卡密A")]));
        Assert.Equal("卡密B", CardKeyFiles.Decode([.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes("卡密B")]));
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        Assert.Equal("卡密C", CardKeyFiles.Decode(Encoding.GetEncoding("GB18030").GetBytes("卡密C")));
    }
}
