using System.Text.Json.Serialization;
using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Stations;
using KaMeng.Web.Features.Storefront;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.OpenApi;

/// <summary>Every answer carries the protocol version, so a downstream site can tell what it speaks to.</summary>
public sealed record OpenApiResponse<T>([property: JsonPropertyName("protocol_version")] string ProtocolVersion, [property: JsonPropertyName("data")] T Data);

public sealed record PingData([property: JsonPropertyName("station")] string Station, [property: JsonPropertyName("server_time")] long ServerTime);

public sealed record CategoryData([property: JsonPropertyName("id")] int Id, [property: JsonPropertyName("name")] string Name, [property: JsonPropertyName("parent_id")] int? ParentId);

public sealed record ProductData(
    [property: JsonPropertyName("id")] int Id,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("category_id")] int CategoryId,
    [property: JsonPropertyName("price")] string Price,
    [property: JsonPropertyName("price_fen")] long PriceFen,
    [property: JsonPropertyName("stock")] int? Stock,
    [property: JsonPropertyName("delivery_type")] string DeliveryType,
    [property: JsonPropertyName("description")] string? Description = null,
    [property: JsonPropertyName("min_per_order")] int? MinPerOrder = null,
    [property: JsonPropertyName("max_per_order")] int? MaxPerOrder = null,
    [property: JsonPropertyName("input_fields")] IReadOnlyList<InputFieldData>? InputFields = null,
    [property: JsonPropertyName("wholesale")] IReadOnlyList<WholesaleData>? Wholesale = null,
    [property: JsonPropertyName("flash")] FlashData? Flash = null);

/// <summary>批发价: from <see cref="MinQuantity"/> pieces an order of the caller pays this unit price.</summary>
public sealed record WholesaleData(
    [property: JsonPropertyName("min_quantity")] int MinQuantity,
    [property: JsonPropertyName("unit_price")] string UnitPrice,
    [property: JsonPropertyName("unit_price_fen")] long UnitPriceFen);

/// <summary>A flash sale running now: <c>price_fen</c> is what the caller pays a piece (also the product's <c>price_fen</c>) until
/// <c>ends_at</c> or until its quota is taken.</summary>
public sealed record FlashData(
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("price_fen")] long PriceFen,
    [property: JsonPropertyName("ends_at")] DateTimeOffset EndsAt);

/// <summary>A field the buyer of a DirectTopUp product fills (the order's <c>inputs</c> carry it by <see cref="Key"/>).</summary>
public sealed record InputFieldData(
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("label")] string Label,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("required")] bool Required,
    [property: JsonPropertyName("pattern")] string? Pattern);

public sealed record CreateOrderRequest(
    [property: JsonPropertyName("product_id")] int ProductId,
    [property: JsonPropertyName("quantity")] int Quantity,
    [property: JsonPropertyName("client_order_no")] string? ClientOrderNo,
    [property: JsonPropertyName("inputs")] Dictionary<string, string?>? Inputs,
    [property: JsonPropertyName("coupon_code")] string? CouponCode = null);

public sealed record OrderData(
    [property: JsonPropertyName("order_no")] string OrderNo,
    [property: JsonPropertyName("client_order_no")] string ClientOrderNo,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("quantity")] int Quantity,
    [property: JsonPropertyName("total")] string Total,
    [property: JsonPropertyName("total_fen")] long TotalFen,
    [property: JsonPropertyName("coupon_discount_fen")] long CouponDiscountFen,
    [property: JsonPropertyName("card_keys")] IReadOnlyList<string> CardKeys,
    [property: JsonPropertyName("delivery_note")] string? DeliveryNote);

/// <summary>The KaMeng Open API, v1: what another KaMeng site (or any program) uses to resell this station's catalogue.</summary>
public static class OpenApiEndpoints
{
    public const string ProtocolVersion = "1";

