using System.Net;

namespace KaMeng.Web.Features.Outbound;

/// <summary>The outbound guard refused a connection (or a plain-http gateway request). An <see cref="HttpRequestException"/>
/// so every caller's existing network-failure handling covers it; its message is for the log, never for the owner.</summary>
public sealed class OutboundRefusedException(string host, IPAddress? address, string reason)
    : HttpRequestException($"Outbound request to {host}{(address is null ? "" : $" ({address})")} refused: {reason}")
{
    public string Host { get; } = host;
    public IPAddress? Address { get; } = address;
    public string Reason { get; } = reason;
}
