using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Orders;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Admin.OwnStation;

/// <summary>The station 我的分站 shows: the owner's own, or (platform) the one asked for by id; never the main station.</summary>
public sealed record OwnStationHeader(int Id, string Code, string Name, string? LevelName, string? OwnerUserId, string? Theme, string? ThemeTokensJson, int FlooredCount);

public sealed record PriceRuleRow(int Id, PriceRuleAudience Audience, string ScopeText, string RuleText);

public sealed record Choice(int Id, string Name);

/// <summary>One product priced at the station, with its chain explained.
/// <see cref="Promotions"/> names what lowers the price now at this station (a running flash sale, wholesale tiers) and who
/// pays for it: the station itself, out of the margin shown.</summary>
public sealed record ExplainedPriceRow(int ProductId, string Name, Money Cost, Money Price, Money FaceValue, bool FloorApplied, string Chain, string? Promotions = null)
{
    public Money Margin => Price - Cost;
    /// <summary>Sold above its face value (面值); a face value of 0 means the product has none.</summary>
    public bool AboveFaceValue => FaceValue.Fen > 0 && Price > FaceValue;
}

/// <summary>What the 售价规则 tab edits and explains.</summary>
public sealed record PricingView(IReadOnlyList<PriceRuleRow> Rules, IReadOnlyList<Choice> Categories, IReadOnlyList<Choice> Products, IReadOnlyList<ExplainedPriceRow> Explained);

/// <summary>A product as the station shows it (商品 tab); edited in place, saved through StationSettingsService.</summary>
public sealed class ProductOverrideRow(int productId, string productName)
{
    public int ProductId { get; } = productId;
    public string ProductName { get; } = productName;
    public string? Name { get; set; }
    public string? Description { get; set; }
    public int? SortOrder { get; set; }
    public bool Recommended { get; set; }
    public bool Hidden { get; set; }
    /// <summary>商品审核 of the station's own products (imports): 待审核, 已驳回：原因…; null for the parent's products.</summary>
    public string? ReviewText { get; init; }
}

public sealed record MemberLevelRow(int Id, string Name, int DiscountBasisPoints, Money SpendThreshold);

public sealed record BrandingView(string? Name, string? Announcement, string? ContactQq, string? ContactWeChat, string? ContactTelegram, string? ContactEmail,
    string? LogoUrl, string? FaviconUrl, string? SeoTitle, string? SeoDescription, string? FooterText, Money ChildOpenMarkup);

public sealed record HostRow(int Id, string Host, bool IsVerified, string VerificationToken, string TxtName, string TxtValue);

public sealed record DomainsView(string Code, IReadOnlyList<string> RootDomains, IReadOnlyList<HostRow> Hosts);

public sealed record LevelChoice(int Id, string Text);

/// <summary>The 收益与提现 tab's facts about the station itself (its level, the levels it can upgrade to).</summary>
public sealed record EarningsView(string? OwnerUserId, string? LevelName, DateTimeOffset? ExpiresAt, bool Renewable, IReadOnlyList<LevelChoice> HigherLevels, Money WithdrawMinimum, int WithdrawFeeBasisPoints);

public sealed record OwnerWithdrawalRow(long Id, DateTimeOffset CreatedAt, Money Amount, Money Fee, string PayoutAccount, WithdrawalStatus Status, string? PayoutReference, string? RejectReason)
{
    public string StatusText => Status switch
    {
        WithdrawalStatus.Pending => DisplayNames.Of(Status),
        WithdrawalStatus.Approved => $"已打款（{PayoutReference}）",
        _ => $"已驳回：{RejectReason}",
    };
}

/// <summary>Reads of 我的分站, each through a context scoped to what the acting admin may see.</summary>
public sealed class OwnStationQueries(IDbContextFactory<KaMengDbContext> dbFactory)
{
    /// <summary>The owner's station (an owner cannot ask for another by id); for the platform the substation <paramref name="requestedId"/>.</summary>
    public static int? StationIdFor(AuditActor actor, int? requestedId) =>
        (actor.StationId ?? requestedId) is int id && id != Station.MainStationId ? id : null;