    public static WebApplication MapOpenApiV1(this WebApplication app)
    {
        var api = app.MapGroup("/api/open/v1").WithTags("Open API v1").DisableAntiforgery()
            .AddEndpointFilter<OpenApiSignatureFilter>()
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        api.MapGet("/ping", (HttpContext http, TimeProvider clock) =>
            TypedResults.Ok(Wrap(new PingData(Caller(http).Station.Code, clock.GetUtcNow().ToUnixTimeSeconds()))));

        api.MapGet("/categories", async (HttpContext http, StorefrontCatalog catalog, CancellationToken ct) =>
            TypedResults.Ok(Wrap((await catalog.CategoriesAsync(Caller(http).Station, ct)).Select(c => new CategoryData(c.Id, c.Name, c.ParentId)).ToList())));

        // Prices are the caller's own (member discount, self-dealing at cost): what an order by this caller is charged.
        api.MapGet("/products", async (HttpContext http, StorefrontCatalog catalog, int? categoryId, CancellationToken ct) =>
        {
            var caller = Caller(http);
            return TypedResults.Ok(Wrap((await catalog.ProductsAsync(caller.Station, categoryId, ct, caller.Credential.UserId))
                .Select(p => new ProductData(p.Id, p.Name, p.CategoryId, p.Price.ToDecimalString(), p.Price.Fen, p.Stock, p.Type.ToString(),
                    Wholesale: Wholesale(p.Wholesale), Flash: p.FlashTitle is { } title && p.FlashEndsAt is { } ends ? new FlashData(title, p.Price.Fen, ends) : null)).ToList()));
        });

        api.MapGet("/products/{id:int}", async Task<Results<Ok<OpenApiResponse<ProductData>>, ProblemHttpResult>> (HttpContext http, StorefrontCatalog catalog, int id, CancellationToken ct) =>
        {
            var caller = Caller(http);
            var detail = await catalog.ProductAsync(caller.Station, id, ct, caller.Credential.UserId);
            if (detail is null || !detail.Product.OnShelf || caller.Station.ListingSuspended) return Problem(404, "product.not_found", "商品不存在或已下架");
            var p = detail.Product;
            var fields = p.DeliveryType == DeliveryType.DirectTopUp
                ? p.InputFields.Select(f => new InputFieldData(f.Key, f.Label, f.Type.ToString(), f.Required, f.Pattern)).ToList()
                : null;
            var one = detail.PriceOf(1);
            var flash = one.Flash is not null && detail.Flash is { } sale ? new FlashData(sale.Title, one.Unit.Fen, sale.EndsAt) : null;
            return TypedResults.Ok(Wrap(new ProductData(p.Id, detail.Name, p.CategoryId, one.Unit.ToDecimalString(), one.Unit.Fen, detail.Stock,
                p.DeliveryType.ToString(), detail.DescriptionMarkdown, p.MinPerOrder, p.MaxPerOrder, fields, Wholesale(detail.TierPrices), flash)));
        });

        api.MapPost("/orders", async Task<Results<Ok<OpenApiResponse<OrderData>>, ProblemHttpResult>> (HttpContext http, CreateOrderRequest request,
            CheckoutService checkout, OrderService orders, CancellationToken ct) =>
        {
            var caller = Caller(http);
            if (!ValidClientOrderNo(request.ClientOrderNo)) return Problem(422, "order.client_order_no", "client_order_no 必填，1–48 位字母、数字、下划线或连字符");
            var result = await checkout.PlaceBalanceOrderAsync(caller.Station, new CheckoutRequest(request.ProductId, request.Quantity, caller.Credential.UserId,
                IdempotencyKey(caller.Credential, request.ClientOrderNo!), request.Inputs, CouponCode: string.IsNullOrWhiteSpace(request.CouponCode) ? null : request.CouponCode,
                // An API client keeps no cookies: its address and user agent are its signals.
                Signals: Risk.ClientSignals.Of(http, issueDevice: false)));
            if (!result.Succeeded) return Problem(result.ErrorCode == "checkout.balance" ? 402 : 422, result.ErrorCode ?? "order.refused", result.Error ?? "下单失败");
            var view = await orders.GetForBuyerAsync(result.OrderNumber!, caller.Credential.UserId, ct);
            return TypedResults.Ok(Wrap(ToData(view!, request.ClientOrderNo!)));
        });

        api.MapGet("/orders/{clientOrderNo}", async Task<Results<Ok<OpenApiResponse<OrderData>>, ProblemHttpResult>> (HttpContext http, string clientOrderNo,
            IDbContextFactory<KaMengDbContext> dbFactory, OrderService orders, CancellationToken ct) =>
        {
            var caller = Caller(http);
            var view = await FindAsync(dbFactory, orders, caller, clientOrderNo, ct);
            return view is null ? Problem(404, "order.not_found", "订单不存在") : TypedResults.Ok(Wrap(ToData(view, clientOrderNo)));
        });

        // An unpaid order is cancelled; a paid one not yet delivered (staff or the upstream have not acted) is cancelled and
        // refunded to the caller's balance in one transaction; anything else is refused with the reason.
        api.MapPost("/orders/{clientOrderNo}/cancel", async Task<Results<Ok<OpenApiResponse<OrderData>>, ProblemHttpResult>> (HttpContext http, string clientOrderNo,
            IDbContextFactory<KaMengDbContext> dbFactory, OrderService orders, CancellationToken ct) =>
        {
            var caller = Caller(http);
            var view = await FindAsync(dbFactory, orders, caller, clientOrderNo, ct);
            if (view is null) return Problem(404, "order.not_found", "订单不存在");
            var refused = await orders.CancelForBuyerAsync(view.Order.Id, caller.Credential.UserId, $"对接接口取消（{caller.Credential.KeyId}）", ct);
            if (refused is not null) return Problem(409, "order.not_cancellable", refused);
            return TypedResults.Ok(Wrap(ToData((await orders.GetForBuyerAsync(view.Order.Number, caller.Credential.UserId, ct))!, clientOrderNo)));
        });
        return app;
    }

