namespace KaMeng.Domain;

/// <summary>Chinese labels of the pricing and station enums (我的分站, 分站管理).</summary>
public static partial class DisplayNames
{
    public static string Of(PriceRuleAudience audience) => audience switch
    {
        PriceRuleAudience.Selling => "零售价",
        PriceRuleAudience.ChildSupply => "下级供货价",
        _ => audience.ToString(),
    };

    public static string Of(PriceRuleScope scope) => scope switch
    {
        PriceRuleScope.All => "全部商品",
        PriceRuleScope.Category => "分类",
        PriceRuleScope.Product => "单个商品",
        _ => scope.ToString(),
    };

    public static string Of(PriceRuleKind kind) => kind switch
    {
        PriceRuleKind.Inherit => "沿用上级售价",
        PriceRuleKind.PlusPercent => "进价 + 百分比",
        PriceRuleKind.PlusAmount => "进价 + 固定金额",
        PriceRuleKind.Fixed => "固定售价",
        _ => kind.ToString(),
    };

    public static string Of(PriceRounding rounding) => rounding switch
    {
        PriceRounding.Fen => "到分",
        PriceRounding.Jiao => "到角",
        PriceRounding.Yuan => "到元",
        _ => rounding.ToString(),
    };
}