    public async Task<OwnStationHeader?> HeaderAsync(PriceResolver prices, AuditActor actor, int stationId, CancellationToken ct = default)
    {
        if (!actor.MaySee(stationId)) return null;
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var s = await db.Stations.AsNoTracking().Where(x => x.Id == stationId && x.ParentId != null)
            .Select(x => new { x.Id, x.Code, x.Name, Level = x.Level != null ? x.Level.Name : null, x.OwnerUserId, x.Theme, x.ThemeTokensJson })
            .SingleOrDefaultAsync(ct);
        if (s is null) return null;
        var pricing = await prices.ForStationAsync(s.Id);
        var floored = (await ProductsOfAsync(db, s.Id, ct)).Count(p => pricing.Quote(p).FloorApplied);
        return new OwnStationHeader(s.Id, s.Code, s.Name, s.Level, s.OwnerUserId, s.Theme, s.ThemeTokensJson, floored);
    }

    static Task<List<Product>> ProductsOfAsync(KaMengDbContext db, int stationId, CancellationToken ct) =>
        db.Products.AsNoTracking().Where(p => !p.Deleted && (p.StationId == Station.MainStationId || p.StationId == stationId))
            .OrderBy(p => p.CategoryId).ThenBy(p => p.SortOrder).ThenBy(p => p.Id).ToListAsync(ct);

    public async Task<PricingView> PricingAsync(PriceResolver prices, AuditActor actor, int stationId, CancellationToken ct = default)
    {
        if (!actor.MaySee(stationId)) return new PricingView([], [], [], []);
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var categories = await db.Categories.AsNoTracking().Where(c => c.StationId == Station.MainStationId || c.StationId == stationId)
            .OrderBy(c => c.SortOrder).Select(c => new Choice(c.Id, c.Name)).ToListAsync(ct);
        var products = await ProductsOfAsync(db, stationId, ct);
        var rules = await db.PriceRules.AsNoTracking().Where(r => r.StationId == stationId).OrderBy(r => r.Audience).ThenBy(r => r.Scope).ToListAsync(ct);
        var pricing = await prices.ForStationAsync(stationId);
        var now = DateTimeOffset.UtcNow;
        static Money Max(Money a, Money b) => a >= b ? a : b;
        var explained = products.Select(p =>
        {
            var q = pricing.Quote(p);
            var promotions = new List<string>();
            if (pricing.FlashFor(p.Id, now) is { } flash)
                promotions.Add($"{flash.Title}：{flash.PriceFor(q.Price)}（本站让利 {q.Price - flash.PriceFor(q.Price)}，至 {BusinessTime.Format(flash.EndsAt, "MM-dd HH:mm")}）");
            var tiers = pricing.TiersFor(p.Id);
            if (tiers.Count > 0)
                promotions.Add("批发：" + string.Join("，", tiers.Select(t => $"满 {t.MinQuantity} 件 {Max(t.PriceFor(q.Price), q.Cost)}")));
            return new ExplainedPriceRow(p.Id, p.Name, q.Cost, q.Price, p.FaceValue, q.FloorApplied, q.Explain(), promotions.Count > 0 ? string.Join("；", promotions) : null);
        }).ToList();
        string ScopeText(PriceRule r) => r.Scope switch
        {
            PriceRuleScope.Category => "分类：" + (categories.FirstOrDefault(c => c.Id == r.CategoryId)?.Name ?? "?"),
            PriceRuleScope.Product => "商品：" + (products.FirstOrDefault(p => p.Id == r.ProductId)?.Name ?? "?"),
            _ => DisplayNames.Of(PriceRuleScope.All),
        };
        return new PricingView(rules.Select(r => new PriceRuleRow(r.Id, r.Audience, ScopeText(r), r.Describe())).ToList(),
            categories, products.Select(p => new Choice(p.Id, p.Name)).ToList(), explained);
    }

    public async Task<(IReadOnlyList<ProductOverrideRow> Rows, int Total)> OverridesAsync(AuditActor actor, int stationId, int skip, int take, CancellationToken ct = default)
    {
        if (!actor.MaySee(stationId)) return ([], 0);
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var products = db.Products.AsNoTracking().Where(p => !p.Deleted && (p.StationId == Station.MainStationId || p.StationId == stationId));
        var total = await products.CountAsync(ct);
        var page = await products.OrderBy(p => p.CategoryId).ThenBy(p => p.SortOrder).ThenBy(p => p.Id)
            .Skip(Math.Max(0, skip)).Take(Math.Clamp(take, 1, 200)).Select(p => new { p.Id, p.Name, p.StationId, p.Review, p.ReviewReason }).ToListAsync(ct);
        var ids = page.Select(p => p.Id).ToList();
        var existing = await db.StationProducts.AsNoTracking().Where(x => x.StationId == stationId && ids.Contains(x.ProductId)).ToDictionaryAsync(x => x.ProductId, ct);
        var rows = page.Select(p =>
        {
            var o = existing.GetValueOrDefault(p.Id);
            return new ProductOverrideRow(p.Id, p.Name)
            {
                Name = o?.Name, Description = o?.DescriptionMarkdown, SortOrder = o?.SortOrder, Recommended = o?.Recommended ?? false, Hidden = o?.Hidden ?? false,
                ReviewText = p.StationId == stationId ? Product.ReviewText(p.Review, p.ReviewReason) : null,
            };
        }).ToList();
        return (rows, total);
    }

