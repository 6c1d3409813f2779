namespace KaMeng.Domain;

/// <summary>A station's own view of a product of its parent's catalogue: hidden, renamed, re-described, reordered, recommended.</summary>
public class StationProduct
{
    public int Id { get; set; }
    public int StationId { get; set; }
    public int ProductId { get; set; }
    public bool Hidden { get; set; }
    public string? Name { get; set; }
    public string? DescriptionMarkdown { get; set; }
    public int? SortOrder { get; set; }
    public bool Recommended { get; set; }
}

/// <summary>会员等级 of buyers at a station.</summary>
public class MemberLevel
{
    public int Id { get; set; }
    public int StationId { get; set; }
    public required string Name { get; set; }
    /// <summary>Discount in basis points (500 = 5% off).</summary>
    public int DiscountBasisPoints { get; set; }
    /// <summary>Total spend at the station that upgrades a buyer automatically.</summary>
    public Money SpendThreshold { get; set; }
}

/// <summary>Settings of the platform as a whole (one row).</summary>
public class PlatformSettings
{
    public const int SingletonId = 1;
    public int Id { get; set; } = SingletonId;
    /// <summary>How many levels of substations below the main station may exist (a hard cap).</summary>
    public int MaxDepth { get; set; } = 2;
    /// <summary>How many levels of referral commission a station's 分销 program may pay (at most <see cref="ReferralProgram.HardMaxLevels"/>).</summary>
    public int MaxReferralLevels { get; set; } = 2;
    /// <summary>How long an order held for risk review (待审核) waits for the risk staff before the scheduler decides it.</summary>
    public int RiskReviewMinutes { get; set; } = 60;
    /// <summary>What the scheduler does with a held order nobody reviewed in time: refund it (true) or release it (false).</summary>
    public bool RiskTimeoutRefunds { get; set; }
    public Money WithdrawalMinimum { get; set; } = Money.FromYuan(10);
    /// <summary>Withdrawal fee in basis points of the amount (100 = 1%).</summary>
    public int WithdrawalFeeBasisPoints { get; set; } = 100;
    /// <summary>Days an earning stays 待结算 (refundable against) before it becomes 可提现; a level may override it.</summary>
    public int EarningHoldDays { get; set; } = 7;
    /// <summary>Comma-separated root domains substations may use as {code}.{root}, e.g. "localhost,kameng.example".</summary>
    public string RootDomains { get; set; } = "localhost";

    public IEnumerable<string> RootDomainList => RootDomains.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public Money FeeFor(Money amount) => Money.FromFen((amount.Fen * WithdrawalFeeBasisPoints + 9999) / 10000);
}
