using System.Runtime.CompilerServices;
using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Builder;
using KaMeng.Web.Features.Orders;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.OutputCaching;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Options;
using System.Data.Common;

namespace KaMeng.Web.Features.Storefront;

public sealed class StorefrontCacheOptions
{
    /// <summary>How long a rendered page is served from memory (re-rendered after half of it, see
    /// <see cref="RevalidatingCacheStore"/>). Stock counts shown are at most this stale, so it stays at or under 2 s
    /// (issue 18 §4); 0 turns the cache off.</summary>
    public double Seconds { get; set; } = 2;
}

/// <summary>Marks a storefront page whose anonymous rendering may be served from the output cache: it shows nothing of a
/// buyer's own and renders no form bound to a visitor's antiforgery cookie (docs/decisions/0029-storefront-output-cache.md).</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class StorefrontCachedAttribute : Attribute;

/// <summary>
/// The output-cache policy of storefront pages: anonymous GETs of pages marked <see cref="StorefrontCachedAttribute"/>,
/// keyed by host, path base (the /s/{code} station), path, query, station and theme, tagged with the station and each
/// of its ancestors (a change upstream reaches every reseller below it), stored only for a 200 with no cookie and no
/// "no-store" (an antiforgery token sets both). Everything else passes through untouched.
/// </summary>
public sealed class StorefrontCachePolicy(IOptionsMonitor<StorefrontCacheOptions> options) : IOutputCachePolicy
{
    public const string HitHeader = "X-KaMeng-Cache";

    public static string Tag(int stationId) => "store:" + stationId;

    ValueTask IOutputCachePolicy.CacheRequestAsync(OutputCacheContext context, CancellationToken ct)
    {
        var http = context.HttpContext;
        var seconds = options.CurrentValue.Seconds;
        if (seconds <= 0 || http.GetEndpoint()?.Metadata.GetMetadata<StorefrontCachedAttribute>() is null) return ValueTask.CompletedTask;
        if (!HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method)) return ValueTask.CompletedTask;
        var current = http.RequestServices.GetRequiredService<Stations.CurrentStation>();
        if (!current.IsResolved) return ValueTask.CompletedTask;
        // A signed-in buyer's page carries their name and a logout form bound to their cookie: never stored, never looked up.
        var signedIn = http.User.Identity?.IsAuthenticated == true;
        context.EnableOutputCaching = true;
        context.AllowCacheLookup = !signedIn;
        context.AllowCacheStorage = !signedIn;
        context.AllowLocking = true;
        // The page's whole life; RevalidatingCacheStore re-renders it after half of that while still serving it.
        context.ResponseExpirationTimeSpan = TimeSpan.FromSeconds(Math.Min(seconds, 2));
        var rules = context.CacheVaryByRules;
        rules.VaryByHost = true;
        rules.QueryKeys = "*";
        // The station decides the theme too; a theme change evicts the station's tag.
        rules.VaryByValues["station"] = current.Station.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        rules.VaryByValues["auth"] = signedIn ? "1" : "0";
        // blazor.web.js's enhanced navigation asks with its own Accept value and may be answered differently: its own entries.
        rules.VaryByValues["enhanced"] = http.Request.Headers.Accept.ToString().Contains("blazor-enhanced-nav=on", StringComparison.OrdinalIgnoreCase) ? "1" : "0";
        return ValueTask.CompletedTask;
    }

    ValueTask IOutputCachePolicy.ServeFromCacheAsync(OutputCacheContext context, CancellationToken ct)
    {
        context.HttpContext.Response.Headers[HitHeader] = "hit";
        Infrastructure.SecurityHeaders.KeepCachedPolicy(context.HttpContext);
        return ValueTask.CompletedTask;
    }

    async ValueTask IOutputCachePolicy.ServeResponseAsync(OutputCacheContext context, CancellationToken ct)
    {
        var response = context.HttpContext.Response;
        if (response.StatusCode != StatusCodes.Status200OK || !Microsoft.Extensions.Primitives.StringValues.IsNullOrEmpty(response.Headers.SetCookie)
            || response.Headers.CacheControl.ToString().Contains("no-store", StringComparison.OrdinalIgnoreCase))
            context.AllowCacheStorage = false;
        if (!context.AllowCacheStorage) return;
        // Tags matter only to a page being stored: a cache hit never walks the station's ancestors.
        var http = context.HttpContext;
        var directory = http.RequestServices.GetRequiredService<Stations.StationDirectory>();
        for (var s = http.RequestServices.GetRequiredService<Stations.CurrentStation>().Station; s is not null;
             s = s.ParentId is int parent ? await directory.ByIdAsync(parent) : null)
            context.Tags.Add(Tag(s.Id));
    }
}

