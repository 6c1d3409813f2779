using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Orders;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Campaigns;

public sealed record BuyerTagView(string Text, BuyerTagSource Source);

public sealed record TaggedBuyer(string UserId, string UserName, BuyerSegment Segment, Money Spend, int PaidOrders, DateTimeOffset LastPaidAt, IReadOnlyList<BuyerTagView> Tags);

public sealed record TagCount(string Text, BuyerTagSource Source, int Buyers);

public sealed record CouponChoice(int Id, string Name, string Rule);

/// <summary>
/// 买家标签: the owner's manual tags and the automatic ones (<see cref="AutoTags"/>), recomputed from the rollups
/// (<see cref="BuyerStat"/>), the orders and the refunds by the daily 买家自动标签 job or on demand; and the station's
/// 营销设置 (segment thresholds, tag thresholds, opt-in default, triggers).
/// </summary>
public sealed class BuyerTagging(IDbContextFactory<KaMengDbContext> dbFactory, TimeProvider clock, ILogger<BuyerTagging> log)
{
    // ================================================================ admin: buyers and manual tags

    public async Task<(List<TaggedBuyer> Rows, int Total)> BuyersAsync(AuditActor actor, string? search, string? tag, int page, int pageSize, CancellationToken ct = default)
    {
        if (CampaignAudience.StationOf(actor) is not int stationId) return ([], 0);
        var now = clock.GetUtcNow();
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var settings = await CampaignAudience.SettingsAsync(db, stationId, ct);
        var q = db.BuyerStats.AsNoTracking().Where(b => b.StationId == stationId);
        if (!string.IsNullOrWhiteSpace(tag))
        {
            var t = tag.Trim();
            q = q.Where(b => db.BuyerTags.Any(x => x.StationId == stationId && x.UserId == b.BuyerUserId && x.Text == t));
        }
        if (!string.IsNullOrWhiteSpace(search))
        {
            var s = search.Trim().ToUpperInvariant();
            q = q.Where(b => db.Users.Any(u => u.Id == b.BuyerUserId && (u.NormalizedUserName!.Contains(s) || u.NormalizedEmail!.Contains(s))));
        }
        var total = await q.CountAsync(ct);
        var stats = await q.OrderByDescending(b => b.SpendFen).ThenBy(b => b.BuyerUserId).Skip(Math.Max(0, page) * pageSize).Take(pageSize).ToListAsync(ct);
        var ids = stats.Select(b => b.BuyerUserId).ToList();
        var names = await db.Users.AsNoTracking().Where(u => ids.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.UserName ?? u.Id, ct);
        var tags = (await db.BuyerTags.AsNoTracking().Where(t => t.StationId == stationId && ids.Contains(t.UserId)).ToListAsync(ct))
            .GroupBy(t => t.UserId).ToDictionary(g => g.Key, g => g.OrderBy(t => t.Source).ThenBy(t => t.CreatedAt).Select(t => new BuyerTagView(t.Text, t.Source)).ToList());
        var rows = stats.Select(b => new TaggedBuyer(b.BuyerUserId, names.GetValueOrDefault(b.BuyerUserId, b.BuyerUserId),
            BuyerSegments.Classify(b.ToHistory(), now, settings.Thresholds), Money.FromFen(b.SpendFen), b.PaidOrders, b.LastPaidAt,
            tags.GetValueOrDefault(b.BuyerUserId) ?? [])).ToList();
        return (rows, total);
    }

    /// <summary>Every tag in use at the station with its number of buyers (the campaign form's choices and the filter).</summary>
    public async Task<List<TagCount>> TagsAsync(AuditActor actor, CancellationToken ct = default)
    {
        if (CampaignAudience.StationOf(actor) is not int stationId) return [];
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var rows = await db.BuyerTags.AsNoTracking().Where(t => t.StationId == stationId)
            .GroupBy(t => new { t.Text, t.Source }).Select(g => new { g.Key.Text, g.Key.Source, Count = g.Count() }).ToListAsync(ct);
        return rows.Select(r => new TagCount(r.Text, r.Source, r.Count)).OrderBy(r => r.Source).ThenByDescending(r => r.Buyers).ThenBy(r => r.Text, StringComparer.Ordinal).ToList();
    }

