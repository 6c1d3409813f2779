using System.Net;
using System.Text.Json;
using KaMeng.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace KaMeng.Tests.Web;

public class RoutingTests(KaMengApp app) : IClassFixture<KaMengApp>
{
    [Fact]
    public async Task Readyz_reports_the_provider_and_that_the_database_answered()
    {
        using var http = app.NewHttpClient();
        var response = await http.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Sqlite", json.RootElement.GetProperty("database").GetProperty("provider").GetString());
        Assert.True(json.RootElement.GetProperty("database").GetProperty("answered").GetBoolean());
    }

    [Theory]
    [InlineData("/", "卡盟总站")]
    [InlineData("/s/demo/", "演示分站")]
    public async Task Storefront_of_each_station_shows_its_name(string path, string name)
    {
        using var http = app.NewHttpClient();
        var html = await http.GetStringAsync(path);
        Assert.Contains($"class=\"store-brand\" href>{name}</a>", html);
    }

    [Fact]
    public async Task A_bound_host_reaches_its_substation()
    {
        using var http = app.NewHttpClient();
        var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Host = $"demo.localhost:{app.Port}";
        var html = await (await http.SendAsync(request)).Content.ReadAsStringAsync();
        Assert.Contains("演示分站", html);
    }

    [Theory]
    [InlineData("/s/no-such-station/")]
    [InlineData("/no-such-page")]
    [InlineData("/s/demo/admin")]
    public async Task Unknown_pages_are_404_in_chinese(string path)
    {
        using var http = app.NewHttpClient();
        var response = await http.GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("页面不存在", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Admin_requires_sign_in()
    {
        using var http = app.NewHttpClient();
        var response = await http.GetAsync("/admin");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/account/login", response.Headers.Location!.PathAndQuery);
    }

    [Fact]
    public async Task Blazor_client_script_is_dotnet_10s_own()
    {
        using var http = app.NewHttpClient();
        var response = await http.GetAsync("/_framework/blazor.web.js");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var script = await response.Content.ReadAsStringAsync();
        // .NET 10's script pauses and resumes circuits; the 9.0 one it replaces had neither, and was ~190 KB.
        Assert.Contains("pauseCircuit", script);
        Assert.Contains("resumeCircuit", script);
        Assert.InRange(script.Length, 195_000, 400_000);
    }

    [Fact]
    public async Task Admin_pages_carry_the_chinese_reconnect_dialog_and_storefront_pages_do_not()
    {
        using var admin = await SignedInHttp.SignInAsync(app, "admin", TestAccounts.AdminPassword);
        var (status, html) = await admin.GetAsync("/admin");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("id=\"components-reconnect-modal\"", html);
        Assert.Contains("正在重新连接", html);
        Assert.DoesNotContain("Rejoining", html);
        var script = await admin.Client.GetAsync("/Components/Layout/ReconnectModal.razor.js");
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);

        var storefront = await admin.Client.GetStringAsync("/");
        Assert.DoesNotContain("components-reconnect-modal", storefront);
    }

    [Fact]
    public async Task Logout_without_an_antiforgery_token_is_refused()
    {
        using var http = app.NewHttpClient();
        var response = await http.PostAsync("/account/logout", new FormUrlEncodedContent([new("returnUrl", "/")]));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}

public class StationBrandingRenderTests(KaMengApp app) : IClassFixture<KaMengApp>
{
    [Fact]
    public async Task A_substation_storefront_shows_its_seo_title_description_favicon_logo_and_footer()
    {
        await using (var db = app.NewContext())
        {
            var demo = await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.SingleAsync(db.Stations, s => s.Code == "demo");
            demo.SeoTitle = "演示分站 - 游戏点卡自动发货";
            demo.SeoDescription = "演示分站<script>，24 小时自动发货";
            demo.FaviconUrl = "/uploads/fav.png";
            demo.LogoUrl = "/uploads/logo.png";
            demo.FooterText = "本站由演示站长运营";
            await db.SaveChangesAsync();
        }
        app.Services.GetRequiredService<KaMeng.Web.Features.Stations.StationDirectory>().Invalidate();
        using var http = app.NewHttpClient();
        var html = await http.GetStringAsync("/s/demo/");
        Assert.Contains("<title>演示分站 - 游戏点卡自动发货</title>", html);
        Assert.Contains("<meta name=\"description\" content=\"演示分站&lt;script&gt;，24 小时自动发货\" />", html);
        Assert.Contains("<link rel=\"icon\" href=\"/uploads/fav.png\" />", html);
        Assert.Contains("src=\"/uploads/logo.png\"", html);
        Assert.Contains("本站由演示站长运营", html);
        Assert.DoesNotContain("演示分站 - 游戏点卡自动发货", await http.GetStringAsync("/"));
    }
}
