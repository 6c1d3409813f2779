using System.Security.Claims;
using System.Security.Cryptography;
using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Stations;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Builder;

/// <summary>
/// The builder's operations on a station's pages: open (creating the home page from today's storefront), save the
/// draft (checked: never stored when invalid), publish, roll back. An owner works on their own station; a platform
/// admin on any, and only the main station's blocks can be locked.
/// </summary>
public sealed class LayoutService(IDbContextFactory<KaMengDbContext> dbFactory, PublishedLayouts published, LayoutRulesFactory rules,
    StationDirectory directory, Themes.ThemeCatalog themes, TimeProvider clock)
{
    public LayoutRules Rules => rules.Rules;

    public static string NewBlockId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));

    /// <summary>The pages of a station, the home page first; the home page is created on first use.</summary>
    public async Task<List<StorePage>> PagesAsync(int stationId, AuditActor actor, CancellationToken ct = default)
    {
        if (!actor.MaySee(stationId)) return [];
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var pages = await db.StorePages.AsNoTracking().Where(p => p.StationId == stationId).OrderBy(p => p.Slug).ToListAsync(ct);
        if (pages.All(p => !p.IsHome))
        {
            var station = await db.Stations.AsNoTracking().SingleOrDefaultAsync(s => s.Id == stationId, ct);
            if (station is null) return [];
            var home = new StorePage { StationId = stationId, Slug = StorePage.HomeSlug, Title = "首页", DraftJson = StarterLayout(station).ToJson(), DraftSavedAt = clock.GetUtcNow(), DraftSavedBy = actor.UserName };
            db.StorePages.Add(home);
            try { await db.SaveChangesAsync(ct); }
            catch (DbUpdateException e) when (e.IsUniqueViolation()) { db.ChangeTracker.Clear(); } // created meanwhile by another tab
            return await db.StorePages.AsNoTracking().Where(p => p.StationId == stationId).OrderBy(p => p.Slug).ToListAsync(ct);
        }
        return pages;
    }

    /// <summary>A home page that looks like the default storefront: announcement, category navigation, all products.</summary>
    PageLayout StarterLayout(Station station)
    {
        var blocks = new List<LayoutBlock>();
        if (!string.IsNullOrWhiteSpace(station.Announcement) && station.Announcement.Length <= 300)
            blocks.Add(new(NewBlockId(), BlockTypes.Announcement, false, false, new AnnouncementSettings { Text = station.Announcement }));
        blocks.Add(new(NewBlockId(), BlockTypes.CategoryNav, false, false, new CategoryNavSettings()));
        blocks.Add(new(NewBlockId(), BlockTypes.ProductGrid, false, false, new ProductGridSettings { Count = 60 }));
        return WithLiveTheme(new PageLayout(blocks), station);
    }

    /// <summary>The layout with the station's live theme and its still-valid token overrides.</summary>
    PageLayout WithLiveTheme(PageLayout layout, Station station) =>
        layout with { Theme = station.Theme, ThemeTokens = themes.SafeOverrides(station.Theme, station.ThemeTokensJson) };

    public async Task<(StorePage? Page, string? Error)> CreatePageAsync(int stationId, string? slug, string? title, AuditActor actor, CancellationToken ct = default)
    {
        if (!actor.MaySee(stationId)) return (null, "分站不存在");
        slug = slug?.Trim().ToLowerInvariant();
        if (StorePage.CheckTitle(title) is { } titleError) return (null, titleError);
        if (StorePage.CheckSlug(slug) is { } slugError) return (null, slugError);
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        if (await db.StorePages.AnyAsync(p => p.StationId == stationId && p.Slug == slug, ct)) return (null, $"页面地址 {slug} 已被使用");
        var layout = new PageLayout([new(NewBlockId(), BlockTypes.RichText, false, false, new RichTextSettings { Markdown = $"## {title!.Trim()}\n\n在这里填写内容。" })]);
        var page = new StorePage { StationId = stationId, Slug = slug!, Title = title!.Trim(), DraftJson = layout.ToJson(), DraftSavedAt = clock.GetUtcNow(), DraftSavedBy = actor.UserName };
        db.StorePages.Add(page);
        await db.SaveChangesAsync(ct);
        return (page, null);
    }

    /// <summary>The page with its draft; for a substation's home page the main station's locked blocks it lacks come first.</summary>
    public async Task<(StorePage Page, PageLayout Draft, IReadOnlyList<LayoutBlock> LockedByMain)?> OpenAsync(int stationId, int pageId, AuditActor actor, CancellationToken ct = default)
    {
        if (!actor.MaySee(stationId)) return null;
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var page = await db.StorePages.AsNoTracking().Include(p => p.Versions).SingleOrDefaultAsync(p => p.Id == pageId && p.StationId == stationId, ct);
        if (page is null) return null;
        var locked = stationId == Station.MainStationId || !page.IsHome ? [] : await published.LockedByMainAsync();
        var draft = (PageLayout.Parse(page.DraftJson, Rules).Layout ?? PageLayout.Empty).WithLockedBlocks(locked);
        // The home page's draft owns the theme; a draft without one starts from the station's live theme, so that
        // publishing it never replaces that theme with the default (docs/decisions/0014-builder-theme-owner.md).
        if (page.IsHome && draft.Theme is null && await db.Stations.AsNoTracking().SingleOrDefaultAsync(s => s.Id == stationId, ct) is { } station)
            draft = WithLiveTheme(draft, station);
        // A block the main station has since unlocked becomes the substation's own.
        if (stationId != Station.MainStationId)
            draft = draft with { Blocks = draft.Blocks.Select(b => b.Locked && locked.All(l => l.Id != b.Id) ? b with { Locked = false } : b).ToList() };
        page.Versions = page.Versions.OrderByDescending(v => v.Number).ToList();
        return (page, draft, locked);
    }

    /// <summary>Checks and stores the draft. Returns the reasons it was refused (nothing stored) or an empty list.</summary>
    public async Task<IReadOnlyList<string>> SaveDraftAsync(int stationId, int pageId, string json, AuditActor actor, CancellationToken ct = default)
    {
        if (!actor.MaySee(stationId)) return ["分站不存在"];
        var (layout, errors) = PageLayout.Parse(json, Rules);
        if (layout is null) return errors;
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var page = await db.StorePages.SingleOrDefaultAsync(p => p.Id == pageId && p.StationId == stationId, ct);
        if (page is null) return ["页面不存在"];
        if (!page.IsHome && (layout.Theme is not null || layout.ThemeTokens is { Count: > 0 })) return ["主题只能在首页设置"];
        var isMain = stationId == Station.MainStationId;
        if (!isMain && page.IsHome || !isMain && layout.Blocks.Any(b => b.Locked))
        {
            IReadOnlyList<LayoutBlock> locked = page.IsHome ? await published.LockedByMainAsync() : [];
            if (layout.CheckLocks(isMain, locked) is { Count: > 0 } lockErrors) return lockErrors;
        }
        page.SaveDraft(layout, actor.UserName, clock.GetUtcNow());
        await db.SaveChangesAsync(ct);
        return [];
    }

    /// <summary>Publishes the draft (and, for the home page, applies its theme to the station) in one transaction.</summary>
    public Task<string?> PublishAsync(int stationId, int pageId, AuditActor actor, CancellationToken ct = default) =>
        GoLiveAsync(stationId, pageId, null, actor, ct);

    public Task<string?> RollBackAsync(int stationId, int pageId, int number, AuditActor actor, CancellationToken ct = default) =>
        GoLiveAsync(stationId, pageId, number, actor, ct);

    async Task<string?> GoLiveAsync(int stationId, int pageId, int? rollBackTo, AuditActor actor, CancellationToken ct)
    {
        if (!actor.MaySee(stationId)) return "分站不存在";
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var page = await db.StorePages.Include(p => p.Versions).SingleOrDefaultAsync(p => p.Id == pageId && p.StationId == stationId, ct);
        if (page is null) return "页面不存在";
        var now = clock.GetUtcNow();
        StorePageVersion version;
        try { version = rollBackTo is int n ? page.RollBack(n, actor.UserName, now) : page.Publish(actor.UserName, now); }
        catch (DomainException e) { return e.Message; }
        // Stored drafts were checked on save; check again, since the rules (themes, locks) may have changed since.
        var layout = PageLayout.Parse(version.LayoutJson, Rules).Layout;
        if (layout is null) return "页面内容已失效，请重新编辑后发布";
        if (page.IsHome && stationId != Station.MainStationId && layout.CheckLocks(false, await published.LockedByMainAsync()) is { Count: > 0 } lockErrors)
            return lockErrors[0];
        var detail = rollBackTo is null ? $"版本 {version.Number}" : $"版本 {version.Number}（回滚到版本 {rollBackTo}）";
        // The builder is the only place that sets a station's theme: the home page's published layout carries it.
        if (page.IsHome && layout.Theme is not null)
        {
            var station = await db.Stations.SingleAsync(s => s.Id == stationId, ct);
            station.Theme = layout.Theme;
            station.ThemeTokensJson = Themes.ThemeCatalog.StoredJson(layout.ThemeTokens);
            detail += $"，主题 {layout.Theme} {station.ThemeTokensJson}".TrimEnd();
        }
        db.AuditEntries.Add(actor.Entry(rollBackTo is null ? "layout.publish" : "layout.rollback", page.IsHome ? "首页" : page.Slug, detail, now, stationId));
        await db.SaveChangesAsync(ct);
        published.Invalidate(stationId);
        directory.Invalidate();
        return null;
    }

    /// <summary>The actor of a storefront request (the preview): owners are scoped to the station they own.</summary>
    public async Task<AuditActor?> ActorOfAsync(ClaimsPrincipal user, CancellationToken ct = default)
    {
        if (user.Identity?.IsAuthenticated != true || !(user.IsInRole(Roles.PlatformAdmin) || user.IsInRole(Roles.StationOwner))) return null;
        var userId = user.FindFirstValue(ClaimTypes.NameIdentifier);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var owned = user.IsInRole(Roles.StationOwner) ? await db.Stations.Where(s => s.OwnerUserId == userId).Select(s => (int?)s.Id).FirstOrDefaultAsync(ct) : null;
        return AuditActor.From(user, owned);
    }
}