    public async Task<string?> AddManualAsync(AuditActor actor, string userId, string? text, CancellationToken ct = default)
    {
        if (CampaignAudience.StationOf(actor) is not int stationId) return CampaignAudience.NoStation;
        var (normalized, error) = BuyerTag.NormalizeManual(text);
        if (error is not null) return error;
        var now = clock.GetUtcNow();
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        // Only a buyer of this station: an owner cannot tag (and later message) users of other stations.
        if (!await db.BuyerStats.AnyAsync(b => b.StationId == stationId && b.BuyerUserId == userId, ct)) return "只能给本站的买家添加标签";
        if (await db.BuyerTags.AnyAsync(t => t.StationId == stationId && t.UserId == userId && t.Text == normalized, ct)) return $"该买家已有标签「{normalized}」";
        if (await db.BuyerTags.CountAsync(t => t.StationId == stationId && t.UserId == userId && t.Source == BuyerTagSource.Manual, ct) >= 20) return "每位买家最多 20 个手动标签";
        db.BuyerTags.Add(new BuyerTag { StationId = stationId, UserId = userId, Text = normalized!, Source = BuyerTagSource.Manual, CreatedAt = now });
        db.AuditEntries.Add(actor.Entry("buyer.tag.add", userId, normalized, now, stationId));
        try { await db.SaveChangesAsync(ct); }
        catch (DbUpdateException e) when (e.IsUniqueViolation()) { return $"该买家已有标签「{normalized}」"; }
        return null;
    }

    public async Task<string?> RemoveManualAsync(AuditActor actor, string userId, string text, CancellationToken ct = default)
    {
        if (CampaignAudience.StationOf(actor) is not int stationId) return CampaignAudience.NoStation;
        var now = clock.GetUtcNow();
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var tag = await db.BuyerTags.FirstOrDefaultAsync(t => t.StationId == stationId && t.UserId == userId && t.Text == text, ct);
        if (tag is null) return "标签不存在或已删除";
        if (tag.Source == BuyerTagSource.Auto) return "自动标签由系统按规则计算，不能手动删除";
        db.BuyerTags.Remove(tag);
        db.AuditEntries.Add(actor.Entry("buyer.tag.remove", userId, text, now, stationId));
        await db.SaveChangesAsync(ct);
        return null;
    }

    // ================================================================ admin: settings

    public async Task<MarketingSettings?> SettingsAsync(AuditActor actor, CancellationToken ct = default)
    {
        if (CampaignAudience.StationOf(actor) is not int stationId) return null;
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        return await CampaignAudience.SettingsAsync(db, stationId, ct);
    }

    /// <summary>The station's coupons a trigger or a campaign may grant: enabled and not over.</summary>
    public async Task<List<CouponChoice>> GrantableCouponsAsync(AuditActor actor, CancellationToken ct = default)
    {
        if (CampaignAudience.StationOf(actor) is not int stationId) return [];
        var now = clock.GetUtcNow();
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var coupons = await db.Coupons.AsNoTracking().Where(c => c.StationId == stationId && !c.Disabled).OrderByDescending(c => c.Id).ToListAsync(ct);
        return coupons.Where(c => c.ValidUntil is not { } until || until > now).Select(c => new CouponChoice(c.Id, c.Name, c.Describe())).ToList();
    }

    /// <summary>Why a coupon cannot be granted by this station now (Chinese), or null.</summary>
    public static async Task<string?> GrantRefusalAsync(KaMengDbContext db, int stationId, int couponId, DateTimeOffset now, CancellationToken ct)
    {
        var coupon = await db.Coupons.AsNoTracking().FirstOrDefaultAsync(c => c.Id == couponId && c.StationId == stationId, ct);
        if (coupon is null) return "优惠券不存在或不属于本站";
        if (coupon.Disabled) return $"优惠券「{coupon.Name}」已停用";
        if (coupon.ValidUntil is { } until && until <= now) return $"优惠券「{coupon.Name}」已过期";
        return null;
    }

    public async Task<string?> SaveSettingsAsync(AuditActor actor, MarketingSettings form, CancellationToken ct = default)
    {
        if (CampaignAudience.StationOf(actor) is not int stationId) return CampaignAudience.NoStation;
        if (form.Validate() is { } error) return error;
        var now = clock.GetUtcNow();
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        foreach (var (on, couponId) in new[] { (form.WelcomeEnabled, form.WelcomeCouponId), (form.WinBackEnabled, form.WinBackCouponId) })
            if (on && couponId is int id && await GrantRefusalAsync(db, stationId, id, now, ct) is { } refused) return refused;
        var row = await db.MarketingSettings.FirstOrDefaultAsync(s => s.StationId == stationId, ct);
        if (row is null) db.MarketingSettings.Add(row = new MarketingSettings { StationId = stationId });
        row.DormantAfterDays = form.DormantAfterDays;
        row.HighValueSpend = form.HighValueSpend;
        row.NewWithinDays = form.NewWithinDays;
        row.MidSpend = form.MidSpend;
        row.FrequentRefundsAt = form.FrequentRefundsAt;
        row.PriceSensitivePercent = form.PriceSensitivePercent;
        row.PriceSensitiveMinOrders = form.PriceSensitiveMinOrders;
        row.OptInByDefault = form.OptInByDefault;
        row.WelcomeEnabled = form.WelcomeEnabled;
        row.WelcomeCouponId = form.WelcomeEnabled ? form.WelcomeCouponId : null;
        row.WinBackEnabled = form.WinBackEnabled;
        row.WinBackCouponId = form.WinBackEnabled ? form.WinBackCouponId : null;
        row.UpdatedAt = now;
        db.AuditEntries.Add(actor.Entry("marketing.settings", "营销设置",
            $"沉睡 {row.DormantAfterDays} 天，高价值 {row.HighValueSpend}，新用户 {row.NewWithinDays} 天，默认接收 {(row.OptInByDefault ? "是" : "否")}，新人礼包 {(row.WelcomeEnabled ? "开" : "关")}，回归礼包 {(row.WinBackEnabled ? "开" : "关")}", now, stationId));
        await db.SaveChangesAsync(ct);
        return null;
    }

