namespace KaMeng.Domain;

/// <summary>A flash price as the pricing order reads it.</summary>
public sealed record FlashOffer(int SaleId, string Title, Money? Price, int PercentOff)
{
    public Money PriceFor(Money stationPrice) => Price ?? Money.FromFen(stationPrice.Fen - stationPrice.Fen * PercentOff / 100);
}

/// <summary>A wholesale tier as the pricing order reads it.</summary>
public sealed record WholesaleOffer(int MinQuantity, Money? UnitPrice, int PercentOff)
{
    public Money PriceFor(Money stationPrice) => UnitPrice ?? Money.FromFen(stationPrice.Fen - stationPrice.Fen * PercentOff / 100);

    /// <summary>The highest tier whose minimum is at most the quantity (boundary inclusive), or null.</summary>
    public static WholesaleOffer? For(IEnumerable<WholesaleOffer> tiers, int quantity) =>
        tiers.Where(t => t.MinQuantity <= quantity).MaxBy(t => t.MinQuantity);
}

/// <summary>A coupon as the pricing order reads it; <see cref="IssuerStationId"/> is on the selling station's chain.</summary>
public sealed record CouponOffer(int CouponId, int IssuerStationId, string Name, CouponKind Kind, Money Threshold, Money AmountOff, int PercentOff,
    Money? MaxDiscount, bool StacksWithMember, bool StacksWithFlash, bool StacksWithWholesale)
{
    public Money RawDiscount(Money total)
    {
        if (total < Threshold || total.Fen <= 0) return Money.Zero;
        return Kind == CouponKind.AmountOff ? AmountOff : Money.FromFen(Math.Min(total.Fen * PercentOff / 100, MaxDiscount?.Fen ?? long.MaxValue));
    }
}

/// <summary>Who pays for part of a discount: a station on the chain, out of its own margin.</summary>
public sealed record Funding(int StationId, string StationName, Money Amount, bool Subsidy);

/// <summary>
/// A priced order line after every promotion: the unit price (chain → flash → member → wholesale), the coupon's discount on
/// the total, what the buyer pays, and who funds each part. <see cref="Steps"/> is the chain with each station's
/// <see cref="PromotedStep.Funds"/>: its earning on the order is its normal margin minus what it funds.
/// </summary>
public sealed record PromotedPrice(
    Money ListUnit,
    Money Unit,
    int Quantity,
    Money CouponDiscount,
    Money Paid,
    IReadOnlyList<PromotedStep> Steps,
    IReadOnlyList<string> Applied,
    FlashOffer? Flash,
    WholesaleOffer? Wholesale,
    int MemberBasisPoints,
    bool CouponCapped)
{
    public Money ListTotal => ListUnit * Quantity;
    public Money Total => Unit * Quantity;

    /// <summary>The seller's own concessions (flash, member, wholesale, its own coupon) and the upstream subsidies.</summary>
    public IReadOnlyList<Funding> Funders
    {
        get
        {
            var seller = Steps[^1];
            var list = new List<Funding>();
            var own = ListTotal - Total + seller.Funds;
            if (own.Fen > 0) list.Add(new Funding(seller.StationId, seller.Name, own, false));
            foreach (var s in Steps.Take(Steps.Count - 1).Where(s => s.Funds.Fen > 0).Reverse())
                list.Add(new Funding(s.StationId, s.Name, s.Funds, true));
            return list;
        }
    }

    /// <summary>Every station's earning on the order: what it sells at minus its cost, times the quantity, minus what it funds.
    /// Together with the main station's they add up to what was paid minus the product's cost.</summary>
    public IReadOnlyList<(PromotedStep Station, Money Earning)> Split()
    {
        var result = new List<(PromotedStep, Money)>(Steps.Count);
        for (var i = Steps.Count - 1; i >= 0; i--)
        {
            var sellsAt = i == Steps.Count - 1 ? Unit : Steps[i + 1].Cost;
            result.Add((Steps[i], (sellsAt - Steps[i].Cost) * Quantity - Steps[i].Funds));
        }
        return result;
    }

    /// <summary>原价 ¥100.00 → 总站补贴 ¥3.00 + 分站让利 ¥2.00 → 实付 ¥95.00.</summary>
    public string Explain()
    {
        var funders = Funders;
        if (funders.Count == 0) return $"实付 {Paid}";
        var seller = Steps[^1];
        var parts = funders.Select(f => f.Subsidy ? $"{f.StationName}补贴 {f.Amount}" : $"{(Steps.Count == 1 ? "本站" : seller.Name)}让利 {f.Amount}");
        return $"原价 {ListTotal} → {string.Join(" + ", parts)} → 实付 {Paid}";
    }
}

/// <summary>A chain step with what the station funds of the order's discounts.</summary>
public sealed record PromotedStep(int StationId, string Name, string? OwnerUserId, Money Cost, Money Price, Money Funds);

/// <summary>Why a coupon cannot be used on this order (Chinese).</summary>
public sealed class CouponRefusedException(string message) : Exception(message);

