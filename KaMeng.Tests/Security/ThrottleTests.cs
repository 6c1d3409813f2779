using System.Net;
using KaMeng.Data;
using KaMeng.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KaMeng.Tests.Security;

/// <summary>
/// The production throttles (issue 16 §3) on a real app. Loopback is the trusted proxy here, so each test speaks from its own
/// documentation addresses (X-Forwarded-For) and has buckets of its own.
/// </summary>
public class ThrottleTests(ThrottledApp app) : IClassFixture<ThrottledApp>
{
    const string Failed = "用户名或密码错误，或尝试过于频繁，请稍后再试";

    static Dictionary<string, string> Query(string number) =>
        new() { ["Form.Number"] = number, ["Form.Contact"] = "guess@example.cn", ["Form.Password"] = "guess-000" };

    static string NewOrderNumber() => "KM" + Random.Shared.NextInt64(10_000_000_000, 99_999_999_999);

    static void AssertThrottled(ClientForm.Answer answer)
    {
        Assert.Equal(HttpStatusCode.TooManyRequests, answer.Status);
        Assert.True(int.Parse(answer.RetryAfter!) > 0, "Retry-After");
        Assert.Contains("操作过于频繁，请", answer.Html);
    }

    [Fact]
    public async Task Order_query_is_throttled_per_ip()
    {
        using var client = new ClientForm(app, "198.51.100.1");
        for (var i = 0; i < 10; i++)
            Assert.NotEqual(HttpStatusCode.TooManyRequests, (await client.PostAsync("/order/query", "order-query", Query(NewOrderNumber()), model: "Form")).Status);
        AssertThrottled(await client.PostAsync("/order/query", "order-query", Query(NewOrderNumber()), model: "Form"));

        // Another address is not held up.
        using var other = new ClientForm(app, "198.51.100.2");
        Assert.Equal(HttpStatusCode.OK, (await other.PostAsync("/order/query", "order-query", Query(NewOrderNumber()), model: "Form")).Status);
    }

    [Fact]
    public async Task Order_query_is_throttled_per_order_number_across_addresses()
    {
        var number = NewOrderNumber();
        for (var i = 0; i < 5; i++)
        {
            using var client = new ClientForm(app, $"198.51.100.{10 + i}");
            Assert.NotEqual(HttpStatusCode.TooManyRequests, (await client.PostAsync("/order/query", "order-query", Query(number), model: "Form")).Status);
        }
        using var sixth = new ClientForm(app, "198.51.100.16");
        AssertThrottled(await sixth.PostAsync("/order/query", "order-query", Query(number), model: "Form"));
    }

    [Fact]
    public async Task After_three_misses_order_query_asks_for_a_captcha()
    {
        using var client = new ClientForm(app, "198.51.100.20");
        for (var i = 0; i < 3; i++)
            Assert.Contains("未找到订单", (await client.PostAsync("/order/query", "order-query", Query(NewOrderNumber()), model: "Form")).Html);
        var refused = await client.PostAsync("/order/query", "order-query", Query(NewOrderNumber()), model: "Form");
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Contains("验证码", refused.Html);
        var solved = await client.PostAsync("/order/query", "order-query", Query(NewOrderNumber()), solveCaptcha: true, model: "Form");
        Assert.Contains("未找到订单", solved.Html);
    }

    [Fact]
    public async Task Login_is_throttled_per_ip()
    {
        using var client = new ClientForm(app, "198.51.100.30");
        for (var i = 0; i < 10; i++)
            Assert.NotEqual(HttpStatusCode.TooManyRequests,
                (await client.PostAsync("/account/login", "login", new() { ["Input.UserName"] = $"nobody-{i}", ["Input.Password"] = "wrong-pass-1" }, solveCaptcha: true)).Status);
        AssertThrottled(await client.PostAsync("/account/login", "login", new() { ["Input.UserName"] = "nobody-x", ["Input.Password"] = "wrong-pass-1" }, solveCaptcha: true));
    }

