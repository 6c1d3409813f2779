using KaMeng.Domain;
using KaMeng.Web.Features.Shared;

namespace KaMeng.Tests.Builder;

public class PageLayoutTests
{
    internal static readonly LayoutRules Rules = new(
        path => UploadStore.IsStoredImagePath(path, "layout"),
        MarkdownRenderer.IsSafeUrl,
        (theme, _) => theme is "default" or "dark" or "fresh" ? null : "主题不存在");

    internal const string Image = "/uploads/layout/0123456789abcdef0123456789abcdef.png";

    static (PageLayout? Layout, IReadOnlyList<string> Errors) Parse(string json) => PageLayout.Parse(json.Replace('\'', '"'), Rules);

    [Fact]
    public void A_page_of_every_block_type_with_default_settings_is_accepted()
    {
        var blocks = BlockTypes.All.Select((t, i) => $"{{'id':'block{i:00}','type':'{t.Key}'}}");
        var (layout, errors) = Parse($"{{'blocks':[{string.Join(',', blocks)}]}}");
        Assert.Empty(errors);
        Assert.Equal(BlockTypes.All.Select(t => t.Key), layout!.Blocks.Select(b => b.Type));
        Assert.Equal(11, BlockTypes.All.Count);
    }

    [Fact]
    public void An_unknown_block_type_is_refused_with_its_name()
    {
        var (layout, errors) = Parse("{'blocks':[{'id':'abc123','type':'marquee'}]}");
        Assert.Null(layout);
        Assert.Contains("第 1 个区块的类型「marquee」不存在", errors);
    }

    [Fact]
    public void Settings_of_the_wrong_shape_or_unknown_fields_are_refused()
    {
        Assert.Contains("第 1 个区块「商品列表」的设置格式不正确", Parse("{'blocks':[{'id':'abc123','type':'product-grid','settings':{'columns':'many'}}]}").Errors);
        Assert.Contains("第 1 个区块「商品列表」的设置格式不正确", Parse("{'blocks':[{'id':'abc123','type':'product-grid','settings':{'onclick':'x'}}]}").Errors);
        Assert.Contains("第 1 个区块「公告栏」的设置格式不正确", Parse("{'blocks':[{'id':'abc123','type':'announcement','settings':{'text':null}}]}").Errors);
    }

    [Theory]
    [InlineData("{'columns':7}", "每行列数须在 1–6 之间")]
    [InlineData("{'count':0}", "显示数量须在 1–60 之间")]
    [InlineData("{'source':'category'}", "按分类展示时请填写分类编号")]
    [InlineData("{'source':'tag'}", "按标签展示时请填写标签")]
    [InlineData("{'source':'manual'}", "手选商品时请至少选择一个商品")]
    [InlineData("{'source':'random'}", "商品来源只能是 all、category、tag 或 manual")]
    public void A_product_grid_checks_its_source_columns_and_count(string settings, string message) =>
        Assert.Contains($"第 1 个区块「商品列表」：{message}", Parse($"{{'blocks':[{{'id':'abc123','type':'product-grid','settings':{settings}}}]}}").Errors);

    [Fact]
    public void A_product_grid_by_hand_picked_list_is_accepted()
    {
        var (layout, _) = Parse("{'blocks':[{'id':'abc123','type':'product-grid','settings':{'source':'manual','productIds':[3,1],'columns':2,'count':2}}]}");
        var grid = Assert.IsType<ProductGridSettings>(layout!.Blocks[0].Settings);
        Assert.Equal([3, 1], grid.ProductIds);
    }

    [Fact]
    public void Banner_images_must_be_uploaded_here_and_links_must_be_http_https_or_relative()
    {
        var errors = Parse("{'blocks':[{'id':'abc123','type':'banner','settings':{'slides':[{'image':'https://evil.example/x.svg','link':'javascript:alert(1)'}]}}]}").Errors;
        Assert.Contains("第 1 个区块「轮播图」：第 1 张轮播图必须是在本站上传的图片", errors);
        Assert.Contains("第 1 个区块「轮播图」：第 1 张轮播图的链接只能是 http、https 或站内相对地址", errors);
        Assert.Empty(Parse($"{{'blocks':[{{'id':'abc123','type':'banner','settings':{{'slides':[{{'image':'{Image}','link':'category/1'}}]}}}}]}}").Errors);
    }

    [Fact]
    public void Block_ids_are_required_and_unique()
    {
        Assert.Contains("第 1 个区块的编号无效", Parse("{'blocks':[{'type':'faq'}]}").Errors);
        Assert.Contains("第 2 个区块的编号与其他区块重复", Parse("{'blocks':[{'id':'abc123','type':'faq'},{'id':'abc123','type':'footer'}]}").Errors);
    }

    [Fact]
    public void The_theme_must_exist_and_tokens_need_a_theme()
    {
        Assert.Contains("主题不存在", Parse("{'theme':'neon','blocks':[]}").Errors);
        Assert.Contains("设置主题颜色前请先选择主题", Parse("{'themeTokens':{'--km-primary':'#ff0000'},'blocks':[]}").Errors);
        Assert.Equal("dark", Parse("{'theme':'dark','blocks':[]}").Layout!.Theme);
    }

    [Fact]
    public void Too_many_blocks_are_refused() =>
        Assert.Contains("一个页面最多 40 个区块", Parse($"{{'blocks':[{string.Join(',', Enumerable.Range(0, 41).Select(i => $"{{'id':'block{i:000}','type':'footer'}}"))}]}}").Errors);

