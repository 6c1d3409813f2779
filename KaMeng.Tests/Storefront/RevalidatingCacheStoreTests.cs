using KaMeng.Web.Features.Storefront;
using Microsoft.AspNetCore.OutputCaching;
using Microsoft.Extensions.Time.Testing;

namespace KaMeng.Tests.Storefront;

/// <summary>Issue 18 §4: an expiring hot page is re-rendered by one request while the others keep being served, and no
/// page is served past its life or after its eviction.</summary>
public class RevalidatingCacheStoreTests
{
    static readonly TimeSpan Life = TimeSpan.FromSeconds(2);
    readonly FakeTimeProvider clock = new(DateTimeOffset.Parse("2026-12-04T10:00:00Z"));
    readonly TimedStore inner;
    readonly RevalidatingCacheStore store;

    public RevalidatingCacheStoreTests()
    {
        inner = new TimedStore(clock);
        store = new RevalidatingCacheStore(inner, clock);
    }

    Task<byte[]?> Get() => store.GetAsync("home", default).AsTask();
    Task Set(byte value) => store.SetAsync("home", [value], ["store:1"], Life, default).AsTask();

    [Fact]
    public async Task A_page_in_the_first_half_of_its_life_is_served_to_everyone()
    {
        await Set(1);
        clock.Advance(TimeSpan.FromMilliseconds(999));
        for (var i = 0; i < 5; i++) Assert.Equal([1], await Get());
    }

    [Fact]
    public async Task After_half_its_life_one_lookup_misses_to_re_render_while_the_others_keep_the_page()
    {
        await Set(1);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(await Get());
        for (var i = 0; i < 5; i++) Assert.Equal([1], await Get());

        await Set(2);
        Assert.Equal([2], await Get());
    }

    [Fact]
    public async Task A_re_render_that_never_stores_lets_another_lookup_try_after_the_claim_times_out()
    {
        await Set(1);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(await Get());
        clock.Advance(TimeSpan.FromMilliseconds(400));
        Assert.Equal([1], await Get());
        clock.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Null(await Get());
    }

    [Fact]
    public async Task No_page_is_served_past_its_life()
    {
        await Set(1);
        clock.Advance(Life);
        Assert.Null(await Get());
        Assert.Null(await Get());
    }

    [Fact]
    public async Task An_evicted_page_misses_at_once_and_a_new_render_is_fresh_again()
    {
        await Set(1);
        clock.Advance(TimeSpan.FromSeconds(1.5));
        await store.EvictByTagAsync("store:1", default);
        Assert.Null(await Get());
        Assert.Null(await Get());
        await Set(2);
        Assert.Equal([2], await Get());
    }

    /// <summary>An in-memory store with the real one's contract: an entry dies after validFor, eviction by tag.</summary>
    sealed class TimedStore(TimeProvider clock) : IOutputCacheStore
    {
        readonly Dictionary<string, (byte[] Value, string[] Tags, DateTimeOffset Dies)> entries = [];

        public ValueTask<byte[]?> GetAsync(string key, CancellationToken ct) =>
            ValueTask.FromResult(entries.TryGetValue(key, out var e) && clock.GetUtcNow() < e.Dies ? e.Value : null);

        public ValueTask SetAsync(string key, byte[] value, string[]? tags, TimeSpan validFor, CancellationToken ct)
        {
            entries[key] = (value, tags ?? [], clock.GetUtcNow() + validFor);
            return ValueTask.CompletedTask;
        }

        public ValueTask EvictByTagAsync(string tag, CancellationToken ct)
        {
            foreach (var key in entries.Where(e => e.Value.Tags.Contains(tag)).Select(e => e.Key).ToList()) entries.Remove(key);
            return ValueTask.CompletedTask;
        }
    }
}
