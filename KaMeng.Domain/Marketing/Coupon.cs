using System.Text.RegularExpressions;

namespace KaMeng.Domain;

/// <summary>满减 (amount off above a threshold) or 折扣 (percent off, with an optional maximum).</summary>
public enum CouponKind { AmountOff = 0, PercentOff = 1 }

public enum CouponScope { All = 0, Categories = 1, Products = 2 }

public enum CouponAudience { Anyone = 0, SignedIn = 1, NewBuyers = 2, MemberLevels = 3 }

/// <summary>
/// 优惠券. Belongs to the station that issues it and is paid out of that station's margin. With
/// <see cref="ForSubstations"/> it can also be used on the issuer's descendant substations: a subsidy, credited to the
/// selling substation as if it sold at its normal price (the issuer's margin pays the difference).
/// </summary>
public partial class Coupon
{
    public int Id { get; set; }
    public int StationId { get; set; }
    public required string Name { get; set; }
    public CouponKind Kind { get; set; }
    /// <summary>满: the order total (after flash / member / wholesale prices) must reach this. Zero: no threshold.</summary>
    public Money Threshold { get; set; }
    /// <summary>减: for <see cref="CouponKind.AmountOff"/>.</summary>
    public Money AmountOff { get; set; }
    /// <summary>Percent off (1–99; 10 = 九折) for <see cref="CouponKind.PercentOff"/>.</summary>
    public int PercentOff { get; set; }
    /// <summary>The most a 折扣 coupon takes off (null: no maximum).</summary>
    public Money? MaxDiscount { get; set; }
    public CouponScope Scope { get; set; }
    /// <summary>Category or product ids of the scope, comma-separated.</summary>
    public string? ScopeIds { get; set; }
    public DateTimeOffset? ValidFrom { get; set; }
    public DateTimeOffset? ValidUntil { get; set; }
    /// <summary>Valid for this many days after it is granted to a buyer (grants only); otherwise the window above.</summary>
    public int? ValidDays { get; set; }
    /// <summary>Uses in all (0: no limit).</summary>
    public int TotalLimit { get; set; }
    /// <summary>Uses per buyer (0: no limit). A limited coupon needs a signed-in buyer.</summary>
    public int PerBuyerLimit { get; set; }
    /// <summary>Uses reserved or consumed: taken by a conditional update inside the checkout transaction, given back when an
    /// unpaid order closes.</summary>
    public int Taken { get; set; }
    public CouponAudience Audience { get; set; }
    /// <summary>Member level ids for <see cref="CouponAudience.MemberLevels"/>, comma-separated.</summary>
    public string? MemberLevelIds { get; set; }
    public bool StacksWithMember { get; set; }
    public bool StacksWithFlash { get; set; }
    public bool StacksWithWholesale { get; set; }
    public bool ForSubstations { get; set; }
    /// <summary>A public code anyone may type (upper case), or null for a coupon given by one-time codes or grants.</summary>
    public string? Code { get; set; }
    public bool Disabled { get; set; }
    public DateTimeOffset CreatedAt { get; set; }

    public const int MaxName = 64;

    [GeneratedRegex("^[A-Za-z0-9-]{4,32}$")]
    private static partial Regex CodePattern();

    /// <summary>A code as stored and compared: trimmed, upper case. Null when it is not of the form [A-Za-z0-9-]{4,32}.</summary>
    public static string? NormalizeCode(string? code)
    {
        var trimmed = code?.Trim();
        return trimmed is not null && CodePattern().IsMatch(trimmed) ? trimmed.ToUpperInvariant() : null;
    }

    public IReadOnlyList<int> ScopeIdList => ParseIds(ScopeIds);
    public IReadOnlyList<int> MemberLevelIdList => ParseIds(MemberLevelIds);

    static List<int> ParseIds(string? csv) =>
        [.. (csv ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => int.TryParse(s, out var id) ? id : 0).Where(id => id > 0)];

