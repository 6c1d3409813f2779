namespace KaMeng.Domain;

public enum PriceRuleKind { Inherit = 0, PlusPercent = 1, PlusAmount = 2, Fixed = 3 }

public enum PriceRuleScope { All = 0, Category = 1, Product = 2 }

/// <summary>What a rule prices: what the station sells at to buyers, or the supply price it gives its child substations.</summary>
public enum PriceRuleAudience { Selling = 0, ChildSupply = 1 }

public enum PriceRounding { Fen = 0, Jiao = 1, Yuan = 2 }

/// <summary>A station's pricing rule (加价规则): per product, per category or for all; the most specific wins.</summary>
public class PriceRule
{
    public int Id { get; set; }
    public int StationId { get; set; }
    public PriceRuleAudience Audience { get; set; }
    public PriceRuleScope Scope { get; set; }
    public int? CategoryId { get; set; }
    public int? ProductId { get; set; }
    public PriceRuleKind Kind { get; set; }
    /// <summary>Basis points for PlusPercent (2000 = +20%), fen for PlusAmount and Fixed.</summary>
    public long Value { get; set; }
    public PriceRounding Rounding { get; set; }

    /// <summary>Applies the rule to a base amount (the station's cost, or for Inherit the parent's price).</summary>
    public Money Apply(Money cost, Money inherited)
    {
        var raw = Kind switch
        {
            PriceRuleKind.Inherit => inherited.Fen,
            // Integer arithmetic, rounding half up to the fen before the rule's own rounding.
            PriceRuleKind.PlusPercent => cost.Fen + (cost.Fen * Value + 5000) / 10000,
            PriceRuleKind.PlusAmount => cost.Fen + Value,
            PriceRuleKind.Fixed => Value,
            _ => throw new ArgumentOutOfRangeException(nameof(Kind)),
        };
        return Kind == PriceRuleKind.Inherit ? Money.FromFen(raw) : Round(Money.FromFen(raw), Rounding);
    }

    /// <summary>Rounds up to the unit, so rounding never takes a price below what the rule computed.</summary>
    public static Money Round(Money amount, PriceRounding rounding)
    {
        var unit = rounding switch { PriceRounding.Jiao => 10L, PriceRounding.Yuan => 100L, _ => 1L };
        var fen = amount.Fen;
        var rem = ((fen % unit) + unit) % unit;
        return Money.FromFen(rem == 0 ? fen : fen + unit - rem);
    }

    public string Describe() => Kind switch
    {
        PriceRuleKind.Inherit => "沿用上级售价",
        PriceRuleKind.PlusPercent => $"成本 +{Value / 100m:0.##}%",
        PriceRuleKind.PlusAmount => $"成本 +{Money.FromFen(Value)}",
        PriceRuleKind.Fixed => $"固定价 {Money.FromFen(Value)}",
        _ => Kind.ToString(),
    } + Rounding switch { PriceRounding.Jiao => "，取整到角", PriceRounding.Yuan => "，取整到元", _ => "" };

    /// <summary>The most specific rule of an audience for a product: product, then category, then all.</summary>
    public static PriceRule? Pick(IEnumerable<PriceRule> rules, PriceRuleAudience audience, int productId, int categoryId)
    {
        PriceRule? all = null, category = null;
        foreach (var r in rules)
        {
            if (r.Audience != audience) continue;
            switch (r.Scope)
            {
                case PriceRuleScope.Product when r.ProductId == productId: return r;
                case PriceRuleScope.Category when r.CategoryId == categoryId: category = r; break;
                case PriceRuleScope.All: all = r; break;
            }
        }
        return category ?? all;
    }
}
