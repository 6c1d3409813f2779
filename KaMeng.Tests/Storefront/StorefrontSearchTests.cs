using System.Net;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Stations;
using KaMeng.Web.Features.Substations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KaMeng.Tests.Storefront;

/// <summary>搜索 (issue 18 §2): by name, tag or category, through the station's own catalogue.</summary>
public class StorefrontSearchTests(KaMengApp app) : IClassFixture<KaMengApp>
{
    static async Task<string> SearchAsync(HttpClient http, string basePath, string q) =>
        await http.GetStringAsync($"{basePath}/search?q={Uri.EscapeDataString(q)}");

    [Fact]
    public async Task Every_station_home_page_has_a_search_box()
    {
        using var http = app.NewHttpClient();
        Assert.Contains("data-testid=\"search-box\"", await http.GetStringAsync("/"));
        Assert.Contains("data-testid=\"search-box\"", await http.GetStringAsync("/s/demo/"));
    }

    [Fact]
    public async Task Search_finds_products_by_name_tag_and_category()
    {
        using var http = app.NewHttpClient();
        var byName = await SearchAsync(http, "", "steam");
        Assert.Contains("Steam 钱包 50 元", byName);
        Assert.DoesNotContain("王者荣耀 60 点券", byName);
        var byTag = await SearchAsync(http, "", "热门");
        Assert.Contains("王者荣耀 60 点券", byTag);
        Assert.Contains("爱奇艺黄金会员 月卡", byTag);
        Assert.DoesNotContain("Steam 钱包 50 元", byTag);
        var byCategory = await SearchAsync(http, "", "视频会员");
        Assert.Contains("爱奇艺黄金会员 月卡", byCategory);
        Assert.DoesNotContain("王者荣耀 60 点券", byCategory);
    }

    [Fact]
    public async Task Search_never_shows_a_product_the_substation_hid_and_quotes_the_substations_own_price()
    {
        int demoId, hiddenId, pricedId;
        string ownerId;
        await using (var db = app.NewContext())
        {
            var demo = await db.Stations.SingleAsync(s => s.Code == "demo");
            (demoId, ownerId) = (demo.Id, demo.OwnerUserId!);
            hiddenId = (await db.Products.SingleAsync(p => p.Name == "办公软件 年度授权")).Id;
            pricedId = (await db.Products.SingleAsync(p => p.Name == "代办服务（人工发货）")).Id;
            db.StationProducts.Add(new StationProduct { StationId = demoId, ProductId = hiddenId, Hidden = true });
            await db.SaveChangesAsync();
        }
        using (var scope = app.Services.CreateScope())
            Assert.Null(await scope.ServiceProvider.GetRequiredService<PriceRuleService>().SaveAsync(demoId,
                new PriceRuleInput(PriceRuleAudience.Selling, PriceRuleScope.Product, null, pricedId, PriceRuleKind.Fixed, "23.45", PriceRounding.Fen),
                new AuditActor(ownerId, "demo-owner", demoId)));
        app.Services.GetRequiredService<StationDirectory>().Invalidate();

        using var http = app.NewHttpClient();
        // The category "软件授权" holds both: the hidden one is missing at the substation, present at the main station.
        var atDemo = await SearchAsync(http, "/s/demo", "软件授权");
        Assert.DoesNotContain("办公软件 年度授权", atDemo);
        Assert.DoesNotContain($"product/{hiddenId}\"", atDemo);
        Assert.Contains("代办服务（人工发货）", atDemo);
        Assert.Contains("¥23.45", atDemo);
        Assert.Empty(System.Text.RegularExpressions.Regex.Matches(await SearchAsync(http, "/s/demo", "办公"), "data-testid=\"product-card\""));
        var atMain = await SearchAsync(http, "", "软件授权");
        Assert.Contains("办公软件 年度授权", atMain);
        Assert.DoesNotContain("¥23.45", atMain);
    }

    [Fact]
    public async Task An_empty_search_lists_nothing_and_is_not_an_error()
    {
        using var http = app.NewHttpClient();
        var response = await http.GetAsync("/search?q=");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("data-testid=\"product-card\"", await response.Content.ReadAsStringAsync());
    }
}