    static OpenApiResponse<T> Wrap<T>(T data) => new(ProtocolVersion, data);

    static List<WholesaleData>? Wholesale(IReadOnlyList<TierPrice>? tiers) =>
        tiers is { Count: > 0 } ? [.. tiers.Select(t => new WholesaleData(t.MinQuantity, t.Unit.ToDecimalString(), t.Unit.Fen))] : null;

    internal static ProblemHttpResult Problem(int status, string code, string detail) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: code, extensions: new Dictionary<string, object?> { ["protocol_version"] = ProtocolVersion, ["code"] = code });

    internal static OpenApiCaller Caller(HttpContext http) => (OpenApiCaller)http.Items[OpenApiSignatureFilter.CallerKey]!;

    static bool ValidClientOrderNo(string? no) => no is { Length: > 0 and <= 48 } && no.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');

    // The caller's own number, namespaced by credential: two callers may both use "1001".
    static string IdempotencyKey(ApiCredential credential, string clientOrderNo) => $"api:{credential.Id}:{clientOrderNo}";

    static async Task<OrderView?> FindAsync(IDbContextFactory<KaMengDbContext> dbFactory, OrderService orders, OpenApiCaller caller, string clientOrderNo, CancellationToken ct)
    {
        if (!ValidClientOrderNo(clientOrderNo)) return null;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var key = IdempotencyKey(caller.Credential, clientOrderNo);
        var number = await db.Orders.AsNoTracking().Where(o => o.IdempotencyKey == key && o.BuyerUserId == caller.Credential.UserId).Select(o => o.Number).SingleOrDefaultAsync(ct);
        return number is null ? null : await orders.GetForBuyerAsync(number, caller.Credential.UserId, ct);
    }

    static OrderData ToData(OrderView view, string clientOrderNo) => new(view.Order.Number, clientOrderNo, view.Order.Status.ToString(), view.Order.Quantity,
        view.Order.Total.ToDecimalString(), view.Order.Total.Fen, view.Order.CouponDiscount.Fen, view.Keys, view.Order.DeliveryNote);
}

public sealed record OpenApiCaller(ApiCredential Credential, StationInfo Station);

