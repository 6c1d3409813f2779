using KaMeng.Domain;

namespace KaMeng.Tests.Domain;

/// <summary>The pricing order of issue 20 (chain → flash → member → wholesale → coupon) and its floors: whoever gives a
/// discount pays for it from their own margin, and no station on the chain sells below its cost.</summary>
public class PromotionsTests
{
    // Product cost ¥80, main sells at ¥100; a top substation buys at ¥90 (level 90%) and sells +20% = ¥108;
    // its child buys at the parent's cost + ¥5 = ¥95 and sells at ¥110.
    static readonly Product Card = new() { Id = 10, CategoryId = 3, Name = "点卡", CostPrice = Money.FromFen(8000), BasePrice = Money.FromFen(10000) };
    static readonly StationLevel Gold = new() { Id = 2, Name = "高级", CostRateBasisPoints = 9000 };
    static readonly ChainStation Main = new(1, "总站", null, null, []);
    static readonly ChainStation Top = new(5, "一级分站", "owner5", Gold, [
        new PriceRule { Audience = PriceRuleAudience.Selling, Kind = PriceRuleKind.PlusPercent, Value = 2000 },
        new PriceRule { Audience = PriceRuleAudience.ChildSupply, Kind = PriceRuleKind.PlusAmount, Value = 500 }]);
    static readonly ChainStation Child = new(7, "二级分站", "owner7", null, [new PriceRule { Audience = PriceRuleAudience.Selling, Kind = PriceRuleKind.Fixed, Value = 11000 }]);

    static PriceQuote Quote(params ChainStation[] path) => PriceChain.Quote(Card, path);

    static CouponOffer AmountOff(int issuer, long threshold, long off, bool member = true, bool flash = true, bool wholesale = true) =>
        new(1, issuer, "满减券", CouponKind.AmountOff, Money.FromFen(threshold), Money.FromFen(off), 0, null, member, flash, wholesale);

    static CouponOffer PercentOff(int issuer, int percent, long? max = null) =>
        new(2, issuer, "折扣券", CouponKind.PercentOff, Money.Zero, Money.Zero, percent, max is null ? null : Money.FromFen(max.Value), true, true, true);

    [Fact]
    public void Without_promotions_the_buyer_pays_the_chain_price()
    {
        var price = Promotions.Apply(Quote(Main, Top), 2);
        Assert.Equal(10800, price.Unit.Fen);
        Assert.Equal(21600, price.Paid.Fen);
        Assert.Empty(price.Funders);
    }

    [Fact]
    public void A_platform_coupon_on_a_substation_is_a_subsidy_and_the_substation_keeps_its_margin()
    {
        // 原价 ¥108 at the substation; the platform's ¥3 coupon is paid from the platform's ¥10 margin (¥90 − ¥80).
        var price = Promotions.Apply(Quote(Main, Top), 1, coupon: AmountOff(issuer: 1, threshold: 5000, off: 300));
        Assert.Equal(10500, price.Paid.Fen);
        var split = price.Split().ToDictionary(s => s.Station.StationId, s => s.Earning.Fen);
        Assert.Equal(1800, split[5]);           // 108 − 90: as if sold at its normal price
        Assert.Equal(1000 - 300, split[1]);     // the platform's margin pays the subsidy
        Assert.Equal("原价 ¥108.00 → 总站补贴 ¥3.00 → 实付 ¥105.00", price.Explain());
    }

    [Fact]
    public void A_subsidy_and_the_sellers_own_concession_are_both_named()
    {
        // The substation runs a flash price of ¥106 (让利 ¥2) and the platform's coupon takes ¥3 more.
        var price = Promotions.Apply(Quote(Main, Top), 1, flash: new FlashOffer(9, "秒杀", Money.FromFen(10600), 0), coupon: AmountOff(1, 0, 300));
        Assert.Equal("原价 ¥108.00 → 一级分站让利 ¥2.00 + 总站补贴 ¥3.00 → 实付 ¥103.00", price.Explain());
        Assert.Equal(1600, price.Split().Single(s => s.Station.StationId == 5).Earning.Fen);
    }