    [Fact]
    public async Task Registration_is_throttled_per_ip()
    {
        using var client = new ClientForm(app, "198.51.100.40");
        for (var i = 0; i < 5; i++)
            Assert.NotEqual(HttpStatusCode.TooManyRequests, (await client.PostAsync("/account/register", "register", Registration($"reg-throttle-{i}"), solveCaptcha: true)).Status);
        AssertThrottled(await client.PostAsync("/account/register", "register", Registration("reg-throttle-x"), solveCaptcha: true));
    }

    static Dictionary<string, string> Registration(string user, string password = "lan-tian-7788") =>
        new() { ["Input.UserName"] = user, ["Input.Password"] = password, ["Input.ConfirmPassword"] = password };

    [Fact]
    public async Task Registration_without_the_captcha_is_refused_and_with_it_accepted()
    {
        using var client = new ClientForm(app, "198.51.100.41");
        var refused = await client.PostAsync("/account/register", "register", Registration("captcha-user-1"));
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Contains("请输入验证码", refused.Html);
        await using (var db = app.NewContext())
            Assert.False(await db.Users.AnyAsync(u => u.UserName == "captcha-user-1"));
        var accepted = await client.PostAsync("/account/register", "register", Registration("captcha-user-1"), solveCaptcha: true);
        Assert.Equal(HttpStatusCode.Redirect, accepted.Status);
    }

    [Fact]
    public async Task Unknown_users_and_wrong_passwords_get_the_same_message()
    {
        using var a = new ClientForm(app, "198.51.100.50");
        var unknown = await a.PostAsync("/account/login", "login", new() { ["Input.UserName"] = "no-such-user-zz", ["Input.Password"] = "wrong-pass-1" });
        using var b = new ClientForm(app, "198.51.100.51");
        var wrong = await b.PostAsync("/account/login", "login", new() { ["Input.UserName"] = "demo-buyer", ["Input.Password"] = "wrong-pass-1" });
        Assert.Equal(unknown.Status, wrong.Status);
        Assert.Contains(Failed, unknown.Html);
        Assert.Contains(Failed, wrong.Html);
    }

    [Fact]
    public async Task Wrong_passwords_for_the_admin_lock_the_attackers_ip_not_the_admin()
    {
        using var attacker = new ClientForm(app, "203.0.113.66");
        for (var i = 0; i < 12; i++)
        {
            var answer = await attacker.PostAsync("/account/login", "login", new() { ["Input.UserName"] = "admin", ["Input.Password"] = $"guess-{i}-pass" }, solveCaptcha: true);
            Assert.NotEqual(HttpStatusCode.Redirect, answer.Status);
        }
        // The attacker's address is locked (even the right password does not get in from there)...
        await Task.Delay(TimeSpan.FromSeconds(1));
        var fromAttacker = await attacker.PostAsync("/account/login", "login",
            new() { ["Input.UserName"] = "admin", ["Input.Password"] = TestAccounts.AdminPassword }, solveCaptcha: true);
        Assert.NotEqual(HttpStatusCode.Redirect, fromAttacker.Status);

        // ...while the admin, elsewhere, signs in as usual, and the account holds no lockout.
        using var admin = new ClientForm(app, "192.0.2.7");
        var signedIn = await admin.PostAsync("/account/login", "login", new() { ["Input.UserName"] = "admin", ["Input.Password"] = TestAccounts.AdminPassword });
        Assert.Equal(HttpStatusCode.Redirect, signedIn.Status);
        await using var db = app.NewContext();
        var user = await db.Users.SingleAsync(u => u.UserName == "admin");
        Assert.Null(user.LockoutEnd);
        Assert.Equal(0, user.AccessFailedCount);
    }

    [Fact]
    public async Task Forwarded_for_from_a_configured_proxy_is_the_client()
    {
        // The forwarded address picks the bucket: ten queries spend 198.51.100.100's, 198.51.100.101 still has its own.
        using var first = new ClientForm(app, "198.51.100.100");
        for (var i = 0; i < 10; i++)
            Assert.NotEqual(HttpStatusCode.TooManyRequests, (await first.PostAsync("/order/query", "order-query", Query(NewOrderNumber()), model: "Form")).Status);
        using var second = new ClientForm(app, "198.51.100.101");
        Assert.Equal(HttpStatusCode.OK, (await second.PostAsync("/order/query", "order-query", Query(NewOrderNumber()), model: "Form")).Status);
        AssertThrottled(await first.PostAsync("/order/query", "order-query", Query(NewOrderNumber()), model: "Form"));
    }

