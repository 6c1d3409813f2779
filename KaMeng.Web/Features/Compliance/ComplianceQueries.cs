using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Orders;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Compliance;

/// <summary>A product in the review queue, its name and description cut into runs with the hits marked.</summary>
public sealed record ReviewRow(int ProductId, int StationId, string StationCode, string StationName, string Name, ProductReview Review, string? Reason,
    DateTimeOffset CreatedAt, IReadOnlyList<TextRun> NameRuns, IReadOnlyList<TextRun> DescriptionRuns, IReadOnlyList<TermHit> Hits)
{
    public string StatusText => ProductReviewRules.NameOf(Review);
}

public sealed record TermRow(int Id, string Category, string Text, bool IsRegex, bool Enabled, DateTimeOffset UpdatedAt);

public sealed record SanctionRow(long Id, int StationId, string StationCode, string StationName, SanctionKind Kind, string Reason,
    DateTimeOffset StartsAt, DateTimeOffset EndsAt, string? ImposedBy, DateTimeOffset? LiftedAt, string? LiftedBy)
{
    public bool Running(DateTimeOffset now) => StationSanction.Running(LiftedAt, EndsAt, now);

    public string StatusAt(DateTimeOffset now) =>
        LiftedAt is not null ? $"已解除（{LiftedBy}）" : now < StartsAt ? "未开始" : now < EndsAt ? "生效中" : "已结束";
}

/// <summary>A station to pick in a list (compliance's 站点处罚, the 黑名单 page).</summary>
public sealed record StationChoice(int Id, string Code, string Name);

/// <summary>Reads of /admin/compliance (platform only) through a context scoped to the acting admin.</summary>
public sealed class ComplianceQueries(IDbContextFactory<KaMengDbContext> dbFactory)
{
    /// <summary>商品审核: products waiting (待审核) or taken off by terms (违禁下架), oldest first.</summary>
    public async Task<IReadOnlyList<ReviewRow>> QueueAsync(AuditActor actor, CancellationToken ct = default)
    {
        if (actor.StationId is not null) return [];
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var scanner = await ComplianceService.ScannerAsync(db, ct);
        var rows = await (from p in db.Products.AsNoTracking()
                          join s in db.Stations on p.StationId equals s.Id
                          where !p.Deleted && (p.Review == ProductReview.Pending || p.Review == ProductReview.Prohibited)
                          orderby p.Id
                          select new { p.Id, p.StationId, s.Code, StationName = s.Name, p.Name, p.DescriptionMarkdown, p.Review, p.ReviewReason, p.CreatedAt })
            .Take(500).ToListAsync(ct);
        return rows.Select(r =>
        {
            // Each text scanned once: its hits are both highlighted and listed (the list keeps hits the highlight merges away).
            var nameHits = scanner.Scan(r.Name);
            var descriptionHits = scanner.Scan(r.DescriptionMarkdown);
            return new ReviewRow(r.Id, r.StationId, r.Code, r.StationName, r.Name, r.Review, r.ReviewReason, r.CreatedAt,
                TermScanner.Highlight(r.Name, nameHits), TermScanner.Highlight(r.DescriptionMarkdown, descriptionHits), nameHits.Concat(descriptionHits).ToList());
        }).ToList();
    }

    public async Task<IReadOnlyList<TermRow>> TermsAsync(AuditActor actor, CancellationToken ct = default)
    {
        if (actor.StationId is not null) return [];
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        return await db.ProhibitedTerms.AsNoTracking().OrderBy(t => t.Category).ThenBy(t => t.Id)
            .Select(t => new TermRow(t.Id, t.Category, t.Text, t.IsRegex, t.Enabled, t.UpdatedAt)).ToListAsync(ct);
    }

    /// <summary>Sanctions, those still running first, newest first.</summary>
    public async Task<IReadOnlyList<SanctionRow>> SanctionsAsync(AuditActor actor, CancellationToken ct = default)
    {
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var rows = await (from x in db.StationSanctions.AsNoTracking()
                          join s in db.Stations on x.StationId equals s.Id
                          orderby x.Id descending
                          select new SanctionRow(x.Id, x.StationId, s.Code, s.Name, x.Kind, x.Reason, x.StartsAt, x.EndsAt, x.ImposedBy, x.LiftedAt, x.LiftedBy))
            .Take(500).ToListAsync(ct);
        var now = DateTimeOffset.UtcNow;
        return [.. rows.OrderByDescending(r => r.Running(now)).ThenByDescending(r => r.Id)];
    }

    public async Task<IReadOnlyList<StationChoice>> SubstationsAsync(AuditActor actor, CancellationToken ct = default)
    {
        if (actor.StationId is not null) return [];
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        return await db.Stations.AsNoTracking().Where(s => s.ParentId != null).OrderBy(s => s.Code)
            .Select(s => new StationChoice(s.Id, s.Code, s.Name)).ToListAsync(ct);
    }
}
