using System.Net;
using System.Text;
using System.Text.Json;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.OpenApi;
using KaMeng.Web.Features.Orders;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace KaMeng.Tests.Payments;

/// <summary>The Open API on a real app: signed requests, the clock window, replayed nonces, idempotent orders.</summary>
public abstract class OpenApiTests<TApp>(TApp app) where TApp : KaMengApp
{
    static readonly AuditActor Platform = new("test", "test", null);
    const string Product = "王者荣耀 60 点券";

    async Task<IssuedCredential> KeyAsync(bool approve = true, int stationId = Station.MainStationId, string user = "demo-buyer")
    {
        var service = app.Services.GetRequiredService<ApiCredentialService>();
        string userId;
        await using (var db = app.NewContext())
            userId = await db.Users.Where(u => u.UserName == user).Select(u => u.Id).SingleAsync();
        // The user asks for the key themselves; the platform approves it.
        var (issued, error) = await service.RequestAsync(userId, stationId, "测试对接");
        Assert.Null(error);
        if (approve) Assert.Null(await service.ApproveAsync(Platform, issued!.Id));
        return issued!;
    }

    async Task<HttpResponseMessage> SendAsync(IssuedCredential c, HttpMethod method, string path, object? body = null, long? timestamp = null, string? nonce = null, string? secret = null)
    {
        using var client = app.NewHttpClient();
        var bytes = body is null ? [] : JsonSerializer.SerializeToUtf8Bytes(body);
        var ts = (timestamp ?? DateTimeOffset.UtcNow.ToUnixTimeSeconds()).ToString();
        nonce ??= Guid.NewGuid().ToString("N");
        var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = new ByteArrayContent(bytes) { Headers = { ContentType = new("application/json") } };
        request.Headers.Add("X-KaMeng-Key", c.KeyId);
        request.Headers.Add("X-KaMeng-Timestamp", ts);
        request.Headers.Add("X-KaMeng-Nonce", nonce);
        request.Headers.Add("X-KaMeng-Signature", OpenApiSignature.Sign(secret ?? c.Secret, method.Method, path, ts, nonce, bytes));
        return await client.SendAsync(request);
    }

