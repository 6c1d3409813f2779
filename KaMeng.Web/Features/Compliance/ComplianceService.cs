using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Stations;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Compliance;

/// <summary>How many products and station names a rescan changed.</summary>
public sealed record RescanResult(int Scanned, int TakenOff, int Flagged, int Cleared, int OverridesHidden);

/// <summary>
/// 合规 (issue 21 §5): 商品审核 of what substations list, the 违禁词 scan of names and descriptions, and 站点处罚. Other services
/// call the hooks (<see cref="ReviewNewListingAsync"/>, <see cref="RescanAsync"/>, <see cref="ScanOverrideAsync"/>,
/// <see cref="ListingRefusalAsync"/>) on their own context, inside their own transaction, and send the notices returned
/// after their commit (<see cref="Send"/>). Every refusal is a Chinese message and writes nothing.
/// </summary>
public sealed class ComplianceService(IDbContextFactory<KaMengDbContext> dbFactory, StationDirectory directory, IComplianceNotices notices, TimeProvider clock)
{
    const string OwnerProductsLink = "admin/suppliers";

    // ---------------------------------------------------------------- hooks for other services

    /// <summary>The enabled terms, read fresh (a list change on one node is seen by every other at once).</summary>
    public static async Task<TermScanner> ScannerAsync(KaMengDbContext db, CancellationToken ct) =>
        new(await db.ProhibitedTerms.AsNoTracking().Where(t => t.Enabled).ToListAsync(ct));

    /// <summary>The platform's own catalogue and stations of a trusted level (<see cref="StationLevel.SkipProductReview"/>) skip review.</summary>
    public static async Task<bool> SkipsReviewAsync(KaMengDbContext db, int stationId, CancellationToken ct) =>
        stationId == Station.MainStationId
        || await db.Stations.IgnoreQueryFilters().AnyAsync(s => s.Id == stationId && s.Level != null && s.Level.SkipProductReview, ct);

    /// <summary>
    /// A product a station creates or imports, before it is saved: scanned and put under review (待审核, or 违禁下架 on a
    /// hit; on sale at once only for a trusted station with no hit). Adds its audit entry; returns the notice to send.
    /// </summary>
    public async Task<ComplianceNotice?> ReviewNewListingAsync(KaMengDbContext db, Product product, CancellationToken ct = default)
    {
        var hits = (await ScannerAsync(db, ct)).ScanAll(product.Name, product.DescriptionMarkdown);
        product.SubmitForReview(hits, await SkipsReviewAsync(db, product.StationId, ct));
        var now = clock.GetUtcNow();
        switch (product.Review)
        {
            case ProductReview.Prohibited:
                db.AuditEntries.Add(SystemEntry("compliance.prohibited", product.Name, product.ReviewReason, now, product.StationId));
                return new(product.StationId, $"商品「{product.Name}」命中违禁词，未上架", $"{product.ReviewReason}。平台审核后才能销售，请修改商品名称或说明。", OwnerProductsLink);
            case ProductReview.Pending:
                db.AuditEntries.Add(SystemEntry("compliance.pending", product.Name, "新商品待平台审核", now, product.StationId));
                return null;
            default:
                return null;
        }
    }

    /// <summary>A product whose name or description changed (an upstream rename from sync, an edit): scanned again. Adds its audit entry; returns the notice.</summary>
    public async Task<ComplianceNotice?> RescanAsync(KaMengDbContext db, Product product, CancellationToken ct = default) =>
        Rescan(db, product, await ScannerAsync(db, ct), await SkipsReviewAsync(db, product.StationId, ct));

    /// <summary><see cref="RescanAsync"/> with the scanner (<see cref="ScannerAsync"/>) and the station's
    /// <see cref="SkipsReviewAsync"/> already read, for a caller rescanning many products at once (a sync).</summary>
    public ComplianceNotice? Rescan(KaMengDbContext db, Product product, TermScanner scanner, bool skipsReview) =>
        Apply(db, product, scanner.ScanAll(product.Name, product.DescriptionMarkdown), skipsReview, clock.GetUtcNow());

