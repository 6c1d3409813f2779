using System.Net;
using System.Net.Sockets;

namespace KaMeng.Domain;

/// <summary>What a blacklist entry names (issue 21 §4).</summary>
public enum BlacklistKind { Ip, Cidr, Contact, EmailDomain, Device, User }

/// <summary>
/// 黑名单: one blocked IP, network, guest contact, email domain, device or user, platform-wide (<see cref="StationId"/> null) or
/// for one station's storefront. <see cref="Value"/> is stored normalised (see <see cref="BlacklistRules.Normalize"/>), so matching
/// is a comparison, not a parse per check.
/// </summary>
public class BlacklistEntry
{
    public long Id { get; set; }
    /// <summary>Null: the platform's list (every station); otherwise that station's own list.</summary>
    public int? StationId { get; set; }
    public BlacklistKind Kind { get; set; }
    public required string Value { get; set; }
    public required string Reason { get; set; }
    /// <summary>Null: until removed.</summary>
    public DateTimeOffset? ExpiresAt { get; set; }
    public string? CreatedByUserId { get; set; }
    public string? CreatedByName { get; set; }
    public DateTimeOffset CreatedAt { get; set; }

    public bool IsActiveAt(DateTimeOffset now) => ExpiresAt is null || ExpiresAt > now;
}

/// <summary>Who or what is asking, as far as a blacklist can tell: every part optional.</summary>
public sealed record BlacklistSubject(string? UserId = null, string? Contact = null, string? Email = null, string? Ip = null, string? DeviceId = null);

/// <summary>Normalising, validating and matching blacklist entries. Pure: the gate and the service both use it.</summary>
public static class BlacklistRules
{
    /// <summary>The widest networks an entry may name: wider ones would lock out whole providers or countries.</summary>
    public const int WidestIpv4Prefix = 8;
    public const int WidestIpv6Prefix = 32;
    public const int MaxReasonLength = 200;
    public const int MaxValueLength = 128;

    public static string KindName(BlacklistKind kind) => kind switch
    {
        BlacklistKind.Ip => "IP",
        BlacklistKind.Cidr => "IP 段",
        BlacklistKind.Contact => "联系方式",
        BlacklistKind.EmailDomain => "邮箱域名",
        BlacklistKind.Device => "设备",
        BlacklistKind.User => "用户",
        _ => kind.ToString(),
    };

    /// <summary>Validates a new entry; returns the normalised value or a Chinese error (and then nothing may be written).</summary>
    public static (string? Value, string? Error) Validate(BlacklistKind kind, string? value, string? reason, DateTimeOffset? expiresAt, DateTimeOffset now)
    {
        if (!Enum.IsDefined(kind)) return (null, "请选择黑名单类型");
        if (string.IsNullOrWhiteSpace(reason)) return (null, "请填写拉黑原因");
        if (reason.Trim().Length > MaxReasonLength) return (null, $"原因最多 {MaxReasonLength} 字");
        if (expiresAt is { } e && e <= now) return (null, "到期时间必须晚于现在");
        return Normalize(kind, value);
    }

    /// <summary>The canonical form of a value of a kind, or a Chinese error.</summary>
    public static (string? Value, string? Error) Normalize(BlacklistKind kind, string? value)
    {
        var v = value?.Trim();
        if (string.IsNullOrEmpty(v)) return (null, $"请填写要拉黑的{KindName(kind)}");
        if (v.Length > MaxValueLength) return (null, $"{KindName(kind)}最多 {MaxValueLength} 个字符");
        switch (kind)
        {
            case BlacklistKind.Ip:
                return v.Contains('/') || !IPAddress.TryParse(v, out var ip) || !LooksLikeIp(v)
                    ? (null, "IP 地址格式不正确，例如 203.0.113.7 或 2001:db8::1（IP 段请选择“IP 段”）")
                    : (Canonical(ip), null);
            case BlacklistKind.Cidr:
                return NormalizeCidr(v);
            case BlacklistKind.Contact:
                return (v.ToLowerInvariant(), null);
            case BlacklistKind.EmailDomain:
            {
                var d = v.TrimStart('@').TrimEnd('.').ToLowerInvariant();
                return d.Contains('.') && Uri.CheckHostName(d) == UriHostNameType.Dns ? (d, null) : (null, "邮箱域名格式不正确，例如 example.com");
            }
            case BlacklistKind.Device:
                return v.Length is >= 8 and <= 64 && v.All(char.IsAsciiLetterOrDigit) ? (v.ToUpperInvariant(), null) : (null, "设备标识格式不正确（8–64 位字母或数字）");
            case BlacklistKind.User:
                return (v, null);
            default:
                return (null, "请选择黑名单类型");
        }
    }

    // IPAddress.TryParse accepts "1" or "1.2" (classful shorthand): an admin who typed that meant something else.
    static bool LooksLikeIp(string text) => text.Contains(':') || text.Count(c => c == '.') == 3;

