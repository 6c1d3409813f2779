namespace KaMeng.Domain;

public enum BuyerTagSource { Manual = 0, Auto = 1 }

/// <summary>
/// 买家标签 at one station: set by the owner (手动) or computed from the rollups, orders and refunds (自动; recomputed daily,
/// an automatic tag that no longer holds is removed). A manual tag is never touched by the computation.
/// </summary>
public class BuyerTag
{
    public long Id { get; set; }
    public int StationId { get; set; }
    public required string UserId { get; set; }
    public required string Text { get; set; }
    public BuyerTagSource Source { get; set; }
    public DateTimeOffset CreatedAt { get; set; }

    public const int MaxText = 16;

    /// <summary>A manual tag as stored (trimmed, inner whitespace collapsed), and the Chinese reason when it cannot be one.</summary>
    public static (string? Text, string? Error) NormalizeManual(string? text)
    {
        var t = string.Join(' ', (text ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        if (t.Length == 0) return (null, "请填写标签");
        if (t.Length > MaxText) return (null, $"标签最多 {MaxText} 个字");
        if (t.Contains(',') || t.Contains('，')) return (null, "标签不能包含逗号");
        if (AutoTags.IsReserved(t)) return (null, $"「{t}」是自动标签，由系统按规则计算，不能手动添加");
        return (t, null);
    }
}

/// <summary>What the automatic tags of one buyer at one station are computed from.</summary>
public sealed record BuyerFacts(BuyerHistory History, int Refunds, int DiscountedOrders, IReadOnlyList<string> Categories);

/// <summary>
/// The automatic tags: the segment (新用户 / 活跃用户 / 高价值用户 / 沉睡用户), spend (高/中/低消费), recency (近7天购买 /
/// 近30天购买), the categories bought (类目:名称, at most <see cref="MaxCategories"/>), 售后高频 by refunds and 价格敏感 by
/// the share of discounted orders, each at the station's thresholds (<see cref="MarketingSettings"/>).
/// </summary>
public static class AutoTags
{
    public const string HighSpend = "高消费", MidSpend = "中消费", LowSpend = "低消费";
    public const string Within7Days = "近7天购买", Within30Days = "近30天购买";
    public const string FrequentRefunds = "售后高频", PriceSensitive = "价格敏感";
    public const string CategoryPrefix = "类目:";
    public const int MaxCategories = 3;

    static readonly HashSet<string> Fixed =
    [
        HighSpend, MidSpend, LowSpend, Within7Days, Within30Days, FrequentRefunds, PriceSensitive,
        .. Enum.GetValues<BuyerSegment>().Select(BuyerSegments.NameOf),
    ];

    /// <summary>Texts only the computation may give (an owner's manual tag of the same text would be confused with it).</summary>
    public static bool IsReserved(string text) => Fixed.Contains(text) || text.StartsWith(CategoryPrefix, StringComparison.Ordinal);

    public static IReadOnlyList<string> Compute(BuyerFacts f, MarketingSettings s, DateTimeOffset now)
    {
        var h = f.History;
        var tags = new List<string> { BuyerSegments.NameOf(BuyerSegments.Classify(h, now, s.Thresholds)) };
        tags.Add(h.SpendFen >= s.HighValueSpend.Fen ? HighSpend : h.SpendFen >= s.MidSpend.Fen ? MidSpend : LowSpend);
        if (h.LastPaidAt > now.AddDays(-7)) tags.Add(Within7Days);
        else if (h.LastPaidAt > now.AddDays(-30)) tags.Add(Within30Days);
        if (f.Refunds >= s.FrequentRefundsAt) tags.Add(FrequentRefunds);
        if (IsPriceSensitive(h.PaidOrders, f.DiscountedOrders, s)) tags.Add(PriceSensitive);
        foreach (var c in f.Categories.Where(c => !string.IsNullOrWhiteSpace(c)).Distinct().Take(MaxCategories))
            tags.Add(Truncate(CategoryPrefix + c.Trim()));
        return tags;
    }

    /// <summary>Integer arithmetic: discounted × 100 ≥ percent × paid.</summary>
    public static bool IsPriceSensitive(int paidOrders, int discountedOrders, MarketingSettings s) =>
        paidOrders >= s.PriceSensitiveMinOrders && paidOrders > 0 && (long)discountedOrders * 100 >= (long)s.PriceSensitivePercent * paidOrders;

    static string Truncate(string t) => t.Length <= BuyerTag.MaxText ? t : t[..BuyerTag.MaxText];
}