    ComplianceNotice? Apply(KaMengDbContext db, Product product, List<TermHit> hits, bool skipReview, DateTimeOffset now)
    {
        switch (product.ApplyScan(hits, skipReview))
        {
            case ScanOutcome.TakenOff:
                db.AuditEntries.Add(SystemEntry("compliance.prohibited", product.Name, "违禁下架：" + product.ReviewReason, now, product.StationId));
                return new(product.StationId, $"商品「{product.Name}」因违禁词已下架", $"{product.ReviewReason}。请修改后等待平台审核。", OwnerProductsLink);
            case ScanOutcome.Flagged:
                db.AuditEntries.Add(SystemEntry("compliance.flagged", product.Name, product.ReviewReason, now, product.StationId));
                return null;
            case ScanOutcome.Cleared:
                db.AuditEntries.Add(SystemEntry("compliance.cleared", product.Name,
                    product.Review == ProductReview.Approved ? "不再命中违禁词，恢复销售" : "不再命中违禁词，转为待审核", now, product.StationId));
                return null;
            default:
                return null;
        }
    }

    /// <summary>
    /// A station's own name or description of a product (商品 tab of 我的分站): a hit hides the product at that station
    /// (the owner's words are the owner's, the product itself stays on sale elsewhere). Adds its audit entry; returns the notice.
    /// </summary>
    public async Task<ComplianceNotice?> ScanOverrideAsync(KaMengDbContext db, StationProduct row, string productName, CancellationToken ct = default)
    {
        if (row.Hidden || (row.Name is null && row.DescriptionMarkdown is null)) return null;
        var hits = (await ScannerAsync(db, ct)).ScanAll(row.Name, row.DescriptionMarkdown);
        return hits.Count == 0 ? null : HideOverride(db, row, productName, hits, clock.GetUtcNow());
    }

    ComplianceNotice HideOverride(KaMengDbContext db, StationProduct row, string productName, List<TermHit> hits, DateTimeOffset now)
    {
        row.Hidden = true;
        var what = "命中违禁词：" + TermScanner.Describe(hits);
        db.AuditEntries.Add(SystemEntry("compliance.override_hidden", row.Name ?? productName, what, now, row.StationId));
        return new(row.StationId, $"商品「{row.Name ?? productName}」在本站已隐藏", $"本站的名称或说明{what}。修改后可重新显示。", "admin/station");
    }

    /// <summary>Why the station may not list anything new now (a 禁止上新 or 关站 sanction, with its end), or null.</summary>
    public async Task<string?> ListingRefusalAsync(KaMengDbContext db, int stationId, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        var sanction = await db.StationSanctions.IgnoreQueryFilters().AsNoTracking()
            .Where(s => s.StationId == stationId && s.LiftedAt == null && s.StartsAt <= now && s.EndsAt > now
                && (s.Kind == SanctionKind.NoNewListings || s.Kind == SanctionKind.Closed))
            .OrderByDescending(s => s.EndsAt).FirstOrDefaultAsync(ct);
        return sanction is null ? null
            : $"本站处于「{StationSanction.NameOf(sanction.Kind)}」处罚中，{BusinessTime.Format(sanction.EndsAt, "yyyy-MM-dd HH:mm")} 前不能导入或新增商品（原因：{sanction.Reason}）";
    }

    public void Send(ComplianceNotice? notice)
    {
        if (notice is not null) notices.Send(notice);
    }

    public void Send(IEnumerable<ComplianceNotice?> all)
    {
        foreach (var n in all) Send(n);
    }

    static AuditEntry SystemEntry(string action, string? target, string? detail, DateTimeOffset now, int stationId) => new()
    {
        Action = action, Target = target, Detail = detail, UserName = "合规扫描", CreatedAt = now, StationId = stationId,
    };

    // ---------------------------------------------------------------- 商品审核

    /// <summary>通过 (a note is required when the product's text hits a term now).</summary>
    public async Task<string?> ApproveAsync(AuditActor actor, int productId, string? note, CancellationToken ct = default)
    {
        if (actor.StationId is not null) return "只有平台管理员可以审核商品";
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var product = await db.Products.SingleOrDefaultAsync(p => p.Id == productId, ct);
        if (product is null) return "商品不存在";
        var now = clock.GetUtcNow();
        var hits = (await ScannerAsync(db, ct)).ScanAll(product.Name, product.DescriptionMarkdown);
        if (product.Approve(actor.UserName, note, hits, now) is { } refused) return refused;
        db.AuditEntries.Add(actor.Entry("compliance.approve", product.Name, product.ReviewNote is { } n ? $"审核通过，备注：{n}" : "审核通过", now, product.StationId));
        await db.SaveChangesAsync(ct);
        Send(new ComplianceNotice(product.StationId, $"商品「{product.Name}」已通过审核", "商品已可以销售。", OwnerProductsLink));
        return null;
    }

