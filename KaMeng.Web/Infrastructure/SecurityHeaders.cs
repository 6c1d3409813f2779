using System.Security.Cryptography;
using Microsoft.Extensions.Primitives;

namespace KaMeng.Web.Infrastructure;

/// <summary>
/// The headers every answer carries (issue 16 §4): a Content-Security-Policy that Blazor Server, MudBlazor and the storefront
/// work under — scripts from this site only, plus the framework's one inline import map by a per-request nonce; styles may
/// be inline (MudBlazor and Blazor set style attributes); images from this site (uploads) and data: — and nosniff, a
/// referrer policy, a permissions policy, and HSTS outside Development (sent by ASP.NET Core on HTTPS requests only).
/// </summary>
public static class SecurityHeaders
{
    const string NonceKey = "KaMeng.CspNonce";

    /// <summary>The nonce of this request's Content-Security-Policy, for the one inline script the framework renders.</summary>
    public static string Nonce(HttpContext http) => http.Items[NonceKey] as string ?? "";

    const string CachedPolicyKey = "KaMeng.CspFromCache";

    /// <summary>This answer is a cached page: it keeps the policy stored with it, whose nonce its HTML carries.</summary>
    public static void KeepCachedPolicy(HttpContext http) => http.Items[CachedPolicyKey] = true;

    /// <summary>Sets this request's policy now (pages do, before their body starts; see App.razor).</summary>
    public static void ApplyPolicy(HttpContext http)
    {
        if (!http.Response.HasStarted && http.Items[NonceKey] is string nonce) http.Response.Headers.ContentSecurityPolicy = Policy(nonce);
    }

    public static string Policy(string nonce) =>
        $"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; " +
        "connect-src 'self'; frame-src 'self'; frame-ancestors 'self'; base-uri 'self'; object-src 'none'";

    public static WebApplication UseKaMengSecurityHeaders(this WebApplication app)
    {
        if (!app.Environment.IsDevelopment()) app.UseHsts();
        app.Use(async (http, next) =>
        {
            // A Host header that is no host name ("a&b") broke URI building further on: answered here, before any of it.
            if (!http.Request.Host.HasValue || Uri.CheckHostName(http.Request.Host.Host) == UriHostNameType.Unknown)
            {
                http.Response.StatusCode = StatusCodes.Status400BadRequest;
                await http.Response.WriteAsync("Bad Request: invalid Host header");
                return;
            }
            // Hex: nothing in it that HTML encoding would change.
            var nonce = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
            http.Items[NonceKey] = nonce;
            http.Response.OnStarting(() =>
            {
                var headers = http.Response.Headers;
                // A page served from the storefront's output cache carries the policy it was rendered under: its import map has
                // that response's nonce (decision record 0029), so that policy is kept.
                if (!http.Items.ContainsKey(CachedPolicyKey) || StringValues.IsNullOrEmpty(headers.ContentSecurityPolicy)) headers.ContentSecurityPolicy = Policy(nonce);
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
                headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=(), usb=()";
                return Task.CompletedTask;
            });
            await next();
        });
        return app;
    }
}
