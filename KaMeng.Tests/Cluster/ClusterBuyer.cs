using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;

namespace KaMeng.Tests.Cluster;

/// <summary>
/// A buyer over plain HTTP through nginx, pinned to a node by its affinity cookie: signs in, buys with the balance by posting
/// the product page's checkout form (antiforgery token and idempotency key from the page), and reads the order page. A
/// purchase whose answer was lost (a network error or a 5xx) is posted again with the same idempotency key, as a browser's
/// resubmission would be: the first order stands, so a retry never buys twice.
/// </summary>
public sealed partial class ClusterBuyer : IDisposable
{
    readonly HttpClient http;
    readonly CookieContainer cookies = new();
    readonly Uri baseUri;

    public ClusterBuyer(NginxCluster cluster, string affinity)
    {
        baseUri = new Uri(cluster.BaseUrl);
        http = new HttpClient(new HttpClientHandler { CookieContainer = cookies, UseCookies = true, AllowAutoRedirect = false }) { BaseAddress = baseUri, Timeout = TimeSpan.FromSeconds(30) };
        PinTo(affinity);
    }

    /// <summary>Moves this client to the node <paramref name="affinity"/> lands on (its sign-in cookie goes along).</summary>
    public void PinTo(string affinity) => cookies.Add(baseUri, new Cookie(NginxCluster.AffinityCookie, affinity, "/"));

    /// <summary>The node that answered the last request (nginx's <c>$upstream_addr</c>: two addresses when it moved on).</summary>
    public string LastUpstream { get; private set; } = "";

    public async Task<HttpResponseMessage> GetAsync(string path) => Seen(await http.GetAsync(path));

    HttpResponseMessage Seen(HttpResponseMessage response)
    {
        LastUpstream = response.Headers.TryGetValues(NginxCluster.UpstreamHeader, out var v) ? string.Join(",", v) : "";
        return response;
    }

    public async Task SignInAsync(string userName, string password, string basePath = "")
    {
        var response = await PostFormAsync($"{basePath}/account/login", "login", new() { ["Input.UserName"] = userName, ["Input.Password"] = password });
        if (response.StatusCode != HttpStatusCode.Redirect)
            throw new Xunit.Sdk.XunitException($"{userName} was not signed in: {(int)response.StatusCode}");
    }

    async Task<HttpResponseMessage> PostFormAsync(string path, string form, Dictionary<string, string> fields)
    {
        var html = await (await GetAsync(path)).Content.ReadAsStringAsync();
        fields["_handler"] = form;
        fields["__RequestVerificationToken"] = Field(html, "__RequestVerificationToken") ?? throw new Xunit.Sdk.XunitException($"{path} has no antiforgery token");
        return Seen(await http.PostAsync(path, new FormUrlEncodedContent(fields)));
    }

    public sealed record Attempt(DateTime At, string Outcome, string Upstream);

    public sealed record Purchase(string IdempotencyKey, string? OrderNumber, string? Refusal, List<Attempt> Attempts);

    /// <summary>Buys one of product <paramref name="productId"/> with the balance; retries a lost answer with the same key until
    /// <paramref name="deadline"/>. Every attempt's outcome is kept (for the error count and the time to recover).</summary>
    public async Task<Purchase> BuyAsync(int productId, string basePath = "", DateTime? deadline = null)
    {
        var path = $"{basePath}/product/{productId}";
        var attempts = new List<Attempt>();
        string? token = null, key = null;
        var until = deadline ?? DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                if (token is null)
                {
                    var page = await GetAsync(path);
                    if ((int)page.StatusCode >= 500) throw new HttpRequestException($"GET {(int)page.StatusCode}");
                    var html = await page.Content.ReadAsStringAsync();
                    token = Field(html, "__RequestVerificationToken") ?? throw new Xunit.Sdk.XunitException($"{path} has no checkout form ({(int)page.StatusCode})");
                    key = Field(html, "Form.IdempotencyKey") ?? throw new Xunit.Sdk.XunitException($"{path} has no idempotency key");
                }
                var response = Seen(await http.PostAsync(path, new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["_handler"] = "checkout", ["__RequestVerificationToken"] = token, ["Form.IdempotencyKey"] = key!, ["Form.Quantity"] = "1",
                })));
                if ((int)response.StatusCode >= 500) throw new HttpRequestException($"POST {(int)response.StatusCode}");
                if (response.StatusCode == HttpStatusCode.Redirect && OrderLink().Match(response.Headers.Location?.OriginalString ?? "") is { Success: true } m)
                {
                    attempts.Add(new(DateTime.UtcNow, "ok", LastUpstream));
                    return new(key!, m.Groups[1].Value, null, attempts);
                }
                var body = await response.Content.ReadAsStringAsync();
                var refusal = CheckoutError().Match(body) is { Success: true } e ? WebUtility.HtmlDecode(e.Groups[1].Value).Trim() : $"HTTP {(int)response.StatusCode}";
                attempts.Add(new(DateTime.UtcNow, "refused: " + refusal, LastUpstream));
                return new(key!, null, refusal, attempts);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                attempts.Add(new(DateTime.UtcNow, "error: " + e.Message, LastUpstream));
                if (DateTime.UtcNow > until) return new(key ?? "", null, "gave up: " + e.Message, attempts);
                // A lost answer: post the same form again (same key); a lost page load: load it again.
                await Task.Delay(50);
            }
        }
    }

    /// <summary>The card keys the order page shows (decrypted by whichever node served it).</summary>
    public async Task<List<string>> KeysOfAsync(string orderNumber, string basePath = "")
    {
        var response = await GetAsync($"{basePath}/order/{orderNumber}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        var keys = OrderKeys().Match(html);
        Assert.True(keys.Success, $"order {orderNumber} shows no keys");
        return [.. Code().Matches(keys.Value).Select(c => WebUtility.HtmlDecode(c.Groups[1].Value).Trim())];
    }

    static string? Field(string html, string name) =>
        Regex.Match(html, $"<input[^>]*name=\"{Regex.Escape(name)}\"[^>]*>") is { Success: true } input
        && Regex.Match(input.Value, "value=\"([^\"]*)\"") is { Success: true } value ? WebUtility.HtmlDecode(value.Groups[1].Value) : null;

    public void Dispose() => http.Dispose();

    [GeneratedRegex(@"order/([A-Za-z0-9]+)")]
    private static partial Regex OrderLink();

    [GeneratedRegex("data-testid=\"checkout-error\"[^>]*>([^<]*)<")]
    private static partial Regex CheckoutError();

    [GeneratedRegex("data-testid=\"order-keys\"[\\s\\S]*?</ol>")]
    private static partial Regex OrderKeys();

    [GeneratedRegex("<code[^>]*>([^<]*)</code>")]
    private static partial Regex Code();
}
