using KaMeng.Web.Features.Storefront;

namespace KaMeng.Tests.Storefront;

public class PurchaseNoticeTests
{
    [Fact]
    public void The_section_under_a_purchase_notes_heading_is_split_from_the_description()
    {
        var (notice, rest) = PurchaseNotice.Split("介绍\n\n### 购买须知：\n- 不退换\n\n#### 细则\n写在须知里\n\n## 使用方法\n登录兑换");
        Assert.Equal("- 不退换\n\n#### 细则\n写在须知里", notice);
        Assert.Equal("介绍\n\n## 使用方法\n登录兑换", rest);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("只有介绍，提到购买须知但不是标题")]
    [InlineData("#购买须知 没有空格不是标题")]
    public void Without_such_a_heading_there_is_no_notice_and_the_description_is_unchanged(string? markdown)
    {
        var (notice, rest) = PurchaseNotice.Split(markdown);
        Assert.Null(notice);
        Assert.Equal(markdown, rest);
    }

    [Fact]
    public void A_notice_that_is_the_whole_description_leaves_no_description()
    {
        var (notice, rest) = PurchaseNotice.Split("# 购买须知\r\n售出不退");
        Assert.Equal("售出不退", notice);
        Assert.Null(rest);
    }
}
