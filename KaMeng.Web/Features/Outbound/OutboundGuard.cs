using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace KaMeng.Web.Features.Outbound;

/// <summary>
/// The one guard of every request the server makes to a URL someone typed (supplier, webhook, payment gateway, domain
/// verification). At connect time (<see cref="CreateHandler(bool)"/>): the host is resolved here and every address
/// actually connected to is checked, so DNS rebinding and redirects cannot slip past; no proxy is used. At save time
/// (<see cref="CheckUrlAsync"/>): literal addresses and names resolving to refused addresses are refused with a Chinese
/// message. Whatever fails, the owner sees <see cref="Unreachable"/> only; the real reason goes to the log.
/// </summary>
public sealed class OutboundGuard(IOptionsMonitor<OutboundOptions> options, ILogger<OutboundGuard> log)
{
    /// <summary>The one message an owner sees for any refused or failed outbound call (no port or address oracle).</summary>
    public const string Unreachable = "无法连接到该地址，请检查地址是否正确并可从公网访问";

    public const string PrivateTarget = "该地址指向本机或内网，不能使用";

    public const string HttpGatewayRefused = "支付网关地址必须以 https:// 开头：商户密钥不能经明文 http 发送";

    static readonly TimeSpan SaveTimeLookup = TimeSpan.FromSeconds(5);

    public OutboundOptions Options => options.CurrentValue;

    /// <summary>Why an address may not be connected to now, or null (always null with AllowPrivateNetworks).</summary>
    public string? Refusal(IPEndPoint endPoint) => options.CurrentValue.AllowPrivateNetworks ? null : AddressClassifier.Refusal(endPoint);

    /// <summary>The primary handler of a guarded client.</summary>
    public SocketsHttpHandler CreateHandler(bool allowRedirects) => CreateHandler(Refusal, log, allowRedirects);

    /// <summary>A guarded handler with its own rule (tests use it to refuse one of two loopback listeners).</summary>
    public static SocketsHttpHandler CreateHandler(Func<IPEndPoint, string?> refusal, ILogger log, bool allowRedirects) => new()
    {
        // Each hop of a redirect opens its connection through the same callback, so redirects are checked too.
        AllowAutoRedirect = allowRedirects,
        MaxAutomaticRedirections = 5,
        // A proxy would make the connection for us, past the check.
        UseProxy = false,
        ConnectTimeout = TimeSpan.FromSeconds(10),
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        ConnectCallback = (context, ct) => ConnectAsync(context.DnsEndPoint, refusal, log, ct),
    };

    static async ValueTask<Stream> ConnectAsync(DnsEndPoint target, Func<IPEndPoint, string?> refusal, ILogger log, CancellationToken ct)
    {
        var host = target.Host;
        var addresses = IPAddress.TryParse(host.TrimStart('[').TrimEnd(']'), out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, ct);
        if (addresses.Length == 0) throw new SocketException((int)SocketError.HostNotFound);
        // Every address the name has is judged before any is tried: a name with one private address is refused outright.
        foreach (var address in addresses)
            if (refusal(new IPEndPoint(address, target.Port)) is { } reason) throw Refused(log, host, address, reason);

        Exception? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, target.Port), ct);
                // The peer as the socket sees it, checked once more (what was actually connected to).
                if (socket.RemoteEndPoint is IPEndPoint remote && refusal(remote) is { } reason) throw Refused(log, host, remote.Address, reason);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        throw last!;
    }

    static OutboundRefusedException Refused(ILogger log, string host, IPAddress address, string reason)
    {
        log.LogWarning("Outbound guard refused a connection to {Host} ({Address}): {Reason}", host, address, reason);
        return new OutboundRefusedException(host, address, reason);
    }

    /// <summary>
    /// Save-time check of a URL an owner typed: null when it may be saved, else a Chinese message. Literal addresses and
    /// names that resolve to refused addresses are refused; a name that does not resolve now is left to the connect-time
    /// check (which refuses it then with the neutral message).
    /// </summary>
    public async Task<string?> CheckUrlAsync(Uri uri, CancellationToken ct = default)
    {
        if (options.CurrentValue.AllowPrivateNetworks) return null;
        var host = uri.IdnHost.TrimStart('[').TrimEnd(']');
        string? reason = null;
        if (IPAddress.TryParse(host, out var literal)) reason = AddressClassifier.Refusal(literal);
        else if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)) reason = "localhost";
        else
        {
            try
            {
                var addresses = await Dns.GetHostAddressesAsync(host, ct).WaitAsync(SaveTimeLookup, ct);
                reason = addresses.Select(AddressClassifier.Refusal).FirstOrDefault(r => r is not null);
            }
            catch (Exception e) when (e is SocketException or TimeoutException or ArgumentException)
            {
                log.LogInformation("Outbound guard: {Host} did not resolve at save time ({Error})", host, e.Message);
            }
        }
        if (reason is null) return null;
        log.LogWarning("Outbound guard refused saving a URL to {Host}: {Reason}", host, reason);
        return $"{PrivateTarget}：{uri.Host}";
    }

    /// <summary>Save-time check of a gateway base URL: https only, unless AllowHttpGateways (Development).</summary>
    public string? CheckGatewayScheme(Uri uri) =>
        uri.Scheme == Uri.UriSchemeHttp && !options.CurrentValue.AllowHttpGateways ? HttpGatewayRefused : null;

    /// <summary>Whether a failure was the guard's own refusal (anywhere in the exception chain).</summary>
    public static bool IsRefusal(Exception? e)
    {
        for (; e is not null; e = e.InnerException) if (e is OutboundRefusedException) return true;
        return false;
    }
}
