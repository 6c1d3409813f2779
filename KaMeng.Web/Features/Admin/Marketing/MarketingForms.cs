using KaMeng.Domain;

namespace KaMeng.Web.Features.Admin.Marketing;

/// <summary>The coupon form as typed: money and percent as text (parsed at save), times as business wall-clock times.</summary>
public sealed class CouponForm
{
    public int? Id { get; set; }
    public string? Name { get; set; }
    public CouponKind Kind { get; set; } = CouponKind.AmountOff;
    /// <summary>满 (yuan); empty: no threshold.</summary>
    public string? Threshold { get; set; }
    /// <summary>减 (yuan).</summary>
    public string? AmountOff { get; set; }
    /// <summary>Percent off, 1–99 (10 = 九折).</summary>
    public string? PercentOff { get; set; }
    /// <summary>最高优惠 (yuan); empty: none.</summary>
    public string? MaxDiscount { get; set; }
    public CouponScope Scope { get; set; }
    public IReadOnlyCollection<int> ScopeIds { get; set; } = [];
    public DateTime? ValidFrom { get; set; }
    public DateTime? ValidUntil { get; set; }
    public int? ValidDays { get; set; }
    public int TotalLimit { get; set; }
    public int PerBuyerLimit { get; set; }
    public CouponAudience Audience { get; set; }
    public IReadOnlyCollection<int> MemberLevelIds { get; set; } = [];
    public bool StacksWithMember { get; set; }
    public bool StacksWithFlash { get; set; }
    public bool StacksWithWholesale { get; set; }
    public bool ForSubstations { get; set; }
    /// <summary>Public code anyone may type; empty: none (the coupon is given by one-time codes or grants).</summary>
    public string? Code { get; set; }
}

public sealed class FlashSaleForm
{
    public int? Id { get; set; }
    public int? ProductId { get; set; }
    public string? Title { get; set; }
    /// <summary>True: a fixed 秒杀价; false: a percent off the station's price.</summary>
    public bool FixedPrice { get; set; } = true;
    public string? Price { get; set; }
    public string? PercentOff { get; set; }
    public DateTime? StartsAt { get; set; }
    public DateTime? EndsAt { get; set; }
    public int Quota { get; set; }
    public int PerBuyerLimit { get; set; }
    public bool LoginRequired { get; set; }
}

/// <summary>One row of a product's wholesale table: from <see cref="MinQuantity"/> pieces, a unit price or a percent off.</summary>
public sealed class WholesaleTierForm
{
    public int MinQuantity { get; set; } = 2;
    public bool FixedPrice { get; set; } = true;
    public string? UnitPrice { get; set; }
    public string? PercentOff { get; set; }
}

/// <summary>Parsing of the marketing forms' typed values, with the Chinese reason for a refusal.</summary>
public static class MarketingInput
{
    /// <summary>An amount in yuan (at most two decimals, not negative); empty is null when allowed.</summary>
    public static string? Money(string? text, string label, out Money? money, bool allowEmpty = true)
    {
        money = null;
        if (string.IsNullOrWhiteSpace(text)) return allowEmpty ? null : $"请填写{label}（元）";
        if (!KaMeng.Domain.Money.TryParseYuan(text, out var m) || m.IsNegative) return $"{label}「{text.Trim()}」不是有效金额（元，最多两位小数）";
        money = m;
        return null;
    }

    /// <summary>A whole percent off from 1 to 99 (10 = 九折), through the percent parser the pricing rules use.</summary>
    public static string? PercentOff(string? text, out int percent)
    {
        percent = 0;
        if (!Percent.TryParseBasisPoints(text, 1, 99, out var bp) || bp % 100 != 0) return "折扣必须是 1–99 之间的整数（如 10 表示九折）";
        percent = bp / 100;
        return null;
    }

    /// <summary>How the admin names a coupon's rule: 满50减5, 9折（最高减20）. Coupon.Describe writes every amount with its
    /// fen (满50.00减5.00); owners compare coupons by these short names.</summary>
    public static string Rule(Coupon c) => c.Kind switch
    {
        CouponKind.AmountOff => c.Threshold.Fen > 0 ? $"满{Yuan(c.Threshold)}减{Yuan(c.AmountOff)}" : $"无门槛减{Yuan(c.AmountOff)}",
        _ => $"{Percent.Format((100 - c.PercentOff) * 10)}折" + (c.Threshold.Fen > 0 ? $"（满{Yuan(c.Threshold)}可用）" : "")
            + (c.MaxDiscount is { } max ? $"（最高减{Yuan(max)}）" : ""),
    };

    /// <summary>Yuan without trailing zeros: 50, 9.9, 0.05.</summary>
    public static string Yuan(Money money)
    {
        var text = money.ToDecimalString();
        return text.Contains('.') ? text.TrimEnd('0').TrimEnd('.') : text;
    }

    public static string KindName(CouponKind kind) => kind == CouponKind.AmountOff ? "满减" : "折扣";

    public static string ScopeName(CouponScope scope) => scope switch
    {
        CouponScope.Categories => "指定分类",
        CouponScope.Products => "指定商品",
        _ => "全部商品",
    };

    public static string AudienceName(CouponAudience audience) => audience switch
    {
        CouponAudience.SignedIn => "登录用户",
        CouponAudience.NewBuyers => "新买家（首单）",
        CouponAudience.MemberLevels => "指定会员等级",
        _ => "所有人",
    };
}
