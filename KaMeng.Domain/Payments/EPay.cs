using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace KaMeng.Domain;

/// <summary>
/// 彩虹易支付 V1 signature: lower-case MD5 of the parameters except sign, sign_type and empty values, sorted by
/// name (ordinal), joined as k=v&amp;… with raw (not URL-encoded) values, followed directly by the merchant key.
/// </summary>
public static class EPaySignature
{
    public static string Sign(IEnumerable<KeyValuePair<string, string?>> parameters, string key)
    {
        var text = string.Join("&", parameters
            .Where(p => p.Key is not ("sign" or "sign_type") && !string.IsNullOrEmpty(p.Value))
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => p.Key + "=" + p.Value)) + key;
        return Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>The parameters with their sign and sign_type=MD5 added, sorted by name.</summary>
    public static SortedDictionary<string, string?> Signed(IEnumerable<KeyValuePair<string, string?>> parameters, string key)
    {
        var p = new SortedDictionary<string, string?>(parameters.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal), StringComparer.Ordinal);
        p["sign"] = Sign(p, key);
        p["sign_type"] = "MD5";
        return p;
    }

    /// <summary><see cref="Signed"/> as a query string (without '?'), values URL-encoded.
    /// What goes to submit.php and what a gateway sends to the notify URL.</summary>
    public static string SignedQuery(IEnumerable<KeyValuePair<string, string?>> parameters, string key) =>
        string.Join("&", Signed(parameters, key).Select(kv => kv.Key + "=" + Uri.EscapeDataString(kv.Value ?? "")));

    /// <summary>Constant-time comparison against the expected signature; anything not 32 hex characters is refused.</summary>
    public static bool Verify(IEnumerable<KeyValuePair<string, string?>> parameters, string? sign, string key)
    {
        if (sign is not { Length: 32 } || !sign.All(char.IsAsciiHexDigit)) return false;
        return HmacHex.Matches(Sign(parameters, key), sign);
    }
}

/// <summary>The channels (支付方式) the EPay protocol names in its <c>type</c> parameter.</summary>
public static class EPayChannels
{
    public static readonly IReadOnlyList<string> All = ["alipay", "wxpay", "qqpay"];

    public static string DisplayName(string channel) => channel switch
    {
        "alipay" => "支付宝",
        "wxpay" => "微信",
        "qqpay" => "QQ钱包",
        _ => channel,
    };

    public static bool IsKnown(string? channel) => channel is not null && All.Contains(channel);
}

/// <summary>Gateway amounts: an exact decimal of yuan with at most two decimals ("10", "10.0", "10.00").
/// Exponents, signs, spaces, a third decimal and anything else are refused: "1e1", "10.001", "-1" never equal ¥10.00.</summary>
public static class EPayAmount
{
    public static bool TryParse(string? text, out Money money)
    {
        money = Money.Zero;
        if (string.IsNullOrEmpty(text) || text.Length > 15) return false;
        var parts = text.Split('.');
        if (parts.Length > 2 || parts[0].Length is 0 or > 10 || !parts[0].All(char.IsAsciiDigit)) return false;
        var fraction = parts.Length == 2 ? parts[1] : "";
        if (parts.Length == 2 && fraction.Length is 0 or > 2 || !fraction.All(char.IsAsciiDigit)) return false;
        money = Money.FromFen(long.Parse(parts[0], CultureInfo.InvariantCulture) * 100
            + (fraction.Length == 0 ? 0 : long.Parse(fraction.PadRight(2, '0'), CultureInfo.InvariantCulture)));
        return true;
    }
}

/// <summary>支付网关: one EPay merchant account of a station (the main station's is the platform's, used by every
/// substation without its own).</summary>
public class PaymentGateway
{
    public int Id { get; set; }
    public int StationId { get; set; }
    /// <summary>The gateway's base URL, e.g. https://pay.example.com/ (submit.php and api.php live under it).</summary>
    public required string BaseUrl { get; set; }
    public required string Pid { get; set; }
    /// <summary>The merchant key, encrypted with Data Protection.</summary>
    public required string KeyCipher { get; set; }
    /// <summary>Enabled channels, comma separated (alipay,wxpay,qqpay).</summary>
    public string Channels { get; set; } = "alipay";
    /// <summary>Shown to buyers next to the channels, e.g. "支付宝手续费 0.6%".</summary>
    public string? FeeNote { get; set; }
    public bool Enabled { get; set; } = true;
    public DateTimeOffset UpdatedAt { get; set; }

