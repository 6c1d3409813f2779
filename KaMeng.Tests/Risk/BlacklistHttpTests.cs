using System.Net;
using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Tests.Security;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Risk;
using KaMeng.Web.Features.Risk.Blacklists;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KaMeng.Tests.Risk;

/// <summary>The app trusting loopback as its proxy (each test speaks from its own address through X-Forwarded-For), with the
/// throttles lifted as in every other app test.</summary>
public class RiskApp : KaMengApp
{
    public RiskApp() { }
    protected RiskApp(DatabaseProvider provider) : base(provider) { }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("KaMeng:Network:KnownProxies", "127.0.0.1,::1");
    }
}

public sealed class RiskPostgresApp() : RiskApp(DatabaseProvider.Postgres);

/// <summary>
/// Registration and sign-in over HTTP (issue 21 §4): a blocked address, network, device or email domain is refused with the
/// neutral message and nothing is written; sign-ins and registrations record their signals; disabling a user ends their
/// session on its next request and keeps them from signing in again.
/// </summary>
public abstract class BlacklistHttpTests<TApp>(TApp app) where TApp : KaMengApp
{
    static readonly AuditActor Platform = new("platform", "平台管理员", null);

    static Dictionary<string, string> Registration(string user, string? email = null)
    {
        var fields = new Dictionary<string, string> { ["Input.UserName"] = user, ["Input.Password"] = "lan-tian-7788", ["Input.ConfirmPassword"] = "lan-tian-7788" };
        if (email is not null) fields["Input.Email"] = email;
        return fields;
    }

    static Dictionary<string, string> Login(string user, string password = "lan-tian-7788") =>
        new() { ["Input.UserName"] = user, ["Input.Password"] = password };

    async Task AddAsync(int? stationId, BlacklistKind kind, string value)
    {
        var (_, error) = await app.Services.GetRequiredService<BlacklistService>().AddAsync(stationId, new(kind, value, "测试拉黑", null), Platform);
        Assert.Null(error);
    }

    async Task<bool> UserExistsAsync(string name)
    {
        await using var db = app.NewContext();
        return await db.Users.AnyAsync(u => u.UserName == name);
    }

    async Task<string> RegisterAsync(string ip, string name)
    {
        using var client = new ClientForm(app, ip);
        var answer = await client.PostAsync("/account/register", "register", Registration(name), solveCaptcha: true);
        Assert.Equal(HttpStatusCode.Redirect, answer.Status);
        await using var db = app.NewContext();
        return (await db.Users.SingleAsync(u => u.UserName == name)).Id;
    }

    [Fact]
    public async Task Registration_from_a_blocked_address_or_email_domain_is_refused_and_writes_nothing()
    {
        await AddAsync(null, BlacklistKind.Ip, "198.51.100.61");
        await AddAsync(null, BlacklistKind.EmailDomain, "blocked-mail.example");
        var users = await UserCountAsync();

        using (var client = new ClientForm(app, "198.51.100.61"))
        {
            var answer = await client.PostAsync("/account/register", "register", Registration("bl-reg-ip"), solveCaptcha: true);
            Assert.Equal(HttpStatusCode.OK, answer.Status);
            Assert.Contains(BlacklistGate.Message, answer.Html);
        }
        using (var client = new ClientForm(app, "198.51.100.62"))
        {
            var answer = await client.PostAsync("/account/register", "register", Registration("bl-reg-mail", "me@sub.blocked-mail.example"), solveCaptcha: true);
            Assert.Contains(BlacklistGate.Message, answer.Html);
        }
        Assert.Equal(users, await UserCountAsync());
        Assert.False(await UserExistsAsync("bl-reg-ip"));

        // Another address registers, and the registration's signals are recorded.
        var id = await RegisterAsync("198.51.100.63", "bl-reg-ok");
        await using var db = app.NewContext();
        var signal = await db.RiskSignals.SingleAsync(s => s.UserId == id);
        Assert.Equal((RiskSignalKind.Registration, "198.51.100.63"), (signal.Kind, signal.Ip));
        Assert.NotNull(signal.DeviceId);
    }

    async Task<int> UserCountAsync()
    {
        await using var db = app.NewContext();
        return await db.Users.CountAsync();
    }

