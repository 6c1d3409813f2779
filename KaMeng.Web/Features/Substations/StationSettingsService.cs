using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Stations;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Substations;

/// <summary>What a station owner changes about the catalogue they resell, their member levels, and what the platform
/// configures for all substations (levels, level prices, depth, withdrawals, root domains).</summary>
/// <remarks><paramref name="compliance"/> scans an owner's names and descriptions (issue 21); optional so the selling core
/// builds without the compliance services (the benchmark, narrow tests).</remarks>
public sealed class StationSettingsService(IDbContextFactory<KaMengDbContext> dbFactory, PriceResolver prices, StationDirectory directory, TimeProvider clock,
    global::KaMeng.Web.Features.Compliance.ComplianceService? compliance = null)
{
    public sealed record ProductOverride(int ProductId, bool Hidden, string? Name, string? DescriptionMarkdown, int? SortOrder, bool Recommended);

    /// <summary>Hide, rename, re-describe, reorder or recommend a product of the parent's catalogue on this station.</summary>
    public async Task<string?> SaveOverrideAsync(int stationId, ProductOverride o, AuditActor actor, CancellationToken ct = default)
    {
        if (!actor.MaySee(stationId) || stationId == Station.MainStationId) return "分站不存在";
        if (o.Name is { Length: > 128 }) return "商品名称最多 128 字";
        if (o.DescriptionMarkdown is { Length: > 20000 }) return "商品说明过长";
        if (o.SortOrder is < -100000 or > 100000) return "排序值超出范围";
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var productName = await db.Products.Where(p => p.Id == o.ProductId && !p.Deleted).Select(p => p.Name).FirstOrDefaultAsync(ct);
        if (productName is null) return "商品不存在";
        var row = await db.StationProducts.SingleOrDefaultAsync(x => x.StationId == stationId && x.ProductId == o.ProductId, ct);
        if (row is null) db.StationProducts.Add(row = new StationProduct { StationId = stationId, ProductId = o.ProductId });
        row.Hidden = o.Hidden;
        row.Name = string.IsNullOrWhiteSpace(o.Name) ? null : o.Name.Trim();
        row.DescriptionMarkdown = string.IsNullOrWhiteSpace(o.DescriptionMarkdown) ? null : o.DescriptionMarkdown;
        row.SortOrder = o.SortOrder;
        row.Recommended = o.Recommended;
        db.AuditEntries.Add(actor.Entry("station.product", o.ProductId.ToString(), o.Hidden ? "隐藏" : row.Name, clock.GetUtcNow(), stationId));
        // 违禁词: a hit in the owner's own name or description hides the product at this station (saved, with audit and notice).
        var notice = compliance is null ? null : await compliance.ScanOverrideAsync(db, row, productName, ct);
        await db.SaveChangesAsync(ct);
        compliance?.Send(notice);
        return null;
    }

    /// <summary>A member level: discount 0–50%, spend threshold ≥ 0. Discounts never sell below cost (the resolver clamps).</summary>
    public async Task<string?> SaveMemberLevelAsync(int stationId, int? id, string? name, string? discountPercent, string? threshold, AuditActor actor, CancellationToken ct = default)
    {
        if (!actor.MaySee(stationId)) return "分站不存在";
        if (string.IsNullOrWhiteSpace(name) || name.Trim().Length > 32) return "请填写等级名称（最多 32 字）";
        if (!Percent.TryParseBasisPoints(discountPercent, 0, 50, out var discountBp))
            return "折扣须为 0–50 之间的百分比，最多两位小数";
        if (!Money.TryParseYuan(threshold, out var spend) || spend.IsNegative) return "升级门槛须为不小于 0 的金额";
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var level = id is int existing ? await db.MemberLevels.SingleOrDefaultAsync(m => m.Id == existing && m.StationId == stationId, ct) : null;
        if (id is not null && level is null) return "会员等级不存在";
        if (level is null) db.MemberLevels.Add(level = new MemberLevel { StationId = stationId, Name = "" });
        level.Name = name.Trim();
        level.DiscountBasisPoints = discountBp;
        level.SpendThreshold = spend;
        await db.SaveChangesAsync(ct);
        prices.Invalidate();
        return null;
    }

    public async Task<string?> DeleteMemberLevelAsync(int stationId, int id, AuditActor actor, CancellationToken ct = default)
    {
        if (!actor.MaySee(stationId)) return "分站不存在";
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var n = await db.MemberLevels.Where(m => m.Id == id && m.StationId == stationId).ExecuteDeleteAsync(ct);
        prices.Invalidate();
        return n == 0 ? "会员等级不存在" : null;
    }

    /// <summary>Platform settings: depth cap 1–5, withdrawal minimum and fee, root domains for {code}.{root}, the earnings hold.</summary>
    public async Task<string?> SavePlatformAsync(int maxDepth, string? withdrawalMinimum, string? feePercent, string? rootDomains, AuditActor actor,
        int earningHoldDays = 7, CancellationToken ct = default)
    {
        if (actor.StationId is not null) return "只有平台管理员可以修改平台设置";
        if (earningHoldDays is < 0 or > 90) return "收益结算期须为 0–90 天";
        if (maxDepth is < 1 or > 5) return "分站层级上限须为 1–5";
        if (!Money.TryParseYuan(withdrawalMinimum, out var min) || min.Fen < 1) return "最低提现金额须大于 0";
        if (!Percent.TryParseBasisPoints(feePercent, 0, 20, out var feeBp))
            return "提现手续费须为 0–20 之间的百分比";
        var roots = (rootDomains ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(r => r.ToLowerInvariant()).Distinct().ToList();
        if (roots.Any(r => Uri.CheckHostName(r) != UriHostNameType.Dns)) return "根域名格式不正确";
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var s = await db.PlatformSettings.SingleAsync(ct);
        s.MaxDepth = maxDepth;
        s.WithdrawalMinimum = min;
        s.WithdrawalFeeBasisPoints = feeBp;
        s.RootDomains = string.Join(",", roots);
        s.EarningHoldDays = earningHoldDays;
        db.AuditEntries.Add(actor.Entry("platform.settings", null, $"depth {maxDepth}, min {min}, fee {Percent.Format(feeBp)}%, roots {s.RootDomains}, hold {earningHoldDays}d", clock.GetUtcNow(), null));
        await db.SaveChangesAsync(ct);
        directory.Invalidate();
        return null;
    }

    public async Task<string?> SaveLevelAsync(int? id, string? name, string? openPrice, string? costRatePercent, bool mayOpenChildren, int maxChildren, int? renewalDays, AuditActor actor, bool allowOwnGateway = false,
        int? earningHoldDays = null, CancellationToken ct = default, bool? skipProductReview = null)
    {
        if (actor.StationId is not null) return "只有平台管理员可以配置分站等级";
        if (earningHoldDays is < 0 or > 90) return "收益结算期须为 0–90 天，或留空使用平台设置";
        if (string.IsNullOrWhiteSpace(name) || name.Trim().Length > 32) return "请填写等级名称（最多 32 字）";
        if (!Money.TryParseYuan(openPrice, out var price) || price.IsNegative) return "开通价格须为不小于 0 的金额";
        if (!Percent.TryParseBasisPoints(costRatePercent, 50, 100, out var rateBp))
            return "进货折扣须为 50–100 之间的百分比";
        if (maxChildren is < 0 or > 100000) return "下级分站数量超出范围";
        if (renewalDays is < 1 or > 3650) return "有效期须为 1–3650 天，或留空表示永久";
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var level = id is int existing ? await db.StationLevels.SingleOrDefaultAsync(l => l.Id == existing, ct) : null;
        if (id is not null && level is null) return "等级不存在";
        if (level is null) db.StationLevels.Add(level = new StationLevel { Name = "", SortOrder = await db.StationLevels.CountAsync(ct) + 1 });
        level.Name = name.Trim();
        level.OpenPrice = price;
        level.CostRateBasisPoints = rateBp;
        level.MayOpenChildren = mayOpenChildren;
        level.MaxChildren = mayOpenChildren ? maxChildren : 0;
        level.RenewalDays = renewalDays;
        level.AllowOwnGateway = allowOwnGateway;
        level.EarningHoldDays = earningHoldDays;
        // 信任等级 (issue 21): null keeps what the level had.
        if (skipProductReview is { } skip) level.SkipProductReview = skip;
        db.AuditEntries.Add(actor.Entry("platform.level", level.Name, $"{price} {Percent.Format(rateBp)}% 独立收款={(allowOwnGateway ? "允许" : "不允许")} 免审={(level.SkipProductReview ? "是" : "否")}", clock.GetUtcNow(), null));
        await db.SaveChangesAsync(ct);
        prices.Invalidate();
        return null;
    }

    /// <summary>An explicit price of a product for a level; never below the product's cost price. Empty text removes it.</summary>
    public async Task<string?> SaveLevelPriceAsync(int levelId, int productId, string? priceText, AuditActor actor, CancellationToken ct = default)
    {
        if (actor.StationId is not null) return "只有平台管理员可以设置等级价";
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var product = await db.Products.AsNoTracking().SingleOrDefaultAsync(p => p.Id == productId && !p.Deleted, ct);
        if (product is null || !await db.StationLevels.AnyAsync(l => l.Id == levelId, ct)) return "等级或商品不存在";
        var row = await db.LevelPrices.SingleOrDefaultAsync(x => x.LevelId == levelId && x.ProductId == productId, ct);
        if (string.IsNullOrWhiteSpace(priceText))
        {
            if (row is not null) db.LevelPrices.Remove(row);
        }
        else
        {
            if (!Money.TryParseYuan(priceText, out var price) || price.IsNegative) return "请输入正确的金额（最多两位小数）";
            if (price < product.CostPrice) return $"等级价不能低于成本价 {product.CostPrice}";
            if (row is null) db.LevelPrices.Add(row = new LevelPrice { LevelId = levelId, ProductId = productId });
            row.Price = price;
        }
        await db.SaveChangesAsync(ct);
        prices.Invalidate();
        return null;
    }

    /// <summary>The main station's announcement (总站公告), as the storefront shows it.</summary>
    public async Task<string?> MainAnnouncementAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Stations.Where(s => s.Id == Station.MainStationId).Select(s => s.Announcement).SingleAsync(ct);
    }

    /// <summary>Saves the main station's announcement (platform admins only; at most 2,000 characters; blank clears it).</summary>
    public async Task<string?> SaveMainAnnouncementAsync(string? text, AuditActor actor, CancellationToken ct = default)
    {
        if (actor.StationId is not null) return "只有平台管理员可以修改总站公告";
        text = string.IsNullOrWhiteSpace(text) ? null : text.Trim();
        if (text is { Length: > MainAnnouncementMaxLength }) return $"公告最多 {MainAnnouncementMaxLength} 字";
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.Stations.Where(s => s.Id == Station.MainStationId).ExecuteUpdateAsync(u => u.SetProperty(s => s.Announcement, text), ct);
        db.AuditEntries.Add(actor.Entry("station.announcement", $"station:{Station.MainStationId}", text is null ? "cleared" : $"{text.Length} chars", clock.GetUtcNow(), Station.MainStationId));
        await db.SaveChangesAsync(ct);
        directory.Invalidate();
        return null;
    }

    public const int MainAnnouncementMaxLength = 2000;
}
