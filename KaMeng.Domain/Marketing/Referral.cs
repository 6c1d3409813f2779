namespace KaMeng.Domain;

/// <summary>
/// A station's 分销 program: commissions on its sales to buyers its buyers invited, up to <see cref="Levels"/> levels (the
/// platform caps it; never more than <see cref="HardMaxLevels"/>: deeper chains are a pyramid scheme). Each level's rate is a
/// share of the selling station's margin on the order, so the commissions together never exceed that margin.
/// </summary>
public class ReferralProgram
{
    /// <summary>The hard maximum whatever the platform sets.</summary>
    public const int HardMaxLevels = 3;

    public int Id { get; set; }
    public int StationId { get; set; }
    public bool Enabled { get; set; }
    public int Levels { get; set; } = 1;
    /// <summary>Shares of the selling station's margin, basis points (1000 = 10%): level 1 is the direct inviter.</summary>
    public int Level1BasisPoints { get; set; }
    public int Level2BasisPoints { get; set; }
    public int Level3BasisPoints { get; set; }
    /// <summary>Invite rewards, each a coupon of this station granted when the invitee's first qualifying order is delivered.</summary>
    public int? InviterRewardCouponId { get; set; }
    public int? InviteeRewardCouponId { get; set; }
    /// <summary>Invite rewards in money, paid with that order's commissions out of the same margin (收益, held like them and
    /// reversed by a refund like them): never more than what the margin has left after the commissions.</summary>
    public Money InviterRewardBalance { get; set; }
    public Money InviteeRewardBalance { get; set; }

    public const long MaxRewardFen = 100_000;
    /// <summary>The invitee's first delivered order of at least this much qualifies for the rewards.</summary>
    public Money QualifyingOrder { get; set; }

    public IReadOnlyList<int> Rates => [.. new[] { Level1BasisPoints, Level2BasisPoints, Level3BasisPoints }.Take(Levels)];

    /// <summary>The rules of a program at save (Chinese reason, or null). <paramref name="platformCap"/> is the platform's setting.</summary>
    public string? Validate(int platformCap)
    {
        var cap = Math.Clamp(platformCap, 1, HardMaxLevels);
        if (Levels < 1 || Levels > cap) return $"分销层级须为 1–{cap} 级（平台上限 {cap} 级）";
        int[] all = [Level1BasisPoints, Level2BasisPoints, Level3BasisPoints];
        if (all.Any(r => r < 0)) return "佣金比例不能为负";
        if (Rates.Any(r => r == 0)) return "每一级都要设置佣金比例";
        if (Rates.Sum() > 10000) return $"各级佣金合计 {Percent.Format(Rates.Sum())}% 超过本站毛利的 100%";
        if (QualifyingOrder.IsNegative) return "首单门槛不能为负";
        if (InviterRewardBalance.IsNegative || InviteeRewardBalance.IsNegative) return "邀请奖励金额不能为负";
        if (InviterRewardBalance.Fen > MaxRewardFen || InviteeRewardBalance.Fen > MaxRewardFen) return $"邀请奖励金额每项最多 {Money.FromFen(MaxRewardFen)}";
        return null;
    }
}

/// <summary>A buyer's referral code at a station (推广链接 ?ref=CODE and its QR code), with its click count.</summary>
public class ReferralCode
{
    public int Id { get; set; }
    public int StationId { get; set; }
    public required string UserId { get; set; }
    public required string Code { get; set; }
    public int Clicks { get; set; }
    /// <summary>The first-party device the code's owner used (an invitee on the same device earns them nothing).</summary>
    public string? DeviceId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>Who invited a buyer to a station: set once from the 30-day first-touch cookie, never moved.</summary>
public class Referral
{
    public long Id { get; set; }
    public int StationId { get; set; }
    public required string UserId { get; set; }
    public required string ReferrerUserId { get; set; }
    public string? DeviceId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    /// <summary>The order whose delivery paid the invite rewards (set once, by a conditional update).</summary>
    public long? RewardedOrderId { get; set; }
}

/// <summary>The rules of who may earn a commission on an order.</summary>
public static class ReferralRules
{
    /// <summary>Whether <paramref name="referrer"/> may earn on an order of <paramref name="buyer"/>: never on their own purchase,
    /// never when they are on the order's price chain (an owner of a station on it), never when they share a device or a
    /// contact with the buyer.</summary>
    public static bool MayEarn(string referrer, string buyer, IEnumerable<string?> chainOwners, string? referrerDevice, string? buyerDevice,
        IEnumerable<string> referrerContacts, IEnumerable<string> buyerContacts)
    {
        if (referrer == buyer) return false;
        if (chainOwners.Any(o => o == referrer)) return false;
        if (referrerDevice is not null && referrerDevice == buyerDevice) return false;
        var theirs = referrerContacts.Where(c => !string.IsNullOrWhiteSpace(c)).Select(c => c.Trim().ToLowerInvariant()).ToHashSet();
        return !buyerContacts.Any(c => !string.IsNullOrWhiteSpace(c) && theirs.Contains(c.Trim().ToLowerInvariant()));
    }
}
