using System.Net;
using System.Net.Sockets;
using System.Text;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Stations;
using KaMeng.Web.Features.Substations;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KaMeng.Tests.Web;

/// <summary>The app, with domain verification's HTTP calls for *.example.test sent to the app itself: as if those domains
/// already pointed at the platform. Other names go out as they are (and fail).</summary>
public sealed class DomainApp : KaMengApp
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(s => s.AddHttpClient(SubstationService.DomainVerificationClient)
            .ConfigurePrimaryHttpMessageHandler(() => new ToApp(Port)));
    }

    sealed class ToApp(int port) : DelegatingHandler(new SocketsHttpHandler { AllowAutoRedirect = false })
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            if (request.RequestUri!.Host.EndsWith(".example.test"))
            {
                request.Headers.Host = request.RequestUri.Host;
                request.RequestUri = new UriBuilder(request.RequestUri) { Host = "127.0.0.1", Port = port }.Uri;
            }
            return base.SendAsync(request, ct);
        }
    }
}

/// <summary>Issue 16 §2: a station's domain is its own.</summary>
public class DomainBindingTests(DomainApp app) : IClassFixture<DomainApp>
{
    static readonly AuditActor Platform = new("admin-id", "admin", null);

    SubstationService Substations => app.Services.CreateScope().ServiceProvider.GetRequiredService<SubstationService>();

    async Task<(StationInfo Demo, AuditActor Owner)> DemoAsync()
    {
        var demo = (await app.Services.GetRequiredService<StationDirectory>().ByCodeAsync("demo"))!;
        return (demo, new AuditActor(demo.OwnerUserId!, "demo-owner", demo.Id));
    }

    async Task<StationHost> HostAsync(string host)
    {
        await using var db = app.NewContext();
        return await db.StationHosts.AsNoTracking().SingleAsync(h => h.Host == host);
    }

    /// <summary>The storefront's title for a request with this Host header.</summary>
    async Task<string> StoreNameAsync(string host)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, app.Port);
        await using var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"));
        var html = await new StreamReader(stream, Encoding.UTF8).ReadToEndAsync();
        return html.Contains("演示分站") ? "demo" : "main";
    }

    [Theory]
    [InlineData("victim.localhost")]
    [InlineData("www.localhost")]
    [InlineData("a.b.localhost")]
    public async Task A_name_under_the_platforms_root_domain_cannot_be_bound(string host)
    {
        var (demo, owner) = await DemoAsync();
        Assert.Equal("平台域名及其子域名不能绑定（本站的 编号.平台域名 已自动可用）", await Substations.BindHostAsync(demo.Id, host, owner));
        await using var db = app.NewContext();
        Assert.False(await db.StationHosts.AnyAsync(h => h.Host == host));
    }

    [Fact]
    public async Task A_bound_domain_serves_the_station_only_after_its_token_is_found_on_it()
    {
        var (demo, owner) = await DemoAsync();
        Assert.Null(await Substations.BindHostAsync(demo.Id, "shop.example.test", owner));
        var host = await HostAsync("shop.example.test");
        Assert.False(host.IsVerified);
        Assert.Equal(32, host.VerificationToken.Length);
        Assert.Equal("main", await StoreNameAsync("shop.example.test")); // pending: not the demo's yet

        // The platform answers the well-known path on that host itself, so a domain pointed at it verifies at once.
        using (var client = app.NewHttpClient())
        {
            var request = new HttpRequestMessage(HttpMethod.Get, StationHost.WellKnownPath) { Headers = { Host = "shop.example.test" } };
            Assert.Equal(host.VerificationToken, await (await client.SendAsync(request)).Content.ReadAsStringAsync());
        }
        Assert.Null(await Substations.VerifyHostAsync(demo.Id, host.Id, owner));

        Assert.True((await HostAsync("shop.example.test")).IsVerified);
        Assert.Equal("demo", await StoreNameAsync("shop.example.test"));
    }

    [Fact]
    public async Task A_domain_that_does_not_answer_its_token_stays_pending_and_only_platform_staff_may_confirm_it_by_hand()
    {
        var (demo, owner) = await DemoAsync();
        Assert.Null(await Substations.BindHostAsync(demo.Id, "shop.example.invalid", owner));
        var host = await HostAsync("shop.example.invalid");

        var refused = await Substations.VerifyHostAsync(demo.Id, host.Id, owner);
        Assert.StartsWith("验证未通过：请将域名解析到本平台", refused);
        Assert.Equal("只有平台管理员可以人工确认域名", await Substations.VerifyHostAsync(demo.Id, host.Id, owner, byStaff: true));
        Assert.False((await HostAsync("shop.example.invalid")).IsVerified);

        Assert.Null(await Substations.VerifyHostAsync(demo.Id, host.Id, Platform, byStaff: true));
        Assert.True((await HostAsync("shop.example.invalid")).IsVerified);
    }
}