    public async Task<IReadOnlyList<MemberLevelRow>> MemberLevelsAsync(AuditActor actor, int stationId, CancellationToken ct = default)
    {
        if (!actor.MaySee(stationId)) return [];
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        return await db.MemberLevels.AsNoTracking().Where(m => m.StationId == stationId).OrderBy(m => m.SpendThreshold)
            .Select(m => new MemberLevelRow(m.Id, m.Name, m.DiscountBasisPoints, m.SpendThreshold)).ToListAsync(ct);
    }

    public async Task<BrandingView?> BrandingAsync(AuditActor actor, int stationId, CancellationToken ct = default)
    {
        if (!actor.MaySee(stationId)) return null;
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        return await db.Stations.AsNoTracking().Where(s => s.Id == stationId)
            .Select(s => new BrandingView(s.Name, s.Announcement, s.ContactQq, s.ContactWeChat, s.ContactTelegram, s.ContactEmail, s.LogoUrl, s.FaviconUrl,
                s.SeoTitle, s.SeoDescription, s.FooterText, s.ChildOpenMarkup)).SingleOrDefaultAsync(ct);
    }

    public async Task<DomainsView?> DomainsAsync(AuditActor actor, int stationId, CancellationToken ct = default)
    {
        if (!actor.MaySee(stationId)) return null;
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var station = await db.Stations.AsNoTracking().Include(s => s.Hosts).SingleOrDefaultAsync(s => s.Id == stationId, ct);
        if (station is null) return null;
        var roots = (await db.PlatformSettings.AsNoTracking().SingleAsync(ct)).RootDomainList.ToArray();
        var hosts = station.Hosts.OrderBy(h => h.Id).Select(h => new HostRow(h.Id, h.Host, h.IsVerified, h.VerificationToken, h.TxtRecord.Name, h.TxtRecord.Value)).ToList();
        return new DomainsView(station.Code, roots, hosts);
    }

    public async Task<EarningsView?> EarningsAsync(AuditActor actor, int stationId, (Money Minimum, int FeeBasisPoints) withdrawalRules, CancellationToken ct = default)
    {
        if (!actor.MaySee(stationId)) return null;
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var station = await db.Stations.AsNoTracking().Include(s => s.Level).SingleOrDefaultAsync(s => s.Id == stationId, ct);
        if (station is null) return null;
        var current = station.Level;
        var higher = (await db.StationLevels.AsNoTracking().OrderBy(l => l.SortOrder).ToListAsync(ct))
            .Where(l => current is null || l.OpenPrice > current.OpenPrice)
            .Select(l => new LevelChoice(l.Id, $"{l.Name}（补 {(current?.UpgradePriceTo(l) ?? l.OpenPrice)}）")).ToList();
        return new EarningsView(station.OwnerUserId, current?.Name, station.ExpiresAt, current?.RenewalDays is not null, higher, withdrawalRules.Minimum, withdrawalRules.FeeBasisPoints);
    }

    /// <summary>The owner's withdrawal requests, newest first.</summary>
    public async Task<(IReadOnlyList<OwnerWithdrawalRow> Rows, int Total)> WithdrawalsAsync(AuditActor actor, int stationId, string ownerUserId, int skip, int take, CancellationToken ct = default)
    {
        if (!actor.MaySee(stationId)) return ([], 0);
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var query = db.Withdrawals.AsNoTracking().Where(w => w.UserId == ownerUserId);
        var total = await query.CountAsync(ct);
        var rows = await query.OrderByDescending(w => w.Id).Skip(Math.Max(0, skip)).Take(Math.Clamp(take, 1, 200))
            .Select(w => new OwnerWithdrawalRow(w.Id, w.CreatedAt, w.Amount, w.Fee, w.PayoutAccount, w.Status, w.PayoutReference, w.RejectReason)).ToListAsync(ct);
        return (rows, total);
    }
}
