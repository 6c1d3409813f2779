namespace KaMeng.Domain;

/// <summary>One station on the path from the main station down to the selling station, with what prices it.</summary>
public sealed record ChainStation(int StationId, string Name, string? OwnerUserId, StationLevel? Level, IReadOnlyList<PriceRule> Rules);

/// <summary>One step of an explained price: what the station pays (cost), what it sells at, and what it earns.</summary>
public sealed record PriceStep(int StationId, string Name, string? OwnerUserId, Money Cost, Money Price, string Note)
{
    public Money Margin => Price - Cost;
}

/// <summary>
/// The price chain of DOMAIN.md. The main station buys at the product's cost price and sells at its base price.
/// A top substation buys at its level's price; a deeper one at the supply price its parent sets for children,
/// never below the parent's own cost. Each station sells at its own rule applied to its cost; a price below
/// cost is never charged (it is floored, and <see cref="PriceQuote.FloorApplied"/> tells the owner).
/// </summary>
public static class PriceChain
{
    /// <param name="path">Stations from the main station (index 0) down to the selling station.</param>
    public static PriceQuote Quote(Product product, IReadOnlyList<ChainStation> path, IReadOnlyDictionary<int, Money>? levelPrices = null, int memberDiscountBasisPoints = 0)
    {
        if (path.Count == 0) throw new ArgumentException("The path needs at least the main station.", nameof(path));
        var steps = new List<PriceStep>(path.Count);
        var floored = false;

        // Main station.
        var main = path[0];
        var mainCost = product.CostPrice;
        var mainPrice = Max(product.BasePrice, mainCost);
        steps.Add(new PriceStep(main.StationId, main.Name, main.OwnerUserId, mainCost, mainPrice, $"总站售价 {mainPrice}"));

        var parentCost = mainCost;
        var parentPrice = mainPrice;
        for (var i = 1; i < path.Count; i++)
        {
            var station = path[i];
            var parent = path[i - 1];
            Money cost;
            string how;
            if (i == 1)
            {
                // Bought from the main station at the level's price.
                var level = station.Level;
                if (level is not null && levelPrices is not null && levelPrices.TryGetValue(level.Id, out var explicitPrice))
                {
                    cost = explicitPrice;
                    how = $"{level.Name}等级价";
                }
                else
                {
                    var rate = level?.CostRateBasisPoints ?? 10000;
                    cost = Money.FromFen((product.BasePrice.Fen * rate + 9999) / 10000); // rounded up: never below the rate
                    how = level is null ? "总站售价" : $"{level.Name}（{rate / 100m:0.##}%）";
                }
                cost = Max(cost, mainCost);
            }
            else
            {
                var supply = PriceRule.Pick(parent.Rules, PriceRuleAudience.ChildSupply, product.Id, product.CategoryId);
                cost = supply is null ? parentCost : supply.Apply(parentCost, parentPrice);
                how = supply is null ? "上级成本价供货" : "上级供货价：" + supply.Describe();
                cost = Max(cost, parentCost);
            }

            var rule = PriceRule.Pick(station.Rules, PriceRuleAudience.Selling, product.Id, product.CategoryId);
            var price = rule is null ? parentPrice : rule.Apply(cost, parentPrice);
            var note = rule is null ? "沿用上级售价" : rule.Describe();
            if (price < cost)
            {
                price = cost;
                floored = true;
                note += "（低于成本，按成本价出售）";
            }
            steps.Add(new PriceStep(station.StationId, station.Name, station.OwnerUserId, cost, price, $"进价：{how}；售价：{note}"));
            parentCost = cost;
            parentPrice = price;
        }

        var last = steps[^1];
        var final = last.Price;
        if (memberDiscountBasisPoints > 0)
        {
            var discounted = Money.FromFen(final.Fen - final.Fen * memberDiscountBasisPoints / 10000);
            final = Max(discounted, last.Cost); // a member discount never sells below the station's cost
        }
        return new PriceQuote(final, steps, floored);
    }

    static Money Max(Money a, Money b) => a >= b ? a : b;
}

/// <summary>A resolved price and its explanation along the chain.</summary>
public sealed record PriceQuote(Money Price, IReadOnlyList<PriceStep> Steps, bool FloorApplied)
{
    public Money Cost => Steps[^1].Cost;

    /// <summary>
    /// Ledger earnings when an order at this price completes: the selling station earns price − its cost, each
    /// parent the difference of its child's cost and its own, the main station the top substation's cost minus the
    /// product cost. Earnings of stations without an owner (the platform itself) are returned too; the caller
    /// decides whose wallet they go to.
    /// </summary>
    public IReadOnlyList<(PriceStep Station, Money Earning)> Split(Money paidUnitPrice, int quantity)
    {
        var result = new List<(PriceStep, Money)>(Steps.Count);
        for (var i = Steps.Count - 1; i >= 0; i--)
        {
            var sellsAt = i == Steps.Count - 1 ? paidUnitPrice : Steps[i + 1].Cost;
            result.Add((Steps[i], (sellsAt - Steps[i].Cost) * quantity));
        }
        return result;
    }

    public string Explain() => string.Join("\n", Steps.Select(s => $"{s.Name}：进价 {s.Cost}，售价 {s.Price}，毛利 {s.Margin}（{s.Note}）"));
}