    async Task<int> GuestShopAsync()
    {
        var error = await app.Services.GetRequiredService<KaMeng.Web.Features.Payments.GatewaySettingsService>().SaveAsync(
            new KaMeng.Web.Features.Orders.AuditActor("test", "test", null), KaMeng.Domain.Station.MainStationId,
            new KaMeng.Web.Features.Payments.GatewayForm { BaseUrl = app.BaseUrl + "/pay/sandbox/", Pid = "1001", Key = "sandbox-key-0123456789", Channels = ["alipay"] });
        Assert.Null(error);
        await using var db = app.NewContext();
        return await db.Products.Where(p => p.Name == "王者荣耀 60 点券").Select(p => p.Id).SingleAsync();
    }

    static Dictionary<string, string> GuestCheckout(string contact) => new()
    {
        ["Form.Quantity"] = "1", ["Form.PayWith"] = "alipay", ["Form.Contact"] = contact, ["Form.QueryPassword"] = "668899",
        ["Form.IdempotencyKey"] = Guid.NewGuid().ToString("N"),
    };

    [Fact]
    public async Task Guest_checkout_needs_the_captcha_and_is_throttled_per_contact()
    {
        var product = await GuestShopAsync();
        using var guest = new ClientForm(app, "198.51.100.200");
        var refused = await guest.PostAsync($"/product/{product}", "checkout", GuestCheckout("guest-200@example.cn"), model: "Form");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.Status);
        Assert.Contains("请输入验证码", refused.Html);
        var paid = await guest.PostAsync($"/product/{product}", "checkout", GuestCheckout("guest-200@example.cn"), solveCaptcha: true, model: "Form");
        Assert.Equal(HttpStatusCode.Redirect, paid.Status);

