using KaMeng.Domain;

namespace KaMeng.Tests.Domain;

public class CardKeyImportTests
{
    static readonly CardKeyImportOptions Single = new();
    static CardKeyImportOptions Pair(CardKeySeparator separator, string? custom = null) => new(CardKeyImportMode.Pair, separator, custom);

    static string[] Secrets(CardKeyImportPreview p) => p.Keys.Select(k => k.Secret).ToArray();

    [Fact]
    public void A_bom_crlf_and_whitespace_around_lines_are_tolerated()
    {
        var preview = CardKeyImport.Parse("\uFEFF  AAAA-1111  \r\nBBBB-2222\t\r\n\u3000CCCC-3333\r\n", Single);

        Assert.Equal(["AAAA-1111", "BBBB-2222", "CCCC-3333"], Secrets(preview));
        Assert.Equal(3, preview.LineCount);
        Assert.Empty(preview.Problems);
        Assert.True(preview.CanImport);
    }

    [Fact]
    public void Old_mac_cr_line_ends_split_lines_and_line_numbers_count_from_one()
    {
        var preview = CardKeyImport.Parse("K1\rK2\r\rK3", Single);

        Assert.Equal(["K1", "K2", "K3"], Secrets(preview));
        Assert.Equal([1, 2, 4], preview.Keys.Select(k => k.LineNumber).ToArray());
        Assert.Equal(1, preview.BlankCount);
    }

    [Fact]
    public void Blank_lines_are_counted_but_not_listed_as_problems_and_a_final_newline_is_not_a_line()
    {
        var preview = CardKeyImport.Parse("K1\n\n   \nK2\n", Single);

        Assert.Equal(4, preview.LineCount);
        Assert.Equal(2, preview.BlankCount);
        Assert.Equal(2, preview.NewCount);
        Assert.Empty(preview.Problems);
    }

    [Fact]
    public void A_key_may_contain_inner_spaces_in_single_mode()
    {
        Assert.Equal(["ABC DEF 123"], Secrets(CardKeyImport.Parse("ABC DEF 123", Single)));
    }

    [Fact]
    public void Pairs_with_dashes_are_stored_as_card_number_space_password()
    {
        var preview = CardKeyImport.Parse("100001----pw0001\r\n 100002 ---- pw0002 \r\n", Pair(CardKeySeparator.Dashes));

        Assert.Equal(["100001 pw0001", "100002 pw0002"], Secrets(preview));
        Assert.Equal("100001 pw0001", CardKeyImport.JoinPair("100001", "pw0001"));
    }

    [Fact]
    public void Pairs_separated_by_spaces_accept_any_run_of_spaces_or_tabs()
    {
        var preview = CardKeyImport.Parse("100001 pw0001\n100002      pw0002\n100003\tpw0003\n100004\u3000pw0004", Pair(CardKeySeparator.Space));

        Assert.Equal(["100001 pw0001", "100002 pw0002", "100003 pw0003", "100004 pw0004"], Secrets(preview));
    }

    [Fact]
    public void The_same_card_written_with_different_separators_is_the_same_secret()
    {
        var dashes = CardKeyImport.Parse("100001----pw0001", Pair(CardKeySeparator.Dashes));
        var comma = CardKeyImport.Parse("100001,pw0001", Pair(CardKeySeparator.Comma));
        var pipe = CardKeyImport.Parse("100001|pw0001", Pair(CardKeySeparator.Pipe));
        var tab = CardKeyImport.Parse("100001\tpw0001", Pair(CardKeySeparator.Tab));
        var custom = CardKeyImport.Parse("100001##pw0001", Pair(CardKeySeparator.Custom, "##"));

        Assert.All(new[] { dashes, comma, pipe, tab, custom }, p => Assert.Equal(["100001 pw0001"], Secrets(p)));
    }

    [Fact]
    public void A_pair_line_without_the_separator_is_malformed_with_a_chinese_reason()
    {
        var preview = CardKeyImport.Parse("100001----pw0001\n100002 pw0002\n", Pair(CardKeySeparator.Dashes));

        Assert.Equal(1, preview.NewCount);
        var problem = Assert.Single(preview.Problems);
        Assert.Equal(2, problem.LineNumber);
        Assert.Equal(CardKeyLineKind.Malformed, problem.Kind);
        Assert.Equal("缺少分隔符 “----”", problem.Reason);
        Assert.Equal("100002 pw0002", problem.Excerpt);
    }

    [Theory]
    [InlineData("a----b----c", "分隔符 “----” 出现多次")]
    [InlineData("----pw", "卡号为空")]
    [InlineData("100001----", "密码为空")]
    [InlineData("1000 01----pw", "卡号或密码中含有空格")]
    public void Pair_lines_with_a_bad_shape_are_malformed(string line, string reason)
    {
        var problem = Assert.Single(CardKeyImport.Parse(line, Pair(CardKeySeparator.Dashes)).Problems);
        Assert.Equal(CardKeyLineKind.Malformed, problem.Kind);
        Assert.Equal(reason, problem.Reason);
    }

    [Fact]
    public void A_line_longer_than_1024_characters_is_malformed()
    {
        var preview = CardKeyImport.Parse("OK-1\n" + new string('x', 1025) + "\n" + new string('y', 1024), Single);

        Assert.Equal(2, preview.NewCount);
        var problem = Assert.Single(preview.Problems);
        Assert.Equal(2, problem.LineNumber);
        Assert.Equal("超过 1024 个字符", problem.Reason);
        Assert.EndsWith("…", problem.Excerpt);
    }