/// <summary>
/// The pricing order of issue 20: chain price → flash price → member discount → wholesale tier (the lower of the two wins) →
/// coupon on the order total. Every station-own concession is floored at the selling station's cost; a coupon of the
/// selling station is capped at its margin on the order; a coupon of an upstream station (a subsidy) leaves the seller's
/// margin whole and is capped at the issuer's own margin on the order. Nobody on the chain sells below cost, and the buyer
/// always pays at least one fen.
/// </summary>
public static class Promotions
{
    /// <param name="quote">The chain quote without any member discount (<see cref="PriceChain.Quote"/> with 0).</param>
    /// <param name="atCost">The seller's own owner buying: pays the station's cost; no promotion applies.</param>
    /// <exception cref="CouponRefusedException">The coupon cannot be used on this order.</exception>
    public static PromotedPrice Apply(PriceQuote quote, int quantity, int memberBasisPoints = 0, FlashOffer? flash = null,
        IReadOnlyList<WholesaleOffer>? tiers = null, CouponOffer? coupon = null, bool atCost = false)
    {
        if (quantity <= 0) throw new ArgumentOutOfRangeException(nameof(quantity));
        var steps = quote.Steps;
        var seller = steps[^1];
        var cost = seller.Cost;
        var list = seller.Price;
        var applied = new List<string>();
        if (atCost)
        {
            if (coupon is not null) throw new CouponRefusedException("站长在本站购买按成本价结算，不能使用优惠券");
            // Not a concession of the station to a buyer: its owner pays what the station pays, and nothing is shown as 让利.
            return Build(quote, cost, cost, quantity, Money.Zero, null, null, 0, false, ["站长自购按成本价"], null);
        }

        var unit = list;
        if (flash is not null)
        {
            if (coupon is { StacksWithFlash: false }) throw new CouponRefusedException("该优惠券不能与秒杀价同享");
            unit = Max(flash.PriceFor(list), cost);
            applied.Add(flash.Title);
        }
        var afterFlash = unit;

        int member = 0;
        if (memberBasisPoints > 0 && (coupon is null || coupon.StacksWithMember))
        {
            var memberUnit = Max(Money.FromFen(afterFlash.Fen - afterFlash.Fen * memberBasisPoints / 10000), cost);
            if (memberUnit < unit) { unit = memberUnit; member = memberBasisPoints; }
        }
        WholesaleOffer? wholesale = null;
        if (tiers is { Count: > 0 } && (coupon is null || coupon.StacksWithWholesale) && WholesaleOffer.For(tiers, quantity) is { } tier)
        {
            // Against the member discount the lower price wins (and neither goes under the flash price).
            var tierUnit = Max(Min(tier.PriceFor(list), afterFlash), cost);
            if (tierUnit < unit) { unit = tierUnit; wholesale = tier; member = 0; }
        }
        if (member > 0) applied.Add($"会员 {Percent.Format(10000 - member)}% 价");
        if (wholesale is not null) applied.Add($"批发价（满 {wholesale.MinQuantity} 件）");

        var total = unit * quantity;
        var discount = Money.Zero;
        var capped = false;
        if (coupon is not null)
        {
            var issuer = -1;
            for (var i = 0; i < steps.Count; i++) if (steps[i].StationId == coupon.IssuerStationId) issuer = i;
            if (issuer < 0) throw new CouponRefusedException("该优惠券不能在本站使用");
            if (total < coupon.Threshold) throw new CouponRefusedException($"订单金额未满 {coupon.Threshold}，不能使用该优惠券");
            var raw = coupon.RawDiscount(total);
            // The issuer's margin on this order is all it can give: the seller's is its price over cost; an upstream issuer's is
            // what its child pays it over its own cost.
            var margin = issuer == steps.Count - 1 ? total - cost * quantity : (steps[issuer + 1].Cost - steps[issuer].Cost) * quantity;
            var cap = Min(margin, total - Money.FromFen(1));
            discount = Min(raw, cap);
            capped = discount < raw;
            if (discount.Fen <= 0) throw new CouponRefusedException("该商品已是最低价，不能再使用优惠券");
            applied.Add(coupon.Name);
        }
        return Build(quote, list, unit, quantity, discount, coupon, flash, member, capped, applied, wholesale);
    }

    static PromotedPrice Build(PriceQuote quote, Money list, Money unit, int quantity, Money discount, CouponOffer? coupon, FlashOffer? flash,
        int member, bool capped, IReadOnlyList<string> applied, WholesaleOffer? wholesale)
    {
        var steps = quote.Steps.Select(s => new PromotedStep(s.StationId, s.Name, s.OwnerUserId, s.Cost, s.Price,
            coupon is not null && s.StationId == coupon.IssuerStationId ? discount : Money.Zero)).ToList();
        return new PromotedPrice(list, unit, quantity, discount, unit * quantity - discount, steps, applied, flash, wholesale, member, capped);
    }

    static Money Max(Money a, Money b) => a >= b ? a : b;
    static Money Min(Money a, Money b) => a <= b ? a : b;
}
