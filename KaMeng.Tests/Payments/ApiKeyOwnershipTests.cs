using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.OpenApi;
using KaMeng.Web.Features.Orders;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KaMeng.Tests.Payments;

/// <summary>Issue 15 §2, as attacks: an Open API key spends the wallet of the user who requested it in their own
/// account (对接 / API), is shown once to that user, works only once the station selling to it approves it, and
/// nobody creates one for somebody else.</summary>
public abstract class ApiKeyOwnershipTests<TApp>(TApp app) where TApp : KaMengApp
{
    const string DemoApi = "/s/demo/my/api";
    static readonly AuditActor Platform = new("test", "test", null);
    ApiCredentialService Credentials => app.Services.GetRequiredService<ApiCredentialService>();

    async Task<int> DemoIdAsync()
    {
        await using var db = app.NewContext();
        return await db.Stations.Where(s => s.Code == "demo").Select(s => s.Id).SingleAsync();
    }

    async Task<string> UserIdAsync(string userName)
    {
        await using var db = app.NewContext();
        return await db.Users.Where(u => u.UserName == userName).Select(u => u.Id).SingleAsync();
    }

    async Task<AuditActor> DemoOwnerAsync() => new(await UserIdAsync("demo-owner"), "demo-owner", await DemoIdAsync());

    async Task<(int Credentials, int Audit)> CountsAsync(string userId)
    {
        await using var db = app.NewContext();
        return (await db.ApiCredentials.CountAsync(c => c.UserId == userId), await db.AuditEntries.CountAsync(a => a.Action.StartsWith("api.credential")));
    }

    static string TestIdText(string html, string testId) =>
        WebUtility.HtmlDecode(Regex.Match(html, $"data-testid=\"{testId}\"[^>]*>([^<]*)<").Groups[1].Value.Trim());

    /// <summary>The signed-in user requests a key on demo's 对接 / API page; the answer shows its id and secret.</summary>
    static async Task<(string KeyId, string Secret, string Html)> RequestOnPageAsync(SignedInHttp user, string note)
    {
        var response = await user.PostFormAsync(DemoApi, "api-request", new() { ["Request.Note"] = note });
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {html}");
        var (keyId, secret) = (TestIdText(html, "api-key-id"), TestIdText(html, "api-secret"));
        Assert.StartsWith("km_", keyId);
        Assert.True(secret.Length >= 32, "the secret is shown");
        return (keyId, secret, html);
    }

    async Task<ApiCredential> StoredAsync(string keyId)
    {
        await using var db = app.NewContext();
        return await db.ApiCredentials.AsNoTracking().SingleAsync(c => c.KeyId == keyId);
    }

    async Task<HttpResponseMessage> PingAsync(string keyId, string secret)
    {
        using var client = app.NewHttpClient();
        const string path = "/api/open/v1/ping";
        var ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString();
        var nonce = Guid.NewGuid().ToString("N");
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("X-KaMeng-Key", keyId);
        request.Headers.Add("X-KaMeng-Timestamp", ts);
        request.Headers.Add("X-KaMeng-Nonce", nonce);
        request.Headers.Add("X-KaMeng-Signature", OpenApiSignature.Sign(secret, "GET", path, ts, nonce, []));
        return await client.SendAsync(request);
    }

