using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Builder;
using KaMeng.Web.Features.Orders;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KaMeng.Tests.Builder;

public class LayoutServiceTests(KaMengApp app) : IClassFixture<KaMengApp>
{
    static readonly AuditActor Platform = new("admin-id", "admin", null);
    LayoutService Layouts => app.Services.GetRequiredService<LayoutService>();
    PublishedLayouts Published => app.Services.GetRequiredService<PublishedLayouts>();

    static string Json(params LayoutBlock[] blocks) => new PageLayout(blocks).ToJson();
    static LayoutBlock Faq(string id, bool locked = false) => new(id, BlockTypes.Faq, false, locked, new FaqSettings());

    async Task<int> CustomPageAsync(int stationId, string slug)
    {
        var (page, error) = await Layouts.CreatePageAsync(stationId, slug, "帮助", Platform);
        Assert.Null(error);
        return page!.Id;
    }

    [Fact]
    public async Task A_published_layout_is_read_once_and_read_again_only_after_a_publish()
    {
        var pageId = await CustomPageAsync(Station.MainStationId, "cache-test");
        Assert.Null(await Published.GetAsync(Station.MainStationId, "cache-test")); // drafts are not live
        Assert.Null(await Layouts.PublishAsync(Station.MainStationId, pageId, Platform));
        var first = await Published.GetAsync(Station.MainStationId, "cache-test");
        Assert.Same(first, await Published.GetAsync(Station.MainStationId, "cache-test"));

        Assert.Empty(await Layouts.SaveDraftAsync(Station.MainStationId, pageId, Json(Faq("faq001"), Faq("faq002")), Platform));
        Assert.Same(first, await Published.GetAsync(Station.MainStationId, "cache-test")); // a draft changes nothing live
        Assert.Null(await Layouts.PublishAsync(Station.MainStationId, pageId, Platform));
        var second = await Published.GetAsync(Station.MainStationId, "cache-test");
        Assert.NotSame(first, second);
        Assert.Equal(2, second!.Layout.Blocks.Count);

        Assert.Null(await Layouts.RollBackAsync(Station.MainStationId, pageId, 1, Platform));
        Assert.Equal(first!.Layout.ToJson(), (await Published.GetAsync(Station.MainStationId, "cache-test"))!.Layout.ToJson());
    }

    [Fact]
    public async Task A_custom_page_is_served_at_p_slug_once_published()
    {
        var pageId = await CustomPageAsync(2, "about");
        using var http = app.NewHttpClient();
        var unpublished = await http.GetAsync("/s/demo/p/about");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, unpublished.StatusCode);
        Assert.Contains("页面不存在", await unpublished.Content.ReadAsStringAsync());
        Assert.Null(await Layouts.PublishAsync(2, pageId, Platform));
        var html = await http.GetStringAsync("/s/demo/p/about");
        Assert.Contains("data-block-type=\"rich-text\"", html);
        Assert.Contains("帮助</h2>", html);
        Assert.Equal("页面地址 about 已被使用", (await Layouts.CreatePageAsync(2, "about", "又一个", Platform)).Error);
    }

    [Fact]
    public async Task Every_version_is_kept_with_its_time_and_author_and_the_home_page_theme_follows_a_rollback()
    {
        var owner = new AuditActor("owner-id", "demo-owner", 2);
        var home = (await Layouts.PagesAsync(2, owner)).Single(p => p.IsHome);
        var opened = (await Layouts.OpenAsync(2, home.Id, owner))!.Value;
        opened.Draft = opened.Draft with { Theme = "fresh" };
        Assert.Empty(await Layouts.SaveDraftAsync(2, home.Id, opened.Draft.ToJson(), owner));
        Assert.Null(await Layouts.PublishAsync(2, home.Id, owner));
        var dark = opened.Draft with { Theme = "dark" };
        Assert.Empty(await Layouts.SaveDraftAsync(2, home.Id, dark.ToJson(), owner));
        Assert.Null(await Layouts.PublishAsync(2, home.Id, owner));
        await using (var db = app.NewContext())
        {
            Assert.Equal("dark", db.Stations.Single(s => s.Id == 2).Theme);
            var versions = await db.StorePageVersions.Where(v => v.PageId == home.Id).OrderBy(v => v.Number).ToListAsync();
            Assert.True(versions.Count >= 2);
            Assert.All(versions, v => Assert.Equal("demo-owner", v.PublishedBy));
        }
        var v1 = (await Layouts.OpenAsync(2, home.Id, owner))!.Value.Page.Versions.Max(v => v.Number) - 1;
        Assert.Null(await Layouts.RollBackAsync(2, home.Id, v1, owner));
        await using (var db = app.NewContext())
            Assert.Equal(opened.Draft.Theme, db.Stations.Single(s => s.Id == 2).Theme);
    }

    [Fact]
    public async Task An_owner_cannot_touch_another_station_s_pages()
    {
        var owner = new AuditActor("owner-id", "demo-owner", 2);
        Assert.Empty(await Layouts.PagesAsync(Station.MainStationId, owner));
        Assert.Equal(["分站不存在"], await Layouts.SaveDraftAsync(Station.MainStationId, 1, Json(), owner));
        Assert.Equal("分站不存在", await Layouts.PublishAsync(Station.MainStationId, 1, owner));
    }

    [Fact]
    public async Task Blocks_the_main_station_locks_reach_substation_home_pages_which_cannot_remove_them()
    {
        var mainHome = (await Layouts.PagesAsync(Station.MainStationId, Platform)).Single(p => p.IsHome);
        var notice = new LayoutBlock("legal1", BlockTypes.Notice, false, true, new NoticeSettings { Text = "合规提示：未成年人禁止购买" });
        Assert.Empty(await Layouts.SaveDraftAsync(Station.MainStationId, mainHome.Id, Json(notice, Faq("mainfaq")), Platform));
        Assert.Null(await Layouts.PublishAsync(Station.MainStationId, mainHome.Id, Platform));

        var owner = new AuditActor("owner-id", "demo-owner", 2);
        var home = (await Layouts.PagesAsync(2, owner)).Single(p => p.IsHome);
        var opened = (await Layouts.OpenAsync(2, home.Id, owner))!.Value;
        Assert.Equal("legal1", opened.Draft.Blocks[0].Id); // shown in the substation's canvas
        Assert.Contains("「停业/节假日通知」由总站锁定，分站不能删除", await Layouts.SaveDraftAsync(2, home.Id, Json(Faq("ownfaq")), owner));
        Assert.Contains("只有总站可以锁定区块（「常见问题」）", await Layouts.SaveDraftAsync(2, home.Id, Json(notice, Faq("ownfaq", locked: true)), owner));
        Assert.Empty(await Layouts.SaveDraftAsync(2, home.Id, Json(Faq("ownfaq"), notice), owner)); // moving it is fine

        using var http = app.NewHttpClient();
        Assert.Contains("合规提示：未成年人禁止购买", await http.GetStringAsync("/s/demo/"));

        // Unlock again so that other tests of this app see a plain main station.
        Assert.Empty(await Layouts.SaveDraftAsync(Station.MainStationId, mainHome.Id, Json(Faq("mainfaq")), Platform));
        Assert.Null(await Layouts.PublishAsync(Station.MainStationId, mainHome.Id, Platform));
    }
}