    [Fact]
    public async Task Sign_in_from_a_blocked_network_or_device_is_refused_without_a_session()
    {
        var id = await RegisterAsync("198.51.100.70", "bl-login");
        await AddAsync(null, BlacklistKind.Cidr, "203.0.113.0/24");
        using (var client = new ClientForm(app, "203.0.113.70"))
        {
            var answer = await client.PostAsync("/account/login", "login", Login("bl-login"));
            Assert.Equal(HttpStatusCode.OK, answer.Status);
            Assert.Contains(BlacklistGate.Message, answer.Html);
            Assert.Equal(HttpStatusCode.Redirect, (await client.Client.GetAsync("/open")).StatusCode);
        }

        // A device: the browser's own first-party cookie.
        var device = "B10C4EDDE71CE0000000000000000001";
        await AddAsync(null, BlacklistKind.Device, device);
        var jar = new CookieContainer();
        jar.Add(new Uri(app.BaseUrl), new Cookie(ClientSignals.DeviceCookie, device));
        using (var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = jar }) { BaseAddress = new Uri(app.BaseUrl) })
        {
            http.DefaultRequestHeaders.Add("X-Forwarded-For", "192.0.2.70");
            var response = await PostLoginAsync(http, "bl-login");
            Assert.Contains(BlacklistGate.Message, await response.Content.ReadAsStringAsync());
        }

        // From elsewhere the same account signs in, and the sign-in is recorded.
        using (var client = new ClientForm(app, "192.0.2.71"))
            Assert.Equal(HttpStatusCode.Redirect, (await client.PostAsync("/account/login", "login", Login("bl-login"))).Status);
        await using var db = app.NewContext();
        Assert.Equal("192.0.2.71", (await db.RiskSignals.SingleAsync(s => s.UserId == id && s.Kind == RiskSignalKind.SignIn)).Ip);
    }

    static async Task<HttpResponseMessage> PostLoginAsync(HttpClient http, string user)
    {
        var html = await http.GetStringAsync("/account/login");
        var token = System.Text.RegularExpressions.Regex.Match(html, "name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]*)\"").Groups[1].Value;
        var body = new Dictionary<string, string>(Login(user)) { ["_handler"] = "login", ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token) };
        return await http.PostAsync("/account/login", new FormUrlEncodedContent(body));
    }

    [Fact]
    public async Task A_station_list_blocks_sign_in_on_that_storefront_only()
    {
        await RegisterAsync("198.51.100.80", "bl-station");
        int demo;
        await using (var db = app.NewContext()) demo = (await db.Stations.SingleAsync(s => s.Code == "demo")).Id;
        await AddAsync(demo, BlacklistKind.Ip, "198.51.100.81");
        using (var client = new ClientForm(app, "198.51.100.81"))
            Assert.Contains(BlacklistGate.Message, (await client.PostAsync("/s/demo/account/login", "login", Login("bl-station"))).Html);
        using (var client = new ClientForm(app, "198.51.100.81"))
            Assert.Equal(HttpStatusCode.Redirect, (await client.PostAsync("/account/login", "login", Login("bl-station"))).Status);
    }

    [Fact]
    public async Task Disabling_a_user_ends_their_session_at_once_and_keeps_them_out()
    {
        var id = await RegisterAsync("198.51.100.90", "bl-disable");
        using var client = new ClientForm(app, "198.51.100.91");
        Assert.Equal(HttpStatusCode.Redirect, (await client.PostAsync("/account/login", "login", Login("bl-disable"))).Status);
        Assert.Equal(HttpStatusCode.OK, (await client.Client.GetAsync("/open")).StatusCode);

        string adminId;
        await using (var db = app.NewContext()) adminId = (await db.Users.SingleAsync(u => u.UserName == "admin")).Id;
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var access = scope.ServiceProvider.GetRequiredService<UserAccessService>();
            Assert.Equal("请填写停用原因", await access.DisableAsync(id, " ", new AuditActor(adminId, "admin", null)));
            Assert.Equal("只有平台管理员可以停用用户", await access.DisableAsync(id, "刷单", new AuditActor(id, "bl-disable", null)));
            Assert.Null(await access.DisableAsync(id, "刷单", new AuditActor(adminId, "admin", null)));
        }

        var next = await client.Client.GetAsync("/open");
        Assert.Equal(HttpStatusCode.Redirect, next.StatusCode);
        Assert.Contains("/account/login", next.Headers.Location!.OriginalString);

        using var again = new ClientForm(app, "198.51.100.92");
        Assert.Contains(UserAccessService.DisabledMessage, (await again.PostAsync("/account/login", "login", Login("bl-disable"))).Html);
        // A wrong password is told nothing about the account.
        var wrong = await again.PostAsync("/account/login", "login", Login("bl-disable", "wrong-pass-1234"));
        Assert.DoesNotContain(UserAccessService.DisabledMessage, wrong.Html);

        await using (var scope = app.Services.CreateAsyncScope())
            Assert.Null(await scope.ServiceProvider.GetRequiredService<UserAccessService>().EnableAsync(id, new AuditActor(adminId, "admin", null)));
        Assert.Equal(HttpStatusCode.Redirect, (await again.PostAsync("/account/login", "login", Login("bl-disable"))).Status);
    }
}

public sealed class SqliteBlacklistHttpTests(RiskApp app) : BlacklistHttpTests<RiskApp>(app), IClassFixture<RiskApp>;

public sealed class PostgresBlacklistHttpTests(RiskPostgresApp app) : BlacklistHttpTests<RiskPostgresApp>(app), IClassFixture<RiskPostgresApp>;
