using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Compliance;
using KaMeng.Web.Features.Orders;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Risk.Blacklists;

public sealed record BlacklistInput(BlacklistKind Kind, string? Value, string? Reason, DateTimeOffset? ExpiresAt);

/// <summary>One entry as the list page shows it: <see cref="Value"/> already masked for a station owner where it is an address.</summary>
public sealed record BlacklistRow(long Id, int? StationId, BlacklistKind Kind, string Value, string Reason, DateTimeOffset? ExpiresAt, bool Active,
    string? CreatedByName, DateTimeOffset CreatedAt);

/// <summary>
/// 黑名单 (issue 21 §4): the platform admin keeps the platform's list and may keep any station's; a station owner keeps only
/// their own station's. Every change is validated first (nothing written when refused), audited, and drops the gate's cache.
/// </summary>
public sealed class BlacklistService(IDbContextFactory<KaMengDbContext> dbFactory, BlacklistGate gate, TimeProvider clock)
{
    /// <summary>Adds an entry to the platform's list (<paramref name="stationId"/> null) or a station's. Returns its id or a Chinese error.</summary>
    public async Task<(long? Id, string? Error)> AddAsync(int? stationId, BlacklistInput input, AuditActor actor, CancellationToken ct = default)
    {
        if (Refusal(stationId, actor) is { } refused) return (null, refused);
        var now = clock.GetUtcNow();
        var (value, error) = BlacklistRules.Validate(input.Kind, input.Value, input.Reason, input.ExpiresAt, now);
        if (error is not null) return (null, error);
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        if (stationId is int sid && !await db.Stations.AnyAsync(s => s.Id == sid, ct)) return (null, "分站不存在");
        var shown = value!;
        if (input.Kind == BlacklistKind.User)
        {
            // Entered as a user name, kept as the id (names can change).
            var user = await db.Users.AsNoTracking().Where(u => u.NormalizedUserName == value!.ToUpperInvariant()).Select(u => new { u.Id, u.UserName }).SingleOrDefaultAsync(ct);
            if (user is null) return (null, "用户不存在");
            if (user.Id == actor.UserId) return (null, "不能拉黑自己");
            value = user.Id;
            shown = user.UserName ?? user.Id;
        }
        if (await db.BlacklistEntries.AnyAsync(e => e.StationId == stationId && e.Kind == input.Kind && e.Value == value && (e.ExpiresAt == null || e.ExpiresAt > now), ct))
            return (null, "该条目已在黑名单中");
        var entry = new BlacklistEntry
        {
            StationId = stationId, Kind = input.Kind, Value = value!, Reason = input.Reason!.Trim(), ExpiresAt = input.ExpiresAt,
            CreatedByUserId = actor.UserId, CreatedByName = actor.UserName, CreatedAt = now,
        };
        db.BlacklistEntries.Add(entry);
        db.AuditEntries.Add(actor.Entry("risk.blacklist.add", $"{BlacklistRules.KindName(input.Kind)} {shown}",
            $"{entry.Reason}{(input.ExpiresAt is { } e ? $"，至 {BusinessTime.Format(e, "yyyy-MM-dd HH:mm")}" : "")}", now, stationId));
        await db.SaveChangesAsync(ct);
        gate.Invalidate();
        return (entry.Id, null);
    }

    public async Task<string?> RemoveAsync(long id, AuditActor actor, CancellationToken ct = default)
    {
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var entry = await db.BlacklistEntries.SingleOrDefaultAsync(e => e.Id == id, ct);
        // An owner's scoped context never sees the platform's entries; the check below says so for a platform actor too.
        if (entry is null || Refusal(entry.StationId, actor) is not null) return "黑名单条目不存在";
        db.BlacklistEntries.Remove(entry);
        db.AuditEntries.Add(actor.Entry("risk.blacklist.remove", $"{BlacklistRules.KindName(entry.Kind)} {Shown(entry.Kind, entry.Value, actor)}", entry.Reason, clock.GetUtcNow(), entry.StationId));
        await db.SaveChangesAsync(ct);
        gate.Invalidate();
        return null;
    }

    /// <summary>The platform's list (<paramref name="stationId"/> null) or a station's, newest first; addresses masked for owners.</summary>
    public async Task<IReadOnlyList<BlacklistRow>> ListAsync(int? stationId, AuditActor actor, CancellationToken ct = default)
    {
        if (Refusal(stationId, actor) is not null) return [];
        var now = clock.GetUtcNow();
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var rows = await db.BlacklistEntries.AsNoTracking().Where(e => e.StationId == stationId).OrderByDescending(e => e.Id).Take(1000).ToListAsync(ct);
        var userIds = rows.Where(r => r.Kind == BlacklistKind.User).Select(r => r.Value).Distinct().ToList();
        var names = userIds.Count == 0 ? new Dictionary<string, string?>()
            : await db.Users.AsNoTracking().Where(u => userIds.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.UserName, ct);
        return [.. rows.Select(r => new BlacklistRow(r.Id, r.StationId, r.Kind,
            r.Kind == BlacklistKind.User ? names.GetValueOrDefault(r.Value) ?? r.Value : Shown(r.Kind, r.Value, actor),
            r.Reason, r.ExpiresAt, r.IsActiveAt(now), r.CreatedByName, r.CreatedAt))];
    }

    /// <summary>The stations whose lists the platform admin may open.</summary>
    public async Task<IReadOnlyList<StationChoice>> StationsAsync(AuditActor actor, CancellationToken ct = default)
    {
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var q = db.Stations.AsNoTracking().Where(s => s.Id != Station.MainStationId);
        if (actor.StationId is int own) q = q.Where(s => s.Id == own);
        return await q.OrderBy(s => s.Code).Select(s => new StationChoice(s.Id, s.Code, s.Name)).ToListAsync(ct);
    }

    /// <summary>Owners see addresses masked (203.0.113.*); the platform sees them in full.</summary>
    public static string Shown(BlacklistKind kind, string value, AuditActor actor) =>
        actor.StationId is not null && kind is BlacklistKind.Ip or BlacklistKind.Cidr ? BlacklistRules.MaskIp(value) : value;

    static string? Refusal(int? stationId, AuditActor actor) =>
        actor.StationId is null ? null
        : stationId is null ? "只有平台管理员可以管理平台黑名单"
        : stationId != actor.StationId ? "只能管理本站的黑名单" : null;
}
