using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Orders;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Substations;

public sealed record PriceRuleInput(PriceRuleAudience Audience, PriceRuleScope Scope, int? CategoryId, int? ProductId, PriceRuleKind Kind, string? Value, PriceRounding Rounding);

/// <summary>A product a rule would sell (or, for a child-supply rule, supply to child stations) above its face value (面值).</summary>
public sealed record AboveFaceValue(int ProductId, string Name, Money FaceValue, Money Price);

/// <summary>What saving a rule would do: a Chinese error when it is refused, else the products it would price above
/// their face value (allowed, but the owner is warned before saving).</summary>
public sealed record PriceRuleCheck(string? Error, IReadOnlyList<AboveFaceValue> AboveFaceValue)
{
    public bool Refused => Error is not null;
}

/// <summary>A station's pricing rules (加价). A rule that would sell any product it covers below the station's cost is refused.</summary>
public sealed class PriceRuleService(IDbContextFactory<KaMengDbContext> dbFactory, PriceResolver prices, TimeProvider clock)
{
    public async Task<List<PriceRule>> RulesOfAsync(int stationId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.PriceRules.AsNoTracking().Where(r => r.StationId == stationId).OrderBy(r => r.Audience).ThenBy(r => r.Scope).ToListAsync(ct);
    }

    /// <summary>Checks a rule without saving it: refused (below cost, bad input) or the products it would sell above face value.</summary>
    public async Task<PriceRuleCheck> CheckAsync(int stationId, PriceRuleInput input, AuditActor actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return (await TrialAsync(db, stationId, input, actor, ct)).Check;
    }

    /// <summary>Adds or replaces the rule of that audience and scope. Returns a Chinese error or null. A rule above face
    /// value is saved (the page warns first, from <see cref="CheckAsync"/>).</summary>
    public async Task<string?> SaveAsync(int stationId, PriceRuleInput input, AuditActor actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var (rule, existing, check) = await TrialAsync(db, stationId, input, actor, ct);
        if (check.Error is not null || rule is null) return check.Error ?? "规则无效";
        db.PriceRules.RemoveRange(existing);
        db.PriceRules.Add(rule);
        db.AuditEntries.Add(actor.Entry("price.rule", $"{rule.Audience}/{rule.Scope}", rule.Describe(), clock.GetUtcNow(), stationId));
        await db.SaveChangesAsync(ct);
        prices.Invalidate();
        return null;
    }

    static PriceRuleCheck Refuse(string error) => new(error, []);

    /// <summary>Validates the input and prices every product the rule covers with the rule in place.</summary>
    async Task<(PriceRule? Rule, List<PriceRule> Existing, PriceRuleCheck Check)> TrialAsync(KaMengDbContext db, int stationId, PriceRuleInput input, AuditActor actor, CancellationToken ct)
    {
        if (!actor.MaySee(stationId)) return (null, [], Refuse("分站不存在"));
        if (stationId == Station.MainStationId) return (null, [], Refuse("总站按商品基础售价出售，请在商品中修改售价"));
        long value = 0;
        switch (input.Kind)
        {
            case PriceRuleKind.PlusPercent:
                if (!Percent.TryParseBasisPoints(input.Value, 0, 1000, out var percentBp))
                    return (null, [], Refuse("加价百分比须为 0–1000 之间的数，最多两位小数"));
                value = percentBp;
                break;
            case PriceRuleKind.PlusAmount or PriceRuleKind.Fixed:
                if (!Money.TryParseYuan(input.Value, out var m) || m.IsNegative) return (null, [], Refuse("请输入正确的金额（最多两位小数）"));
                value = m.Fen;
                break;
        }
        if (input.Scope == PriceRuleScope.Product && input.ProductId is null) return (null, [], Refuse("请选择商品"));
        if (input.Scope == PriceRuleScope.Category && input.CategoryId is null) return (null, [], Refuse("请选择分类"));
        if (input.Kind == PriceRuleKind.Fixed && input.Scope != PriceRuleScope.Product) return (null, [], Refuse("固定价只能用于单个商品"));

        var rule = new PriceRule
        {
            StationId = stationId, Audience = input.Audience, Scope = input.Scope, Kind = input.Kind, Value = value, Rounding = input.Rounding,
            CategoryId = input.Scope == PriceRuleScope.Category ? input.CategoryId : null,
            ProductId = input.Scope == PriceRuleScope.Product ? input.ProductId : null,
        };

        var existing = await db.PriceRules.Where(r => r.StationId == stationId && r.Audience == rule.Audience && r.Scope == rule.Scope && r.CategoryId == rule.CategoryId && r.ProductId == rule.ProductId).ToListAsync(ct);

        // Check every product the rule covers against the station's cost with the rule in place.
        var pricing = await prices.ForStationAsync(stationId);
        var others = pricing.Station.Rules.Where(r => !existing.Any(e => e.Id == r.Id)).Append(rule).ToList();
        var trial = new StationPricing([.. pricing.Path.Take(pricing.Path.Count - 1), pricing.Station with { Rules = others }], pricing.LevelPrices, pricing.MemberLevels);
        var covered = db.Products.AsNoTracking().Where(p => !p.Deleted && (p.StationId == Station.MainStationId || p.StationId == stationId));
        if (rule.ProductId is int pid) covered = covered.Where(p => p.Id == pid);
        if (rule.CategoryId is int cid) covered = covered.Where(p => p.CategoryId == cid);
        var aboveFace = new List<AboveFaceValue>();
        foreach (var product in await covered.OrderBy(p => p.CategoryId).ThenBy(p => p.SortOrder).ThenBy(p => p.Id).ToListAsync(ct))
        {
            var quote = trial.Quote(product);
            Money price;
            if (rule.Audience == PriceRuleAudience.Selling)
            {
                if (quote.FloorApplied) return (null, [], Refuse($"该规则会使「{product.Name}」售价低于成本价 {quote.Cost}，已拒绝"));
                price = quote.Price;
            }
            else
            {
                price = rule.Apply(quote.Cost, quote.Price);
                if (price < quote.Cost) return (null, [], Refuse($"该规则会使「{product.Name}」的下级供货价低于您的成本价 {quote.Cost}，已拒绝"));
            }
            // A face value of 0 means the product has none (a service, not a card with a printed value).
            if (product.FaceValue.Fen > 0 && price > product.FaceValue)
                aboveFace.Add(new AboveFaceValue(product.Id, product.Name, product.FaceValue, price));
        }
        return (rule, existing, new PriceRuleCheck(null, aboveFace));
    }

    public async Task<string?> DeleteAsync(int stationId, int ruleId, AuditActor actor, CancellationToken ct = default)
    {
        if (!actor.MaySee(stationId)) return "分站不存在";
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var deleted = await db.PriceRules.Where(r => r.Id == ruleId && r.StationId == stationId).ExecuteDeleteAsync(ct);
        prices.Invalidate();
        return deleted == 0 ? "规则不存在" : null;
    }
}
