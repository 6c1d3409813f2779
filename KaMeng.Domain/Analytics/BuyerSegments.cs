namespace KaMeng.Domain;

public enum BuyerSegment { New, Active, HighValue, Dormant }

/// <summary>One buyer's paid history at a station (or the whole platform): the recency, frequency and spend rollup.</summary>
public sealed record BuyerHistory(string BuyerUserId, DateTimeOffset FirstPaidAt, DateTimeOffset? SecondPaidAt, DateTimeOffset LastPaidAt, int PaidOrders, long SpendFen);

/// <summary>
/// 用户分层 by recency, frequency and spend. Rules are checked in this order, the first that matches wins:
/// 沉睡用户: no paid order for <see cref="DormantAfterDays"/> days; 高价值用户: spent at least <see cref="HighValueSpendFen"/>;
/// 新用户: first paid order within <see cref="NewWithinDays"/> days and only one order; 活跃用户: everyone else.
/// </summary>
public static class BuyerSegments
{
    public const int DormantAfterDays = 60;
    public const long HighValueSpendFen = 50_000;
    public const int NewWithinDays = 30;

    public static BuyerSegment Classify(BuyerHistory h, DateTimeOffset now) => Classify(h, now, SegmentThresholds.Default);

    /// <summary>The same rules with a station's own thresholds (营销设置; the constants above are the defaults).</summary>
    public static BuyerSegment Classify(BuyerHistory h, DateTimeOffset now, SegmentThresholds t)
    {
        if (h.LastPaidAt <= now.AddDays(-t.DormantAfterDays)) return BuyerSegment.Dormant;
        if (h.SpendFen >= t.HighValueSpendFen) return BuyerSegment.HighValue;
        if (h.FirstPaidAt > now.AddDays(-t.NewWithinDays) && h.PaidOrders <= 1) return BuyerSegment.New;
        return BuyerSegment.Active;
    }

    public static string NameOf(BuyerSegment s) => s switch
    {
        BuyerSegment.New => "新用户",
        BuyerSegment.Active => "活跃用户",
        BuyerSegment.HighValue => "高价值用户",
        BuyerSegment.Dormant => "沉睡用户",
        _ => s.ToString(),
    };

    public static string RuleOf(BuyerSegment s) => s switch
    {
        BuyerSegment.Dormant => $"最近 {DormantAfterDays} 天没有支付订单",
        BuyerSegment.HighValue => $"累计消费 ≥ {Money.FromFen(HighValueSpendFen)}，且 {DormantAfterDays} 天内有支付",
        BuyerSegment.New => $"首单在 {NewWithinDays} 天内，且只有 1 单",
        BuyerSegment.Active => $"{DormantAfterDays} 天内有支付，不属于以上分层",
        _ => "",
    };
}

/// <summary>
/// 30 日复购率: of the buyers whose first paid order falls in the cohort window, the share who paid again within 30 days
/// of that first order. Only buyers whose 30 days have fully passed, or who already repurchased, count: a buyer
/// who bought yesterday has not had the chance yet.
/// </summary>
public static class Repurchase
{
    public const int WindowDays = 30;

    public static (int Cohort, int Repurchased) Count(IEnumerable<BuyerHistory> buyers, DateTimeOffset from, DateTimeOffset to, DateTimeOffset now)
    {
        int cohort = 0, again = 0;
        foreach (var b in buyers)
        {
            if (b.FirstPaidAt < from || b.FirstPaidAt >= to) continue;
            var repurchased = IsRepurchase(b.FirstPaidAt, b.SecondPaidAt);
            if (!repurchased && b.FirstPaidAt > WindowClosedBy(now)) continue;
            cohort++;
            if (repurchased) again++;
        }
        return (cohort, again);
    }

    /// <summary>The second payment came within the window of the first.</summary>
    public static bool IsRepurchase(DateTimeOffset first, DateTimeOffset? second) => second is { } s && s < first.AddDays(WindowDays);

    /// <summary>Buyers whose first payment is at or before this instant have had their whole window.</summary>
    public static DateTimeOffset WindowClosedBy(DateTimeOffset now) => now.AddDays(-WindowDays);

    public static decimal Rate(int cohort, int repurchased) => cohort == 0 ? 0 : Math.Round((decimal)repurchased / cohort, 4);
}
