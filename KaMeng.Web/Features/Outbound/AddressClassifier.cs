using System.Net;
using System.Net.Sockets;

namespace KaMeng.Web.Features.Outbound;

/// <summary>
/// Which addresses a URL someone typed may never reach: the server itself, its networks and the cloud's metadata
/// services. <see cref="Refusal"/> gives the reason (English, for the log) or null for a public address.
/// </summary>
public static class AddressClassifier
{
    static readonly (uint Network, int Bits, string Reason)[] V4 =
    [
        (0x00000000, 8, "this network (0.0.0.0/8)"),
        (0x0A000000, 8, "private (10.0.0.0/8)"),
        (0x64400000, 10, "carrier-grade NAT (100.64.0.0/10)"), // includes Alibaba Cloud's metadata 100.100.100.200
        (0x7F000000, 8, "loopback (127.0.0.0/8)"),
        (0xA9FEA9FE, 32, "cloud metadata (169.254.169.254)"),
        (0xA9FE0000, 16, "link-local (169.254.0.0/16)"),
        (0xAC100000, 12, "private (172.16.0.0/12)"),
        (0xC0000000, 24, "IETF protocol assignments (192.0.0.0/24)"), // includes Oracle Cloud's metadata 192.0.0.192
        (0xC0000200, 24, "documentation (192.0.2.0/24)"),
        (0xC0586300, 24, "6to4 relay anycast (192.88.99.0/24)"),
        (0xC0A80000, 16, "private (192.168.0.0/16)"),
        (0xC6120000, 15, "benchmarking (198.18.0.0/15)"),
        (0xC6336400, 24, "documentation (198.51.100.0/24)"),
        (0xCB007100, 24, "documentation (203.0.113.0/24)"),
        (0xE0000000, 4, "multicast (224.0.0.0/4)"),
        (0xFFFFFFFF, 32, "broadcast (255.255.255.255)"),
        (0xF0000000, 4, "reserved (240.0.0.0/4)"),
    ];

    /// <summary>Why the address is refused, or null when it is a public unicast address.</summary>
    public static string? Refusal(IPAddress address)
    {
        if (address.AddressFamily == AddressFamily.InterNetwork) return RefusalV4(address);
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return "not an IP address";
        if (address.IsIPv4MappedToIPv6) return Embedded(address.MapToIPv4(), "IPv4-mapped");
        var b = address.GetAddressBytes();
        if (address.Equals(IPAddress.IPv6None)) return "unspecified (::)";
        if (address.Equals(IPAddress.IPv6Loopback)) return "loopback (::1)";
        // ::/96, the deprecated IPv4-compatible form: never a real destination.
        if (AllZero(b, 0, 12)) return "IPv4-compatible IPv6 (::/96)";
        if (b[0] == 0xFF) return "multicast (ff00::/8)";
        if (b[0] == 0xFE && (b[1] & 0xC0) == 0x80) return "link-local (fe80::/10)";
        if (b[0] == 0xFE && (b[1] & 0xC0) == 0xC0) return "site-local (fec0::/10)";
        if ((b[0] & 0xFE) == 0xFC) return "unique-local (fc00::/7)"; // includes AWS's metadata fd00:ec2::254
        if (b[0] == 0x01 && b[1] == 0x00 && AllZero(b, 2, 6)) return "discard-only (100::/64)";
        if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0D && b[3] == 0xB8) return "documentation (2001:db8::/32)";
        if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x00 && b[3] == 0x00) return "Teredo (2001::/32)";
        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B)
        {
            if (AllZero(b, 4, 8)) return Embedded(new IPAddress(b.AsSpan(12, 4)), "NAT64");
            if (b[4] == 0x00 && b[5] == 0x01) return "local-use NAT64 (64:ff9b:1::/48)";
        }
        if (b[0] == 0x20 && b[1] == 0x02) return Embedded(new IPAddress(b.AsSpan(2, 4)), "6to4");
        return null;
    }

    /// <summary>Refusal for an endpoint (the address; the port is not judged).</summary>
    public static string? Refusal(IPEndPoint endPoint) => Refusal(endPoint.Address);

    public static bool IsPublic(IPAddress address) => Refusal(address) is null;

    static string? Embedded(IPAddress v4, string form) => RefusalV4(v4) is { } reason ? $"{form} IPv6 of {v4}: {reason}" : null;

    static string? RefusalV4(IPAddress address)
    {
        var b = address.GetAddressBytes();
        var value = (uint)b[0] << 24 | (uint)b[1] << 16 | (uint)b[2] << 8 | b[3];
        foreach (var (network, bits, reason) in V4)
        {
            var mask = bits == 0 ? 0u : uint.MaxValue << (32 - bits);
            if ((value & mask) == network) return reason;
        }
        return null;
    }

    static bool AllZero(byte[] bytes, int start, int count)
    {
        for (var i = start; i < start + count; i++) if (bytes[i] != 0) return false;
        return true;
    }
}
