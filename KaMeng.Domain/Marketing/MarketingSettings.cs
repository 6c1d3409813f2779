namespace KaMeng.Domain;

/// <summary>The thresholds of 用户分层 (<see cref="BuyerSegments"/>) for one station.</summary>
public sealed record SegmentThresholds(int DormantAfterDays, long HighValueSpendFen, int NewWithinDays)
{
    public static readonly SegmentThresholds Default = new(BuyerSegments.DormantAfterDays, BuyerSegments.HighValueSpendFen, BuyerSegments.NewWithinDays);
}

/// <summary>
/// A station's marketing settings (one row per station; no row: the defaults). The segment thresholds that were constants,
/// the automatic tag thresholds, whether a buyer who never chose counts as opted in, and the two triggers with the coupon
/// each grants.
/// </summary>
public class MarketingSettings
{
    public int StationId { get; set; }

    public int DormantAfterDays { get; set; } = BuyerSegments.DormantAfterDays;
    public Money HighValueSpend { get; set; } = Money.FromFen(BuyerSegments.HighValueSpendFen);
    public int NewWithinDays { get; set; } = BuyerSegments.NewWithinDays;

    /// <summary>消费 tags: at least this spend is 中消费 (below it 低消费); <see cref="HighValueSpend"/> and above is 高消费.</summary>
    public Money MidSpend { get; set; } = Money.FromYuan(100);
    /// <summary>售后高频: this many refunds (not rejected) or more at the station.</summary>
    public int FrequentRefundsAt { get; set; } = 2;
    /// <summary>价格敏感: at least this share (percent) of paid orders carried a coupon or promotion…</summary>
    public int PriceSensitivePercent { get; set; } = 60;
    /// <summary>…out of at least this many paid orders (one discounted order says nothing).</summary>
    public int PriceSensitiveMinOrders { get; set; } = 3;

    /// <summary>A buyer who never chose counts as opted in. Off by default: marketing needs the buyer's yes.</summary>
    public bool OptInByDefault { get; set; }

    public bool WelcomeEnabled { get; set; }
    public int? WelcomeCouponId { get; set; }
    public bool WinBackEnabled { get; set; }
    public int? WinBackCouponId { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public SegmentThresholds Thresholds => new(DormantAfterDays, HighValueSpend.Fen, NewWithinDays);

    public static MarketingSettings DefaultFor(int stationId) => new() { StationId = stationId };

    /// <summary>Why the settings cannot be saved (Chinese), or null.</summary>
    public string? Validate()
    {
        if (DormantAfterDays is < 7 or > 3650) return "沉睡天数须为 7–3650 天";
        if (NewWithinDays is < 1 or > 365) return "新用户天数须为 1–365 天";
        if (NewWithinDays >= DormantAfterDays) return "新用户天数必须小于沉睡天数";
        if (HighValueSpend.Fen <= 0) return "高价值消费门槛必须大于 0";
        if (MidSpend.Fen <= 0) return "中消费门槛必须大于 0";
        if (MidSpend >= HighValueSpend) return $"中消费门槛必须低于高价值门槛 {HighValueSpend}";
        if (FrequentRefundsAt is < 1 or > 100) return "售后高频的退款次数须为 1–100";
        if (PriceSensitivePercent is < 1 or > 100) return "价格敏感的优惠订单占比须为 1–100%";
        if (PriceSensitiveMinOrders is < 1 or > 1000) return "价格敏感的最少订单数须为 1–1000";
        if (WelcomeEnabled && WelcomeCouponId is null) return "开启新人礼包时请选择要发放的优惠券";
        if (WinBackEnabled && WinBackCouponId is null) return "开启回归礼包时请选择要发放的优惠券";
        return null;
    }
}
