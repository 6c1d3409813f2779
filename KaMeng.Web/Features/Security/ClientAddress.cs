using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace KaMeng.Web.Features.Security;

/// <summary>
/// The client's address: the TCP peer, or the address a configured trusted proxy forwarded (X-Forwarded-For / -Proto).
/// <c>KaMeng:Network:KnownProxies</c> lists the proxies (IPs or CIDRs, comma-separated); an X-Forwarded-For from anyone else is
/// ignored, so a header cannot fake the address every throttle and lockout is keyed by.
/// </summary>
public static class ClientAddress
{
    public static WebApplicationBuilder AddKaMengForwardedHeaders(this WebApplicationBuilder builder)
    {
        var proxies = builder.Configuration["KaMeng:Network:KnownProxies"];
        builder.Services.Configure<ForwardedHeadersOptions>(o => Configure(o, proxies));
        return builder;
    }

    public static void Configure(ForwardedHeadersOptions o, string? knownProxies)
    {
        o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
        o.KnownProxies.Clear();
        o.KnownIPNetworks.Clear();
        // Walk the chain from the right while the hops are trusted proxies; the first other address is the client.
        o.ForwardLimit = null;
        foreach (var entry in (knownProxies ?? "").Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (entry.Contains('/'))
            {
                if (!System.Net.IPNetwork.TryParse(entry, out var network))
                    throw new InvalidOperationException($"KaMeng:Network:KnownProxies: '{entry}' is not a CIDR network");
                o.KnownIPNetworks.Add(network);
            }
            else
            {
                if (!IPAddress.TryParse(entry, out var address))
                    throw new InvalidOperationException($"KaMeng:Network:KnownProxies: '{entry}' is not an IP address");
                o.KnownProxies.Add(address);
                if (address.IsIPv4MappedToIPv6) o.KnownProxies.Add(address.MapToIPv4());
                else if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork) o.KnownProxies.Add(address.MapToIPv6());
            }
        }
    }

    /// <summary>The first middleware: everything after it (HSTS, throttles, logs) sees the real client.</summary>
    public static WebApplication UseKaMengForwardedHeaders(this WebApplication app)
    {
        // With both lists empty the framework's middleware would trust every peer: with no proxy configured it is not used.
        var options = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ForwardedHeadersOptions>>().Value;
        if (options.KnownProxies.Count > 0 || options.KnownIPNetworks.Count > 0) app.UseForwardedHeaders();
        return app;
    }

    /// <summary>The client's address as text (IPv4-mapped IPv6 shown as IPv4); "unknown" without one (in-process tests).</summary>
    public static string Of(HttpContext http)
    {
        var ip = http.Connection.RemoteIpAddress;
        if (ip is null) return "unknown";
        return (ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip).ToString();
    }
}