    [Fact]
    public void A_parsed_layout_writes_the_same_layout_back()
    {
        var (layout, _) = Parse("{'theme':'fresh','blocks':[{'id':'abc123','type':'faq','hidden':true,'settings':{'items':[{'question':'Q','answer':'A'}]}}]}");
        var again = PageLayout.Parse(layout!.ToJson(), Rules).Layout!;
        Assert.Equal(layout.ToJson(), again.ToJson());
        Assert.True(again.Blocks[0].Hidden);
    }

    static readonly LayoutBlock Compliance = new("legal01", BlockTypes.Notice, false, true, new NoticeSettings { Kind = "holiday", Text = "合规提示" });

    [Fact]
    public void A_substation_cannot_remove_hide_or_change_a_block_the_main_station_locked()
    {
        var own = new LayoutBlock("mine01", BlockTypes.Faq, false, false, new FaqSettings());
        Assert.Empty(new PageLayout([own, Compliance]).CheckLocks(isMainStation: false, [Compliance]));
        Assert.Contains("「停业/节假日通知」由总站锁定，分站不能删除", new PageLayout([own]).CheckLocks(false, [Compliance]));
        Assert.Contains("「停业/节假日通知」由总站锁定，分站不能隐藏", new PageLayout([Compliance with { Hidden = true }]).CheckLocks(false, [Compliance]));
        Assert.Contains("「停业/节假日通知」由总站锁定，分站不能修改", new PageLayout([Compliance with { Settings = new NoticeSettings { Text = "改了" } }]).CheckLocks(false, [Compliance]));
    }

    [Fact]
    public void Only_the_main_station_locks_blocks()
    {
        var locked = new LayoutBlock("mine01", BlockTypes.Faq, false, true, new FaqSettings());
        Assert.Contains("只有总站可以锁定区块（「常见问题」）", new PageLayout([locked]).CheckLocks(false, []));
        Assert.Empty(new PageLayout([locked]).CheckLocks(true, []));
    }

    [Fact]
    public void Locked_blocks_a_page_lacks_are_shown_first()
    {
        var own = new LayoutBlock("mine01", BlockTypes.Faq, false, false, new FaqSettings());
        Assert.Equal(["legal01", "mine01"], new PageLayout([own]).WithLockedBlocks([Compliance]).Blocks.Select(b => b.Id));
    }
}

public class StorePageVersionTests
{
    static readonly DateTimeOffset T0 = new(2026, 11, 22, 8, 0, 0, TimeSpan.Zero);

    static PageLayout Layout(params string[] types) => new(types.Select((t, i) => new LayoutBlock($"block{i:00}", t, false, false, BlockTypes.Find(t)!.NewSettings())).ToList());

    [Fact]
    public void Edits_go_to_the_draft_until_published()
    {
        var page = new StorePage { StationId = 2, DraftJson = PageLayout.Empty.ToJson() };
        page.SaveDraft(Layout(BlockTypes.Banner), "owner", T0);
        Assert.Null(page.PublishedNumber);
        Assert.True(page.HasUnpublishedChanges);
        var v1 = page.Publish("owner", T0.AddMinutes(1));
        Assert.Equal((1, "owner", T0.AddMinutes(1)), (v1.Number, v1.PublishedBy, v1.PublishedAt));
        Assert.Equal(1, page.PublishedNumber);
        Assert.False(page.HasUnpublishedChanges);
    }

    [Fact]
    public void Every_published_version_is_kept_and_numbered_in_order()
    {
        var page = new StorePage { StationId = 2, DraftJson = Layout(BlockTypes.Banner).ToJson() };
        page.Publish("a", T0);
        page.SaveDraft(Layout(BlockTypes.ProductGrid, BlockTypes.Banner), "b", T0.AddHours(1));
        page.Publish("b", T0.AddHours(1));
        Assert.Equal([1, 2], page.Versions.Select(v => v.Number));
        Assert.Equal(["a", "b"], page.Versions.Select(v => v.PublishedBy));
        Assert.NotEqual(page.Versions[0].LayoutJson, page.Versions[1].LayoutJson);
    }

    [Fact]
    public void Rolling_back_republishes_the_old_version_as_a_new_one_and_puts_it_in_the_draft()
    {
        var page = new StorePage { StationId = 2, DraftJson = Layout(BlockTypes.Banner).ToJson() };
        var v1 = page.Publish("a", T0);
        page.SaveDraft(Layout(BlockTypes.Faq), "a", T0.AddHours(1));
        page.Publish("a", T0.AddHours(1));
        var v3 = page.RollBack(1, "admin", T0.AddHours(2));
        Assert.Equal((3, 1, "admin"), (v3.Number, v3.RestoredFrom, v3.PublishedBy));
        Assert.Equal(v1.LayoutJson, v3.LayoutJson);
        Assert.Equal(v1.LayoutJson, page.DraftJson);
        Assert.Equal(3, page.PublishedNumber);
        Assert.Equal(3, page.Versions.Count);
    }

    [Fact]
    public void Rolling_back_to_a_version_that_does_not_exist_is_refused()
    {
        var page = new StorePage { StationId = 2, DraftJson = PageLayout.Empty.ToJson() };
        Assert.Equal("版本 4 不存在", Assert.Throws<DomainException>(() => page.RollBack(4, "a", T0)).Message);
    }

    [Theory]
    [InlineData("about", null)]
    [InlineData("help-2", null)]
    [InlineData("", "请填写页面地址")]
    [InlineData("About", "页面地址只能用小写字母、数字和 -，最长 40 个字符，例如 about")]
    [InlineData("../admin", "页面地址只能用小写字母、数字和 -，最长 40 个字符，例如 about")]
    public void Custom_page_slugs_are_url_safe(string slug, string? error) => Assert.Equal(error, StorePage.CheckSlug(slug));
}
