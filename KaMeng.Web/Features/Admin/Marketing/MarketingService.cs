using System.Security.Cryptography;
using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Admin.Reports;
using KaMeng.Web.Features.Jobs;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Stations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace KaMeng.Web.Features.Admin.Marketing;

public sealed record MarketingChoice(int Id, string Name);

/// <summary>A product the station sells, with its cost and price there now (what a flash sale or tier is checked against).</summary>
public sealed record MarketingProduct(int Id, string Name, int CategoryId, Money Cost, Money Price);

/// <summary>What the coupon form picks from: the station's categories and products (main-station catalogue and its own), its
/// member levels, and whether a coupon may be shared with child substations.</summary>
public sealed record CouponChoices(int StationId, bool MayShareWithChildren, IReadOnlyList<MarketingChoice> Categories,
    IReadOnlyList<MarketingProduct> Products, IReadOnlyList<MarketingChoice> MemberLevels);

/// <summary>One coupon with its redemption figures (核销报表): issued, used, discount given, GMV paid, 30-day repurchase.</summary>
public sealed record CouponReportRow(int Id, string Name, string Rule, string? Code, bool Disabled, string Validity, bool Public, int Issued, int Taken,
    int TotalLimit, int Used, Money Discount, Money Gmv, int Buyers, int Repurchasers, bool ForSubstations)
{
    public string IssuedText => Public ? "公开" : Issued.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Share of the coupon's distinct buyers who bought again within 30 days, to one decimal; — without buyers.</summary>
    public string RepurchaseText => Buyers == 0 ? "—" : $"{Repurchasers * 1000 / Buyers / 10}.{Repurchasers * 1000 / Buyers % 10}%";
}

public sealed record CouponBatch(string BatchNo, int Count, int Used, DateTimeOffset CreatedAt);

public sealed record FlashSaleRow(int Id, int ProductId, string ProductName, string Title, string Offer, DateTimeOffset StartsAt, DateTimeOffset EndsAt,
    int Quota, int Taken, int PerBuyerLimit, bool LoginRequired, bool Paused, string? PauseReason, bool Used)
{
    public string TakenText => Quota > 0 ? $"{Taken}/{Quota}" : $"{Taken}/不限";

    public string StatusText(DateTimeOffset now) =>
        Paused ? "已暂停" : now < StartsAt ? "未开始" : now >= EndsAt ? "已结束" : Quota > 0 && Taken >= Quota ? "已抢光" : "进行中";
}

public sealed record WholesaleProductRow(int ProductId, string ProductName, string Tiers);

