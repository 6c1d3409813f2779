using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Builder;
using KaMeng.Web.Features.Orders;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KaMeng.Tests.Builder;

/// <summary>The builder is the single owner of a station's theme (decision record 0014): the home page's draft holds
/// the theme and its token overrides, and only publishing (or rolling back) the home page changes the station.</summary>
public class BuilderThemeOwnerTests(KaMengApp app) : IClassFixture<KaMengApp>
{
    static readonly AuditActor Owner = new("owner-id", "demo-owner", 2);
    LayoutService Layouts => app.Services.GetRequiredService<LayoutService>();

    async Task<(int PageId, PageLayout Draft)> HomeDraftAsync(int stationId, AuditActor actor)
    {
        var home = (await Layouts.PagesAsync(stationId, actor)).Single(p => p.IsHome);
        return (home.Id, (await Layouts.OpenAsync(stationId, home.Id, actor))!.Value.Draft);
    }

    async Task<Station> StationAsync(int id)
    {
        await using var db = app.NewContext();
        return await db.Stations.AsNoTracking().SingleAsync(s => s.Id == id);
    }

    async Task SetLiveThemeAsync(int id, string theme, string? tokensJson)
    {
        await using var db = app.NewContext();
        await db.Stations.Where(s => s.Id == id).ExecuteUpdateAsync(u => u.SetProperty(s => s.Theme, theme).SetProperty(s => s.ThemeTokensJson, tokensJson));
    }

    [Fact]
    public async Task A_theme_chosen_in_the_home_draft_reaches_the_station_only_when_the_home_page_is_published()
    {
        var (pageId, draft) = await HomeDraftAsync(2, Owner);
        var dark = draft with { Theme = "dark", ThemeTokens = new Dictionary<string, string> { ["--km-primary"] = "#e91e63" } };
        Assert.Empty(await Layouts.SaveDraftAsync(2, pageId, dark.ToJson(), Owner));
        var before = await StationAsync(2);
        Assert.NotEqual("dark", before.Theme); // a draft changes nothing live

        Assert.Null(await Layouts.PublishAsync(2, pageId, Owner));
        var after = await StationAsync(2);
        Assert.Equal("dark", after.Theme);
        Assert.Equal("""{"--km-primary":"#e91e63"}""", after.ThemeTokensJson);
        await using var db = app.NewContext();
        var entry = await db.AuditEntries.AsNoTracking().Where(a => a.Action == "layout.publish" && a.StationId == 2).OrderByDescending(a => a.Id).FirstAsync();
        Assert.Contains("主题 dark", entry.Detail);
        Assert.Equal("demo-owner", entry.UserName);

        // Rolling back to a version with another theme restores that theme too.
        var fresh = dark with { Theme = "fresh", ThemeTokens = null };
        Assert.Empty(await Layouts.SaveDraftAsync(2, pageId, fresh.ToJson(), Owner));
        Assert.Null(await Layouts.PublishAsync(2, pageId, Owner));
        var freshLive = await StationAsync(2);
        Assert.Equal(("fresh", (string?)null), (freshLive.Theme, freshLive.ThemeTokensJson));
        var darkVersion = (await Layouts.OpenAsync(2, pageId, Owner))!.Value.Page.Versions.Max(v => v.Number) - 1;
        Assert.Null(await Layouts.RollBackAsync(2, pageId, darkVersion, Owner));
        Assert.Equal("dark", (await StationAsync(2)).Theme);
    }

    [Fact]
    public async Task A_draft_without_a_theme_starts_from_the_stations_live_theme_so_publishing_never_resets_it()
    {
        var platform = new AuditActor("admin-id", "admin", null);
        var (pageId, _) = await HomeDraftAsync(Station.MainStationId, platform);
        // A theme that is live but not in the draft (a station from before the builder owned themes).
        await SetLiveThemeAsync(Station.MainStationId, "fresh", """{"--km-font-scale":"1.2"}""");
        Assert.Empty(await Layouts.SaveDraftAsync(Station.MainStationId, pageId, new PageLayout([new("faq001", BlockTypes.Faq, false, false, new FaqSettings())]).ToJson(), platform));

        var opened = (await Layouts.OpenAsync(Station.MainStationId, pageId, platform))!.Value.Draft;
        Assert.Equal("fresh", opened.Theme);
        Assert.Equal("1.2", opened.ThemeTokens!["--km-font-scale"]);
        Assert.Null(await Layouts.PublishAsync(Station.MainStationId, pageId, platform));
        var main = await StationAsync(Station.MainStationId);
        Assert.Equal("fresh", main.Theme);
        Assert.Equal("""{"--km-font-scale":"1.2"}""", main.ThemeTokensJson);
        await SetLiveThemeAsync(Station.MainStationId, "default", null);
    }

    [Fact]
    public async Task Bad_themes_and_token_values_are_refused_in_Chinese_and_nothing_is_stored_or_applied()
    {
        var (pageId, draft) = await HomeDraftAsync(2, Owner);
        var stored = (await Layouts.OpenAsync(2, pageId, Owner))!.Value.Page.DraftJson;
        var live = await StationAsync(2);
        async Task<string> RefusedAsync(string? theme, Dictionary<string, string>? tokens) =>
            string.Join(" ", await Layouts.SaveDraftAsync(2, pageId, (draft with { Theme = theme, ThemeTokens = tokens }).ToJson(), Owner));

        Assert.Contains("主题不存在", await RefusedAsync("../../etc", null));
        Assert.Contains("颜色须为", await RefusedAsync("dark", new() { ["--km-primary"] = "red;}body{x}" }));
        Assert.Contains("数值过长", await RefusedAsync("dark", new() { ["--km-primary"] = "red;}body{display:none" }));
        Assert.Contains("没有可调整的项", await RefusedAsync("dark", new() { ["--km-bg"] = "#000" }));
        Assert.Equal(stored, (await Layouts.OpenAsync(2, pageId, Owner))!.Value.Page.DraftJson);

        // A custom page has no theme of its own, and an owner cannot set another station's theme.
        var (about, _) = await Layouts.CreatePageAsync(2, "theme-free", "说明", Owner);
        Assert.Equal(["主题只能在首页设置"], await Layouts.SaveDraftAsync(2, about!.Id, new PageLayout([], "dark").ToJson(), Owner));
        Assert.Equal(["分站不存在"], await Layouts.SaveDraftAsync(Station.MainStationId, 1, new PageLayout([], "dark").ToJson(), Owner));
        var after = await StationAsync(2);
        Assert.Equal((live.Theme, live.ThemeTokensJson), (after.Theme, after.ThemeTokensJson));
    }
}