    public IReadOnlyList<string> ChannelList => Channels.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Where(EPayChannels.IsKnown).ToList();

    /// <summary>A base URL, not an endpoint: absolute http(s), no query or fragment, not ending in submit.php/api.php.
    /// Returns the normalised URL (with a trailing slash) or a Chinese error.</summary>
    public static (string? Url, string? Error) NormalizeBaseUrl(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return (null, "请填写网关地址");
        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || string.IsNullOrEmpty(uri.Host))
            return (null, "网关地址必须是 http:// 或 https:// 开头的完整地址");
        if (!string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment) || !string.IsNullOrEmpty(uri.UserInfo))
            return (null, "网关地址不能带参数、锚点或账号");
        var path = uri.AbsolutePath.TrimEnd('/');
        if (path.EndsWith(".php", StringComparison.OrdinalIgnoreCase) || path.EndsWith("submit", StringComparison.OrdinalIgnoreCase))
            return (null, "请填写网关的根地址（例如 https://pay.example.com/），不要包含 submit.php");
        return (uri.GetLeftPart(UriPartial.Authority) + path + "/", null);
    }
}

public enum GatewayPaymentKind { Order = 0, Recharge = 1 }

public enum GatewayPaymentStatus { Pending = 0, Paid = 1, PaidLate = 2 }

/// <summary>
/// One payment asked of a gateway: an order's or a balance recharge's. <see cref="OutTradeNo"/> is the order number
/// (or the recharge number) sent as out_trade_no; the gateway it went to decides which key verifies its notify.
/// </summary>
public class GatewayPayment
{
    public long Id { get; set; }
    public required string OutTradeNo { get; set; }
    public int StationId { get; set; }
    public int GatewayId { get; set; }
    public required string Channel { get; set; }
    public GatewayPaymentKind Kind { get; set; }
    public long? OrderId { get; set; }
    /// <summary>The wallet owner of a recharge.</summary>
    public string? UserId { get; set; }
    public Money Amount { get; set; }
    public GatewayPaymentStatus Status { get; set; }
    public string? TradeNo { get; set; }
    /// <summary>The storefront the buyer paid from (origin + station path), for links in the guest's mail.</summary>
    public string? StoreUrl { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? PaidAt { get; set; }

    /// <summary>Whether a notify for this payment with <paramref name="tradeNo"/> was already accepted (a replay).</summary>
    public bool AlreadyAccepted(string tradeNo) => Status != GatewayPaymentStatus.Pending && string.Equals(TradeNo, tradeNo, StringComparison.Ordinal);

    public void Accept(string tradeNo, DateTimeOffset now, bool late)
    {
        if (Status != GatewayPaymentStatus.Pending) throw new DomainException("payment.not_pending", "该支付已处理");
        Status = late ? GatewayPaymentStatus.PaidLate : GatewayPaymentStatus.Paid;
        TradeNo = tradeNo;
        PaidAt = now;
    }
}

public enum PaymentIssueKind
{
    /// <summary>A paid order notified again with another gateway trade number: possibly paid twice.</summary>
    DifferentTradeNo = 0,
    /// <summary>Paid at the gateway after the order expired: not revived; refund or fulfil by hand.</summary>
    PaidAfterExpiry = 1,
    /// <summary>Paid, but no card key was left to deliver: the order waits in the processing queue.</summary>
    PaidOutOfStock = 2,
    /// <summary>The gateway's query reported a different amount than the order's.</summary>
    AmountMismatch = 3,
}

/// <summary>对账异常: what finance must look at (the reconciliation list).</summary>
public class PaymentIssue
{
    public long Id { get; set; }
    public int StationId { get; set; }
    public PaymentIssueKind Kind { get; set; }
    public required string OutTradeNo { get; set; }
    public string? TradeNo { get; set; }
    public Money Amount { get; set; }
    public string? Detail { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? ResolvedAt { get; set; }
    public string? ResolvedBy { get; set; }

    public static string KindName(PaymentIssueKind kind) => kind switch
    {
        PaymentIssueKind.DifferentTradeNo => "重复支付（交易号不同）",
        PaymentIssueKind.PaidAfterExpiry => "超时后支付",
        PaymentIssueKind.PaidOutOfStock => "已支付但缺货",
        PaymentIssueKind.AmountMismatch => "金额不符",
        _ => kind.ToString(),
    };
}