    /// <summary>驳回 with a reason the owner reads.</summary>
    public async Task<string?> RejectAsync(AuditActor actor, int productId, string? reason, CancellationToken ct = default)
    {
        if (actor.StationId is not null) return "只有平台管理员可以审核商品";
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var product = await db.Products.SingleOrDefaultAsync(p => p.Id == productId, ct);
        if (product is null) return "商品不存在";
        var now = clock.GetUtcNow();
        if (product.Reject(actor.UserName, reason, now) is { } refused) return refused;
        db.AuditEntries.Add(actor.Entry("compliance.reject", product.Name, $"驳回：{product.ReviewReason}", now, product.StationId));
        await db.SaveChangesAsync(ct);
        Send(new ComplianceNotice(product.StationId, $"商品「{product.Name}」未通过审核", $"驳回原因：{product.ReviewReason}", OwnerProductsLink));
        return null;
    }

    // ---------------------------------------------------------------- 违禁词

    public sealed record TermInput(int? Id, string? Category, string? Text, bool IsRegex, bool Enabled);

    /// <summary>Adds or edits a term (an invalid regular expression is refused), then rescans everything.</summary>
    public async Task<(string? Error, RescanResult? Rescan)> SaveTermAsync(AuditActor actor, TermInput input, CancellationToken ct = default)
    {
        if (actor.StationId is not null) return ("只有平台管理员可以维护违禁词", null);
        if (ProhibitedTerm.Check(input.Category, input.Text, input.IsRegex) is { } refused) return (refused, null);
        var category = input.Category!.Trim();
        var text = input.Text!.Trim();
        var now = clock.GetUtcNow();
        await using (var db = await actor.ScopedAsync(dbFactory, ct))
        {
            ProhibitedTerm? term = null;
            if (input.Id is { } id && (term = await db.ProhibitedTerms.SingleOrDefaultAsync(t => t.Id == id, ct)) is null) return ("违禁词不存在", null);
            if (await db.ProhibitedTerms.AnyAsync(t => t.Id != (input.Id ?? 0) && t.Text == text && t.IsRegex == input.IsRegex, ct)) return ("该违禁词已存在", null);
            if (term is null) db.ProhibitedTerms.Add(term = new ProhibitedTerm { Category = category, Text = text, CreatedAt = now });
            term.Category = category;
            term.Text = text;
            term.IsRegex = input.IsRegex;
            term.Enabled = input.Enabled;
            term.UpdatedAt = now;
            db.AuditEntries.Add(actor.Entry(input.Id is null ? "compliance.term.add" : "compliance.term.edit", text,
                $"{category}{(input.IsRegex ? "，正则" : "")}{(input.Enabled ? "" : "，已停用")}", now, null));
            await db.SaveChangesAsync(ct);
        }
        return (null, await RescanAllAsync(ct));
    }