    // ================================================================ automatic tags

    /// <summary>Recomputes the automatic tags of the actor's station now (立即更新).</summary>
    public async Task<string?> RecomputeAsync(AuditActor actor, CancellationToken ct = default)
    {
        if (CampaignAudience.StationOf(actor) is not int stationId) return CampaignAudience.NoStation;
        await RecomputeStationAsync(stationId, clock.GetUtcNow(), ct);
        return null;
    }

    /// <summary>Every station with buyers (the job). Returns the tags added plus removed.</summary>
    public async Task<int> RecomputeAllAsync(DateTimeOffset now, CancellationToken ct = default)
    {
        List<int> stations;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
            stations = await db.BuyerStats.Where(b => b.StationId > 0).Select(b => b.StationId).Distinct().ToListAsync(ct);
        var changed = 0;
        foreach (var id in stations) changed += await RecomputeStationAsync(id, now, ct);
        return changed;
    }

    public async Task<int> RecomputeStationAsync(int stationId, DateTimeOffset now, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var settings = await CampaignAudience.SettingsAsync(db, stationId, ct);
        var stats = await db.BuyerStats.AsNoTracking().Where(b => b.StationId == stationId).ToListAsync(ct);
        var refunds = await (from r in db.Refunds
                             join o in db.Orders on r.OrderId equals o.Id
                             where r.StationId == stationId && r.Status != RefundStatus.Rejected && o.BuyerUserId != null
                             group r by o.BuyerUserId into g
                             select new { Buyer = g.Key!, Count = g.Count() }).ToDictionaryAsync(x => x.Buyer, x => x.Count, ct);
        var discounted = await db.Orders.Where(o => o.StationId == stationId && o.PaidAt != null && o.BuyerUserId != null
                && (o.CouponDiscount != Money.Zero || o.PromotionJson != null))
            .GroupBy(o => o.BuyerUserId).Select(g => new { Buyer = g.Key!, Count = g.Count() }).ToDictionaryAsync(x => x.Buyer, x => x.Count, ct);
        var categories = (await (from o in db.Orders
                                 join p in db.Products on o.ProductId equals p.Id
                                 join c in db.Categories on p.CategoryId equals c.Id
                                 where o.StationId == stationId && o.PaidAt != null && o.BuyerUserId != null
                                 group o by new { o.BuyerUserId, c.Name } into g
                                 select new { Buyer = g.Key.BuyerUserId!, g.Key.Name, Count = g.Count() }).ToListAsync(ct))
            .GroupBy(x => x.Buyer).ToDictionary(g => g.Key, g => (IReadOnlyList<string>)g.OrderByDescending(x => x.Count).ThenBy(x => x.Name, StringComparer.Ordinal).Select(x => x.Name).ToList());
        var existing = (await db.BuyerTags.Where(t => t.StationId == stationId && t.Source == BuyerTagSource.Auto).ToListAsync(ct))
            .GroupBy(t => t.UserId).ToDictionary(g => g.Key, g => g.ToList());

        var changed = 0;
        var buyers = stats.Select(b => b.BuyerUserId).ToHashSet();
        foreach (var b in stats)
        {
            var wanted = AutoTags.Compute(new BuyerFacts(b.ToHistory(), refunds.GetValueOrDefault(b.BuyerUserId), discounted.GetValueOrDefault(b.BuyerUserId),
                categories.GetValueOrDefault(b.BuyerUserId) ?? []), settings, now).ToHashSet(StringComparer.Ordinal);
            var have = existing.GetValueOrDefault(b.BuyerUserId) ?? [];
            foreach (var stale in have.Where(t => !wanted.Contains(t.Text))) { db.BuyerTags.Remove(stale); changed++; }
            foreach (var text in wanted.Where(w => have.All(t => t.Text != w)))
            {
                db.BuyerTags.Add(new BuyerTag { StationId = stationId, UserId = b.BuyerUserId, Text = text, Source = BuyerTagSource.Auto, CreatedAt = now });
                changed++;
            }
        }
        // A buyer whose rollup row is gone (a rebuild) keeps no automatic tag.
        foreach (var (userId, tags) in existing.Where(e => !buyers.Contains(e.Key)))
        {
            db.BuyerTags.RemoveRange(tags);
            changed += tags.Count;
        }
        if (changed > 0) await db.SaveChangesAsync(ct);
        log.LogDebug("Station {Station}: {Changed} automatic tag changes for {Buyers} buyers", stationId, changed, stats.Count);
        return changed;
    }
}
