namespace KaMeng.Domain;

/// <summary>What a rule (or the whole decision) does with an order: 允许 records the hit only; 验证码 asks the buyer to
/// prove they are a person first; 人工审核 holds the paid order (待审核) for the platform's risk staff; 拒绝 refuses it.
/// Ordered by severity: the strictest hit decides.</summary>
public enum RiskAction { Allow = 0, Captcha = 1, Review = 2, Reject = 3 }

public enum RiskRuleKind
{
    /// <summary>N orders by the same buyer / IP / device / contact within the window.</summary>
    VelocityCount = 0,
    /// <summary>¥X ordered by the same buyer / IP / device / contact within the window (this order included).</summary>
    VelocityAmount = 1,
    /// <summary>An order of at least ¥X.</summary>
    LargeAmount = 2,
    /// <summary>An order of at least k × the buyer's median order (threshold in percent: 500 = 5×), with some history.</summary>
    LargeVsMedian = 3,
    /// <summary>An order of at least ¥X from an account younger than the window.</summary>
    NewAccountLargeAmount = 4,
    /// <summary>An order from a province the buyer never ordered from before.</summary>
    NewProvince = 5,
    /// <summary>The order's device is behind at least N accounts.</summary>
    SharedDevice = 6,
    /// <summary>The buyer had at least N orders refunded within the window.</summary>
    ManyRefunds = 7,
    /// <summary>The buyer owns a station on the order's price chain, or shares a device or a contact with an owner of one.</summary>
    SelfDealing = 8,
}

/// <summary>Whose orders a velocity rule counts together.</summary>
public enum RiskDimension { Buyer = 0, Ip = 1, Device = 2, Contact = 3 }

/// <summary>
/// A risk rule (风控规则). The platform's rules (<see cref="StationId"/> null) apply to every station; a station's own rules
/// apply to its orders on top of them, so a station can tighten the platform's defaults and never loosen them.
/// </summary>
public class RiskRule
{
    public int Id { get; set; }
    public int? StationId { get; set; }
    public RiskRuleKind Kind { get; set; }
    public RiskDimension Dimension { get; set; }
    /// <summary>Orders (counts), fen (amounts), percent (LargeVsMedian), accounts (SharedDevice), refunds (ManyRefunds);
    /// unused for NewProvince and SelfDealing (1).</summary>
    public long Threshold { get; set; }
    /// <summary>The window in minutes (velocity, refunds; the account age of NewAccountLargeAmount).</summary>
    public int WindowMinutes { get; set; }
    public RiskAction Action { get; set; }
    public bool Enabled { get; set; } = true;
    public DateTimeOffset CreatedAt { get; set; }

    public static bool UsesWindow(RiskRuleKind kind) => kind is RiskRuleKind.VelocityCount or RiskRuleKind.VelocityAmount or RiskRuleKind.NewAccountLargeAmount or RiskRuleKind.ManyRefunds;
    public static bool UsesDimension(RiskRuleKind kind) => kind is RiskRuleKind.VelocityCount or RiskRuleKind.VelocityAmount;
    public static bool UsesThreshold(RiskRuleKind kind) => kind is not (RiskRuleKind.NewProvince or RiskRuleKind.SelfDealing);

    /// <summary>The rules of a rule at save (Chinese reason, or null). <paramref name="others"/>: the scope's other rules.</summary>
    public string? Validate(IEnumerable<RiskRule> others)
    {
        if (!Enum.IsDefined(Kind)) return "请选择规则类型";
        if (!Enum.IsDefined(Action)) return "请选择处置动作";
        if (UsesThreshold(Kind) && Threshold <= 0) return "阈值必须大于 0";
        if (UsesWindow(Kind) && WindowMinutes <= 0) return "时间窗口必须大于 0 分钟";
        if (WindowMinutes > 60 * 24 * 365) return "时间窗口最长 1 年";
        if (Kind == RiskRuleKind.LargeVsMedian && Threshold < 100) return "倍数至少为 100%（1 倍）";
        var dimension = UsesDimension(Kind) ? Dimension : RiskDimension.Buyer;
        if (others.Any(o => o.Id != Id && o.StationId == StationId && o.Kind == Kind && (UsesDimension(Kind) ? o.Dimension : RiskDimension.Buyer) == dimension
                && o.Threshold == Threshold && o.WindowMinutes == WindowMinutes))
            return "已有相同的规则";
        return null;
    }

    /// <summary>How the rule reads: 同一买家 10 分钟内下单 ≥ 5 笔 → 人工审核.</summary>
    public string Describe()
    {
        var who = Dimension switch { RiskDimension.Ip => "同一 IP", RiskDimension.Device => "同一设备", RiskDimension.Contact => "同一联系方式", _ => "同一买家" };
        var window = WindowText(WindowMinutes);
        var what = Kind switch
        {
            RiskRuleKind.VelocityCount => $"{who} {window}内下单 ≥ {Threshold} 笔",
            RiskRuleKind.VelocityAmount => $"{who} {window}内下单金额 ≥ {Money.FromFen(Threshold)}",
            RiskRuleKind.LargeAmount => $"单笔金额 ≥ {Money.FromFen(Threshold)}",
            RiskRuleKind.LargeVsMedian => $"单笔金额 ≥ 买家订单中位数的 {Percent.Format((int)Math.Min(Threshold * 100, int.MaxValue))}%",
            RiskRuleKind.NewAccountLargeAmount => $"注册不满 {window}的账号单笔 ≥ {Money.FromFen(Threshold)}",
            RiskRuleKind.NewProvince => "从未出现过的省份下单",
            RiskRuleKind.SharedDevice => $"同一设备关联 ≥ {Threshold} 个账号",
            RiskRuleKind.ManyRefunds => $"{window}内退款 ≥ {Threshold} 笔",
            RiskRuleKind.SelfDealing => "买家是价格链上站点的站长，或与其共用设备/联系方式",
            _ => Kind.ToString(),
        };
        return $"{what} → {ActionName(Action)}";
    }

    public static string ActionName(RiskAction a) => a switch
    {
        RiskAction.Allow => "允许（仅记录）", RiskAction.Captcha => "验证码", RiskAction.Review => "人工审核", RiskAction.Reject => "拒绝", _ => a.ToString(),
    };

    static string WindowText(int minutes) => minutes switch
    {
        <= 0 => "",
        < 60 => $"{minutes} 分钟",
        _ when minutes % 1440 == 0 => $"{minutes / 1440} 天",
        _ when minutes % 60 == 0 => $"{minutes / 60} 小时",
        _ => $"{minutes} 分钟",
    };
}

/// <summary>A rule an order hit, frozen with the order.</summary>
public sealed record RiskHit(int RuleId, string Rule, RiskAction Action, string Detail);

/// <summary>The risk decision of an order: the strictest action among the rules it hit.</summary>
public sealed record RiskDecision(RiskAction Action, IReadOnlyList<RiskHit> Hits)
{
    public static readonly RiskDecision Clear = new(RiskAction.Allow, []);

    public static RiskDecision Of(IReadOnlyList<RiskHit> hits) =>
        new(hits.Count == 0 ? RiskAction.Allow : hits.Max(h => h.Action), hits);
}