    [Theory]
    [InlineData("AB\u0001CD")]
    [InlineData("AB\u200BCD")] // zero-width space
    [InlineData("AB\tCD")] // a tab is only a separator
    [InlineData("AB\u2028CD")]
    public void Control_and_invisible_characters_make_a_line_malformed(string line)
    {
        var preview = CardKeyImport.Parse(line, Single);

        Assert.Equal(0, preview.NewCount);
        Assert.Equal("含有控制字符或不可见字符", Assert.Single(preview.Problems).Reason);
        Assert.DoesNotContain(line[2], Assert.Single(preview.Problems).Excerpt);
    }

    [Fact]
    public void An_emoji_is_not_an_invisible_character()
    {
        Assert.Equal(1, CardKeyImport.Parse("KEY-😀-1", Single).NewCount);
    }

    [Fact]
    public void A_duplicate_within_the_batch_names_the_first_line()
    {
        var preview = CardKeyImport.Parse("K1\nK2\nK1\nK1", Single);

        Assert.Equal(["K1", "K2"], Secrets(preview));
        Assert.Equal(2, preview.DuplicateInBatchCount);
        Assert.All(preview.Problems, p => Assert.Equal("与第 1 行重复", p.Reason));
        Assert.Equal([3, 4], preview.Problems.Select(p => p.LineNumber).ToArray());
    }

    [Fact]
    public void Keys_differing_only_in_case_are_different_keys()
    {
        Assert.Equal(2, CardKeyImport.Parse("abc\nABC", Single).NewCount);
    }

    [Fact]
    public void Counts_add_up_to_the_lines()
    {
        var preview = CardKeyImport.Parse("100001----a\n\n100001----a\nbroken\n100002----b\n", Pair(CardKeySeparator.Dashes));

        Assert.Equal(5, preview.LineCount);
        Assert.Equal(preview.LineCount, preview.NewCount + preview.DuplicateInBatchCount + preview.BlankCount + preview.MalformedCount + preview.DuplicateExistingCount);
        Assert.Equal((2, 1, 1, 1), (preview.NewCount, preview.DuplicateInBatchCount, preview.BlankCount, preview.MalformedCount));
    }

    [Fact]
    public void Keys_found_in_the_inventory_move_to_the_problems_in_line_order()
    {
        var preview = CardKeyImport.Parse("K1\nbad\tkey\nK2\nK3", Single).WithExisting(new HashSet<int> { 1, 4 });

        Assert.Equal(["K2"], Secrets(preview));
        Assert.Equal(2, preview.DuplicateExistingCount);
        Assert.Equal([1, 2, 4], preview.Problems.Select(p => p.LineNumber).ToArray());
        Assert.Equal("该卡密已在库存中", preview.Problems[0].Reason);
    }

    [Fact]
    public void An_empty_custom_separator_refuses_the_import()
    {
        var preview = CardKeyImport.Parse("a b", Pair(CardKeySeparator.Custom, ""));

        Assert.Equal("请填写自定义分隔符", preview.Error);
        Assert.False(preview.CanImport);
    }

    [Fact]
    public void Nothing_to_import_cannot_be_imported()
    {
        Assert.False(CardKeyImport.Parse("\n \n", Single).CanImport);
    }

    [Fact]
    public void A_reusable_product_accepts_exactly_one_key()
    {
        var one = CardKeyImport.Parse("SHARED-KEY\nSHARED-KEY\n", Single).ForReusableProduct(productAlreadyHasKey: false);
        Assert.Null(one.Error);
        Assert.True(one.CanImport);

        var two = CardKeyImport.Parse("KEY-1\nKEY-2", Single).ForReusableProduct(productAlreadyHasKey: false);
        Assert.Equal("循环卡密商品只能导入 1 个卡密，本次有 2 个", two.Error);
        Assert.False(two.CanImport);

        var again = CardKeyImport.Parse("KEY-3", Single).ForReusableProduct(productAlreadyHasKey: true);
        Assert.Equal("循环卡密商品已有一个可用卡密，只能有一个：请先作废旧卡密再导入", again.Error);
    }

    [Fact]
    public void Records_take_the_first_column_or_the_first_two_and_never_drop_extra_columns_silently()
    {
        CardKeyRecord R(int line, params string[] fields) => new(line, fields);

        var single = CardKeyImport.FromRecords([R(1, " K1 "), R(2, "K2", ""), R(3, ""), R(4, "K3", "x")], CardKeyImportMode.Single);
        Assert.Equal(["K1", "K2"], Secrets(single));
        Assert.Equal(1, single.BlankCount);
        Assert.Equal(4, Assert.Single(single.Problems).LineNumber);

        var pair = CardKeyImport.FromRecords([R(1, "100001", "pw1"), R(2, "100002"), R(3, "100003", "pw3", "extra")], CardKeyImportMode.Pair);
        Assert.Equal(["100001 pw1"], Secrets(pair));
        Assert.Equal(["缺少密码列", "列数过多：只应有卡号和密码两列"], pair.Problems.Select(p => p.Reason).ToArray());
    }
}