/// <summary>Evicts cached storefront pages by station tag. Evicting the main station evicts every page.</summary>
public sealed class StorefrontCache(IOutputCacheStore store, ILogger<StorefrontCache> log)
{
    public void EvictAll() => Evict(Station.MainStationId);

    /// <summary>Raised by <see cref="Evict"/> with the station (the cluster bus tells the other nodes). Not raised for the
    /// evictions that follow a price, station or layout invalidation: every node evicts on those itself.</summary>
    public event Action<int>? Evicted;

    public void Evict(int stationId)
    {
        Evicted?.Invoke(stationId);
        EvictHere(stationId);
    }

    void EvictHere(int stationId)
    {
        try
        {
            var task = store.EvictByTagAsync(StorefrontCachePolicy.Tag(stationId), CancellationToken.None);
            if (!task.IsCompletedSuccessfully) _ = Observe(task);
        }
        catch (Exception e) { log.LogWarning(e, "Evicting cached storefront pages of station {StationId} failed", stationId); }
    }

    async Task Observe(ValueTask task)
    {
        try { await task; }
        catch (Exception e) { log.LogWarning(e, "Evicting cached storefront pages failed"); }
    }

    /// <summary>Wires the in-memory caches that are cleared on writes outside SaveChanges (ExecuteUpdate/Delete paths call
    /// them) to the output cache.</summary>
    internal void Subscribe(PriceResolver prices, Stations.StationDirectory directory, PublishedLayouts layouts)
    {
        prices.Invalidated += () => EvictHere(Station.MainStationId);
        directory.Invalidated += () => EvictHere(Station.MainStationId);
        layouts.Invalidated += EvictHere;
    }
}

/// <summary>
/// Evicts the storefront pages of every station whose shown data a SaveChanges touched (catalogue, prices, levels,
/// layouts, stations and their settings); once when saved and again when an enclosing transaction commits, so a page
/// rendered in between is not kept. Stock (card keys) is not here: pages live at most 2 s.
/// </summary>
public sealed class StorefrontChangeInterceptor(IServiceProvider services) : ISaveChangesInterceptor, IDbTransactionInterceptor
{
    static readonly HashSet<Type> Shown =
    [
        typeof(Station), typeof(StationHost), typeof(Category), typeof(Product), typeof(StationLevel), typeof(LevelPrice),
        typeof(PriceRule), typeof(StationProduct), typeof(MemberLevel), typeof(PlatformSettings), typeof(StorePage), typeof(StorePageVersion),
    ];

    readonly ConditionalWeakTable<DbContext, HashSet<int>> pending = new();
    StorefrontCache? cache;
    StorefrontCache Cache => cache ??= services.GetRequiredService<StorefrontCache>();

    void Collect(DbContext? db)
    {
        if (db is null) return;
        HashSet<int>? ids = null;
        foreach (var entry in db.ChangeTracker.Entries())
        {
            if (entry.State is not (EntityState.Added or EntityState.Modified or EntityState.Deleted) || !Shown.Contains(entry.Metadata.ClrType)) continue;
            int id = Station.MainStationId;
            if (entry.Entity is Station s) id = s.Id;
            else if (entry.Metadata.FindProperty("StationId") is { } p && (entry.CurrentValue(p) ?? entry.OriginalValues[p]) is int sid) id = sid;
            (ids ??= pending.GetOrCreateValue(db)).Add(id);
        }
    }

    void Flush(DbContext? db, bool keepForCommit)
    {
        if (db is null || !pending.TryGetValue(db, out var ids)) return;
        foreach (var id in ids) Cache.Evict(id);
        if (!keepForCommit || db.Database.CurrentTransaction is null) pending.Remove(db);
    }

