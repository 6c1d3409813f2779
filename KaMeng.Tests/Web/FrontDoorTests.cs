using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Payments;
using KaMeng.Web.Features.Shared;
using KaMeng.Web.Features.Stations;
using KaMeng.Web.Features.Substations;
using KaMeng.Web.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace KaMeng.Tests.Web;

/// <summary>Issue 16 §4: headers on every answer, links built from the configured public address, no third-party media.</summary>
[Collection(SharedAppCollection.Name)]
public class FrontDoorTests(KaMengApp app)
{
    [Theory]
    [InlineData("/")]
    [InlineData("/s/demo/")]
    [InlineData("/account/login")]
    [InlineData("/healthz")]
    [InlineData("/readyz")]
    [InlineData("/no-such-page")]
    public async Task Every_answer_carries_the_security_headers(string path)
    {
        using var client = app.NewHttpClient();
        using var response = await client.GetAsync(path);
        var csp = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'self'", csp);
        Assert.Contains("script-src 'self' 'nonce-", csp);
        Assert.Contains("frame-ancestors 'self'", csp);
        Assert.DoesNotContain("unsafe-eval", csp);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("strict-origin-when-cross-origin", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        Assert.Contains("camera=()", Assert.Single(response.Headers.GetValues("Permissions-Policy")));
    }

    [Fact]
    public async Task The_pages_one_inline_script_carries_the_nonce_of_its_policy()
    {
        using var client = app.NewHttpClient();
        using var response = await client.GetAsync("/");
        var csp = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        var nonce = csp.Split("'nonce-")[1].Split('\'')[0];
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("<script type=\"importmap\"", html);
        Assert.Contains($"nonce=\"{nonce}\"", html);
        Assert.DoesNotContain("javascript:", html);
    }

    [Fact]
    public void Links_for_gateways_and_mails_come_from_the_public_base_url_never_the_host_header()
    {
        var services = new ServiceCollection();
        services.AddSingleton(Options.Create(new KaMengOptions { PublicBaseUrl = "https://kameng.example/" }));
        var current = new CurrentStation();
        current.Set(new StationInfo(7, "demo", "演示分站", Station.MainStationId, "default", StationStatus.Active, null, null, null, null, null, null), "");
        services.AddSingleton(current);
        var http = new DefaultHttpContext { RequestServices = services.BuildServiceProvider() };
        http.Request.Scheme = "http";
        http.Request.Host = new HostString("evil.example");

        var site = SiteAddress.Of(http.Request);

        Assert.Equal("https://kameng.example/pay/epay/notify", site.NotifyUrl);
        Assert.Equal("https://kameng.example/s/demo/pay/result/M1", site.ReturnUrl("M1"));
    }

    [Theory]
    [InlineData("![x](https://evil.example/track.png)")]
    [InlineData("![x](//evil.example/track.png)")]
    [InlineData("![x](/\\evil.example/track.png)")]
    [InlineData("![video](https://www.youtube.com/watch?v=dQw4w9WgXcQ)")]
    [InlineData("![clip](https://evil.example/clip.mp4)")]
    public void Markdown_embeds_nothing_from_another_site(string markdown)
    {
        var html = new MarkdownRenderer().Render(markdown);
        Assert.DoesNotContain("evil.example", html);
        Assert.DoesNotContain("youtube", html);
        Assert.DoesNotContain("<iframe", html);
        Assert.DoesNotContain("<video", html);
    }

    [Fact]
    public void Markdown_keeps_images_of_this_site_and_links_to_others()
    {
        var html = new MarkdownRenderer().Render("![logo](/uploads/a.png) [官网](https://example.com/)");
        Assert.Contains("src=\"/uploads/a.png\"", html);
        Assert.Contains("href=\"https://example.com/\"", html);
    }

    [Theory]
    [InlineData("https://evil.example/logo.png")]
    [InlineData("//evil.example/logo.png")]
    [InlineData("http://127.0.0.1/logo.png")]
    public async Task A_logo_from_another_site_is_refused(string url)
    {
        var station = (await app.Services.GetRequiredService<StationDirectory>().ByCodeAsync("demo"))!;
        var error = await app.Services.CreateScope().ServiceProvider.GetRequiredService<SubstationService>().UpdateBrandingAsync(station.Id,
            new SubstationService.Branding("演示分站", null, null, null, null, null, url, null, null, null, null, null), new AuditActor("admin-id", "admin", null));
        Assert.Equal("图片须为本站上传的图片或站内路径（以 / 开头）", error);
    }
}
