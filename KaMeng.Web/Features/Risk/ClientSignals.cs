using System.Security.Cryptography;
using System.Text;

namespace KaMeng.Web.Features.Risk;

/// <summary>
/// What a request says about the client (issue 21 §1): its address (as the trusted-proxy setting resolved it, see
/// Security/ClientAddress.cs), the first-party device cookie, a hash of the user agent (never the text), and the region of
/// the address from the shipped IP table. Captured by the HTTP endpoints and handed to the operations that record or judge
/// it (sign-in, registration, checkouts, withdrawals); <see cref="None"/> where there is no client (jobs, tests).
/// </summary>
public sealed record ClientSignals(string? Ip, string? DeviceId, string? UserAgentHash, string? Region)
{
    /// <summary>The first-party device cookie (random, HttpOnly, a year).</summary>
    public const string DeviceCookie = "km_dev";

    public static readonly ClientSignals None = new(null, null, null, null);

    /// <summary>The signals of a request; sets the device cookie when the client has none yet.</summary>
    public static ClientSignals Of(HttpContext http, bool issueDevice = true)
    {
        var request = http.Request;
        var device = request.Cookies[DeviceCookie];
        if (device is null || device.Length is < 8 or > 64)
        {
            device = null;
            if (issueDevice && !http.Response.HasStarted)
            {
                device = NewDeviceId();
                http.Response.Cookies.Append(DeviceCookie, device, new CookieOptions
                {
                    HttpOnly = true, IsEssential = true, SameSite = SameSiteMode.Lax, MaxAge = TimeSpan.FromDays(365), Secure = request.IsHttps,
                });
            }
        }
        var ip = http.Connection.RemoteIpAddress;
        if (ip is { IsIPv4MappedToIPv6: true }) ip = ip.MapToIPv4();
        var ua = request.Headers.UserAgent.ToString();
        var regions = http.RequestServices.GetService<IpRegions>();
        return new(ip?.ToString(), device, ua.Length == 0 ? null : HashUserAgent(ua), ip is null ? null : regions?.RegionOf(ip));
    }

    public static string NewDeviceId() => Convert.ToHexString(RandomNumberGenerator.GetBytes(16));

    /// <summary>SHA-256 of the user agent, hex, first 32 characters: enough to tell clients apart, nothing to read back.</summary>
    public static string HashUserAgent(string userAgent) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(userAgent)))[..32];
}
