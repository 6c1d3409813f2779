using System.Collections.Concurrent;
using Microsoft.AspNetCore.OutputCaching;

namespace KaMeng.Web.Features.Storefront;

/// <summary>
/// Stale-while-revalidate over the output-cache store. A page is stored for its whole life (at most 2 s for stock) but is
/// fresh for only the first half: the first lookup after that is told "missing" and re-renders the page, while every
/// other lookup keeps getting the stored page until the new one replaces it. Without this, every expiry made all
/// concurrent visitors of a page wait for one re-render (the output cache's locking), which set the hot page's p99
/// (130 ms on the 60-product page). No page is ever served older than its life, and an eviction by tag (a price or
/// catalogue change) still removes it at once.
/// </summary>
public sealed class RevalidatingCacheStore(IOutputCacheStore inner, TimeProvider clock) : IOutputCacheStore
{
    /// <summary>How long one re-render may hold the claim before another lookup may try (a render that failed or was
    /// not stored must not leave the page stale until it dies).</summary>
    static readonly TimeSpan ClaimTimeout = TimeSpan.FromMilliseconds(500);
    const int PruneAbove = 10_000;

    sealed class Life(DateTimeOffset freshUntil)
    {
        public readonly DateTimeOffset FreshUntil = freshUntil;
        public long ClaimedAtTicks;
    }

    readonly ConcurrentDictionary<string, Life> lives = new(StringComparer.Ordinal);
    long nextPruneTicks;

    public async ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken)
    {
        var value = await inner.GetAsync(key, cancellationToken);
        if (value is null)
        {
            lives.TryRemove(key, out _);
            return null;
        }
        if (!lives.TryGetValue(key, out var life)) return value;
        var now = clock.GetUtcNow();
        if (now < life.FreshUntil) return value;
        var claimed = Volatile.Read(ref life.ClaimedAtTicks);
        if (claimed != 0 && now.UtcTicks - claimed < ClaimTimeout.Ticks) return value;
        // This lookup won the claim: it misses, so its request renders the page and stores it.
        return Interlocked.CompareExchange(ref life.ClaimedAtTicks, now.UtcTicks, claimed) == claimed ? null : value;
    }

    public ValueTask SetAsync(string key, byte[] value, string[]? tags, TimeSpan validFor, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        lives[key] = new Life(now + validFor / 2);
        if (lives.Count > PruneAbove && now.UtcTicks > Interlocked.Read(ref nextPruneTicks)) Prune(now, validFor);
        return inner.SetAsync(key, value, tags, validFor, cancellationToken);
    }

    public ValueTask EvictByTagAsync(string tag, CancellationToken cancellationToken) => inner.EvictByTagAsync(tag, cancellationToken);

    /// <summary>Forgets lives of pages certainly gone from the store (past their life), at most once per life,
    /// so keys never asked for again (any query string makes one) do not pile up.</summary>
    void Prune(DateTimeOffset now, TimeSpan validFor)
    {
        Interlocked.Exchange(ref nextPruneTicks, (now + validFor).UtcTicks);
        foreach (var (key, life) in lives)
            if (life.FreshUntil + validFor <= now) lives.TryRemove(key, out _);
    }

    /// <summary>Wraps the store <c>AddOutputCache</c> registered (the framework's in-memory store).</summary>
    public static void Decorate(IServiceCollection services) =>
        Infrastructure.ServiceDecoration.Decorate<IOutputCacheStore>(services, (sp, store) => new RevalidatingCacheStore(store, sp.GetRequiredService<TimeProvider>()));
}
