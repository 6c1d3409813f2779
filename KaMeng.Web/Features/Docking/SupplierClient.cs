using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using KaMeng.Domain;
using KaMeng.Web.Features.OpenApi;

namespace KaMeng.Web.Features.Docking;

/// <summary>Where and how to call one upstream: its root and the decrypted credential.</summary>
public sealed record SupplierEndpoint(string BaseUrl, string KeyId, string Secret);

/// <summary>A call that did not work: <see cref="Unreachable"/> when the upstream did not answer (network, timeout, 5xx), else it refused (4xx).</summary>
public sealed class SupplierException(string code, string message, bool unreachable, int? status = null) : Exception(message)
{
    public string Code { get; } = code;
    public bool Unreachable { get; } = unreachable;
    public int? Status { get; } = status;
}

/// <summary>
/// The typed client of another KaMeng site's Open API v1 (registered with IHttpClientFactory, with a timeout).
/// Every request is signed: HMAC-SHA256 over METHOD\nPATH\nTIMESTAMP\nNONCE\nhex(SHA256(body)) with a fresh nonce.
/// </summary>
public sealed class SupplierClient(HttpClient http, TimeProvider clock, ILogger<SupplierClient> log)
{
    public Task<PingData> PingAsync(SupplierEndpoint e, CancellationToken ct = default) => SendAsync<PingData>(e, HttpMethod.Get, "ping", null, ct);

    public Task<List<CategoryData>> CategoriesAsync(SupplierEndpoint e, CancellationToken ct = default) => SendAsync<List<CategoryData>>(e, HttpMethod.Get, "categories", null, ct);

    public Task<List<ProductData>> ProductsAsync(SupplierEndpoint e, CancellationToken ct = default) => SendAsync<List<ProductData>>(e, HttpMethod.Get, "products", null, ct);

    public Task<ProductData> ProductAsync(SupplierEndpoint e, int id, CancellationToken ct = default) => SendAsync<ProductData>(e, HttpMethod.Get, $"products/{id}", null, ct);

    public Task<OrderData> CreateOrderAsync(SupplierEndpoint e, CreateOrderRequest order, CancellationToken ct = default) => SendAsync<OrderData>(e, HttpMethod.Post, "orders", order, ct);

    public Task<OrderData> OrderAsync(SupplierEndpoint e, string clientOrderNo, CancellationToken ct = default) =>
        SendAsync<OrderData>(e, HttpMethod.Get, $"orders/{Uri.EscapeDataString(clientOrderNo)}", null, ct);

    /// <summary>A signed request, as sent (tests replay it).</summary>
    public HttpRequestMessage Build(SupplierEndpoint e, HttpMethod method, string relativePath, object? body, long? timestamp = null, string? nonce = null)
    {
        var uri = new Uri(e.BaseUrl.TrimEnd('/') + "/api/open/v1/" + relativePath);
        var bytes = body is null ? [] : JsonSerializer.SerializeToUtf8Bytes(body);
        var ts = (timestamp ?? clock.GetUtcNow().ToUnixTimeSeconds()).ToString(System.Globalization.CultureInfo.InvariantCulture);
        nonce ??= Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var request = new HttpRequestMessage(method, uri);
        if (body is not null) request.Content = new ByteArrayContent(bytes) { Headers = { ContentType = new("application/json") } };
        request.Headers.Add("X-KaMeng-Key", e.KeyId);
        request.Headers.Add("X-KaMeng-Timestamp", ts);
        request.Headers.Add("X-KaMeng-Nonce", nonce);
        request.Headers.Add("X-KaMeng-Signature", OpenApiSignature.Sign(e.Secret, method.Method, uri.AbsolutePath + uri.Query, ts, nonce, bytes));
        // Lets the upstream check the signature before it reads the body (older upstreams ignore it).
        request.Headers.Add("X-KaMeng-Content-SHA256", OpenApiSignature.BodyHash(bytes));
        return request;
    }

    public Task<HttpResponseMessage> SendRawAsync(HttpRequestMessage request, CancellationToken ct = default) => http.SendAsync(request, ct);

    async Task<T> SendAsync<T>(SupplierEndpoint e, HttpMethod method, string relativePath, object? body, CancellationToken ct)
    {
        HttpResponseMessage response;
        try
        {
            using var request = Build(e, method, relativePath, body);
            response = await http.SendAsync(request, ct);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            // One message whatever happened (refused by the outbound guard, connection refused, timeout): the owner typed
            // the URL, and the difference would tell open ports from closed ones. The reason goes to the log.
            log.LogWarning(ex, "Supplier call to {Host} failed", e.BaseUrl);
            throw new SupplierException("supplier.unreachable", OutboundGuard.Unreachable, unreachable: true);
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                string code = "supplier.http", detail = $"上游返回 HTTP {(int)response.StatusCode}";
                try
                {
                    var problem = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
                    if (problem.TryGetProperty("code", out var c)) code = c.GetString() ?? code;
                    if (problem.TryGetProperty("detail", out var d)) detail = $"上游拒绝：{d.GetString()}";
                }
                catch (Exception ex) when (ex is JsonException or NotSupportedException or HttpRequestException) { }
                throw new SupplierException(code, detail, unreachable: (int)response.StatusCode >= 500, status: (int)response.StatusCode);
            }
            try
            {
                var wrapped = await response.Content.ReadFromJsonAsync<OpenApiResponse<T>>(ct);
                return wrapped is { Data: not null } ? wrapped.Data : throw new JsonException("empty data");
            }
            catch (Exception ex) when (ex is JsonException or NotSupportedException or HttpRequestException)
            {
                throw new SupplierException("supplier.bad_response", "上游返回的内容无法识别，请确认地址是 KaMeng 站点", unreachable: true);
            }
        }
    }
}