    [Fact]
    public void A_stations_own_coupon_comes_out_of_its_own_margin_and_stops_at_its_cost()
    {
        var price = Promotions.Apply(Quote(Main, Top), 1, coupon: AmountOff(issuer: 5, threshold: 10000, off: 5000));
        Assert.True(price.CouponCapped);
        Assert.Equal(1800, price.CouponDiscount.Fen);   // its whole margin, no more
        Assert.Equal(9000, price.Paid.Fen);             // = its cost
        Assert.Equal(0, price.Split().Single(s => s.Station.StationId == 5).Earning.Fen);
    }

    [Fact]
    public void An_upstream_subsidy_is_capped_at_the_issuers_own_margin()
    {
        // The top substation's margin on its child's sale is 95 − 90 = ¥5 a piece: its ¥20 coupon gives ¥10 on two pieces.
        var price = Promotions.Apply(Quote(Main, Top, Child), 2, coupon: AmountOff(issuer: 5, threshold: 0, off: 2000));
        Assert.True(price.CouponCapped);
        Assert.Equal(1000, price.CouponDiscount.Fen);
        var split = price.Split().ToDictionary(s => s.Station.StationId, s => s.Earning.Fen);
        Assert.Equal((11000 - 9500) * 2, split[7]);
        Assert.Equal(0, split[5]);
        Assert.Equal((9000 - 8000) * 2, split[1]);
    }

    [Fact]
    public void A_coupon_below_its_threshold_is_refused_with_the_threshold()
    {
        var e = Assert.Throws<CouponRefusedException>(() => Promotions.Apply(Quote(Main, Top), 1, coupon: AmountOff(5, 20000, 500)));
        Assert.Contains("¥200.00", e.Message);
    }

    [Fact]
    public void Percent_off_rounds_down_to_the_fen_and_stops_at_its_maximum()
    {
        Assert.Equal(1080, Promotions.Apply(Quote(Main, Top), 1, coupon: PercentOff(5, 10)).CouponDiscount.Fen);
        Assert.Equal(500, Promotions.Apply(Quote(Main, Top), 1, coupon: PercentOff(5, 10, max: 500)).CouponDiscount.Fen);
    }

    [Fact]
    public void A_coupon_that_does_not_stack_with_flash_prices_is_refused_on_a_flash_sale()
    {
        var e = Assert.Throws<CouponRefusedException>(() =>
            Promotions.Apply(Quote(Main, Top), 1, flash: new FlashOffer(9, "秒杀", Money.FromFen(10000), 0), coupon: AmountOff(5, 0, 100, flash: false)));
        Assert.Equal("该优惠券不能与秒杀价同享", e.Message);
    }

    [Fact]
    public void A_coupon_that_does_not_stack_with_member_prices_is_used_instead_of_the_member_discount()
    {
        var price = Promotions.Apply(Quote(Main, Top), 1, memberBasisPoints: 500, coupon: AmountOff(5, 0, 300, member: false));
        Assert.Equal(10800, price.Unit.Fen);
        Assert.Equal(10500, price.Paid.Fen);
        Assert.Equal(0, price.MemberBasisPoints);
    }

    [Theory]
    [InlineData(4, 10800)]   // below the first tier
    [InlineData(5, 10000)]   // boundary inclusive
    [InlineData(9, 10000)]
    [InlineData(10, 9500)]   // the highest tier reached applies
    public void The_highest_wholesale_tier_whose_minimum_is_reached_applies(int quantity, long unit)
    {
        WholesaleOffer[] tiers = [new(5, Money.FromFen(10000), 0), new(10, Money.FromFen(9500), 0)];
        Assert.Equal(unit, Promotions.Apply(Quote(Main, Top), quantity, tiers: tiers).Unit.Fen);
    }

    [Theory]
    [InlineData(1000, 9720)]  // member 10% (¥97.20) beats the tier's ¥100
    [InlineData(300, 10000)]  // member 3% (¥104.76) loses to the tier
    public void Against_a_member_discount_the_lower_price_wins(int memberBp, long unit) =>
        Assert.Equal(unit, Promotions.Apply(Quote(Main, Top), 5, memberBasisPoints: memberBp, tiers: [new(5, Money.FromFen(10000), 0)]).Unit.Fen);