    static async Task AssertRefusedAsync(HttpResponseMessage response, string detailPart)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("auth.key", json.GetProperty("code").GetString());
        Assert.Contains(detailPart, json.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task An_owner_cannot_create_a_key_that_spends_another_users_wallet()
    {
        var demo = await DemoIdAsync();
        var owner = await DemoOwnerAsync();
        var buyerId = await UserIdAsync("demo-buyer");
        var before = await CountsAsync(buyerId);

        // The owner, signed in, asks for a key at their station naming the buyer as the one who pays.
        var (issued, error) = await Credentials.RequestAsync(owner.UserId, demo, "代下游申请", forUserName: "demo-buyer");

        Assert.Null(issued);
        Assert.Contains("本人", error);
        Assert.Equal(before, await CountsAsync(buyerId));
    }

    [Fact]
    public async Task A_bad_request_on_the_page_is_refused_in_chinese_and_writes_nothing()
    {
        using (var anonymous = app.NewHttpClient())
        {
            var response = await anonymous.GetAsync(DemoApi);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.Contains("/account/login", response.Headers.Location!.ToString());
        }
        var buyerId = await UserIdAsync("demo-buyer");
        var before = await CountsAsync(buyerId);
        using var buyer = await SignedInHttp.SignInAsync(app, "demo-buyer", TestAccounts.DemoPassword, "/s/demo");
        var refused = await buyer.PostFormAsync(DemoApi, "api-request", new() { ["Request.Note"] = new string('长', 201) });
        var html = await refused.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Contains("备注不能超过 200 字", TestIdText(html, "api-error"));
        Assert.DoesNotContain("data-testid=\"api-secret\"", html);
        Assert.Equal(before, await CountsAsync(buyerId));
    }

    [Fact]
    public async Task A_key_is_shown_once_to_the_user_who_requested_it()
    {
        using var buyer = await SignedInHttp.SignInAsync(app, "demo-buyer", TestAccounts.DemoPassword, "/s/demo");
        var (keyId, secret, _) = await RequestOnPageAsync(buyer, "我的下游站");

        var stored = await StoredAsync(keyId);
        Assert.Equal(await UserIdAsync("demo-buyer"), stored.UserId);
        Assert.Equal(await DemoIdAsync(), stored.StationId);
        Assert.Equal(ApiCredentialStatus.PendingApproval, stored.Status);
        Assert.Equal("我的下游站", stored.Note);
        Assert.Equal(secret, Credentials.Unprotect(stored.SecretCipher));
        Assert.DoesNotContain(secret, stored.SecretCipher);

        // Loaded again, the page lists the key by its id and status only.
        var (status, again) = await buyer.GetAsync(DemoApi);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains(keyId, again);
        Assert.Contains("待批准", again);
        Assert.DoesNotContain(secret, again);

        // Another user's page never lists it.
        using var other = await SignedInHttp.SignInAsync(app, "demo-owner", TestAccounts.DemoPassword, "/s/demo");
        var (_, theirs) = await other.GetAsync(DemoApi);
        Assert.DoesNotContain(keyId, theirs);
        await using var db = app.NewContext();
        var request = await db.AuditEntries.SingleAsync(a => a.Target == keyId);
        Assert.Equal(stored.UserId, request.UserId);
        Assert.DoesNotContain(secret, request.Detail ?? "");
    }

    [Fact]
    public async Task A_key_works_only_after_the_station_approves_it()
    {
        using var buyer = await SignedInHttp.SignInAsync(app, "demo-buyer", TestAccounts.DemoPassword, "/s/demo");
        var (keyId, secret, _) = await RequestOnPageAsync(buyer, "待批准");
        var id = (await StoredAsync(keyId)).Id;
        await AssertRefusedAsync(await PingAsync(keyId, secret), "尚未被站长批准");

        // Another station's owner does not see it, so cannot approve it.
        var stranger = new AuditActor(await UserIdAsync("demo-finance"), "another-owner", Station.MainStationId);
        Assert.Equal("密钥不存在", await Credentials.ApproveAsync(stranger, id));
        Assert.DoesNotContain(await Credentials.ListAsync(stranger), r => r.Credential.Id == id);
        Assert.Equal(ApiCredentialStatus.PendingApproval, (await StoredAsync(keyId)).Status);
        await AssertRefusedAsync(await PingAsync(keyId, secret), "尚未被站长批准");

        // demo's owner sees it among demo's keys and approves it: from then on it answers.
        var owner = await DemoOwnerAsync();
        Assert.Contains(await Credentials.ListAsync(owner), r => r.Credential.Id == id && r.UserName == "demo-buyer");
        Assert.Null(await Credentials.ApproveAsync(owner, id));
        var ok = await PingAsync(keyId, secret);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("demo", JsonDocument.Parse(await ok.Content.ReadAsStringAsync()).RootElement.GetProperty("data").GetProperty("station").GetString());
        var (_, page) = await buyer.GetAsync(DemoApi);
        Assert.Contains("已启用", page);
    }

    [Fact]
    public async Task Revoked_keys_are_refused()
    {
        var owner = await DemoOwnerAsync();
        using var buyer = await SignedInHttp.SignInAsync(app, "demo-buyer", TestAccounts.DemoPassword, "/s/demo");
        var (mine, mySecret, _) = await RequestOnPageAsync(buyer, "自己吊销");
        var (theirs, theirSecret, _) = await RequestOnPageAsync(buyer, "站长吊销");
        var mineId = (await StoredAsync(mine)).Id;
        var theirsId = (await StoredAsync(theirs)).Id;
        Assert.Null(await Credentials.ApproveAsync(owner, mineId));
        Assert.Null(await Credentials.ApproveAsync(owner, theirsId));
        Assert.Equal(HttpStatusCode.OK, (await PingAsync(mine, mySecret)).StatusCode);

        // Another user, with a key of their own (so their page has the revoke form), posts the buyer's key id:
        // refused with a message, nothing written.
        using var other = await SignedInHttp.SignInAsync(app, "demo-owner", TestAccounts.DemoPassword, "/s/demo");
        await RequestOnPageAsync(other, "站长自己的");
        var foreign = await other.PostFormAsync(DemoApi, "api-revoke", new() { ["Revoke.Id"] = mineId.ToString() });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, foreign.StatusCode);
        Assert.Contains("密钥不存在", await foreign.Content.ReadAsStringAsync());
        Assert.Equal(ApiCredentialStatus.Active, (await StoredAsync(mine)).Status);

        // The buyer revokes their own key on the page; demo's owner revokes the other on the admin side.
        var revoked = await buyer.PostFormAsync(DemoApi, "api-revoke", new() { ["Revoke.Id"] = mineId.ToString() });
        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        Assert.Contains("已吊销", await revoked.Content.ReadAsStringAsync());
        Assert.Null(await Credentials.RevokeAsync(owner, theirsId));

        await AssertRefusedAsync(await PingAsync(mine, mySecret), "已吊销");
        await AssertRefusedAsync(await PingAsync(theirs, theirSecret), "已吊销");
        Assert.NotNull((await StoredAsync(mine)).RevokedAt);
        // A revoked key cannot be approved back into use.
        Assert.NotNull(await Credentials.ApproveAsync(owner, mineId));
        await AssertRefusedAsync(await PingAsync(mine, mySecret), "已吊销");
    }
}

public sealed class SqliteApiKeyOwnershipTests(KaMengApp app) : ApiKeyOwnershipTests<KaMengApp>(app), IClassFixture<KaMengApp>;

public sealed class PostgresApiKeyOwnershipTests(KaMengPostgresApp app) : ApiKeyOwnershipTests<KaMengPostgresApp>(app), IClassFixture<KaMengPostgresApp>;
