using KaMeng.Domain;

namespace KaMeng.Tests.Domain;

public class PriceChainTests
{
    static readonly Product Card = new() { Id = 10, CategoryId = 3, Name = "点卡", CostPrice = Money.FromFen(8000), BasePrice = Money.FromFen(10000) };
    static readonly StationLevel Gold = new() { Id = 2, Name = "高级", CostRateBasisPoints = 9000 };
    static readonly ChainStation Main = new(1, "总站", null, null, []);

    static ChainStation Sub(int id, StationLevel? level, params PriceRule[] rules) => new(id, $"分站{id}", $"owner{id}", level, rules);

    static PriceRule Sell(PriceRuleKind kind, long value, PriceRuleScope scope = PriceRuleScope.All, PriceRounding rounding = PriceRounding.Fen, int? categoryId = null, int? productId = null) =>
        new() { Audience = PriceRuleAudience.Selling, Kind = kind, Value = value, Scope = scope, Rounding = rounding, CategoryId = categoryId, ProductId = productId };

    static PriceRule Supply(PriceRuleKind kind, long value) => new() { Audience = PriceRuleAudience.ChildSupply, Kind = kind, Value = value, Scope = PriceRuleScope.All };

    [Fact]
    public void The_main_station_sells_at_the_base_price()
    {
        var quote = PriceChain.Quote(Card, [Main]);
        Assert.Equal(10000, quote.Price.Fen);
        Assert.Equal(8000, quote.Cost.Fen);
    }

    [Fact]
    public void A_substation_buys_at_its_level_rate_and_inherits_the_parents_price_without_rules()
    {
        var quote = PriceChain.Quote(Card, [Main, Sub(5, Gold)]);
        Assert.Equal(9000, quote.Cost.Fen);
        Assert.Equal(10000, quote.Price.Fen);
    }

    [Fact]
    public void An_explicit_level_price_beats_the_rate()
    {
        var quote = PriceChain.Quote(Card, [Main, Sub(5, Gold)], new Dictionary<int, Money> { [Gold.Id] = Money.FromFen(8500) });
        Assert.Equal(8500, quote.Cost.Fen);
    }

    [Fact]
    public void A_level_price_below_the_product_cost_is_raised_to_it()
    {
        var cheap = new StationLevel { Id = 3, Name = "旗舰", CostRateBasisPoints = 5000 };
        Assert.Equal(8000, PriceChain.Quote(Card, [Main, Sub(5, cheap)]).Cost.Fen);
    }

    [Fact]
    public void Plus_20_percent_on_cost()
    {
        var quote = PriceChain.Quote(Card, [Main, Sub(5, Gold, Sell(PriceRuleKind.PlusPercent, 2000))]);
        Assert.Equal(10800, quote.Price.Fen);
    }

    [Theory]
    [InlineData(PriceRounding.Fen, 9001 + 1)]
    [InlineData(PriceRounding.Jiao, 9010)]
    [InlineData(PriceRounding.Yuan, 9100)]
    public void Rounding_goes_up_to_the_chosen_unit(PriceRounding rounding, long expected)
    {
        var quote = PriceChain.Quote(Card, [Main, Sub(5, Gold, Sell(PriceRuleKind.PlusAmount, 2, rounding: rounding))]);
        Assert.Equal(expected, quote.Price.Fen);
    }

    [Fact]
    public void The_most_specific_rule_wins()
    {
        var station = Sub(5, Gold,
            Sell(PriceRuleKind.PlusAmount, 100),
            Sell(PriceRuleKind.PlusAmount, 200, PriceRuleScope.Category, categoryId: 3),
            Sell(PriceRuleKind.PlusAmount, 300, PriceRuleScope.Product, productId: 10));
        Assert.Equal(9300, PriceChain.Quote(Card, [Main, station]).Price.Fen);
        Assert.Equal(9200, PriceChain.Quote(Card, [Main, Sub(5, Gold, station.Rules.Take(2).ToArray())]).Price.Fen);
    }

    [Fact]
    public void A_fixed_price_below_cost_is_sold_at_cost_and_flagged()
    {
        var quote = PriceChain.Quote(Card, [Main, Sub(5, Gold, Sell(PriceRuleKind.Fixed, 8800))]);
        Assert.Equal(9000, quote.Price.Fen);
        Assert.True(quote.FloorApplied);
    }

    [Fact]
    public void A_child_buys_at_the_supply_price_its_parent_sets_never_below_the_parents_cost()
    {
        var parent = Sub(5, Gold, Sell(PriceRuleKind.PlusPercent, 2000), Supply(PriceRuleKind.PlusAmount, 300));
        var child = Sub(6, null, Sell(PriceRuleKind.PlusAmount, 500));
        var quote = PriceChain.Quote(Card, [Main, parent, child]);
        Assert.Equal(9300, quote.Cost.Fen);
        Assert.Equal(9800, quote.Price.Fen);

        var generousParent = Sub(5, Gold, Supply(PriceRuleKind.Fixed, 100));
        Assert.Equal(9000, PriceChain.Quote(Card, [Main, generousParent, child]).Cost.Fen);
    }

    [Fact]
    public void Three_levels_deep_every_station_earns_its_margin_and_the_margins_add_up()
    {
        var s1 = Sub(5, Gold, Supply(PriceRuleKind.PlusAmount, 200));
        var s2 = Sub(6, null, Supply(PriceRuleKind.PlusAmount, 300));
        var s3 = Sub(7, null, Sell(PriceRuleKind.PlusAmount, 1000));
        var quote = PriceChain.Quote(Card, [Main, s1, s2, s3]);
        Assert.Equal([8000, 9000, 9200, 9500], quote.Steps.Select(s => s.Cost.Fen));
        Assert.Equal(10500, quote.Price.Fen);

        var split = quote.Split(quote.Price, quantity: 2).ToDictionary(x => x.Station.StationId, x => x.Earning.Fen);
        Assert.Equal(2000, split[7]);
        Assert.Equal(600, split[6]);
        Assert.Equal(400, split[5]);
        Assert.Equal(2000, split[1]);
        Assert.Equal((10500 - 8000) * 2, split.Values.Sum());
    }

    [Fact]
    public void A_member_discount_never_takes_the_price_below_cost()
    {
        var station = Sub(5, Gold, Sell(PriceRuleKind.PlusPercent, 2000));
        Assert.Equal(10800 - 540, PriceChain.Quote(Card, [Main, station], memberDiscountBasisPoints: 500).Price.Fen);
        Assert.Equal(9000, PriceChain.Quote(Card, [Main, station], memberDiscountBasisPoints: 5000).Price.Fen);
    }

    [Fact]
    public void Explain_names_each_station_with_cost_price_and_margin()
    {
        var text = PriceChain.Quote(Card, [Main, Sub(5, Gold, Sell(PriceRuleKind.PlusPercent, 2000))]).Explain();
        Assert.Contains("总站：进价 ¥80.00，售价 ¥100.00，毛利 ¥20.00", text);
        Assert.Contains("分站5：进价 ¥90.00，售价 ¥108.00，毛利 ¥18.00", text);
    }
}