    /// <summary>The rules a coupon is refused at save by (Chinese reason), or null.</summary>
    public string? Validate()
    {
        if (string.IsNullOrWhiteSpace(Name)) return "请填写优惠券名称";
        if (Name.Length > MaxName) return $"优惠券名称最多 {MaxName} 个字";
        if (Threshold.IsNegative) return "使用门槛不能为负";
        switch (Kind)
        {
            case CouponKind.AmountOff:
                if (AmountOff.Fen <= 0) return "减免金额必须大于 0";
                if (Threshold.Fen > 0 && AmountOff >= Threshold) return $"减免金额 {AmountOff} 必须低于使用门槛 {Threshold}";
                break;
            case CouponKind.PercentOff:
                if (PercentOff is < 1 or > 99) return "折扣必须是 1–99 之间的整数（如 10 表示九折）";
                if (MaxDiscount is { Fen: <= 0 }) return "最高优惠金额必须大于 0";
                break;
            default:
                return "请选择优惠券类型";
        }
        if (Scope != CouponScope.All && ScopeIdList.Count == 0) return Scope == CouponScope.Categories ? "请选择适用分类" : "请选择适用商品";
        if (ValidFrom is { } from && ValidUntil is { } until && until <= from) return "结束时间必须晚于开始时间";
        if (ValidDays is { } days && days is < 1 or > 3650) return "领取后有效天数须为 1–3650";
        if (ValidDays is null && ValidUntil is null) return "请设置有效期（结束时间或领取后天数）";
        if (TotalLimit < 0 || PerBuyerLimit < 0) return "使用次数限制不能为负";
        if (TotalLimit > 0 && PerBuyerLimit > TotalLimit) return "每人限用次数不能超过总量";
        if (Audience == CouponAudience.MemberLevels && MemberLevelIdList.Count == 0) return "请选择可用的会员等级";
        if (Code is not null && NormalizeCode(Code) is null) return "券码只能由 4–32 位字母、数字或 - 组成";
        return null;
    }

    /// <summary>Whether the product falls in the coupon's scope.</summary>
    public bool Covers(int productId, int categoryId) => Scope switch
    {
        CouponScope.All => true,
        CouponScope.Categories => ScopeIdList.Contains(categoryId),
        CouponScope.Products => ScopeIdList.Contains(productId),
        _ => false,
    };

    /// <summary>Whether a use at <paramref name="now"/> is inside the window (for a grant: its own expiry).</summary>
    public bool IsValidAt(DateTimeOffset now, DateTimeOffset? grantExpiresAt = null)
    {
        if (Disabled) return false;
        if (ValidFrom is { } from && now < from) return false;
        if (grantExpiresAt is { } expires) return now < expires;
        return ValidUntil is not { } until || now < until;
    }

    /// <summary>How the coupon reads to a buyer: 满50减5, 9折（最高减20）, 无门槛减3.</summary>
    public string Describe() => Kind switch
    {
        CouponKind.AmountOff => Threshold.Fen > 0 ? $"满{Short(Threshold)}减{Short(AmountOff)}" : $"无门槛减{Short(AmountOff)}",
        _ => $"{Percent.Format((100 - PercentOff) * 10)}折" + (Threshold.Fen > 0 ? $"（满{Short(Threshold)}可用）" : "") + (MaxDiscount is { } max ? $"（最高减{Short(max)}）" : ""),
    };

    /// <summary>Yuan without trailing zeros: 50, 49.9, 0.05.</summary>
    static string Short(Money m) => m.ToDecimalString().TrimEnd('0').TrimEnd('.');

    public CouponOffer Offer() => new(Id, StationId, Name, Kind, Threshold, AmountOff, PercentOff, MaxDiscount, StacksWithMember, StacksWithFlash, StacksWithWholesale);
}

/// <summary>A one-time code of a coupon batch: used by at most one order, ever.</summary>
public class CouponCode
{
    public long Id { get; set; }
    public int CouponId { get; set; }
    public int StationId { get; set; }
    public required string Code { get; set; }
    public required string BatchNo { get; set; }
    /// <summary>The order holding the code (reserved or consumed); null while unused.</summary>
    public long? OrderId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>A coupon given to one buyer (我的优惠券). Used by one order.</summary>
public class CouponGrant
{
    public long Id { get; set; }
    public int CouponId { get; set; }
    public int StationId { get; set; }
    public required string UserId { get; set; }
    public DateTimeOffset GrantedAt { get; set; }
    public DateTimeOffset? ExpiresAt { get; set; }
    public long? OrderId { get; set; }
    /// <summary>Why it was given (发放, 新人礼包, 邀请奖励).</summary>
    public string? Source { get; set; }
}

public enum RedemptionStatus { Reserved = 0, Consumed = 1, Released = 2 }

/// <summary>A coupon on an order: reserved in the checkout transaction, consumed on payment, released when the unpaid order
/// closes (or refunded before delivery while the coupon is still valid).</summary>
public class CouponRedemption
{
    public long Id { get; set; }
    public int CouponId { get; set; }
    /// <summary>The issuing station.</summary>
    public int StationId { get; set; }
    public int OrderStationId { get; set; }
    public long OrderId { get; set; }
    public string? BuyerUserId { get; set; }
    public long? CodeId { get; set; }
    public long? GrantId { get; set; }
    public Money Discount { get; set; }
    /// <summary>The order's total before the coupon (for the GMV of the report).</summary>
    public Money OrderTotal { get; set; }
    public RedemptionStatus Status { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
