using System.Collections.Frozen;
using KaMeng.Data;
using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Stations;

/// <summary>What a storefront request needs to know of its station, read once and cached.</summary>
public sealed record StationInfo(int Id, string Code, string Name, int? ParentId, string Theme, StationStatus Status,
    string? SuspensionReason, DateTimeOffset? SuspendedUntil, string? Announcement, string? ContactQq, string? ContactWeChat, string? ContactEmail)
{
    public bool IsMain => ParentId is null;
    public string? OwnerUserId { get; init; }
    /// <summary>The raw listing-only suspension flag; read <see cref="ListingSuspended"/> or <see cref="IsListingHiddenAt"/>, which honour the end time.</summary>
    public bool ListingSuspendedFlag { get; init; }
    public DateTimeOffset? ListingSuspendedUntil { get; init; }
    /// <summary>站点处罚 not lifted and not over when the directory was loaded (each still honoured by its own times).</summary>
    public IReadOnlyList<SanctionInfo> Sanctions { get; init; } = [];
    public DateTimeOffset? ExpiresAt { get; init; }
    public string? ContactTelegram { get; init; }
    public string? LogoUrl { get; init; }
    public string? FaviconUrl { get; init; }
    public string? SeoTitle { get; init; }
    public string? SeoDescription { get; init; }
    public string? FooterText { get; init; }
    public string? ThemeTokensJson { get; init; }

    /// <summary>The listing is hidden now (a listing-only suspension before its end, or a 隐藏商品 sanction). Reads the wall
    /// clock, as the storefront's layout does; services pass their own time to <see cref="IsListingHiddenAt"/>.</summary>
    public bool ListingSuspended => IsListingHiddenAt(DateTimeOffset.UtcNow);

    /// <summary>Suspended (until its end time), closed (or under a 关站 sanction), expired, or with its listing hidden: no orders.
    /// A listing-only suspension blocks orders only until its end time (it used to block them for good).</summary>
    public bool IsOpenForBusiness(DateTimeOffset now) =>
        !IsClosedAt(now) && !IsSuspendedAt(now) && !IsListingHiddenAt(now) && (ExpiresAt is null || now < ExpiresAt);

    public bool IsSuspendedAt(DateTimeOffset now) => Status == StationStatus.Suspended && (SuspendedUntil is null || now < SuspendedUntil);

    public bool IsListingHiddenAt(DateTimeOffset now) =>
        Station.IsListingSuspendedAt(ListingSuspendedFlag, ListingSuspendedUntil, now) || ActiveSanction(SanctionKind.ListingHidden, now) is not null;

    public bool IsClosedAt(DateTimeOffset now) => Status == StationStatus.Closed || ActiveSanction(SanctionKind.Closed, now) is not null;

    /// <summary>The sanction of this kind holding at <paramref name="now"/> that ends last, or null.</summary>
    public SanctionInfo? ActiveSanction(SanctionKind kind, DateTimeOffset now) =>
        Sanctions.Where(x => x.Kind == kind && x.StartsAt <= now && now < x.EndsAt).OrderByDescending(x => x.EndsAt).FirstOrDefault();

    public static StationInfo From(Station x) => new(x.Id, x.Code, x.Name, x.ParentId, x.Theme, x.Status, x.SuspensionReason, x.SuspendedUntil, x.Announcement, x.ContactQq, x.ContactWeChat, x.ContactEmail)
    {
        OwnerUserId = x.OwnerUserId, ListingSuspendedFlag = x.ListingSuspended, ListingSuspendedUntil = x.ListingSuspendedUntil, ExpiresAt = x.ExpiresAt, ContactTelegram = x.ContactTelegram,
        LogoUrl = x.LogoUrl, FaviconUrl = x.FaviconUrl, SeoTitle = x.SeoTitle, SeoDescription = x.SeoDescription, FooterText = x.FooterText,
        ThemeTokensJson = x.ThemeTokensJson,
    };
}

/// <summary>A sanction as the storefront honours it.</summary>
public sealed record SanctionInfo(SanctionKind Kind, string Reason, DateTimeOffset StartsAt, DateTimeOffset EndsAt);

