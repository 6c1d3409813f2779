namespace KaMeng.Domain;

/// <summary>分站等级: what opening costs and at what price a substation of this level buys from the main station.</summary>
public class StationLevel
{
    public int Id { get; set; }
    public required string Name { get; set; }
    public Money OpenPrice { get; set; }
    /// <summary>Share of the base price a substation of this level pays, in basis points (9000 = 90%).</summary>
    public int CostRateBasisPoints { get; set; } = 10000;
    public bool MayOpenChildren { get; set; }
    public int MaxChildren { get; set; }
    /// <summary>Null: never expires.</summary>
    public int? RenewalDays { get; set; }
    public int SortOrder { get; set; }
    /// <summary>分站独立收款: whether a substation of this level may take its buyers' money through its own EPay merchant.
    /// Such money is the owner's; the platform's share of each order is taken from the owner's 预存款 (decision 0019).</summary>
    public bool AllowOwnGateway { get; set; }
    /// <summary>Days an earning of a station of this level stays 待结算 before it can be withdrawn; null: the platform's setting.</summary>
    public int? EarningHoldDays { get; set; }
    /// <summary>信任等级: products a station of this level imports go on sale without 商品审核, unless a prohibited term hits.</summary>
    public bool SkipProductReview { get; set; }

    /// <summary>Upgrading pays the difference of the opening prices.</summary>
    public Money UpgradePriceTo(StationLevel target) => target.OpenPrice > OpenPrice ? target.OpenPrice - OpenPrice : Money.Zero;
}

/// <summary>An explicit price of one product for one level, overriding the level's rate.</summary>
public class LevelPrice
{
    public int Id { get; set; }
    public int LevelId { get; set; }
    public int ProductId { get; set; }
    public Money Price { get; set; }
}