    public InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Collect(eventData.Context);
        return result;
    }

    public ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken ct = default)
    {
        Collect(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        Flush(eventData.Context, true);
        return result;
    }

    public ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken ct = default)
    {
        Flush(eventData.Context, true);
        return ValueTask.FromResult(result);
    }

    public void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => Flush(eventData.Context, false);

    public Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken ct = default)
    {
        Flush(eventData.Context, false);
        return Task.CompletedTask;
    }

    public void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData)
    {
        if (eventData.Context is { } db) pending.Remove(db);
    }

    public Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken ct = default)
    {
        TransactionRolledBack(transaction, eventData);
        return Task.CompletedTask;
    }
}

file static class EntryExtensions
{
    public static object? CurrentValue(this Microsoft.EntityFrameworkCore.ChangeTracking.EntityEntry entry, Microsoft.EntityFrameworkCore.Metadata.IProperty p) =>
        entry.State == EntityState.Deleted ? null : entry.CurrentValues[p];
}

/// <summary>
/// On an anonymous GET of a page marked <see cref="StorefrontCachedAttribute"/>, hands out no antiforgery tokens: the
/// framework would otherwise write this visitor's request token into every page (persisted component state) and set
/// their cookie, and a shared cached page must never carry either. Such pages render no form; everywhere else (and for
/// a signed-in buyer, whose page has the logout form) the framework's service answers.
/// </summary>
sealed class NoTokensOnCachedPages(IAntiforgery inner) : IAntiforgery
{
    static bool Cached(HttpContext http) =>
        (HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method))
        && http.User.Identity?.IsAuthenticated != true
        && http.GetEndpoint()?.Metadata.GetMetadata<StorefrontCachedAttribute>() is not null;

    static AntiforgeryTokenSet None(HttpContext http) =>
        new(null, null, http.RequestServices.GetRequiredService<IOptions<AntiforgeryOptions>>().Value.FormFieldName, null);

    public AntiforgeryTokenSet GetAndStoreTokens(HttpContext http) => Cached(http) ? None(http) : inner.GetAndStoreTokens(http);
    public AntiforgeryTokenSet GetTokens(HttpContext http) => Cached(http) ? None(http) : inner.GetTokens(http);
    public Task<bool> IsRequestValidAsync(HttpContext http) => inner.IsRequestValidAsync(http);
    public Task ValidateRequestAsync(HttpContext http) => inner.ValidateRequestAsync(http);
    public void SetCookieTokenAndHeader(HttpContext http) => inner.SetCookieTokenAndHeader(http);
}

public static class StorefrontCacheSetup
{
    public static WebApplicationBuilder AddStorefrontCache(this WebApplicationBuilder builder)
    {
        builder.Services.Configure<StorefrontCacheOptions>(builder.Configuration.GetSection("KaMeng:StorefrontCache"));
        builder.Services.AddSingleton<StorefrontCachePolicy>();
        builder.Services.AddSingleton<StorefrontCache>();
        builder.Services.AddSingleton<StorefrontChangeInterceptor>();
        builder.Services.AddSingleton<Microsoft.EntityFrameworkCore.Diagnostics.IInterceptor>(sp => sp.GetRequiredService<StorefrontChangeInterceptor>());
        builder.Services.AddOutputCache();
        builder.Services.AddAntiforgery();
        Infrastructure.ServiceDecoration.Decorate<IAntiforgery>(builder.Services, (_, inner) => new NoTokensOnCachedPages(inner));
        RevalidatingCacheStore.Decorate(builder.Services);
        builder.Services.AddOptions<OutputCacheOptions>().Configure<StorefrontCachePolicy>((o, policy) =>
        {
            o.AddBasePolicy(policy);
            o.SizeLimit = 64L << 20;
        });
        return builder;
    }

    public static WebApplication UseStorefrontCache(this WebApplication app)
    {
        app.Services.GetRequiredService<StorefrontCache>().Subscribe(app.Services.GetRequiredService<PriceResolver>(),
            app.Services.GetRequiredService<Stations.StationDirectory>(), app.Services.GetRequiredService<PublishedLayouts>());
        app.UseOutputCache();
        return app;
    }
}
