using System.Net;
using KaMeng.Web.Features.Docking;
using KaMeng.Web.Features.Notifications;
using KaMeng.Web.Features.Outbound;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace KaMeng.Tests.Outbound;

/// <summary>The guarded handler against real loopback listeners: with the guard on nothing reaches them (the listener
/// never even accepts), with AllowPrivateNetworks it does.</summary>
public class OutboundGuardTests
{
    static ServiceProvider Services(bool allowPrivate, bool allowHttpGateways = false, TimeSpan? timeout = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.Configure<OutboundOptions>(o => { o.AllowPrivateNetworks = allowPrivate; o.AllowHttpGateways = allowHttpGateways; });
        services.AddHttpClient("guarded", c => c.Timeout = timeout ?? TimeSpan.FromSeconds(10)).AddOutboundGuard();
        services.AddHttpClient("gateway", c => c.Timeout = TimeSpan.FromSeconds(10)).AddGatewayGuard();
        services.AddHttpClient("webhooks", c => c.Timeout = timeout ?? TimeSpan.FromSeconds(10)).AddOutboundGuard();
        services.AddSingleton<WebhookSender>();
        services.AddHttpClient<SupplierClient>(c => c.Timeout = timeout ?? TimeSpan.FromSeconds(10)).AddOutboundGuard();
        services.AddSingleton(TimeProvider.System);
        return services.BuildServiceProvider();
    }

    static HttpClient Client(ServiceProvider sp, string name = "guarded") => sp.GetRequiredService<IHttpClientFactory>().CreateClient(name);

    [Theory]
    [InlineData("http://127.0.0.1:{0}/")]
    [InlineData("http://localhost:{0}/")]
    [InlineData("http://[::ffff:127.0.0.1]:{0}/")]
    [InlineData("http://127.1.2.3:{0}/")]
    public async Task With_the_guard_on_a_loopback_listener_is_never_reached(string url)
    {
        await using var server = new LoopbackServer(_ => LoopbackServer.Ok());
        await using var sp = Services(allowPrivate: false);
        var e = await Assert.ThrowsAnyAsync<HttpRequestException>(() => Client(sp).GetAsync(string.Format(url, server.Port)));
        Assert.True(OutboundGuard.IsRefusal(e), e.ToString());
        await Task.Delay(200);
        Assert.Equal(0, server.Accepted);
    }

    [Fact]
    public async Task With_private_networks_allowed_the_loopback_listener_answers()
    {
        await using var server = new LoopbackServer(_ => LoopbackServer.Ok("hello"));
        await using var sp = Services(allowPrivate: true);
        Assert.Equal("hello", await Client(sp).GetStringAsync(server.Url));
        Assert.Equal("hello", await Client(sp).GetStringAsync($"http://localhost:{server.Port}/"));
        Assert.True(server.Accepted >= 2);
    }

    [Fact]
    public async Task A_redirect_to_a_refused_address_is_checked_on_its_own_connection()
    {
        // Two loopback listeners: the rule allows the first (standing in for a public server) and refuses the second.
        await using var inside = new LoopbackServer(_ => LoopbackServer.Ok("secret"));
        await using var outside = new LoopbackServer(_ => LoopbackServer.Redirect(inside.Url));
        using var handler = OutboundGuard.CreateHandler(ep => ep.Port == inside.Port ? "test: inside" : null, NullLogger.Instance, allowRedirects: true);
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
        var e = await Assert.ThrowsAnyAsync<HttpRequestException>(() => client.GetStringAsync(outside.Url));
        Assert.True(OutboundGuard.IsRefusal(e), e.ToString());
        Assert.Equal(1, outside.Accepted);
        Assert.Equal(0, inside.Accepted);
    }

    [Fact]
    public async Task The_metadata_address_is_refused_before_any_connection()
    {
        await using var sp = Services(allowPrivate: false);
        var e = await Assert.ThrowsAnyAsync<HttpRequestException>(() => Client(sp).GetAsync("http://169.254.169.254/latest/meta-data/"));
        Assert.True(OutboundGuard.IsRefusal(e));
        e = await Assert.ThrowsAnyAsync<HttpRequestException>(() => Client(sp).GetAsync("http://[fd00:ec2::254]/latest/meta-data/"));
        Assert.True(OutboundGuard.IsRefusal(e));
    }

    [Fact]
    public async Task A_plain_http_gateway_is_refused_at_request_time_unless_allowed()
    {
        await using var server = new LoopbackServer(_ => LoopbackServer.Ok("{}"));
        await using (var sp = Services(allowPrivate: true, allowHttpGateways: false))
        {
            var e = await Assert.ThrowsAnyAsync<HttpRequestException>(() => Client(sp, "gateway").GetAsync(server.Url + "api.php?act=order&key=secret"));
            Assert.True(OutboundGuard.IsRefusal(e));
            Assert.Equal(0, server.Accepted);
        }
        await using (var sp = Services(allowPrivate: true, allowHttpGateways: true))
            Assert.Equal("{}", await Client(sp, "gateway").GetStringAsync(server.Url + "api.php?act=order&key=secret"));
    }

    [Fact]
    public async Task The_owner_sees_one_message_for_a_closed_port_a_silent_port_and_a_refused_address()
    {
        await using var open = new LoopbackServer(_ => LoopbackServer.Ok());
        await using var silent = new LoopbackServer(_ => null);
        var closed = LoopbackServer.ClosedPort();
        var messages = new List<string>();

        async Task SupplierAsync(bool allowPrivate, string url)
        {
            await using var sp = Services(allowPrivate, timeout: TimeSpan.FromSeconds(2));
            var e = await Assert.ThrowsAsync<SupplierException>(() => sp.GetRequiredService<SupplierClient>().PingAsync(new SupplierEndpoint(url, "k", "s")));
            messages.Add(e.Message);
        }
        async Task WebhookAsync(bool allowPrivate, string url)
        {
            await using var sp = Services(allowPrivate, timeout: TimeSpan.FromSeconds(2));
            var e = await Assert.ThrowsAnyAsync<Exception>(() => sp.GetRequiredService<WebhookSender>().SendAsync(url, "secret", "Ping", "{}"));
            messages.Add(e.Message);
        }

        await SupplierAsync(false, open.Url);                           // refused by the guard
        await SupplierAsync(true, $"http://127.0.0.1:{closed}/");       // connection refused
        await SupplierAsync(true, silent.Url);                          // timeout
        await WebhookAsync(false, open.Url + "hook");
        await WebhookAsync(true, $"http://127.0.0.1:{closed}/hook");
        await WebhookAsync(true, silent.Url + "hook");

        Assert.All(messages, m => Assert.Equal(OutboundGuard.Unreachable, m));
        Assert.Equal(0, open.Accepted);
    }
}
