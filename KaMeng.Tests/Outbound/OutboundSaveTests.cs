using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Docking;
using KaMeng.Web.Features.Notifications;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Outbound;
using KaMeng.Web.Features.Payments;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KaMeng.Tests.Outbound;

/// <summary>The app as deployed with respect to outbound calls: private networks not allowed (although it runs in
/// Development, whose appsettings allow them: the setting must win).</summary>
public sealed class GuardedKaMengApp : KaMengApp
{
    protected override bool AllowPrivateNetworks => false;
}

public class OutboundSaveTests(GuardedKaMengApp app) : IClassFixture<GuardedKaMengApp>
{
    static readonly AuditActor Platform = new("test", "test", null);

    [Fact]
    public void The_test_setting_reaches_the_guard()
    {
        var guard = app.Services.GetRequiredService<OutboundGuard>();
        Assert.False(guard.Options.AllowPrivateNetworks);
        Assert.True(guard.Options.AllowHttpGateways); // appsettings.Development.json
    }

    [Theory]
    [InlineData("http://127.0.0.1:{0}")]
    [InlineData("http://169.254.169.254")]
    [InlineData("http://localhost:{0}")]
    [InlineData("http://[::1]:{0}")]
    [InlineData("http://10.0.0.5")]
    [InlineData("https://[::ffff:192.168.1.1]")]
    public async Task A_supplier_inside_is_refused_at_save_time_and_nothing_is_saved(string template)
    {
        var url = string.Format(template, LoopbackServer.ClosedPort());
        await using var db = app.NewContext();
        var before = await db.Suppliers.CountAsync();
        var (supplier, error) = await app.Services.GetRequiredService<SupplierService>().AddAsync(Platform, Station.MainStationId, "内网", url, "key", "secret");
        Assert.Null(supplier);
        Assert.StartsWith(OutboundGuard.PrivateTarget, error);
        Assert.Contains(new Uri(url).Host, error);
        Assert.Equal(before, await db.Suppliers.CountAsync());
    }

    [Fact]
    public async Task A_webhook_inside_is_refused_at_save_time_and_the_saved_one_is_kept()
    {
        await using var db = app.NewContext();
        var owner = await db.Users.SingleAsync(u => u.UserName == "demo-owner");
        var settings = app.Services.GetRequiredService<NotificationSettingsService>();
        // A public address (a literal, so no DNS is needed) is accepted.
        Assert.Null(await settings.SaveWebhookAsync(owner.Id, "https://203.0.114.7/hook"));
        foreach (var url in new[] { "http://127.0.0.1:9/hook", "http://169.254.169.254/latest", "http://localhost/hook", "http://[fd00:ec2::254]/" })
            Assert.StartsWith(OutboundGuard.PrivateTarget, await settings.SaveWebhookAsync(owner.Id, url));
        Assert.Equal("https://203.0.114.7/hook", (await settings.GetWebhookAsync(owner.Id))!.Url);
    }

    [Fact]
    public async Task A_gateway_inside_is_refused_at_save_time()
    {
        var settings = app.Services.GetRequiredService<GatewaySettingsService>();
        var before = (await settings.GetAsync(Platform, Station.MainStationId))?.BaseUrl;
        foreach (var url in new[] { "http://127.0.0.1:8080/", "https://169.254.169.254/", "https://192.168.0.10/pay/" })
        {
            var error = await settings.SaveAsync(Platform, Station.MainStationId, new GatewayForm { BaseUrl = url, Pid = "1001", Key = "k-12345678", Channels = ["alipay"] });
            Assert.StartsWith(OutboundGuard.PrivateTarget, error);
        }
        Assert.Equal(before, (await settings.GetAsync(Platform, Station.MainStationId))?.BaseUrl);
    }

    [Fact]
    public async Task A_supplier_saved_before_the_rule_is_pinged_with_the_neutral_message_and_never_reached()
    {
        await using var server = new LoopbackServer(_ => LoopbackServer.Ok());
        var service = app.Services.GetRequiredService<SupplierService>();
        int id;
        await using (var db = app.NewContext())
        {
            var protector = new KaMeng.Web.Features.Shared.SecretProtector(app.Services.GetRequiredService<Microsoft.AspNetCore.DataProtection.IDataProtectionProvider>(), "KaMeng.Docking.SupplierSecret.v1");
            var s = new Supplier { StationId = Station.MainStationId, Name = "旧供货商", BaseUrl = server.Url.TrimEnd('/'), KeyId = "k", SecretCipher = protector.Protect("s"), CreatedAt = DateTimeOffset.UtcNow };
            db.Suppliers.Add(s);
            await db.SaveChangesAsync();
            id = s.Id;
        }
        var (ping, error) = await service.PingAsync(Platform, id);
        Assert.Null(ping);
        Assert.Equal(OutboundGuard.Unreachable, error);
        Assert.Equal(0, server.Accepted);
        await using (var db = app.NewContext())
            Assert.Equal(OutboundGuard.Unreachable, (await db.Suppliers.SingleAsync(s => s.Id == id)).LastError);
    }
}

/// <summary>Outside Development an http gateway is refused at save time (the merchant key would travel in clear).</summary>
public class HttpGatewaySaveTests : IAsyncLifetime
{
    CommerceHarness h = default!;

    public async Task InitializeAsync() => h = await CommerceHarness.CreateAsync(DatabaseProvider.Sqlite, s =>
    {
        s.AddPaymentServices();
        s.Configure<OutboundOptions>(o => { o.AllowPrivateNetworks = false; o.AllowHttpGateways = false; });
    });

    public async Task DisposeAsync() => await h.DisposeAsync();

    [Fact]
    public async Task An_http_gateway_is_refused_and_https_accepted()
    {
        var settings = h.Get<GatewaySettingsService>();
        var actor = new AuditActor("test-admin", "admin", null);
        Assert.Equal(OutboundGuard.HttpGatewayRefused, await settings.SaveAsync(actor, Station.MainStationId,
            new GatewayForm { BaseUrl = "http://203.0.114.9/", Pid = "1001", Key = "k-12345678", Channels = ["alipay"] }));
        Assert.Null(await settings.GetAsync(actor, Station.MainStationId));
        Assert.Null(await settings.SaveAsync(actor, Station.MainStationId,
            new GatewayForm { BaseUrl = "https://203.0.114.9/", Pid = "1001", Key = "k-12345678", Channels = ["alipay"] }));
    }
}