    [Fact]
    public void A_flash_or_wholesale_price_below_cost_is_raised_to_the_cost()
    {
        Assert.Equal(9000, Promotions.Apply(Quote(Main, Top), 1, flash: new FlashOffer(9, "秒杀", Money.FromFen(100), 0)).Unit.Fen);
        Assert.Equal(9000, Promotions.Apply(Quote(Main, Top), 5, tiers: [new(2, null, 90)]).Unit.Fen);
    }

    [Fact]
    public void An_owner_buying_on_their_own_substation_pays_its_cost_and_no_coupon_applies()
    {
        var own = Promotions.Apply(Quote(Main, Top), 1, atCost: true);
        Assert.Equal(9000, own.Paid.Fen);
        Assert.Empty(own.Funders);   // not a concession to a buyer: nothing shown as 让利
        Assert.Throws<CouponRefusedException>(() => Promotions.Apply(Quote(Main, Top), 1, coupon: AmountOff(5, 0, 100), atCost: true));
    }

    [Fact]
    public void A_coupon_never_brings_an_order_to_zero()
    {
        var free = new Product { Id = 11, CategoryId = 3, Name = "自有卡", CostPrice = Money.Zero, BasePrice = Money.FromFen(500) };
        var price = Promotions.Apply(PriceChain.Quote(free, [Main]), 1, coupon: AmountOff(1, 0, 10000));
        Assert.Equal(1, price.Paid.Fen);
    }

    public static TheoryData<int> Depths => [1, 2, 3];

    /// <summary>Every combination of flash / member / wholesale / coupon (own, or a subsidy from each upstream station), on
    /// chains of depth 1–3 and several quantities: nobody earns below zero, the margins add up to what was paid minus the
    /// product's cost, the funders add up to the discount, and the buyer pays at least a fen.</summary>
    [Theory]
    [MemberData(nameof(Depths))]
    public void Every_combination_keeps_each_station_at_or_above_cost_and_the_margins_add_up(int depth)
    {
        ChainStation[] path = [.. new[] { Main, Top, Child }.Take(depth)];
        var quote = PriceChain.Quote(Card, path);
        FlashOffer?[] flashes = [null, new(9, "秒杀", Money.FromFen(9900), 0), new(9, "限时折扣", null, 30)];
        int[] members = [0, 500, 3000];
        IReadOnlyList<WholesaleOffer>?[] tierSets = [null, [new(3, null, 5), new(6, Money.FromFen(9100), 0)]];
        var coupons = new List<CouponOffer?> { null };
        foreach (var station in path)
        {
            coupons.Add(AmountOff(station.StationId, 0, 700));
            coupons.Add(AmountOff(station.StationId, 30000, 5000, member: false, wholesale: false));
            coupons.Add(PercentOff(station.StationId, 15, max: 4000));
        }
        var cases = 0;
        foreach (var flash in flashes)
        foreach (var member in members)
        foreach (var tiers in tierSets)
        foreach (var coupon in coupons)
        foreach (var quantity in new[] { 1, 3, 7 })
        {
            PromotedPrice price;
            try { price = Promotions.Apply(quote, quantity, member, flash, tiers, coupon); }
            catch (CouponRefusedException) { continue; }
            cases++;
            var label = $"depth {depth}, flash {flash?.Title}, member {member}, tiers {tiers is not null}, coupon {coupon?.Name}@{coupon?.IssuerStationId}, qty {quantity}";
            Assert.True(price.Unit >= quote.Cost, label);
            Assert.True(price.Paid.Fen >= 1, label);
            var split = price.Split();
            Assert.All(split, s => Assert.True(s.Earning.Fen >= 0, $"{label}: {s.Station.Name} earns {s.Earning}"));
            Assert.Equal(price.Paid.Fen - Card.CostPrice.Fen * quantity, split.Sum(s => s.Earning.Fen));
            Assert.Equal(price.ListTotal.Fen - price.Paid.Fen, price.Funders.Sum(f => f.Amount.Fen));
            Assert.Equal(price.CouponDiscount.Fen, price.Steps.Sum(s => s.Funds.Fen));
        }
        Assert.True(cases > 100);
    }
}
