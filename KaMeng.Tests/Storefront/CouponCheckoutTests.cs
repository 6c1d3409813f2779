using System.Net;
using System.Text.Json;
using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Marketing;
using KaMeng.Web.Features.OpenApi;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Storefront;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KaMeng.Tests.Storefront;

/// <summary>Issue 20, the buyer's side of coupons: a code gives its discount at balance checkout and the wallet pays exactly what is
/// left; a refused code charges nothing; the product page's preview prices a capped coupon at the capped amount.</summary>
public class CouponCheckoutTests
{
    static async Task<Coupon> AddCouponAsync(CommerceHarness h, Action<Coupon> configure)
    {
        await using var db = h.Db.NewContext();
        var coupon = new Coupon
        {
            StationId = Station.MainStationId, Name = "测试券", Kind = CouponKind.AmountOff, AmountOff = Money.FromFen(100),
            ValidUntil = DateTimeOffset.UtcNow.AddDays(1), CreatedAt = DateTimeOffset.UtcNow,
        };
        configure(coupon);
        db.Coupons.Add(coupon);
        await db.SaveChangesAsync();
        return coupon;
    }

    static StorefrontCatalog Catalog(CommerceHarness h) =>
        new(h.Db.Services.GetRequiredService<IDbContextFactory<KaMengDbContext>>(), h.Db.Services.GetRequiredService<PriceResolver>(), TimeProvider.System);

    static CouponPreview Preview(CommerceHarness h) => new(h.Db.Services.GetRequiredService<IDbContextFactory<KaMengDbContext>>());

    static Task<CheckoutResult> BuyAsync(CommerceHarness h, Product product, string buyer, string? code = null, long? grant = null, int quantity = 1) =>
        h.Checkout.PlaceBalanceOrderAsync(CommerceHarness.Main, new CheckoutRequest(product.Id, quantity, buyer, Guid.NewGuid().ToString("N"), CouponCode: code, CouponGrantId: grant));

