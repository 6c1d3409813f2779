using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Builder;
using KaMeng.Web.Features.Health;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Storefront;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KaMeng.Tests.Web;

/// <summary>Issue 18 §4: anonymous storefront pages served from the output cache, evicted by station tag on every write
/// they show, never holding a buyer's own page, at most 2 s stale for stock; /readyz without a connection per call.</summary>
public partial class StorefrontCacheTests(KaMengApp app) : IClassFixture<KaMengApp>
{
    static readonly AuditActor Platform = new("admin-id", "admin", null);

    /// <summary>A URL of its own per test (the query string is part of the key), so tests never share entries.</summary>
    static string Fresh(string path) => $"{path}?t={Guid.NewGuid():N}";

    static bool Hit(HttpResponseMessage r) => r.Headers.TryGetValues(StorefrontCachePolicy.HitHeader, out var v) && v.Contains("hit");

    async Task<(HttpResponseMessage Response, string Html)> GetAsync(HttpClient http, string url, string? host = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (host is not null) request.Headers.Host = $"{host}:{app.Port}";
        var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (response, await response.Content.ReadAsStringAsync());
    }

    async Task<Product> ShownProductAsync(DeliveryType? type = null)
    {
        await using var db = app.NewContext();
        return await db.Products.AsNoTracking().Where(p => p.StationId == Station.MainStationId && p.OnShelf && !p.Deleted && (type == null || p.DeliveryType == type))
            .OrderBy(p => p.Id).FirstAsync();
    }

    [Fact]
    public async Task The_second_anonymous_request_is_served_from_the_cache_with_the_policy_its_nonce_was_rendered_under()
    {
        using var http = app.NewHttpClient();
        var url = Fresh("/s/demo/");
        var (first, firstHtml) = await GetAsync(http, url);
        var (second, secondHtml) = await GetAsync(http, url);
        Assert.False(Hit(first));
        Assert.True(Hit(second));
        Assert.Equal(firstHtml, secondHtml);
        // The import map's nonce in the cached HTML is the one its Content-Security-Policy allows.
        var nonce = NonceAttribute().Match(secondHtml).Groups[1].Value;
        Assert.NotEmpty(nonce);
        Assert.Contains($"'nonce-{nonce}'", second.Headers.GetValues("Content-Security-Policy").Single());
        Assert.DoesNotContain("__RequestVerificationToken", secondHtml);
    }

    [Fact]
    public async Task A_price_change_and_a_product_edit_show_on_the_next_request_of_every_station()
    {
        using var http = app.NewHttpClient();
        var product = await ShownProductAsync();
        // The substation's category page (its home may carry another test's published layout).
        string main = Fresh("/"), demo = Fresh($"/s/demo/category/{product.CategoryId}");
        await GetAsync(http, main);
        await GetAsync(http, demo);
        Assert.True(Hit((await GetAsync(http, main)).Response));
        Assert.True(Hit((await GetAsync(http, demo)).Response));

        var price = Money.FromFen(98_765);
        await using (var db = app.NewContext())
        {
            var p = await db.Products.SingleAsync(x => x.Id == product.Id);
            p.BasePrice = price;
            p.Name = "缓存测试改名商品";
            await db.SaveChangesAsync();
        }

        var (mainAfter, mainHtml) = await GetAsync(http, main);
        Assert.False(Hit(mainAfter));
        Assert.Contains(price.ToString(), mainHtml);
        Assert.Contains("缓存测试改名商品", mainHtml);
        // The substation resells the main catalogue: its page was evicted too.
        var (demoAfter, demoHtml) = await GetAsync(http, demo);
        Assert.False(Hit(demoAfter));
        Assert.Contains("缓存测试改名商品", demoHtml);
        Assert.True(Hit((await GetAsync(http, demo)).Response));
    }

    [Fact]
    public async Task A_builder_publish_with_a_theme_shows_on_the_next_request()
    {
        using var http = app.NewHttpClient();
        var demo = Fresh("/s/demo/");
        var (_, before) = await GetAsync(http, demo);
        Assert.True(Hit((await GetAsync(http, demo)).Response));
        Assert.DoesNotContain("/themes/fresh/theme.css", before);

        var layouts = app.Services.GetRequiredService<LayoutService>();
        var stationId = (await app.Services.GetRequiredService<KaMeng.Web.Features.Stations.StationDirectory>().ByCodeAsync("demo"))!.Id;
        var home = (await layouts.PagesAsync(stationId, Platform)).Single(p => p.IsHome);
        var layout = new PageLayout([new LayoutBlock(LayoutService.NewBlockId(), BlockTypes.Announcement, false, false, new AnnouncementSettings { Text = "缓存后立即可见的公告" })], "fresh");
        Assert.Empty(await layouts.SaveDraftAsync(stationId, home.Id, layout.ToJson(), Platform));
        Assert.Null(await layouts.PublishAsync(stationId, home.Id, Platform));

        var (after, html) = await GetAsync(http, demo);
        Assert.False(Hit(after));
        Assert.Contains("缓存后立即可见的公告", html);
        Assert.Contains("/themes/fresh/theme.css", html);
    }