    static async Task<JsonElement> JsonAsync(HttpResponseMessage response) => JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var json = await JsonAsync(response);
        Assert.Equal(code, json.GetProperty("code").GetString());
        Assert.Equal("1", json.GetProperty("protocol_version").GetString());
    }

    [Fact]
    public void The_signature_is_hmac_sha256_over_method_path_timestamp_nonce_and_body_hash()
    {
        // Computed independently: python3 -c "import hmac,hashlib; b=hashlib.sha256(b'{}').hexdigest();
        //   print(hmac.new(b'secret', ('POST\n/api/open/v1/orders\n1700000000\nabcdefgh\n'+b).encode(), hashlib.sha256).hexdigest())"
        Assert.Equal("4464c37f032c36f3760c3fabc54678c8b13312ae5449b74799e47bc87b34b2d7",
            OpenApiSignature.Sign("secret", "POST", "/api/open/v1/orders", "1700000000", "abcdefgh", "{}"u8));
    }

    [Fact]
    public async Task Ping_answers_with_the_protocol_version()
    {
        var c = await KeyAsync();
        var response = await SendAsync(c, HttpMethod.Get, "/api/open/v1/ping");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await JsonAsync(response);
        Assert.Equal("1", json.GetProperty("protocol_version").GetString());
        Assert.Equal("main", json.GetProperty("data").GetProperty("station").GetString());
    }

    [Fact]
    public async Task Unsigned_forged_stale_replayed_unapproved_and_revoked_requests_are_refused()
    {
        var c = await KeyAsync();
        using (var client = app.NewHttpClient())
            await AssertProblemAsync(await client.GetAsync("/api/open/v1/ping"), HttpStatusCode.Unauthorized, "auth.missing");
        await AssertProblemAsync(await SendAsync(c, HttpMethod.Get, "/api/open/v1/ping", secret: "not-the-secret"), HttpStatusCode.Unauthorized, "auth.signature");
        await AssertProblemAsync(await SendAsync(c, HttpMethod.Get, "/api/open/v1/ping", timestamp: DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 301), HttpStatusCode.Unauthorized, "auth.timestamp");
        await AssertProblemAsync(await SendAsync(c, HttpMethod.Get, "/api/open/v1/ping", timestamp: DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 301), HttpStatusCode.Unauthorized, "auth.timestamp");
        var nonce = "nonce-" + Guid.NewGuid().ToString("N");
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(c, HttpMethod.Get, "/api/open/v1/ping", nonce: nonce)).StatusCode);
        await AssertProblemAsync(await SendAsync(c, HttpMethod.Get, "/api/open/v1/ping", nonce: nonce), HttpStatusCode.Unauthorized, "auth.replay");

        var pending = await KeyAsync(approve: false);
        await AssertProblemAsync(await SendAsync(pending, HttpMethod.Get, "/api/open/v1/ping"), HttpStatusCode.Unauthorized, "auth.key");
        Assert.Null(await app.Services.GetRequiredService<ApiCredentialService>().RevokeAsync(Platform, c.Id));
        await AssertProblemAsync(await SendAsync(c, HttpMethod.Get, "/api/open/v1/ping"), HttpStatusCode.Unauthorized, "auth.key");
    }

    [Fact]
    public async Task The_secret_is_stored_encrypted()
    {
        var c = await KeyAsync();
        await using var db = app.NewContext();
        var stored = await db.ApiCredentials.SingleAsync(x => x.Id == c.Id);
        Assert.DoesNotContain(c.Secret, stored.SecretCipher);
    }

    [Fact]
    public async Task Products_and_an_idempotent_order_paid_from_the_callers_balance()
    {
        var c = await KeyAsync();
        var categories = await JsonAsync(await SendAsync(c, HttpMethod.Get, "/api/open/v1/categories"));
        Assert.True(categories.GetProperty("data").GetArrayLength() > 0);
        var products = (await JsonAsync(await SendAsync(c, HttpMethod.Get, "/api/open/v1/products"))).GetProperty("data").EnumerateArray().ToList();
        var product = products.Single(p => p.GetProperty("name").GetString() == Product);
        Assert.Equal("6.00", product.GetProperty("price").GetString());
        var id = product.GetProperty("id").GetInt32();
        var stock = product.GetProperty("stock").GetInt32();
        var detail = (await JsonAsync(await SendAsync(c, HttpMethod.Get, $"/api/open/v1/products/{id}"))).GetProperty("data");
        Assert.Equal(stock, detail.GetProperty("stock").GetInt32());
        await AssertProblemAsync(await SendAsync(c, HttpMethod.Get, "/api/open/v1/products/999999"), HttpStatusCode.NotFound, "product.not_found");

        long balanceBefore;
        await using (var db = app.NewContext())
            balanceBefore = (await db.Wallets.SingleAsync(w => w.UserId == db.Users.Single(u => u.UserName == "demo-buyer").Id)).Balance.Fen;
        var clientNo = "DS-" + Guid.NewGuid().ToString("N")[..12];
        var body = new { product_id = id, quantity = 1, client_order_no = clientNo };
        var first = await JsonAsync(await SendAsync(c, HttpMethod.Post, "/api/open/v1/orders", body));
        var again = await JsonAsync(await SendAsync(c, HttpMethod.Post, "/api/open/v1/orders", body));
        Assert.Equal("Delivered", first.GetProperty("data").GetProperty("status").GetString());
        Assert.StartsWith("DEMO-", first.GetProperty("data").GetProperty("card_keys")[0].GetString());
        Assert.Equal(first.GetProperty("data").GetProperty("order_no").GetString(), again.GetProperty("data").GetProperty("order_no").GetString());
        await using (var db = app.NewContext())
            Assert.Equal(balanceBefore - 600, (await db.Wallets.SingleAsync(w => w.UserId == db.Users.Single(u => u.UserName == "demo-buyer").Id)).Balance.Fen);

        var status = await JsonAsync(await SendAsync(c, HttpMethod.Get, $"/api/open/v1/orders/{clientNo}"));
        Assert.Equal("Delivered", status.GetProperty("data").GetProperty("status").GetString());
        await AssertProblemAsync(await SendAsync(c, HttpMethod.Post, $"/api/open/v1/orders/{clientNo}/cancel"), HttpStatusCode.Conflict, "order.not_cancellable");
        await AssertProblemAsync(await SendAsync(c, HttpMethod.Get, "/api/open/v1/orders/unknown-1"), HttpStatusCode.NotFound, "order.not_found");
        await AssertProblemAsync(await SendAsync(c, HttpMethod.Post, "/api/open/v1/orders", new { product_id = id, quantity = 1, client_order_no = "" }), HttpStatusCode.UnprocessableEntity, "order.client_order_no");
        await AssertProblemAsync(await SendAsync(c, HttpMethod.Post, "/api/open/v1/orders", new { product_id = id, quantity = 0, client_order_no = "q0-" + clientNo }), HttpStatusCode.UnprocessableEntity, "checkout.quantity");
    }

    async Task<long> BalanceAsync(string user)
    {
        await using var db = app.NewContext();
        return (await db.Wallets.SingleAsync(w => w.UserId == db.Users.Single(u => u.UserName == user).Id)).Balance.Fen;
    }

    static long PriceFen(JsonElement products, string name) =>
        products.GetProperty("data").EnumerateArray().Single(p => p.GetProperty("name").GetString() == name).GetProperty("price_fen").GetInt64();

    [Fact]
    public async Task Listings_and_detail_show_the_callers_own_price_and_an_order_is_charged_exactly_that()
    {
        int demoId;
        await using (var db = app.NewContext())
            demoId = await db.Stations.Where(s => s.Code == "demo").Select(s => s.Id).SingleAsync();
        var demo = (await app.Services.GetRequiredService<KaMeng.Web.Features.Stations.StationDirectory>().ByIdAsync(demoId))!;
        var anonymous = (await app.Services.GetRequiredService<KaMeng.Web.Features.Storefront.StorefrontCatalog>().ProductsAsync(demo)).Single(p => p.Name == Product).Price.Fen;
        // demo's buyers get 10 % off from the first yuan spent.
        Assert.Null(await app.Services.GetRequiredService<KaMeng.Web.Features.Substations.StationSettingsService>().SaveMemberLevelAsync(demoId, null, "银卡", "10", "0", Platform));

        var buyer = await KeyAsync(stationId: demoId);
        var listed = PriceFen(await JsonAsync(await SendAsync(buyer, HttpMethod.Get, "/api/open/v1/products")), Product);
        Assert.True(listed < anonymous, $"member price {listed} below the public {anonymous}");
        var id = (await JsonAsync(await SendAsync(buyer, HttpMethod.Get, "/api/open/v1/products"))).GetProperty("data").EnumerateArray()
            .Single(p => p.GetProperty("name").GetString() == Product).GetProperty("id").GetInt32();
        Assert.Equal(listed, (await JsonAsync(await SendAsync(buyer, HttpMethod.Get, $"/api/open/v1/products/{id}"))).GetProperty("data").GetProperty("price_fen").GetInt64());
        var before = await BalanceAsync("demo-buyer");
        var order = await SendAsync(buyer, HttpMethod.Post, "/api/open/v1/orders", new { product_id = id, quantity = 1, client_order_no = "M-" + Guid.NewGuid().ToString("N")[..10] });
        Assert.Equal(HttpStatusCode.OK, order.StatusCode);
        Assert.Equal(before - listed, await BalanceAsync("demo-buyer"));

        // The substation's owner buying on it pays its cost (self-dealing), and is quoted that.
        var owner = await KeyAsync(stationId: demoId, user: "demo-owner");
        var ownerListed = PriceFen(await JsonAsync(await SendAsync(owner, HttpMethod.Get, "/api/open/v1/products")), Product);
        await using (var db = app.NewContext())
        {
            var product = await db.Products.SingleAsync(p => p.Id == id);
            var cost = (await app.Services.GetRequiredService<PriceResolver>().ForStationAsync(demoId)).Quote(product).Cost.Fen;
            Assert.Equal(cost, ownerListed);
        }
    }

    [Fact]
    public async Task Cancelling_a_paid_order_still_waiting_for_delivery_refunds_the_caller_once_and_a_delivered_one_is_refused()
    {
        int productId;
        await using (var db = app.NewContext())
        {
            var category = await db.Categories.Where(c => c.StationId == Station.MainStationId).Select(c => c.Id).FirstAsync();
            var manual = new Product { StationId = Station.MainStationId, CategoryId = category, Name = "人工代充 " + Guid.NewGuid().ToString("N")[..6], DeliveryType = DeliveryType.Manual,
                BasePrice = Money.FromFen(500), CostPrice = Money.FromFen(300), FaceValue = Money.FromFen(500), CreatedAt = DateTimeOffset.UtcNow };
            db.Products.Add(manual);
            await db.SaveChangesAsync();
            productId = manual.Id;
        }
        var c = await KeyAsync();
        var before = await BalanceAsync("demo-buyer");
        var clientNo = "CX-" + Guid.NewGuid().ToString("N")[..12];
        var placed = await JsonAsync(await SendAsync(c, HttpMethod.Post, "/api/open/v1/orders", new { product_id = productId, quantity = 1, client_order_no = clientNo }));
        Assert.Equal("Processing", placed.GetProperty("data").GetProperty("status").GetString());
        Assert.Equal(before - 500, await BalanceAsync("demo-buyer"));

        var cancelled = await SendAsync(c, HttpMethod.Post, $"/api/open/v1/orders/{clientNo}/cancel");
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        Assert.Equal("Refunded", (await JsonAsync(cancelled)).GetProperty("data").GetProperty("status").GetString());
        Assert.Equal(before, await BalanceAsync("demo-buyer"));
        // Again: the same answer, no second refund.
        var again = await SendAsync(c, HttpMethod.Post, $"/api/open/v1/orders/{clientNo}/cancel");
        Assert.Equal("Refunded", (await JsonAsync(again)).GetProperty("data").GetProperty("status").GetString());
        Assert.Equal(before, await BalanceAsync("demo-buyer"));
        await using (var db = app.NewContext())
        {
            var order = await db.Orders.SingleAsync(o => o.Number == placed.GetProperty("data").GetProperty("order_no").GetString());
            Assert.Equal(2, await db.LedgerEntries.CountAsync(e => e.OrderId == order.Id)); // the purchase and its one reversal
        }
        // Staff can no longer deliver it.
        await using (var db = app.NewContext())
        {
            var id = await db.Orders.Where(o => o.IdempotencyKey!.EndsWith(":" + clientNo)).Select(o => o.Id).SingleAsync();
            Assert.NotNull(await app.Services.GetRequiredService<OrderService>().CompleteAsync(id, "已发", Platform));
        }
    }

    [Fact]
    public async Task Expired_nonces_are_dropped_by_the_scheduled_job_and_fresh_ones_kept()
    {
        var c = await KeyAsync();
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(c, HttpMethod.Get, "/api/open/v1/ping", nonce: "fresh-" + Guid.NewGuid().ToString("N"))).StatusCode);
        await using (var db = app.NewContext())
        {
            db.ApiNonces.Add(new ApiNonce { CredentialId = c.Id, Nonce = "stale-" + Guid.NewGuid().ToString("N"), CreatedAt = DateTimeOffset.UtcNow.AddSeconds(-3 * OpenApiSignature.WindowSeconds) });
            await db.SaveChangesAsync();
        }
        await app.Services.GetRequiredService<KaMeng.Web.Features.Jobs.JobAdminService>().RunNowAsync(KaMeng.Web.Features.Jobs.JobCatalog.ApiNonceCleanup.Key);
        await Poll.UntilAsync(async () =>
        {
            await using var db = app.NewContext();
            return !await db.ApiNonces.AnyAsync(n => n.CredentialId == c.Id && n.Nonce.StartsWith("stale-"));
        }, "the stale nonce to be deleted", 90);
        await using (var db = app.NewContext())
            Assert.True(await db.ApiNonces.AnyAsync(n => n.CredentialId == c.Id && n.Nonce.StartsWith("fresh-")));
    }

    [Fact]
    public async Task The_openapi_document_and_its_page_are_served()
    {
        using var client = app.NewHttpClient();
        var doc = await client.GetStringAsync("/openapi/v1.json");
        Assert.Contains("/api/open/v1/orders", doc);
        Assert.Contains("KaMeng Open API", doc);
        var page = await client.GetAsync("/api/docs/index.html");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }
}