    static async Task<Order> OrderAsync(CommerceHarness h, string number)
    {
        await using var db = h.Db.NewContext();
        return await db.Orders.AsNoTracking().SingleAsync(o => o.Number == number);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task A_code_takes_its_discount_and_the_wallet_pays_exactly_the_rest(DatabaseProvider provider)
    {
        await using var h = await CommerceHarness.CreateAsync(provider);
        var product = await h.AddCardKeyProductAsync(keys: 5, priceFen: 1000);
        var buyer = (await h.AddBuyersAsync(1))[0];
        await AddCouponAsync(h, c => { c.Code = "SAVE3"; c.AmountOff = Money.FromFen(300); c.Name = "立减3元"; });

        // The preview the product page shows, then the checkout: the same amount.
        var detail = (await Catalog(h).ProductAsync(CommerceHarness.Main, product.Id, buyerUserId: buyer))!;
        var quote = await Preview(h).QuoteAsync(CommerceHarness.Main, detail, 1, " save3 ", null, buyer);
        Assert.True(quote.Accepted, quote.Error);
        Assert.Equal(700, quote.Price!.Paid.Fen);
        Assert.Equal(300, quote.Price.CouponDiscount.Fen);
        Assert.False(quote.Price.CouponCapped);
        Assert.Equal("原价 ¥10.00 → 本站让利 ¥3.00 → 实付 ¥7.00", quote.Price.Explain());

        var result = await BuyAsync(h, product, buyer, code: "save3");
        Assert.True(result.Succeeded, result.Error);
        var order = await OrderAsync(h, result.OrderNumber!);
        Assert.Equal(700, order.Total.Fen);
        Assert.Equal(300, order.CouponDiscount.Fen);
        Assert.Equal(OrderStatus.Delivered, order.Status);
        Assert.Equal(10000 - 700, await h.BalanceAsync(buyer));
        var record = PromotionRecord.Read(order.PromotionJson)!;
        Assert.Equal("立减3元", record.CouponName);
        Assert.Equal(quote.Price.Explain(), record.Explanation);
        await using (var db = h.Db.NewContext())
        {
            var redemption = await db.CouponRedemptions.SingleAsync(r => r.OrderId == order.Id);
            Assert.Equal(RedemptionStatus.Consumed, redemption.Status);
            Assert.Equal(300, redemption.Discount.Fen);
        }
        await h.AssertBooksAsync();
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Unknown_expired_out_of_scope_and_used_up_codes_are_refused_with_their_reason_and_nothing_is_charged(DatabaseProvider provider)
    {
        await using var h = await CommerceHarness.CreateAsync(provider);
        var product = await h.AddCardKeyProductAsync(keys: 5, priceFen: 1000);
        var buyer = (await h.AddBuyersAsync(1))[0];
        await AddCouponAsync(h, c => { c.Code = "OLD-ONE"; c.ValidFrom = DateTimeOffset.UtcNow.AddDays(-10); c.ValidUntil = DateTimeOffset.UtcNow.AddDays(-1); });
        await AddCouponAsync(h, c => { c.Code = "OTHER-ONLY"; c.Scope = CouponScope.Products; c.ScopeIds = (product.Id + 1000).ToString(); });
        await AddCouponAsync(h, c => { c.Code = "GONE"; c.TotalLimit = 1; c.Taken = 1; });

        var detail = (await Catalog(h).ProductAsync(CommerceHarness.Main, product.Id, buyerUserId: buyer))!;
        foreach (var (code, reason) in new[]
        {
            ("NO-SUCH-CODE", "优惠码不存在"), ("old-one", "该优惠券已过期"), ("OTHER-ONLY", "该优惠券不适用于此商品"), ("GONE", "该优惠券已被用完"),
        })
        {
            var quote = await Preview(h).QuoteAsync(CommerceHarness.Main, detail, 1, code, null, buyer);
            Assert.False(quote.Accepted);
            Assert.Equal(reason, quote.Error);
            var result = await BuyAsync(h, product, buyer, code: code);
            Assert.False(result.Succeeded);
            Assert.Equal("checkout.coupon", result.ErrorCode);
            Assert.Equal(reason, result.Error);
        }
        Assert.Equal(10000, await h.BalanceAsync(buyer));
        await using var db = h.Db.NewContext();
        Assert.False(await db.Orders.AnyAsync(o => o.BuyerUserId == buyer));
        Assert.Equal(5, await db.CardKeys.CountAsync(k => k.ProductId == product.Id && k.Status == CardKeyStatus.Available));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task A_discount_above_the_margin_is_previewed_and_charged_at_the_capped_amount(DatabaseProvider provider)
    {
        await using var h = await CommerceHarness.CreateAsync(provider);
        // Price ¥10, cost ¥5: the station can give at most its ¥5 margin.
        var product = await h.AddCardKeyProductAsync(keys: 5, priceFen: 1000);
        var buyer = (await h.AddBuyersAsync(1))[0];
        await AddCouponAsync(h, c => { c.Code = "BIG8"; c.AmountOff = Money.FromFen(800); });

        var detail = (await Catalog(h).ProductAsync(CommerceHarness.Main, product.Id, buyerUserId: buyer))!;
        var quote = await Preview(h).QuoteAsync(CommerceHarness.Main, detail, 1, "BIG8", null, buyer);
        Assert.True(quote.Accepted, quote.Error);
        Assert.True(quote.Price!.CouponCapped);
        Assert.Equal(500, quote.Price.CouponDiscount.Fen);
        Assert.Equal(500, quote.Price.Paid.Fen);

        var result = await BuyAsync(h, product, buyer, code: "BIG8");
        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(500, (await OrderAsync(h, result.OrderNumber!)).Total.Fen);
        Assert.Equal(10000 - 500, await h.BalanceAsync(buyer));
        await h.AssertBooksAsync();
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task A_granted_coupon_is_offered_on_the_product_used_once_and_then_listed_as_used(DatabaseProvider provider)
    {
        await using var h = await CommerceHarness.CreateAsync(provider);
        var product = await h.AddCardKeyProductAsync(keys: 5, priceFen: 1000);
        var buyers = await h.AddBuyersAsync(2);
        var coupon = await AddCouponAsync(h, c => { c.Kind = CouponKind.PercentOff; c.PercentOff = 20; c.ValidUntil = null; c.ValidDays = 7; c.Name = "八折券"; });
        CouponGrant grant;
        await using (var db = h.Db.NewContext())
        {
            grant = new CouponGrant { CouponId = coupon.Id, StationId = Station.MainStationId, UserId = buyers[0], GrantedAt = DateTimeOffset.UtcNow, ExpiresAt = DateTimeOffset.UtcNow.AddDays(7) };
            db.CouponGrants.Add(grant);
            await db.SaveChangesAsync();
        }
        var usable = await Preview(h).UsableOnAsync(Station.MainStationId, buyers[0], product, DateTimeOffset.UtcNow);
        Assert.Equal(grant.Id, Assert.Single(usable).Grant.Id);
        Assert.Empty(await Preview(h).UsableOnAsync(Station.MainStationId, buyers[1], product, DateTimeOffset.UtcNow));

        // Somebody else's grant is not theirs to use.
        var stolen = await BuyAsync(h, product, buyers[1], grant: grant.Id);
        Assert.Equal("checkout.coupon", stolen.ErrorCode);
        Assert.Equal(10000, await h.BalanceAsync(buyers[1]));

        var result = await BuyAsync(h, product, buyers[0], grant: grant.Id);
        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(800, (await OrderAsync(h, result.OrderNumber!)).Total.Fen);
        Assert.Equal(10000 - 800, await h.BalanceAsync(buyers[0]));
        var again = await BuyAsync(h, product, buyers[0], grant: grant.Id);
        Assert.Equal("该优惠券已使用", again.Error);
        var held = Assert.Single(await Preview(h).HeldAsync(Station.MainStationId, buyers[0]));
        Assert.True(held.Used);
        Assert.Empty(await Preview(h).UsableOnAsync(Station.MainStationId, buyers[0], product, DateTimeOffset.UtcNow));
        await h.AssertBooksAsync();
    }
}

/// <summary>The Open API side: <c>coupon_code</c> on an order, a refused code as a 422 problem with the reason, product data with
/// the wholesale tiers and a running flash sale.</summary>
public abstract class CouponOpenApiTests<TApp>(TApp app) where TApp : KaMengApp
{
    const string ProductName = "办公软件 年度授权";

    async Task<(IssuedCredential Key, string UserId)> KeyAsync()
    {
        var service = app.Services.GetRequiredService<ApiCredentialService>();
        string userId;
        await using (var db = app.NewContext())
            userId = await db.Users.Where(u => u.UserName == "demo-buyer").Select(u => u.Id).SingleAsync();
        var (issued, error) = await service.RequestAsync(userId, Station.MainStationId, "优惠券对接");
        Assert.Null(error);
        Assert.Null(await service.ApproveAsync(new AuditActor("test", "test", null), issued!.Id));
        return (issued, userId);
    }

    async Task<HttpResponseMessage> SendAsync(IssuedCredential c, HttpMethod method, string path, object? body = null)
    {
        using var client = app.NewHttpClient();
        var bytes = body is null ? [] : JsonSerializer.SerializeToUtf8Bytes(body);
        var ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString();
        var nonce = Guid.NewGuid().ToString("N");
        var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = new ByteArrayContent(bytes) { Headers = { ContentType = new("application/json") } };
        request.Headers.Add("X-KaMeng-Key", c.KeyId);
        request.Headers.Add("X-KaMeng-Timestamp", ts);
        request.Headers.Add("X-KaMeng-Nonce", nonce);
        request.Headers.Add("X-KaMeng-Signature", OpenApiSignature.Sign(c.Secret, method.Method, path, ts, nonce, bytes));
        return await client.SendAsync(request);
    }

    static async Task<JsonElement> JsonAsync(HttpResponseMessage response) => JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    async Task<long> BalanceAsync(string userId)
    {
        await using var db = app.NewContext();
        return (await db.Wallets.SingleAsync(w => w.UserId == userId)).Balance.Fen;
    }

    [Fact]
    public async Task An_order_with_a_coupon_code_pays_the_discounted_total_and_a_bad_code_is_a_422_problem_that_charges_nothing()
    {
        var (key, userId) = await KeyAsync();
        int productId;
        await using (var db = app.NewContext())
        {
            productId = (await db.Products.SingleAsync(p => p.Name == ProductName)).Id;
            db.Coupons.Add(new Coupon
            {
                StationId = Station.MainStationId, Name = "对接立减", Kind = CouponKind.AmountOff, AmountOff = Money.FromFen(1000), Code = "API-OFF10",
                ValidUntil = DateTimeOffset.UtcNow.AddDays(1), CreatedAt = DateTimeOffset.UtcNow,
            });
            await db.SaveChangesAsync();
        }
        var before = await BalanceAsync(userId);

        var refused = await SendAsync(key, HttpMethod.Post, "/api/open/v1/orders",
            new { product_id = productId, quantity = 1, client_order_no = "cp-" + Guid.NewGuid().ToString("N")[..10], coupon_code = "NOT-A-CODE" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var problem = await JsonAsync(refused);
        Assert.Equal("checkout.coupon", problem.GetProperty("code").GetString());
        Assert.Equal("优惠码不存在", problem.GetProperty("detail").GetString());
        Assert.Equal(before, await BalanceAsync(userId));

        var ok = await SendAsync(key, HttpMethod.Post, "/api/open/v1/orders",
            new { product_id = productId, quantity = 1, client_order_no = "cp-" + Guid.NewGuid().ToString("N")[..10], coupon_code = "api-off10" });
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var data = (await JsonAsync(ok)).GetProperty("data");
        Assert.Equal("89.00", data.GetProperty("total").GetString());
        Assert.Equal(8900, data.GetProperty("total_fen").GetInt64());
        Assert.Equal(1000, data.GetProperty("coupon_discount_fen").GetInt64());
        Assert.Equal(before - 8900, await BalanceAsync(userId));
    }

    [Fact]
    public async Task Product_data_carries_the_wholesale_tiers_and_a_running_flash_sale()
    {
        var (key, _) = await KeyAsync();
        int wholesaleId, flashId;
        var ends = DateTimeOffset.UtcNow.AddHours(1);
        await using (var db = app.NewContext())
        {
            wholesaleId = (await db.Products.SingleAsync(p => p.Name == ProductName)).Id;
            flashId = (await db.Products.SingleAsync(p => p.Name == "王者荣耀 60 点券")).Id;
            db.WholesaleTiers.Add(new WholesaleTier { StationId = Station.MainStationId, ProductId = wholesaleId, MinQuantity = 5, UnitPrice = Money.FromFen(9000) });
            db.FlashSales.Add(new FlashSale
            {
                StationId = Station.MainStationId, ProductId = flashId, Title = "午间秒杀", Price = Money.FromFen(550), StartsAt = DateTimeOffset.UtcNow.AddMinutes(-1),
                EndsAt = ends, Quota = 100, CreatedAt = DateTimeOffset.UtcNow,
            });
            await db.SaveChangesAsync();
        }
        app.Services.GetRequiredService<PriceResolver>().Invalidate();

        var detail = (await JsonAsync(await SendAsync(key, HttpMethod.Get, $"/api/open/v1/products/{wholesaleId}"))).GetProperty("data");
        var tier = Assert.Single(detail.GetProperty("wholesale").EnumerateArray());
        Assert.Equal(5, tier.GetProperty("min_quantity").GetInt32());
        Assert.Equal(9000, tier.GetProperty("unit_price_fen").GetInt64());
        Assert.Equal("90.00", tier.GetProperty("unit_price").GetString());

        var products = (await JsonAsync(await SendAsync(key, HttpMethod.Get, "/api/open/v1/products"))).GetProperty("data").EnumerateArray().ToList();
        var flash = products.Single(p => p.GetProperty("id").GetInt32() == flashId);
        Assert.Equal(550, flash.GetProperty("price_fen").GetInt64());
        var sale = flash.GetProperty("flash");
        Assert.Equal("午间秒杀", sale.GetProperty("title").GetString());
        Assert.Equal(550, sale.GetProperty("price_fen").GetInt64());
        Assert.Equal(ends.ToUnixTimeSeconds(), sale.GetProperty("ends_at").GetDateTimeOffset().ToUnixTimeSeconds());
        Assert.Equal(JsonValueKind.Null, products.Single(p => p.GetProperty("id").GetInt32() == wholesaleId).GetProperty("flash").ValueKind);
        var single = (await JsonAsync(await SendAsync(key, HttpMethod.Get, $"/api/open/v1/products/{flashId}"))).GetProperty("data");
        Assert.Equal(550, single.GetProperty("flash").GetProperty("price_fen").GetInt64());
    }
}

public sealed class SqliteCouponOpenApiTests(KaMengApp app) : CouponOpenApiTests<KaMengApp>(app), IClassFixture<KaMengApp>;

public sealed class PostgresCouponOpenApiTests(KaMengPostgresApp app) : CouponOpenApiTests<KaMengPostgresApp>(app), IClassFixture<KaMengPostgresApp>;