/// <summary>
/// Authenticates every Open API request before its body is read or bound: key id, timestamp within ±300 s, a body no larger
/// than <c>KaMeng:OpenApi:MaxBodyBytes</c> (64 KB; 413 otherwise, by Content-Length or while reading), the HMAC over method,
/// path, timestamp, nonce and body hash, and a nonce never seen before from this key (a unique index is the guard, so parallel
/// replays lose too). A client that sends the body's hash in <c>X-KaMeng-Content-SHA256</c> has its signature checked before a
/// byte of the body is read (the body is then read, capped, and must match the hash); without it the body is read up to the
/// cap first. Failures are 401 problem details that say which check failed but never reveal the secret or whether a key exists.
/// </summary>
public sealed class OpenApiAuthenticator(IDbContextFactory<KaMengDbContext> dbFactory, ApiCredentialService credentials, StationDirectory stations,
    TimeProvider clock, IConfiguration config)
{
    public const string ContentHashHeader = "X-KaMeng-Content-SHA256";
    readonly int maxBodyBytes = config.GetValue("KaMeng:OpenApi:MaxBodyBytes", 64 * 1024);

    /// <summary>Null when the caller is authenticated (<see cref="OpenApiSignatureFilter.CallerKey"/> set, the body buffered).</summary>
    public async Task<IResult?> AuthenticateAsync(HttpContext http)
    {
        var h = http.Request.Headers;
        string keyId = h["X-KaMeng-Key"].ToString(), timestamp = h["X-KaMeng-Timestamp"].ToString(), nonce = h["X-KaMeng-Nonce"].ToString(), signature = h["X-KaMeng-Signature"].ToString();
        string claimedHash = h[ContentHashHeader].ToString();
        if (keyId.Length == 0 || timestamp.Length == 0 || nonce.Length == 0 || signature.Length == 0)
            return Unauthorized("auth.missing", "缺少签名请求头 X-KaMeng-Key / X-KaMeng-Timestamp / X-KaMeng-Nonce / X-KaMeng-Signature");
        var now = clock.GetUtcNow();
        if (!long.TryParse(timestamp, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
            || Math.Abs(now.ToUnixTimeSeconds() - seconds) > OpenApiSignature.WindowSeconds)
            return Unauthorized("auth.timestamp", "时间戳超出 ±300 秒窗口，请校准时钟");
        if (nonce.Length is < 8 or > 64 || !nonce.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
            return Unauthorized("auth.nonce", "nonce 应为 8–64 位字母、数字、下划线或连字符");
        if (claimedHash.Length != 0 && (claimedHash.Length != 64 || !claimedHash.All(char.IsAsciiHexDigit)))
            return Unauthorized("auth.body_hash", $"{ContentHashHeader} 应为请求体 SHA-256 的 64 位十六进制");
        if (http.Request.ContentLength > maxBodyBytes) return TooLarge();
        if (keyId.Length > 64) return Unauthorized("auth.key", "密钥无效或已吊销");

        await using var db = await dbFactory.CreateDbContextAsync(http.RequestAborted);
        var credential = await db.ApiCredentials.AsNoTracking().SingleOrDefaultAsync(c => c.KeyId == keyId, http.RequestAborted);
        if (credential is null || credential.Status != ApiCredentialStatus.Active)
            return Unauthorized("auth.key", credential?.Status == ApiCredentialStatus.PendingApproval ? "密钥尚未被站长批准" : "密钥无效或已吊销");

        var secret = credentials.Unprotect(credential.SecretCipher);
        var pathAndQuery = http.Request.PathBase + http.Request.Path + http.Request.QueryString;
        if (claimedHash.Length != 0 && !OpenApiSignature.VerifyWithBodyHash(secret, http.Request.Method, pathAndQuery, timestamp, nonce, claimedHash, signature))
            return Unauthorized("auth.signature", "签名错误");

        var body = await ReadCappedAsync(http);
        if (body is null) return TooLarge();
        if (claimedHash.Length != 0)
        {
            if (!string.Equals(OpenApiSignature.BodyHash(body), claimedHash, StringComparison.OrdinalIgnoreCase))
                return Unauthorized("auth.body_hash", $"请求体与 {ContentHashHeader} 不符");
        }
        else if (!OpenApiSignature.Verify(secret, http.Request.Method, pathAndQuery, timestamp, nonce, body, signature))
            return Unauthorized("auth.signature", "签名错误");

        // Expired nonces are dropped by a scheduled job (ApiCredentialService.DeleteExpiredNoncesAsync), not per request.
        db.ApiNonces.Add(new ApiNonce { CredentialId = credential.Id, Nonce = nonce, CreatedAt = now });
        try { await db.SaveChangesAsync(http.RequestAborted); }
        catch (DbUpdateException e) when (e.IsUniqueViolation())
        {
            return Unauthorized("auth.replay", "nonce 已使用过：重放的请求被拒绝");
        }

        var station = await stations.ByIdAsync(credential.StationId);
        if (station is null) return Unauthorized("auth.key", "密钥无效或已吊销");
        http.Request.Body = new MemoryStream(body, writable: false);
        http.Items[OpenApiSignatureFilter.CallerKey] = new OpenApiCaller(credential, station);
        return null;
    }

    /// <summary>The body, or null once it passes the cap (never more than cap + 1 bytes are read).</summary>
    async Task<byte[]?> ReadCappedAsync(HttpContext http)
    {
        if (http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            size.MaxRequestBodySize = maxBodyBytes + 1L;
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        try
        {
            int read;
            while ((read = await http.Request.Body.ReadAsync(chunk, http.RequestAborted)) > 0)
            {
                buffer.Write(chunk, 0, read);
                if (buffer.Length > maxBodyBytes) return null;
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return null;
        }
        return buffer.ToArray();
    }

    IResult TooLarge() => OpenApiEndpoints.Problem(StatusCodes.Status413PayloadTooLarge, "request.too_large", $"请求体超过 {maxBodyBytes / 1024} KB 上限");

    static ProblemHttpResult Unauthorized(string code, string detail) => OpenApiEndpoints.Problem(StatusCodes.Status401Unauthorized, code, detail);
}

public static class OpenApiSignatureMiddleware
{
    /// <summary>Runs before the endpoint (and so before model binding) for every /api/open request.</summary>
    public static WebApplication UseOpenApiSignature(this WebApplication app)
    {
        app.UseWhen(http => http.Request.Path.StartsWithSegments("/api/open"), branch => branch.Use(async (http, next) =>
        {
            // An address that keeps failing authentication (guessing keys, replaying) is refused before any lookup.
            var throttles = http.RequestServices.GetRequiredService<KaMeng.Web.Features.Security.Throttles>();
            var ip = KaMeng.Web.Features.Security.ClientAddress.Of(http);
            if (throttles.IsExhausted(KaMeng.Web.Features.Security.Throttles.OpenApiFailuresPerIp, ip))
            {
                var seconds = throttles.LimitOf(KaMeng.Web.Features.Security.Throttles.OpenApiFailuresPerIp).WindowSeconds;
                http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                await OpenApiEndpoints.Problem(StatusCodes.Status429TooManyRequests, "rate_limited", KaMeng.Web.Features.Security.ThrottleMessages.TooMany(seconds)).ExecuteAsync(http);
                return;
            }
            var refused = await http.RequestServices.GetRequiredService<OpenApiAuthenticator>().AuthenticateAsync(http);
            if (refused is not null)
            {
                throttles.Acquire(KaMeng.Web.Features.Security.Throttles.OpenApiFailuresPerIp, ip);
                await refused.ExecuteAsync(http);
                return;
            }
            await next(http);
        }));
        return app;
    }
}

/// <summary>The endpoints' guard: only a request the <see cref="OpenApiAuthenticator"/> let through reaches a handler.</summary>
public sealed class OpenApiSignatureFilter : IEndpointFilter
{
    public const string CallerKey = "kameng.openapi.caller";

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next) =>
        context.HttpContext.Items[CallerKey] is OpenApiCaller
            ? next(context)
            : ValueTask.FromResult<object?>(OpenApiEndpoints.Problem(StatusCodes.Status401Unauthorized, "auth.missing", "缺少签名请求头 X-KaMeng-Key / X-KaMeng-Timestamp / X-KaMeng-Nonce / X-KaMeng-Signature"));
}