    static string Canonical(IPAddress ip) => (ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip).ToString();

    static (string? Value, string? Error) NormalizeCidr(string v)
    {
        const string format = "IP 段格式不正确，例如 203.0.113.0/24 或 2001:db8::/48";
        var slash = v.IndexOf('/');
        if (slash <= 0 || !IPAddress.TryParse(v[..slash], out var address) || !LooksLikeIp(v[..slash])
            || !int.TryParse(v[(slash + 1)..], System.Globalization.NumberStyles.None, null, out var prefix))
            return (null, format);
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        var v4 = address.AddressFamily == AddressFamily.InterNetwork;
        var bits = v4 ? 32 : 128;
        if (prefix > bits) return (null, format);
        var widest = v4 ? WidestIpv4Prefix : WidestIpv6Prefix;
        if (prefix < widest) return (null, $"IP 段范围过大：IPv4 最宽 /{WidestIpv4Prefix}，IPv6 最宽 /{WidestIpv6Prefix}");
        // The network's own address: "203.0.113.9/24" names 203.0.113.0/24.
        var bytes = address.GetAddressBytes();
        Mask(bytes, prefix);
        return ($"{new IPAddress(bytes)}/{prefix}", null);
    }

    static void Mask(byte[] bytes, int prefix)
    {
        for (var i = 0; i < bytes.Length; i++)
        {
            var keep = Math.Clamp(prefix - i * 8, 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - keep));
        }
    }

    /// <summary>Whether an address (text) lies in a normalised network "a.b.c.d/n".</summary>
    public static bool CidrContains(string network, string? ip)
    {
        if (ip is null || !IPAddress.TryParse(ip, out var address)) return false;
        var slash = network.IndexOf('/');
        if (slash <= 0 || !IPAddress.TryParse(network[..slash], out var net) || !int.TryParse(network[(slash + 1)..], out var prefix)) return false;
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily != net.AddressFamily) return false;
        var bytes = address.GetAddressBytes();
        Mask(bytes, prefix);
        return bytes.AsSpan().SequenceEqual(net.GetAddressBytes());
    }

    /// <summary>The domain of an email address, lower-case, or null when the text is no email.</summary>
    public static string? DomainOf(string? email)
    {
        if (string.IsNullOrWhiteSpace(email)) return null;
        var at = email.Trim().LastIndexOf('@');
        return at <= 0 || at == email.Trim().Length - 1 ? null : email.Trim()[(at + 1)..].TrimEnd('.').ToLowerInvariant();
    }

    static bool InDomain(string? email, string domain) =>
        DomainOf(email) is { } d && (d == domain || d.EndsWith("." + domain, StringComparison.Ordinal));

    /// <summary>Whether an active entry names the subject. Expired entries never match.</summary>
    public static bool Matches(BlacklistEntry entry, BlacklistSubject s, DateTimeOffset now)
    {
        if (!entry.IsActiveAt(now)) return false;
        return entry.Kind switch
        {
            BlacklistKind.Ip => s.Ip is not null && IPAddress.TryParse(s.Ip, out var ip) && Canonical(ip) == entry.Value,
            BlacklistKind.Cidr => CidrContains(entry.Value, s.Ip),
            BlacklistKind.Contact => s.Contact is not null && string.Equals(s.Contact.Trim(), entry.Value, StringComparison.OrdinalIgnoreCase)
                || s.Email is not null && string.Equals(s.Email.Trim(), entry.Value, StringComparison.OrdinalIgnoreCase),
            // A subdomain is the domain's: mail.example.com is blocked with example.com.
            BlacklistKind.EmailDomain => InDomain(s.Email, entry.Value) || InDomain(s.Contact, entry.Value),
            BlacklistKind.Device => s.DeviceId is not null && string.Equals(s.DeviceId, entry.Value, StringComparison.OrdinalIgnoreCase),
            BlacklistKind.User => s.UserId is not null && s.UserId == entry.Value,
            _ => false,
        };
    }

    /// <summary>An address as a station owner sees it: the last IPv4 byte or all but the first two IPv6 groups hidden
    /// (203.0.113.* / 2001:db8::*); a network keeps its prefix length.</summary>
    public static string MaskIp(string value)
    {
        var slash = value.IndexOf('/');
        var suffix = slash > 0 ? value[slash..] : "";
        var text = slash > 0 ? value[..slash] : value;
        if (!IPAddress.TryParse(text, out var ip)) return "*";
        if (ip.IsIPv4MappedToIPv6) ip = ip.MapToIPv4();
        if (ip.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = ip.GetAddressBytes();
            return $"{b[0]}.{b[1]}.{b[2]}.*{suffix}";
        }
        var g = ip.GetAddressBytes();
        return $"{(g[0] << 8 | g[1]):x}:{(g[2] << 8 | g[3]):x}::*{suffix}";
    }
}
