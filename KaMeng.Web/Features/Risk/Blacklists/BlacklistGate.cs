using KaMeng.Data;
using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Risk.Blacklists;

/// <summary>
/// Checks a client against the blacklists (issue 21 §4): the platform's entries and the station's own, unexpired. The entries
/// live in memory (reloaded after every change through <see cref="BlacklistService"/>, and at least every
/// <see cref="MaxAge"/> for changes made on another node), so a checkout pays no query in the common case: the only query is
/// for the account's email when an email-domain entry could apply and the caller passed no email.
/// </summary>
public sealed class BlacklistGate(IDbContextFactory<KaMengDbContext> dbFactory, TimeProvider clock)
{
    /// <summary>All a blocked buyer is told: nothing about which list or why.</summary>
    public const string Message = "暂时无法下单，请联系客服";

    /// <summary>How long another node's change may take to be seen here.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(30);

    sealed record Snapshot(IReadOnlyList<BlacklistEntry> Entries, DateTimeOffset LoadedAt, long Version);

    volatile Snapshot? snapshot;
    long version;

    /// <summary>Forget the cached entries (after any change).</summary>
    public void Invalidate()
    {
        Interlocked.Increment(ref version);
        snapshot = null;
        Invalidated?.Invoke();
    }

    /// <summary>Raised by <see cref="Invalidate"/> (the cluster bus tells the other nodes).</summary>
    public event Action? Invalidated;

    /// <summary>
    /// True when the client is blocked at <paramref name="stationId"/>: then refuse with <see cref="Message"/> and write nothing.
    /// <paramref name="db"/> is used only when the entries are not cached or the account's email must be read.
    /// </summary>
    public async Task<bool> CheckAsync(KaMengDbContext db, int stationId, string? userId, string? contact, string? email, ClientSignals signals, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        var entries = (await EntriesAsync(db, now, ct)).Where(e => (e.StationId is null || e.StationId == stationId) && e.IsActiveAt(now)).ToList();
        if (entries.Count == 0) return false;
        var subject = new BlacklistSubject(userId, contact, email, signals.Ip, signals.DeviceId);
        if (entries.Any(e => BlacklistRules.Matches(e, subject, now))) return true;
        // The account's email counts too (an email-domain or contact entry), read only when such an entry exists.
        if (email is null && userId is not null && entries.Any(e => e.Kind is BlacklistKind.EmailDomain or BlacklistKind.Contact))
        {
            var accountEmail = await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => u.Email).SingleOrDefaultAsync(ct);
            if (accountEmail is not null && entries.Any(e => BlacklistRules.Matches(e, subject with { Email = accountEmail }, now))) return true;
        }
        return false;
    }

    /// <summary>The same check with a context of its own (callers that hold none).</summary>
    public async Task<bool> CheckAsync(int stationId, string? userId, string? contact, string? email, ClientSignals signals, CancellationToken ct = default)
    {
        if (snapshot is { } s && clock.GetUtcNow() - s.LoadedAt < MaxAge && s.Entries.Count == 0) return false;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await CheckAsync(db, stationId, userId, contact, email, signals, ct);
    }

    async Task<IReadOnlyList<BlacklistEntry>> EntriesAsync(KaMengDbContext db, DateTimeOffset now, CancellationToken ct)
    {
        if (snapshot is { } s && now - s.LoadedAt < MaxAge) return s.Entries;
        var started = Interlocked.Read(ref version);
        // Unscoped on purpose: the platform's entries apply on every station whatever context the caller holds.
        var rows = await db.BlacklistEntries.AsNoTracking().IgnoreQueryFilters().Where(e => e.ExpiresAt == null || e.ExpiresAt > now).ToListAsync(ct);
        var loaded = new Snapshot(rows, now, started);
        // A change committed while this load ran must not be hidden behind the stale list.
        if (Interlocked.Read(ref version) == started) snapshot = loaded;
        return rows;
    }
}