/// <summary>All stations by code and by bound host. Small (hundreds of rows), so held in memory and
/// reloaded when a station changes (<see cref="Invalidate"/>).</summary>
public sealed class StationDirectory(IDbContextFactory<KaMengDbContext> dbFactory)
{
    sealed record Snapshot(FrozenDictionary<string, StationInfo> ByCode, FrozenDictionary<string, StationInfo> ByHost, FrozenDictionary<int, StationInfo> ById, string[] RootDomains);

    volatile Snapshot? snapshot;
    readonly SemaphoreSlim gate = new(1, 1);

    public void Invalidate()
    {
        snapshot = null;
        Invalidated?.Invoke();
    }

    /// <summary>Raised by <see cref="Invalidate"/> (the storefront's page cache listens).</summary>
    public event Action? Invalidated;

    public async ValueTask<StationInfo?> ByCodeAsync(string code) => (await GetAsync()).ByCode.GetValueOrDefault(code);

    /// <summary>A bound custom domain, or {code}.{root} for one of the platform's root domains.</summary>
    public async ValueTask<StationInfo?> ByHostAsync(string host)
    {
        var snap = await GetAsync();
        if (snap.ByHost.GetValueOrDefault(host) is { } bound) return bound;
        foreach (var root in snap.RootDomains)
        {
            if (host.Length > root.Length + 1 && host.EndsWith("." + root, StringComparison.OrdinalIgnoreCase))
            {
                var code = host[..^(root.Length + 1)];
                if (!code.Contains('.') && snap.ByCode.GetValueOrDefault(code) is { IsMain: false } station) return station;
            }
        }
        return null;
    }

    public async ValueTask<IReadOnlyList<StationInfo>> AllAsync() => (await GetAsync()).ById.Values.OrderBy(s => s.Id).ToList();

    public async ValueTask<StationInfo?> ByIdAsync(int id) => (await GetAsync()).ById.GetValueOrDefault(id);

    public async ValueTask<StationInfo> MainAsync() => (await GetAsync()).ById[Station.MainStationId];

    async ValueTask<Snapshot> GetAsync()
    {
        if (snapshot is { } s) return s;
        await gate.WaitAsync();
        try
        {
            if (snapshot is { } again) return again;
            await using var db = await dbFactory.CreateDbContextAsync();
            var stations = await db.Stations.AsNoTracking().Include(x => x.Hosts).ToListAsync();
            var settings = await db.PlatformSettings.AsNoTracking().SingleOrDefaultAsync();
            var now = DateTimeOffset.UtcNow;
            var sanctions = (await db.StationSanctions.AsNoTracking().Where(x => x.LiftedAt == null && x.EndsAt > now).ToListAsync())
                .GroupBy(x => x.StationId).ToDictionary(g => g.Key, g => (IReadOnlyList<SanctionInfo>)[.. g.Select(x => new SanctionInfo(x.Kind, x.Reason, x.StartsAt, x.EndsAt))]);
            var infos = stations.Select(x => (x, info: StationInfo.From(x) with { Sanctions = sanctions.GetValueOrDefault(x.Id) ?? [] })).ToList();
            var next = new Snapshot(
                infos.ToFrozenDictionary(p => p.x.Code, p => p.info, StringComparer.OrdinalIgnoreCase),
                // Only verified domains route: a pending one must not serve (or take over) anything yet.
                infos.SelectMany(p => p.x.Hosts.Where(h => h.VerifiedAt != null).Select(h => (h.Host, p.info))).ToFrozenDictionary(p => p.Host, p => p.info, StringComparer.OrdinalIgnoreCase),
                infos.ToFrozenDictionary(p => p.x.Id, p => p.info),
                settings?.RootDomainList.ToArray() ?? []);
            snapshot = next;
            return next;
        }
        finally { gate.Release(); }
    }
}

/// <summary>The station of the current storefront request (scoped).</summary>
public sealed class CurrentStation
{
    StationInfo? station;

    public StationInfo Station => station ?? throw new InvalidOperationException("No station was resolved for this request.");

    /// <summary>"/s/{code}" when reached by path, "" when reached by host or as the main station.</summary>
    public string BasePath { get; private set; } = "";

    public bool IsResolved => station is not null;

    public void Set(StationInfo info, string basePath)
    {
        station = info;
        BasePath = basePath;
    }
}