        // One contact from many addresses: ten tries a minute, then 429.
        for (var i = 0; i < 10; i++)
        {
            using var client = new ClientForm(app, $"198.51.100.{210 + i}");
            Assert.NotEqual(HttpStatusCode.TooManyRequests, (await client.PostAsync($"/product/{product}", "checkout", GuestCheckout("victim@example.cn"), model: "Form")).Status);
        }
        using var last = new ClientForm(app, "198.51.100.230");
        AssertThrottled(await last.PostAsync($"/product/{product}", "checkout", GuestCheckout("victim@example.cn"), model: "Form"));
    }

    [Fact]
    public async Task EPay_notifies_are_throttled_per_ip()
    {
        using var client = new ClientForm(app, "198.51.100.120");
        var limit = app.Services.GetRequiredService<KaMeng.Web.Features.Security.Throttles>().LimitOf(KaMeng.Web.Features.Security.Throttles.EPayNotifyPerIp).PermitLimit;
        for (var i = 0; i < limit; i++)
            Assert.NotEqual(HttpStatusCode.TooManyRequests, (await client.Client.GetAsync("/pay/epay/notify?out_trade_no=x")).StatusCode);
        var refused = await client.Client.GetAsync("/pay/epay/notify?out_trade_no=x");
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Contains("操作过于频繁", await refused.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_open_api_is_throttled_per_key_with_problem_details()
    {
        var service = app.Services.GetRequiredService<KaMeng.Web.Features.OpenApi.ApiCredentialService>();
        string userId;
        await using (var db = app.NewContext())
            userId = await db.Users.Where(u => u.UserName == "demo-buyer").Select(u => u.Id).SingleAsync();
        var (key, error) = await service.RequestAsync(userId, KaMeng.Domain.Station.MainStationId, "限流测试");
        Assert.Null(error);
        Assert.Null(await service.ApproveAsync(new KaMeng.Web.Features.Orders.AuditActor("test", "test", null), key!.Id));
        using var client = app.NewHttpClient();
        async Task<HttpResponseMessage> PingAsync()
        {
            var ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString();
            var nonce = Guid.NewGuid().ToString("N");
            var request = new HttpRequestMessage(HttpMethod.Get, "/api/open/v1/ping");
            request.Headers.Add("X-KaMeng-Key", key.KeyId);
            request.Headers.Add("X-KaMeng-Timestamp", ts);
            request.Headers.Add("X-KaMeng-Nonce", nonce);
            request.Headers.Add("X-KaMeng-Signature", KaMeng.Domain.OpenApiSignature.Sign(key.Secret, "GET", "/api/open/v1/ping", ts, nonce, []));
            return await client.SendAsync(request);
        }
        var limit = app.Services.GetRequiredService<KaMeng.Web.Features.Security.Throttles>().LimitOf(KaMeng.Web.Features.Security.Throttles.OpenApiPerKey).PermitLimit;
        for (var i = 0; i < limit; i++) Assert.Equal(HttpStatusCode.OK, (await PingAsync()).StatusCode);
        var refused = await PingAsync();
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Contains("rate_limited", await refused.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task An_address_that_keeps_failing_open_api_authentication_is_refused()
    {
        using var client = new ClientForm(app, "198.51.100.240");
        async Task<HttpResponseMessage> SendBadAsync()
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/api/open/v1/ping");
            request.Headers.Add("X-KaMeng-Key", "no-such-key");
            request.Headers.Add("X-KaMeng-Timestamp", DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString());
            request.Headers.Add("X-KaMeng-Nonce", Guid.NewGuid().ToString("N"));
            request.Headers.Add("X-KaMeng-Signature", new string('0', 64));
            return await client.Client.SendAsync(request);
        }
        var limit = app.Services.GetRequiredService<KaMeng.Web.Features.Security.Throttles>().LimitOf(KaMeng.Web.Features.Security.Throttles.OpenApiFailuresPerIp).PermitLimit;
        for (var i = 0; i < limit; i++) Assert.Equal(HttpStatusCode.Unauthorized, (await SendBadAsync()).StatusCode);
        var refused = await SendBadAsync();
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Common_passwords_and_the_user_name_are_refused_at_registration()
    {
        await using var scope = app.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        AppUser NewUser(string name) => new() { UserName = name, DisplayName = name, StationId = KaMeng.Domain.Station.MainStationId, CreatedAt = DateTimeOffset.UtcNow };
        foreach (var common in new[] { "password1", "Qwerty123", "abc12345", "woaini1314", "1q2w3e4r" })
        {
            var result = await users.CreateAsync(NewUser("common-" + Guid.NewGuid().ToString("N")[..6]), common);
            Assert.False(result.Succeeded, common);
            Assert.Contains(result.Errors, e => e.Code == "PasswordTooCommon" && e.Description.Contains("太常见"));
        }
        Assert.False((await users.CreateAsync(NewUser("zhangsan88"), "zhangsan88")).Succeeded);
        Assert.True((await users.CreateAsync(NewUser("lisi-2026"), "lan-tian-7788")).Succeeded);

        // The form says so in Chinese.
        using var client = new ClientForm(app, "198.51.100.42");
        var refused = await client.PostAsync("/account/register", "register", Registration("common-form-1", "password123"), solveCaptcha: true);
        Assert.Contains("密码太常见", refused.Html);
    }
}

/// <summary>No proxy is configured: X-Forwarded-For is anyone's to write, so it must change nothing.</summary>
public class UntrustedForwardedForTests(ThrottledNoProxyApp app) : IClassFixture<ThrottledNoProxyApp>
{
    [Fact]
    public async Task Forwarded_for_from_an_unconfigured_peer_is_ignored()
    {
        ClientForm.Answer? last = null;
        for (var i = 0; i < 11; i++)
        {
            using var client = new ClientForm(app, $"198.51.100.{150 + i}");
            last = await client.PostAsync("/order/query", "order-query",
                new() { ["Form.Number"] = "KM" + Random.Shared.NextInt64(10_000_000_000, 99_999_999_999), ["Form.Contact"] = "a@b.cn", ["Form.Password"] = "guess-000" }, model: "Form");
            if (i < 10) Assert.NotEqual(HttpStatusCode.TooManyRequests, last.Status);
        }
        // All eleven came from the one real peer: its bucket is spent.
        Assert.Equal(HttpStatusCode.TooManyRequests, last!.Status);
    }
}