    /// <summary>
    /// 全量重扫 after the list changed: every product's name and description, and every station's own names and descriptions.
    /// Hits take products off sale (and hide a station's renamed product there); products off sale only for terms that no
    /// longer hit go back to review (or on sale, where review is skipped). In pages, each page one transaction.
    /// </summary>
    public async Task<RescanResult> RescanAllAsync(CancellationToken ct = default)
    {
        int scanned = 0, takenOff = 0, flagged = 0, cleared = 0, hidden = 0;
        TermScanner scanner;
        Dictionary<int, bool> skips;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            scanner = await ScannerAsync(db, ct);
            skips = await db.Stations.AsNoTracking().Select(s => new { s.Id, Skip = s.ParentId == null || (s.Level != null && s.Level.SkipProductReview) })
                .ToDictionaryAsync(s => s.Id, s => s.Skip, ct);
        }
        var lastId = 0;
        while (true)
        {
            var sent = new List<ComplianceNotice?>();
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            await using var tx = await db.BeginBusinessTransactionAsync(ct);
            var page = await db.Products.Where(p => !p.Deleted && p.Id > lastId).OrderBy(p => p.Id).Take(500).ToListAsync(ct);
            if (page.Count == 0) break;
            var now = clock.GetUtcNow();
            foreach (var p in page)
            {
                scanned++;
                var before = p.Review;
                sent.Add(Apply(db, p, scanner.ScanAll(p.Name, p.DescriptionMarkdown), skips.GetValueOrDefault(p.StationId), now));
                if (p.Review == before) continue;
                if (p.Review == ProductReview.Prohibited) { if (before == ProductReview.Approved) takenOff++; else flagged++; }
                else cleared++;
            }
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            Send(sent);
            lastId = page[^1].Id;
        }
        if (scanner.Count > 0)
        {
            var sent = new List<ComplianceNotice?>();
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var rows = await db.StationProducts.Where(x => !x.Hidden && (x.Name != null || x.DescriptionMarkdown != null)).ToListAsync(ct);
            var ids = rows.Select(r => r.ProductId).Distinct().ToList();
            var names = await db.Products.AsNoTracking().Where(p => ids.Contains(p.Id)).ToDictionaryAsync(p => p.Id, p => p.Name, ct);
            var now = clock.GetUtcNow();
            foreach (var row in rows)
            {
                var hits = scanner.ScanAll(row.Name, row.DescriptionMarkdown);
                if (hits.Count == 0) continue;
                sent.Add(HideOverride(db, row, names.GetValueOrDefault(row.ProductId, "?"), hits, now));
                hidden++;
            }
            if (hidden > 0) await db.SaveChangesAsync(ct);
            Send(sent);
        }
        return new RescanResult(scanned, takenOff, flagged, cleared, hidden);
    }

    // ---------------------------------------------------------------- 站点处罚

    public sealed record SanctionInput(int StationId, SanctionKind Kind, string? Reason, DateTimeOffset? StartsAt, DateTimeOffset? EndsAt);

    /// <summary>Imposes a sanction (from now unless a start is given) until its end; the storefront honours it by time.</summary>
    public async Task<(long? Id, string? Error)> ImposeAsync(AuditActor actor, SanctionInput input, CancellationToken ct = default)
    {
        if (actor.StationId is not null) return (null, "只有平台管理员可以处罚站点");
        var now = clock.GetUtcNow();
        var starts = input.StartsAt ?? now;
        if (input.EndsAt is not { } ends) return (null, "请选择处罚结束时间");
        if (StationSanction.Check(input.StationId, input.Kind, input.Reason, starts, ends, now) is { } refused) return (null, refused);
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var station = await db.Stations.AsNoTracking().SingleOrDefaultAsync(s => s.Id == input.StationId, ct);
        if (station is null) return (null, "分站不存在");
        var sanction = new StationSanction
        {
            StationId = station.Id, Kind = input.Kind, Reason = input.Reason!.Trim(), StartsAt = starts, EndsAt = ends, ImposedBy = actor.UserName, CreatedAt = now,
        };
        db.StationSanctions.Add(sanction);
        db.AuditEntries.Add(actor.Entry("station.sanction", station.Code,
            $"{StationSanction.NameOf(input.Kind)} 至 {BusinessTime.Format(ends, "yyyy-MM-dd HH:mm")}：{sanction.Reason}", now, station.Id));
        await db.SaveChangesAsync(ct);
        directory.Invalidate();
        Send(new ComplianceNotice(station.Id, $"本站受到平台处罚：{StationSanction.NameOf(input.Kind)}",
            $"{BusinessTime.Format(starts, "yyyy-MM-dd HH:mm")} 至 {BusinessTime.Format(ends, "yyyy-MM-dd HH:mm")}。原因：{sanction.Reason}", "admin/station"));
        return (sanction.Id, null);
    }

    /// <summary>Lifts a sanction before its end.</summary>
    public async Task<string?> LiftAsync(AuditActor actor, long sanctionId, CancellationToken ct = default)
    {
        if (actor.StationId is not null) return "只有平台管理员可以解除处罚";
        var now = clock.GetUtcNow();
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var sanction = await db.StationSanctions.SingleOrDefaultAsync(s => s.Id == sanctionId, ct);
        if (sanction is null) return "处罚不存在";
        if (!StationSanction.Running(sanction.LiftedAt, sanction.EndsAt, now)) return "该处罚已结束";
        sanction.LiftedAt = now;
        sanction.LiftedBy = actor.UserName;
        var code = await db.Stations.Where(s => s.Id == sanction.StationId).Select(s => s.Code).SingleAsync(ct);
        db.AuditEntries.Add(actor.Entry("station.sanction.lift", code, $"解除{StationSanction.NameOf(sanction.Kind)}", now, sanction.StationId));
        await db.SaveChangesAsync(ct);
        directory.Invalidate();
        Send(new ComplianceNotice(sanction.StationId, $"平台已解除处罚：{StationSanction.NameOf(sanction.Kind)}", $"原因：{sanction.Reason}", "admin/station"));
        return null;
    }
}