public sealed class SqliteOpenApiTests(KaMengApp app) : OpenApiTests<KaMengApp>(app), IClassFixture<KaMengApp>;

public sealed class PostgresOpenApiTests(KaMengPostgresApp app) : OpenApiTests<KaMengPostgresApp>(app), IClassFixture<KaMengPostgresApp>;

public class OpenApiCredentialBrowserTests(BrowserFixture fx) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task A_buyer_requests_a_key_sees_the_secret_once_and_the_owner_approves_it()
    {
        // The buyer, signed in on demo's storefront, asks for a key in their account.
        var buyerPage = await fx.NewPageAsync();
        await new LoginPage(buyerPage, "/s/demo").LoginAsAsync("demo-buyer", TestAccounts.DemoPassword, "/s/demo/my/api");
        var mine = new MyApiKeysPage(buyerPage, "/s/demo");
        await mine.GotoAsync();
        await mine.RequestAsync("下游站点 A");
        await Assertions.Expect(mine.Secret).ToBeVisibleAsync();
        var keyId = (await mine.KeyId.InnerTextAsync()).Trim();
        var secret = (await mine.Secret.InnerTextAsync()).Trim();
        await Assertions.Expect(mine.Row(keyId)).ToContainTextAsync("待批准");
        await BrowserFixture.ScreenshotsAsync(buyerPage, "openapi-buyer-request");

        await using (var db = fx.App.NewContext())
        {
            var stored = await db.ApiCredentials.SingleAsync(c => c.KeyId == keyId);
            Assert.Equal(await db.Stations.Where(s => s.Code == "demo").Select(s => s.Id).SingleAsync(), stored.StationId);
            Assert.Equal(await db.Users.Where(u => u.UserName == "demo-buyer").Select(u => u.Id).SingleAsync(), stored.UserId);
            Assert.Equal(secret, fx.App.Services.GetRequiredService<ApiCredentialService>().Unprotect(stored.SecretCipher));
        }
        // Opened again, the page lists the key by id and status only.
        await mine.GotoAsync();
        await Assertions.Expect(mine.Row(keyId)).ToContainTextAsync("待批准");
        Assert.DoesNotContain(secret, await buyerPage.ContentAsync());

        // demo's owner approves it on the admin page, which offers no way to create a key for anyone.
        var ownerPage = await fx.NewPageAsync();
        await new LoginPage(ownerPage).LoginAsAsync("demo-owner", TestAccounts.DemoPassword, "/admin/api-credentials");
        var admin = new ApiCredentialsAdminPage(ownerPage);
        await new AdminPage(ownerPage).WaitForCircuitAsync();
        await Assertions.Expect(admin.Row(keyId)).ToContainTextAsync("demo-buyer");
        await Assertions.Expect(admin.IssueForUserField).ToHaveCountAsync(0);
        Assert.DoesNotContain(secret, await ownerPage.ContentAsync());
        await admin.ApproveAsync(keyId);
        await Assertions.Expect(admin.Row(keyId)).ToContainTextAsync("已启用");
        await BrowserFixture.ScreenshotsAsync(ownerPage, "openapi-owner-approves");

        // The buyer sees it enabled, then revokes it themselves.
        await mine.GotoAsync();
        await Assertions.Expect(mine.Row(keyId)).ToContainTextAsync("已启用");
        await mine.RevokeAsync(keyId);
        await Assertions.Expect(mine.Row(keyId)).ToContainTextAsync("已吊销");
        await Assertions.Expect(mine.Row(keyId).GetByTestId("api-revoke")).ToHaveCountAsync(0);
        await BrowserFixture.ScreenshotsAsync(buyerPage, "openapi-buyer-keys");
    }
}