/// <summary>
/// 营销 in the admin: coupons (with one-time code batches, grants and the redemption report), flash sales and wholesale
/// tiers of one station. A station owner acts on their own station; the platform on the main station. Every change is
/// checked first (a Chinese reason, nothing written) and writes one audit entry with it. Price-affecting changes drop the
/// price cache.
/// </summary>
public sealed class MarketingService(IDbContextFactory<KaMengDbContext> dbFactory, PriceResolver prices, StationDirectory stations,
    IOptions<KaMengOptions> kameng, TimeProvider clock)
{
    public const string NoStation = "您还没有分站";
    public const int MaxCodesPerBatch = 10_000;
    public const int MaxGrantsAtOnce = 1_000;
    /// <summary>No 0/O, 1/I/L: codes are read off screens and typed by hand.</summary>
    const string CodeAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    const int CodeLength = 10;
    static readonly TimeSpan RepurchaseWindow = TimeSpan.FromDays(30);

    /// <summary>The station the actor's marketing belongs to: the main station for the platform, an owner's own station,
    /// or null for an owner without one.</summary>
    public static int? StationOf(AuditActor actor) => actor.StationId switch { null => Station.MainStationId, -1 => null, var own => own };

    // ================================================================ coupons

    public async Task<CouponChoices?> CouponChoicesAsync(AuditActor actor, CancellationToken ct = default)
    {
        if (StationOf(actor) is not int stationId) return null;
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var categories = await db.Categories.AsNoTracking().Where(c => c.StationId == Station.MainStationId || c.StationId == stationId)
            .OrderBy(c => c.SortOrder).ThenBy(c => c.Id).Select(c => new MarketingChoice(c.Id, c.Name)).ToListAsync(ct);
        var levels = await db.MemberLevels.AsNoTracking().Where(m => m.StationId == stationId).OrderBy(m => m.SpendThreshold)
            .Select(m => new MarketingChoice(m.Id, m.Name)).ToListAsync(ct);
        return new CouponChoices(stationId, await MayShareWithChildrenAsync(db, stationId, ct), categories, await ProductsOfAsync(db, stationId, ct), levels);
    }

    /// <summary>下级分站可用 means something only for the platform and a station that has, or may open, child stations.</summary>
    static async Task<bool> MayShareWithChildrenAsync(KaMengDbContext db, int stationId, CancellationToken ct) =>
        stationId == Station.MainStationId
        || await db.Stations.AnyAsync(s => s.ParentId == stationId, ct)
        || await db.Stations.AnyAsync(s => s.Id == stationId && s.Level != null && s.Level.MayOpenChildren, ct);

    async Task<List<MarketingProduct>> ProductsOfAsync(KaMengDbContext db, int stationId, CancellationToken ct)
    {
        var pricing = await prices.ForStationAsync(stationId);
        var products = await db.Products.AsNoTracking().Where(p => !p.Deleted && (p.StationId == Station.MainStationId || p.StationId == stationId))
            .OrderBy(p => p.CategoryId).ThenBy(p => p.SortOrder).ThenBy(p => p.Id).ToListAsync(ct);
        return [.. products.Select(p => { var q = pricing.Quote(p); return new MarketingProduct(p.Id, p.Name, p.CategoryId, q.Cost, q.Price); })];
    }

    /// <summary>The station's coupons, newest first, with their redemption figures.</summary>
    public async Task<List<CouponReportRow>> CouponReportAsync(AuditActor actor, CancellationToken ct = default)
    {
        if (StationOf(actor) is not int stationId) return [];
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var coupons = await db.Coupons.AsNoTracking().Where(c => c.StationId == stationId).OrderByDescending(c => c.Id).ToListAsync(ct);
        if (coupons.Count == 0) return [];
        var grants = await db.CouponGrants.Where(g => g.StationId == stationId).GroupBy(g => g.CouponId)
            .Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, ct);
        var codes = await db.CouponCodes.Where(c => c.StationId == stationId).GroupBy(c => c.CouponId)
            .Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, ct);
        var consumed = await db.CouponRedemptions.AsNoTracking().Where(r => r.StationId == stationId && r.Status == RedemptionStatus.Consumed)
            .Select(r => new { r.CouponId, r.OrderId, r.OrderStationId, r.BuyerUserId, r.Discount, r.OrderTotal, r.CreatedAt }).ToListAsync(ct);

        // Repurchase: a later delivered order of the same buyer at the station where the coupon was used. A coupon shared with
        // child stations is used on their orders, which the owner's scope hides; only a count leaves this query.
        var buyers = consumed.Where(r => r.BuyerUserId is not null).Select(r => r.BuyerUserId!).Distinct().ToList();
        var orderStations = consumed.Select(r => r.OrderStationId).Distinct().ToList();
        var since = consumed.Count == 0 ? clock.GetUtcNow() : consumed.Min(r => r.CreatedAt);
        var later = buyers.Count == 0 ? [] : await db.Orders.IgnoreQueryFilters().AsNoTracking()
            .Where(o => o.Status == OrderStatus.Delivered && o.BuyerUserId != null && buyers.Contains(o.BuyerUserId) && orderStations.Contains(o.StationId) && o.CreatedAt > since)
            .Select(o => new { o.Id, o.BuyerUserId, o.StationId, o.CreatedAt }).ToListAsync(ct);
        var laterByBuyer = later.ToLookup(o => o.BuyerUserId!);

        var now = clock.GetUtcNow();
        return [.. coupons.Select(c =>
        {
            var used = consumed.Where(r => r.CouponId == c.Id).ToList();
            var couponBuyers = used.Where(r => r.BuyerUserId is not null).GroupBy(r => r.BuyerUserId!).ToList();
            var repurchasers = couponBuyers.Count(g => g.Any(r => laterByBuyer[g.Key].Any(o =>
                o.Id != r.OrderId && o.StationId == r.OrderStationId && o.CreatedAt > r.CreatedAt && o.CreatedAt <= r.CreatedAt + RepurchaseWindow)));
            return new CouponReportRow(c.Id, c.Name, MarketingInput.Rule(c), c.Code, c.Disabled, Validity(c, now), c.Code is not null,
                grants.GetValueOrDefault(c.Id) + codes.GetValueOrDefault(c.Id), c.Taken, c.TotalLimit, used.Count,
                Money.FromFen(used.Sum(r => r.Discount.Fen)), Money.FromFen(used.Sum(r => r.OrderTotal.Fen - r.Discount.Fen)),
                couponBuyers.Count, repurchasers, c.ForSubstations);
        })];
    }

    static string Validity(Coupon c, DateTimeOffset now)
    {
        var window = c.ValidDays is { } days ? $"领取后 {days} 天" : $"{BusinessTime.Format(c.ValidFrom, none: "即日")} 至 {BusinessTime.Format(c.ValidUntil, none: "长期")}";
        return c.ValidDays is null && c.ValidUntil is { } until && until <= now ? window + "（已过期）" : window;
    }

    public async Task<CouponForm?> CouponFormAsync(AuditActor actor, int couponId, CancellationToken ct = default)
    {
        if (StationOf(actor) is not int stationId) return null;
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var c = await db.Coupons.AsNoTracking().SingleOrDefaultAsync(x => x.Id == couponId && x.StationId == stationId, ct);
        return c is null ? null : new CouponForm
        {
            Id = c.Id, Name = c.Name, Kind = c.Kind,
            Threshold = c.Threshold.Fen > 0 ? c.Threshold.ToDecimalString() : null,
            AmountOff = c.Kind == CouponKind.AmountOff ? c.AmountOff.ToDecimalString() : null,
            PercentOff = c.Kind == CouponKind.PercentOff ? c.PercentOff.ToString(System.Globalization.CultureInfo.InvariantCulture) : null,
            MaxDiscount = c.MaxDiscount?.ToDecimalString(), Scope = c.Scope, ScopeIds = c.ScopeIdList.ToList(),
            ValidFrom = BusinessTime.ToBusinessDateTime(c.ValidFrom), ValidUntil = BusinessTime.ToBusinessDateTime(c.ValidUntil), ValidDays = c.ValidDays,
            TotalLimit = c.TotalLimit, PerBuyerLimit = c.PerBuyerLimit, Audience = c.Audience, MemberLevelIds = c.MemberLevelIdList.ToList(),
            StacksWithMember = c.StacksWithMember, StacksWithFlash = c.StacksWithFlash, StacksWithWholesale = c.StacksWithWholesale,
            ForSubstations = c.ForSubstations, Code = c.Code,
        };
    }

    /// <summary>Creates or updates a coupon. Returns a Chinese reason when refused (nothing written), else null; a new
    /// coupon's id is put in <see cref="CouponForm.Id"/>.</summary>
    public async Task<string?> SaveCouponAsync(AuditActor actor, CouponForm form, CancellationToken ct = default)
    {
        if (StationOf(actor) is not int stationId) return NoStation;
        if (MarketingInput.Money(form.Threshold, "使用门槛", out var threshold) is { } e1) return e1;
        Money? amountOff = null, maxDiscount = null;
        var percent = 0;
        if (form.Kind == CouponKind.AmountOff)
        {
            if (MarketingInput.Money(form.AmountOff, "减免金额", out amountOff, allowEmpty: false) is { } e2) return e2;
        }
        else
        {
            if (MarketingInput.PercentOff(form.PercentOff, out percent) is { } e3) return e3;
            if (MarketingInput.Money(form.MaxDiscount, "最高优惠金额", out maxDiscount) is { } e4) return e4;
        }
        var codeText = string.IsNullOrWhiteSpace(form.Code) ? null : form.Code.Trim();
        var candidate = new Coupon
        {
            StationId = stationId, Name = form.Name?.Trim() ?? "", Kind = form.Kind, Threshold = threshold ?? Money.Zero, AmountOff = amountOff ?? Money.Zero,
            PercentOff = percent, MaxDiscount = maxDiscount, Scope = form.Scope,
            ScopeIds = form.Scope == CouponScope.All ? null : Csv(form.ScopeIds),
            ValidFrom = BusinessTime.FromBusiness(form.ValidFrom), ValidUntil = BusinessTime.FromBusiness(form.ValidUntil),
            ValidDays = form.ValidDays, TotalLimit = form.TotalLimit, PerBuyerLimit = form.PerBuyerLimit, Audience = form.Audience,
            MemberLevelIds = form.Audience == CouponAudience.MemberLevels ? Csv(form.MemberLevelIds) : null,
            StacksWithMember = form.StacksWithMember, StacksWithFlash = form.StacksWithFlash, StacksWithWholesale = form.StacksWithWholesale,
            ForSubstations = form.ForSubstations, Code = codeText,
        };
        if (candidate.Validate() is { } invalid) return invalid;
        candidate.Code = Coupon.NormalizeCode(codeText);
        if (candidate.ScopeIds is { Length: > 2000 }) return "适用范围选得太多，请改用分类或全部商品";

        await using var db = await actor.ScopedAsync(dbFactory, ct);
        Coupon? coupon = null;
        if (form.Id is int id)
        {
            coupon = await db.Coupons.SingleOrDefaultAsync(c => c.Id == id && c.StationId == stationId, ct);
            if (coupon is null) return "优惠券不存在";
            if (candidate.TotalLimit > 0 && candidate.TotalLimit < coupon.Taken) return $"总量不能少于已使用的 {coupon.Taken} 张";
        }
        if (candidate.Code is { } code)
        {
            if (await db.Coupons.AnyAsync(c => c.StationId == stationId && c.Code == code && c.Id != (form.Id ?? 0), ct)
                || await db.CouponCodes.AnyAsync(c => c.StationId == stationId && c.Code == code, ct))
                return $"券码「{code}」已被本站其他优惠券使用，请换一个";
            if (coupon is not null && coupon.Code is null && await db.CouponCodes.AnyAsync(c => c.CouponId == coupon.Id, ct))
                return "该优惠券已生成一次性券码，不能再设置公开券码";
        }
        if (candidate.Scope != CouponScope.All)
        {
            var ids = candidate.ScopeIdList.Distinct().ToList();
            var found = candidate.Scope == CouponScope.Categories
                ? await db.Categories.CountAsync(c => ids.Contains(c.Id) && (c.StationId == Station.MainStationId || c.StationId == stationId), ct)
                : await db.Products.CountAsync(p => ids.Contains(p.Id) && !p.Deleted && (p.StationId == Station.MainStationId || p.StationId == stationId), ct);
            if (found != ids.Count) return candidate.Scope == CouponScope.Categories ? "所选分类不存在或不属于本站，请重新选择" : "所选商品不存在或不属于本站，请重新选择";
        }
        if (candidate.Audience == CouponAudience.MemberLevels)
        {
            var ids = candidate.MemberLevelIdList.Distinct().ToList();
            if (await db.MemberLevels.CountAsync(m => ids.Contains(m.Id) && m.StationId == stationId, ct) != ids.Count) return "所选会员等级不属于本站，请重新选择";
        }
        if (candidate.ForSubstations && !await MayShareWithChildrenAsync(db, stationId, ct)) return "本站不能开下级分站，不能设置「下级分站可用」";

        var now = clock.GetUtcNow();
        var created = coupon is null;
        if (coupon is null)
        {
            candidate.CreatedAt = now;
            coupon = db.Coupons.Add(candidate).Entity;
        }
        else
        {
            // Taken, Disabled and CreatedAt are not the form's to set.
            candidate.Id = coupon.Id; candidate.Taken = coupon.Taken; candidate.Disabled = coupon.Disabled; candidate.CreatedAt = coupon.CreatedAt;
            db.Entry(coupon).CurrentValues.SetValues(candidate);
        }
        await using var tx = await db.BeginBusinessTransactionAsync(ct);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException) when (candidate.Code is not null)
        {
            // The unique index on (station, code): another save took the code between the check and this one.
            return $"券码「{candidate.Code}」已被本站其他优惠券使用，请换一个";
        }
        db.AuditEntries.Add(actor.Entry(created ? "coupon.create" : "coupon.update", $"coupon:{coupon.Id}", $"{(created ? "新建" : "修改")}优惠券：{coupon.Name}（{MarketingInput.Rule(coupon)}）", now, stationId));
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        form.Id = coupon.Id;
        return null;
    }

    static string? Csv(IEnumerable<int> ids) => ids.Any() ? string.Join(",", ids.Distinct().Order()) : null;

    /// <summary>停用 / 启用. A disabled coupon is refused at checkout; grants and codes keep their rows.</summary>
    public async Task<string?> SetCouponDisabledAsync(AuditActor actor, int couponId, bool disabled, CancellationToken ct = default)
    {
        if (StationOf(actor) is not int stationId) return NoStation;
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var coupon = await db.Coupons.SingleOrDefaultAsync(c => c.Id == couponId && c.StationId == stationId, ct);
        if (coupon is null) return "优惠券不存在";
        if (coupon.Disabled == disabled) return null;
        coupon.Disabled = disabled;
        db.AuditEntries.Add(actor.Entry(disabled ? "coupon.disable" : "coupon.enable", $"coupon:{coupon.Id}", $"{(disabled ? "停用" : "启用")}优惠券：{coupon.Name}", clock.GetUtcNow(), stationId));
        await db.SaveChangesAsync(ct);
        return null;
    }

    /// <summary>Why no more codes or grants can be given for the coupon, or null.</summary>
    static string? CannotIssue(Coupon coupon, DateTimeOffset now)
    {
        if (coupon.Disabled) return "优惠券已停用，请先启用";
        if (coupon.Code is not null) return "该优惠券使用公开券码，任何人都可输入，不需要再发放";
        if (coupon.ValidDays is null && coupon.ValidUntil is { } until && until <= now) return "优惠券已过期";
        return null;
    }

    public async Task<List<CouponBatch>> BatchesAsync(AuditActor actor, int couponId, CancellationToken ct = default)
    {
        if (StationOf(actor) is not int stationId) return [];
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var codes = await db.CouponCodes.AsNoTracking().Where(c => c.CouponId == couponId && c.StationId == stationId)
            .Select(c => new { c.BatchNo, Used = c.OrderId != null, c.CreatedAt }).ToListAsync(ct);
        return [.. codes.GroupBy(c => c.BatchNo).Select(g => new CouponBatch(g.Key, g.Count(), g.Count(c => c.Used), g.Min(c => c.CreatedAt))).OrderByDescending(b => b.CreatedAt).ThenByDescending(b => b.BatchNo)];
    }

    /// <summary>Generates a batch of <paramref name="count"/> one-time codes (10 characters, unique in the station), numbered
    /// B{yyyyMMdd}-{n} by the business day. Returns a Chinese reason, or null; the batch number goes to <paramref name="batch"/>.</summary>
    public async Task<string?> GenerateCodesAsync(AuditActor actor, int couponId, int count, Action<string>? batch = null, CancellationToken ct = default)
    {
        if (StationOf(actor) is not int stationId) return NoStation;
        if (count is < 1 or > MaxCodesPerBatch) return $"每批生成 1–{MaxCodesPerBatch} 个券码";
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var coupon = await db.Coupons.AsNoTracking().SingleOrDefaultAsync(c => c.Id == couponId && c.StationId == stationId, ct);
        if (coupon is null) return "优惠券不存在";
        var now = clock.GetUtcNow();
        if (CannotIssue(coupon, now) is { } refused) return refused;

        await using var tx = await db.BeginBusinessTransactionAsync(ct);
        var prefix = $"B{BusinessTime.Format(now, "yyyyMMdd")}-";
        var numbers = await db.CouponCodes.Where(c => c.StationId == stationId && c.BatchNo.StartsWith(prefix)).Select(c => c.BatchNo).Distinct().ToListAsync(ct);
        var batchNo = prefix + (numbers.Select(n => int.TryParse(n.AsSpan(prefix.Length), out var k) ? k : 0).DefaultIfEmpty(0).Max() + 1);

        var codes = new HashSet<string>(StringComparer.Ordinal);
        while (codes.Count < count)
        {
            var fresh = new List<string>();
            while (codes.Count + fresh.Count < count)
            {
                var code = new string(RandomNumberGenerator.GetItems<char>(CodeAlphabet, CodeLength));
                if (!codes.Contains(code) && !fresh.Contains(code)) fresh.Add(code);
            }
            // 31^10 codes: a clash with the station's existing codes is all but impossible, but it is checked, not assumed.
            var taken = new HashSet<string>(StringComparer.Ordinal);
            foreach (var chunk in fresh.Chunk(500))
            {
                taken.UnionWith(await db.CouponCodes.Where(c => c.StationId == stationId && chunk.Contains(c.Code)).Select(c => c.Code).ToListAsync(ct));
                taken.UnionWith(await db.Coupons.Where(c => c.StationId == stationId && c.Code != null && chunk.Contains(c.Code)).Select(c => c.Code!).ToListAsync(ct));
            }
            codes.UnionWith(fresh.Where(c => !taken.Contains(c)));
        }
        db.CouponCodes.AddRange(codes.Select(code => new CouponCode { CouponId = coupon.Id, StationId = stationId, Code = code, BatchNo = batchNo, CreatedAt = now }));
        db.AuditEntries.Add(actor.Entry("coupon.codes", $"coupon:{coupon.Id}", $"生成券码 {count} 个（批次 {batchNo}）：{coupon.Name}", now, stationId));
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        batch?.Invoke(batchNo);
        return null;
    }

    /// <summary>Writes a batch's codes to an .xlsx in the exports folder, downloadable by this user only (the reports'
    /// /admin/exports/{id}), and records who exported them: codes are money to whoever holds them.</summary>
    public async Task<(string? Error, string? DownloadUrl)> ExportBatchAsync(AuditActor actor, int couponId, string batchNo, CancellationToken ct = default)
    {
        if (StationOf(actor) is not int stationId) return (NoStation, null);
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var coupon = await db.Coupons.AsNoTracking().SingleOrDefaultAsync(c => c.Id == couponId && c.StationId == stationId, ct);
        if (coupon is null) return ("优惠券不存在", null);
        var codes = await db.CouponCodes.AsNoTracking().Where(c => c.CouponId == couponId && c.StationId == stationId && c.BatchNo == batchNo)
            .OrderBy(c => c.Id).Select(c => new { c.Code, c.OrderId, c.CreatedAt }).ToListAsync(ct);
        if (codes.Count == 0) return ("批次不存在", null);

        var dir = Directory.CreateDirectory(ExportCleanupJob.ExportsDir(kameng.Value)).FullName;
        var id = Guid.NewGuid().ToString("N");
        var path = Path.Combine(dir, id + ".xlsx");
        try
        {
            await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            await using (var excel = await ExcelWriter.CreateAsync(file, ct))
            {
                var sheet = await excel.BeginSheetAsync("券码", [new("券码", 16), new("批次", 14), new("优惠券", 24), new("优惠", 20), new("状态", 10), new("生成时间", 20)], codes.Count, ct);
                var rule = MarketingInput.Rule(coupon);
                foreach (var c in codes)
                    await sheet.BeginRow().Text(c.Code).Text(batchNo).Text(coupon.Name).Text(rule).Text(c.OrderId is null ? "未使用" : "已使用").DateTime(c.CreatedAt).EndRowAsync(ct);
            }
            var fileName = $"优惠券码_{batchNo}.xlsx";
            BackgroundExports.WriteMeta(dir, id, [actor.UserId], fileName);
            db.AuditEntries.Add(actor.Entry("coupon.codes.export", $"coupon:{coupon.Id}", $"导出券码 {codes.Count} 个（批次 {batchNo}）：{coupon.Name}", clock.GetUtcNow(), stationId));
            await db.SaveChangesAsync(ct);
        }
        catch
        {
            try { File.Delete(path); } catch (IOException) { }
            throw;
        }
        return (null, BackgroundExports.DownloadPath(id));
    }

    /// <summary>Gives the coupon to each listed buyer (username or email; separated by lines, commas or spaces): one grant
    /// each, expiring ValidDays after now or at the coupon's end. Any unknown name refuses the whole list.</summary>
    public async Task<string?> GrantAsync(AuditActor actor, int couponId, string? users, CancellationToken ct = default)
    {
        if (StationOf(actor) is not int stationId) return NoStation;
        var typed = (users ?? "").Split(['\n', '\r', ',', '，', ';', '；', ' ', '　', '、', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .DistinctBy(n => n.ToUpperInvariant()).ToList();
        // Identity's normalized forms (upper case) are what the user table is searched by.
        var names = typed.Select(n => n.ToUpperInvariant()).ToList();
        if (names.Count == 0) return "请填写要发放的用户名或邮箱";
        if (names.Count > MaxGrantsAtOnce) return $"一次最多发放给 {MaxGrantsAtOnce} 个用户";
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var coupon = await db.Coupons.AsNoTracking().SingleOrDefaultAsync(c => c.Id == couponId && c.StationId == stationId, ct);
        if (coupon is null) return "优惠券不存在";
        var now = clock.GetUtcNow();
        if (CannotIssue(coupon, now) is { } refused) return refused;

        var found = await db.Users.AsNoTracking().Where(u => names.Contains(u.NormalizedUserName!) || names.Contains(u.NormalizedEmail!))
            .Select(u => new { u.Id, u.NormalizedUserName, u.NormalizedEmail }).ToListAsync(ct);
        var unknown = typed.Where(n => !found.Any(u => u.NormalizedUserName == n.ToUpperInvariant() || u.NormalizedEmail == n.ToUpperInvariant())).ToList();
        if (unknown.Count > 0) return $"找不到用户：{string.Join("、", unknown.Take(10))}{(unknown.Count > 10 ? $" 等 {unknown.Count} 个" : "")}";

        var expires = coupon.ValidDays is { } days ? now.AddDays(days) : coupon.ValidUntil;
        var userIds = found.Select(u => u.Id).Distinct().ToList();
        db.CouponGrants.AddRange(userIds.Select(u => new CouponGrant { CouponId = coupon.Id, StationId = stationId, UserId = u, GrantedAt = now, ExpiresAt = expires, Source = "发放" }));
        db.AuditEntries.Add(actor.Entry("coupon.grant", $"coupon:{coupon.Id}", $"发放优惠券给 {userIds.Count} 个用户：{coupon.Name}", now, stationId));
        await db.SaveChangesAsync(ct);
        return null;
    }

    // ================================================================ flash sales

    public async Task<List<MarketingProduct>> ProductsAsync(AuditActor actor, CancellationToken ct = default)
    {
        if (StationOf(actor) is not int stationId) return [];
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        return await ProductsOfAsync(db, stationId, ct);
    }

    public async Task<List<FlashSaleRow>> FlashSalesAsync(AuditActor actor, CancellationToken ct = default)
    {
        if (StationOf(actor) is not int stationId) return [];
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var sales = await db.FlashSales.AsNoTracking().Where(f => f.StationId == stationId).OrderByDescending(f => f.Id).ToListAsync(ct);
        var productIds = sales.Select(f => f.ProductId).Distinct().ToList();
        var names = await db.Products.AsNoTracking().Where(p => productIds.Contains(p.Id)).ToDictionaryAsync(p => p.Id, p => p.Name, ct);
        var saleIds = sales.Select(f => f.Id).ToList();
        var ordered = await db.Orders.Where(o => o.FlashSaleId != null && saleIds.Contains(o.FlashSaleId.Value)).Select(o => o.FlashSaleId!.Value).Distinct().ToListAsync(ct);
        return [.. sales.Select(f => new FlashSaleRow(f.Id, f.ProductId, names.GetValueOrDefault(f.ProductId, $"商品 {f.ProductId}"), f.Title, f.Describe(),
            f.StartsAt, f.EndsAt, f.Quota, f.Taken, f.PerBuyerLimit, f.LoginRequired, f.Paused, f.PauseReason, f.Taken > 0 || ordered.Contains(f.Id)))];
    }

    public async Task<FlashSaleForm?> FlashSaleFormAsync(AuditActor actor, int saleId, CancellationToken ct = default)
    {
        if (StationOf(actor) is not int stationId) return null;
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var f = await db.FlashSales.AsNoTracking().SingleOrDefaultAsync(x => x.Id == saleId && x.StationId == stationId, ct);
        return f is null ? null : new FlashSaleForm
        {
            Id = f.Id, ProductId = f.ProductId, Title = f.Title, FixedPrice = f.Price is not null, Price = f.Price?.ToDecimalString(),
            PercentOff = f.Price is null ? f.PercentOff.ToString(System.Globalization.CultureInfo.InvariantCulture) : null,
            StartsAt = BusinessTime.ToBusinessDateTime(f.StartsAt), EndsAt = BusinessTime.ToBusinessDateTime(f.EndsAt),
            Quota = f.Quota, PerBuyerLimit = f.PerBuyerLimit, LoginRequired = f.LoginRequired,
        };
    }

    /// <summary>The product as the station sells it now, or a Chinese reason why it cannot carry a promotion here.</summary>
    async Task<(Product? Product, PriceQuote? Quote, string? Error)> SoldHereAsync(KaMengDbContext db, int stationId, int? productId, CancellationToken ct)
    {
        if (productId is not int pid) return (null, null, "请选择商品");
        var product = await db.Products.AsNoTracking().SingleOrDefaultAsync(p => p.Id == pid && !p.Deleted, ct);
        var station = await stations.ByIdAsync(stationId);
        if (product is null || station is null || !PriceResolver.IsVisibleTo(station, product)) return (null, null, "商品不存在或本站不销售该商品");
        return (product, (await prices.ForStationAsync(stationId)).Quote(product), null);
    }

    public async Task<string?> SaveFlashSaleAsync(AuditActor actor, FlashSaleForm form, CancellationToken ct = default)
    {
        if (StationOf(actor) is not int stationId) return NoStation;
        Money? price = null;
        var percent = 0;
        if (form.FixedPrice)
        {
            if (MarketingInput.Money(form.Price, "秒杀价", out price, allowEmpty: false) is { } e1) return e1;
        }
        else if (MarketingInput.PercentOff(form.PercentOff, out percent) is { } e2) return e2;
        if (form.StartsAt is null || form.EndsAt is null) return "请填写开始和结束时间";

        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var (product, quote, error) = await SoldHereAsync(db, stationId, form.ProductId, ct);
        if (error is not null) return error;
        FlashSale? sale = null;
        if (form.Id is int id)
        {
            sale = await db.FlashSales.SingleOrDefaultAsync(f => f.Id == id && f.StationId == stationId, ct);
            if (sale is null) return "活动不存在";
            if (sale.ProductId != product!.Id && sale.Taken > 0) return "活动已有人抢购，不能更换商品";
            if (form.Quota > 0 && form.Quota < sale.Taken) return $"名额不能少于已抢的 {sale.Taken} 件";
        }
        var candidate = new FlashSale
        {
            Id = sale?.Id ?? 0, StationId = stationId, ProductId = product!.Id, Title = form.Title?.Trim() ?? "", Price = price, PercentOff = percent,
            StartsAt = BusinessTime.FromBusiness(form.StartsAt.Value), EndsAt = BusinessTime.FromBusiness(form.EndsAt.Value),
            Quota = form.Quota, PerBuyerLimit = form.PerBuyerLimit, LoginRequired = form.LoginRequired,
        };
        if (candidate.Validate(quote!.Cost, quote.Price) is { } invalid) return invalid;
        var others = await db.FlashSales.AsNoTracking().Where(f => f.StationId == stationId && f.ProductId == product.Id && f.Id != candidate.Id).ToListAsync(ct);
        if (others.FirstOrDefault(candidate.Overlaps) is { } clash)
            return $"该商品在 {BusinessTime.Format(clash.StartsAt)} 至 {BusinessTime.Format(clash.EndsAt)} 已有秒杀活动「{clash.Title}」，时间不能重叠";

        var now = clock.GetUtcNow();
        var created = sale is null;
        if (sale is null)
        {
            candidate.CreatedAt = now;
            sale = db.FlashSales.Add(candidate).Entity;
        }
        else
        {
            sale.ProductId = candidate.ProductId; sale.Title = candidate.Title; sale.Price = candidate.Price; sale.PercentOff = candidate.PercentOff;
            sale.StartsAt = candidate.StartsAt; sale.EndsAt = candidate.EndsAt; sale.Quota = candidate.Quota; sale.PerBuyerLimit = candidate.PerBuyerLimit;
            sale.LoginRequired = candidate.LoginRequired;
        }
        var detail = $"{(created ? "新建" : "修改")}秒杀：{sale.Title}（{product.Name}，{sale.Describe()}，{BusinessTime.Format(sale.StartsAt)} 至 {BusinessTime.Format(sale.EndsAt)}）";
        await using (var tx = await db.BeginBusinessTransactionAsync(ct))
        {
            await db.SaveChangesAsync(ct);
            db.AuditEntries.Add(actor.Entry(created ? "flash.create" : "flash.update", $"flash:{sale.Id}", detail, now, stationId));
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        prices.Invalidate();
        form.Id = sale.Id;
        return null;
    }

    /// <summary>暂停 / 恢复. Resuming checks the sale against the station's cost now: a cost rise may have put it below.</summary>
    public async Task<string?> SetFlashSalePausedAsync(AuditActor actor, int saleId, bool paused, CancellationToken ct = default)
    {
        if (StationOf(actor) is not int stationId) return NoStation;
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var sale = await db.FlashSales.SingleOrDefaultAsync(f => f.Id == saleId && f.StationId == stationId, ct);
        if (sale is null) return "活动不存在";
        if (sale.Paused == paused) return null;
        if (!paused)
        {
            var (_, quote, error) = await SoldHereAsync(db, stationId, sale.ProductId, ct);
            if (error is not null) return error;
            if (sale.Validate(quote!.Cost, quote.Price) is { } invalid) return "不能恢复：" + invalid;
        }
        sale.Paused = paused;
        sale.PauseReason = paused ? "站长暂停" : null;
        db.AuditEntries.Add(actor.Entry(paused ? "flash.pause" : "flash.resume", $"flash:{sale.Id}", $"{(paused ? "暂停" : "恢复")}秒杀：{sale.Title}", clock.GetUtcNow(), stationId));
        await db.SaveChangesAsync(ct);
        prices.Invalidate();
        return null;
    }

    /// <summary>Deletes a sale nobody has bought in (no quota taken, no order points at it); a used one can only be paused.</summary>
    public async Task<string?> DeleteFlashSaleAsync(AuditActor actor, int saleId, CancellationToken ct = default)
    {
        if (StationOf(actor) is not int stationId) return NoStation;
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var sale = await db.FlashSales.SingleOrDefaultAsync(f => f.Id == saleId && f.StationId == stationId, ct);
        if (sale is null) return "活动不存在";
        if (sale.Taken > 0 || await db.Orders.IgnoreQueryFilters().AnyAsync(o => o.FlashSaleId == sale.Id, ct)) return "活动已有订单，不能删除，可以暂停";
        db.FlashSales.Remove(sale);
        db.AuditEntries.Add(actor.Entry("flash.delete", $"flash:{sale.Id}", $"删除秒杀：{sale.Title}", clock.GetUtcNow(), stationId));
        await db.SaveChangesAsync(ct);
        prices.Invalidate();
        return null;
    }

    // ================================================================ wholesale tiers

    /// <summary>The station's products that have tiers, with the tiers in one line.</summary>
    public async Task<List<WholesaleProductRow>> WholesaleOverviewAsync(AuditActor actor, CancellationToken ct = default)
    {
        if (StationOf(actor) is not int stationId) return [];
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var tiers = await db.WholesaleTiers.AsNoTracking().Where(t => t.StationId == stationId).OrderBy(t => t.ProductId).ThenBy(t => t.MinQuantity).ToListAsync(ct);
        var ids = tiers.Select(t => t.ProductId).Distinct().ToList();
        var names = await db.Products.AsNoTracking().Where(p => ids.Contains(p.Id)).ToDictionaryAsync(p => p.Id, p => p.Name, ct);
        return [.. tiers.GroupBy(t => t.ProductId).Select(g => new WholesaleProductRow(g.Key, names.GetValueOrDefault(g.Key, $"商品 {g.Key}"),
            string.Join("；", g.Select(Describe))))];
    }

    public static string Describe(WholesaleTier t) =>
        $"满 {t.MinQuantity} 件 " + (t.UnitPrice is { } p ? $"单价 {p}" : $"{Percent.Format((100 - t.PercentOff) * 10)} 折");

    public async Task<List<WholesaleTierForm>> TiersAsync(AuditActor actor, int productId, CancellationToken ct = default)
    {
        if (StationOf(actor) is not int stationId) return [];
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        return await db.WholesaleTiers.AsNoTracking().Where(t => t.StationId == stationId && t.ProductId == productId).OrderBy(t => t.MinQuantity)
            .Select(t => new WholesaleTierForm
            {
                MinQuantity = t.MinQuantity, FixedPrice = t.UnitPrice != null,
                UnitPrice = t.UnitPrice == null ? null : t.UnitPrice.Value.ToDecimalString(),
                PercentOff = t.UnitPrice == null ? t.PercentOff.ToString() : null,
            }).ToListAsync(ct);
    }

    /// <summary>Replaces the product's tiers at the station with these (none: removes them), in one transaction. Each tier is
    /// checked against the station's cost; minimum quantities must differ.</summary>
    public async Task<string?> SaveTiersAsync(AuditActor actor, int productId, IReadOnlyList<WholesaleTierForm> rows, CancellationToken ct = default)
    {
        if (StationOf(actor) is not int stationId) return NoStation;
        if (rows.Count > 20) return "每个商品最多 20 档批发价";
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var (product, quote, error) = await SoldHereAsync(db, stationId, productId, ct);
        if (error is not null) return error;
        var tiers = new List<WholesaleTier>();
        foreach (var row in rows)
        {
            Money? unit = null;
            var percent = 0;
            var label = $"满 {row.MinQuantity} 件：";
            if (row.FixedPrice)
            {
                if (MarketingInput.Money(row.UnitPrice, "批发单价", out unit, allowEmpty: false) is { } e1) return label + e1;
            }
            else if (MarketingInput.PercentOff(row.PercentOff, out percent) is { } e2) return label + e2;
            var tier = new WholesaleTier { StationId = stationId, ProductId = product!.Id, MinQuantity = row.MinQuantity, UnitPrice = unit, PercentOff = percent };
            if (tier.Validate(quote!.Cost, quote.Price) is { } invalid) return label + invalid;
            if (tiers.Any(t => t.MinQuantity == tier.MinQuantity)) return $"起批数量 {tier.MinQuantity} 重复，每档的起批数量不能相同";
            tiers.Add(tier);
        }

        await using var tx = await db.BeginBusinessTransactionAsync(ct);
        var old = await db.WholesaleTiers.Where(t => t.StationId == stationId && t.ProductId == product!.Id).ToListAsync(ct);
        db.WholesaleTiers.RemoveRange(old);
        // Removed first: the new rows may reuse a minimum quantity the unique index still holds.
        await db.SaveChangesAsync(ct);
        db.WholesaleTiers.AddRange(tiers.OrderBy(t => t.MinQuantity));
        db.AuditEntries.Add(actor.Entry("wholesale.save", $"product:{product!.Id}",
            tiers.Count == 0 ? $"清除批发价：{product.Name}" : $"设置批发价：{product.Name}（{string.Join("；", tiers.OrderBy(t => t.MinQuantity).Select(Describe))}）", clock.GetUtcNow(), stationId));
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        prices.Invalidate();
        return null;
    }
}
