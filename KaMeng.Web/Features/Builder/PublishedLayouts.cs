using System.Collections.Concurrent;
using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Shared;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Builder;

/// <summary>A layout ready to render: the checked layout and the HTML of its Markdown, produced once.</summary>
public sealed record RenderedLayout(string Title, PageLayout Layout, IReadOnlyDictionary<string, string> Html)
{
    public string HtmlOf(string blockId) => Html.GetValueOrDefault(blockId, "");
}

/// <summary>
/// The published layouts storefront requests render, kept in memory per station and page: a request reads the
/// database and runs Markdig only the first time after a publish or rollback (<see cref="Invalidate"/>).
/// </summary>
public sealed class PublishedLayouts(IDbContextFactory<KaMengDbContext> dbFactory, MarkdownRenderer markdown, LayoutRulesFactory rules)
{
    readonly ConcurrentDictionary<(int StationId, string Slug), Task<RenderedLayout?>> cache = new();

    /// <summary>The live layout of a station's page (main station's locked blocks included), or null when it has none.</summary>
    public Task<RenderedLayout?> GetAsync(int stationId, string slug)
    {
        var key = (stationId, slug);
        var task = cache.GetOrAdd(key, k => LoadAsync(k.StationId, k.Slug));
        // A failed load is not kept: the next request tries again.
        if (task.IsFaulted || task.IsCanceled) cache.TryRemove(new KeyValuePair<(int, string), Task<RenderedLayout?>>(key, task));
        return task;
    }

    const string LockedKey = "\u0001locked";

    /// <summary>The main station's locked blocks, for substation home pages that have no published layout of their own.</summary>
    public Task<RenderedLayout?> LockedBlocksAsync() => GetAsync(Station.MainStationId, LockedKey);

    /// <summary>Forgets a station's layouts; the main station's locks reach every station, so it forgets them all.</summary>
    public void Invalidate(int stationId)
    {
        if (stationId == Station.MainStationId) cache.Clear();
        else foreach (var key in cache.Keys.Where(k => k.StationId == stationId)) cache.TryRemove(key, out _);
        Invalidated?.Invoke(stationId);
    }

    /// <summary>Raised by <see cref="Invalidate"/> with the station (the storefront's page cache listens).</summary>
    public event Action<int>? Invalidated;

    async Task<RenderedLayout?> LoadAsync(int stationId, string slug)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        if (slug == LockedKey)
            return await LockedByMainAsync(db) is { Count: > 0 } locked ? Render("", new PageLayout(locked)) : null;
        var live = await LiveJsonAsync(db, stationId, slug);
        if (live is null) return null;
        var layout = PageLayout.Parse(live.Value.Json, rules.Rules).Layout ?? PageLayout.Empty;
        if (stationId != Station.MainStationId && slug == StorePage.HomeSlug)
            layout = layout.WithLockedBlocks(await LockedByMainAsync(db));
        return Render(live.Value.Title, layout);
    }

    public RenderedLayout Render(string title, PageLayout layout)
    {
        var html = new Dictionary<string, string>();
        foreach (var b in layout.Blocks)
        {
            var md = b.Settings switch
            {
                RichTextSettings s => s.Markdown,
                ImageTextSettings s => s.Markdown,
                FooterSettings s => s.Markdown,
                _ => null,
            };
            if (md is not null) html[b.Id] = markdown.Render(md);
            if (b.Settings is FaqSettings faq)
                for (var i = 0; i < faq.Items.Count; i++) html[$"{b.Id}:{i}"] = markdown.Render(faq.Items[i].Answer);
        }
        return new RenderedLayout(title, layout, html);
    }

    static async Task<(string Json, string Title)?> LiveJsonAsync(KaMengDbContext db, int stationId, string slug)
    {
        var row = await db.StorePages.AsNoTracking().Where(p => p.StationId == stationId && p.Slug == slug && p.PublishedNumber != null)
            .Select(p => new { p.Title, Json = p.Versions.Where(v => v.Number == p.PublishedNumber).Select(v => v.LayoutJson).FirstOrDefault() })
            .SingleOrDefaultAsync();
        return row?.Json is null ? null : (row.Json, row.Title);
    }

    /// <summary>The blocks the main station locked on its published home page (read unscoped: every station must see them).</summary>
    public async Task<IReadOnlyList<LayoutBlock>> LockedByMainAsync()
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        return await LockedByMainAsync(db);
    }

    async Task<IReadOnlyList<LayoutBlock>> LockedByMainAsync(KaMengDbContext db)
    {
        var live = await LiveJsonAsync(db, Station.MainStationId, StorePage.HomeSlug);
        var layout = live is null ? null : PageLayout.Parse(live.Value.Json, rules.Rules).Layout;
        return layout?.Blocks.Where(b => b.Locked).ToList() ?? [];
    }
}

/// <summary>The rules a layout is checked against: images from the upload store's "layout" folder, safe links, real themes.</summary>
public sealed class LayoutRulesFactory(Themes.ThemeCatalog themes)
{
    public const string UploadFolder = "layout";

    public LayoutRules Rules { get; } = new(
        path => UploadStore.IsStoredImagePath(path, UploadFolder),
        MarkdownRenderer.IsSafeUrl,
        (theme, tokens) => themes.Validate(theme, tokens?.ToDictionary(p => p.Key, p => (string?)p.Value)).Error);
}