    [Fact]
    public async Task A_signed_in_buyers_page_never_reaches_an_anonymous_visitor_and_the_other_way_round()
    {
        var url = Fresh("/s/demo/");
        using var anonymous = app.NewHttpClient();
        var (_, anonymousFirst) = await GetAsync(anonymous, url);
        Assert.DoesNotContain("data-testid=\"logout\"", anonymousFirst);

        using var buyer = await SignedInHttp.SignInAsync(app, "demo-buyer", TestAccounts.DemoPassword, "/s/demo");
        for (var i = 0; i < 2; i++)
        {
            var response = await buyer.Client.GetAsync(url);
            var html = await response.Content.ReadAsStringAsync();
            Assert.False(Hit(response));
            Assert.Contains("data-testid=\"logout\"", html);
            Assert.Contains("demo-buyer", html);
        }

        var (again, anonymousHtml) = await GetAsync(anonymous, url);
        Assert.True(Hit(again));
        Assert.DoesNotContain("demo-buyer", anonymousHtml);
        Assert.DoesNotContain("__RequestVerificationToken", anonymousHtml);
    }

    [Fact]
    public async Task A_page_with_an_antiforgery_form_is_never_served_from_the_cache()
    {
        var product = await ShownProductAsync();
        using var http = app.NewHttpClient();
        var url = Fresh($"/s/demo/product/{product.Id}");
        for (var i = 0; i < 3; i++) Assert.False(Hit((await GetAsync(http, url)).Response));
    }

    [Fact]
    public async Task One_stations_page_is_never_served_on_another_stations_host()
    {
        using var http = app.NewHttpClient();
        var url = Fresh("/");
        var (_, demo) = await GetAsync(http, url, "demo.localhost");
        var (mainResponse, main) = await GetAsync(http, url, "localhost");
        Assert.Contains("演示分站", demo);
        Assert.False(Hit(mainResponse));
        Assert.Contains("卡盟总站", main);
        Assert.DoesNotContain("演示分站", main);
        var (demoAgain, demoHtml) = await GetAsync(http, url, "demo.localhost");
        Assert.True(Hit(demoAgain));
        Assert.Contains("演示分站", demoHtml);
    }

    [Fact]
    public async Task A_sold_out_product_stops_showing_as_available_within_two_seconds()
    {
        var product = await ShownProductAsync(DeliveryType.CardKey);
        using var http = app.NewHttpClient();
        var url = Fresh("/");
        Assert.False(SoldOut(await GetAsync(http, url), product.Name));

        // A sale outside SaveChanges's view of the catalogue (card keys are not evicted on): only the 2 s lifetime applies.
        await using (var db = app.NewContext())
            await db.CardKeys.Where(k => k.ProductId == product.Id && k.Status == CardKeyStatus.Available)
                .ExecuteUpdateAsync(u => u.SetProperty(k => k.Status, CardKeyStatus.Void));
        var soldAt = Stopwatch.StartNew();

        // What matters is when a stale answer was asked for, not how long a loaded machine takes to deliver it: every
        // request that still shows the product available must have started within the 2 s lifetime (a request reaches
        // the cache after it starts, so its start is the earlier, stricter time).
        var lastStaleStart = TimeSpan.Zero;
        await Poll.UntilAsync(async () =>
        {
            var started = soldAt.Elapsed;
            var shown = SoldOut(await GetAsync(http, url), product.Name);
            if (!shown) lastStaleStart = started;
            return shown;
        }, "the sold-out badge", 10);
        Assert.True(lastStaleStart < TimeSpan.FromSeconds(2.05), $"a request {lastStaleStart.TotalSeconds:F2} s after the sale still showed it available");
    }

    static bool SoldOut((HttpResponseMessage, string Html) page, string name)
    {
        var at = page.Html.IndexOf($"<div class=\"product-name\">{WebUtility.HtmlEncode(name)}</div>", StringComparison.Ordinal);
        Assert.True(at >= 0, $"{name} is not on the page");
        var card = page.Html[at..page.Html.IndexOf("</a>", at, StringComparison.Ordinal)];
        return card.Contains("已售罄");
    }

    [Fact]
    public async Task Readyz_does_not_ask_the_database_per_call()
    {
        using var http = app.NewHttpClient();
        var probe = app.Services.GetRequiredService<HealthProbe>();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/readyz")).StatusCode);
        var before = probe.Checks;
        var clock = Stopwatch.StartNew();
        var responses = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => http.GetAsync("/readyz")));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        // At most one new check per second that passed (plus the one running when the burst began).
        Assert.True(probe.Checks - before <= 2 + (int)clock.Elapsed.TotalSeconds, $"{probe.Checks - before} checks for 40 calls");
    }

    [GeneratedRegex("nonce=\"([0-9A-F]{32})\"")]
    private static partial Regex NonceAttribute();
}
