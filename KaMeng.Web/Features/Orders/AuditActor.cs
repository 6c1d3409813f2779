using System.Security.Claims;
using KaMeng.Data;
using KaMeng.Domain;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Orders;

/// <summary>Who does an admin operation, and which stations they may touch (null = the whole platform).</summary>
public sealed record AuditActor(string UserId, string UserName, int? StationId)
{
    /// <summary>A context that sees only what this actor may see.</summary>
    public async Task<KaMengDbContext> ScopedAsync(IDbContextFactory<KaMengDbContext> factory, CancellationToken ct = default) =>
        (await factory.CreateDbContextAsync(ct)).ScopedTo(StationId);

    public bool MaySee(int stationId) => StationId is null || StationId == stationId;

    public AuditEntry Entry(string action, string? target, string? detail, DateTimeOffset now, int? stationId) => new()
    {
        Action = action, Target = target, Detail = detail, UserId = UserId, UserName = UserName, CreatedAt = now, StationId = stationId,
    };

    /// <summary>Platform admins and finance act platform-wide; a station owner only on the station they own
    /// (-1, i.e. nothing, when they own none).</summary>
    public static AuditActor From(ClaimsPrincipal user, int? ownedStationId) => new(
        user.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("Not signed in"),
        user.Identity?.Name ?? "?",
        user.IsInRole(Roles.PlatformAdmin) || user.IsInRole(Roles.Finance) ? null : ownedStationId ?? -1);
}

/// <summary>The signed-in admin user of the current circuit or request, as an <see cref="AuditActor"/>. Pages hand it to the
/// query classes and services they call (which scope their contexts with <see cref="AuditActor.ScopedAsync"/>); a page never
/// opens a context itself.</summary>
public sealed class CurrentAdmin(AuthenticationStateProvider auth, IDbContextFactory<KaMengDbContext> dbFactory)
{
    AuditActor? actor;

    public async Task<AuditActor> GetAsync()
    {
        if (actor is not null) return actor;
        var user = (await auth.GetAuthenticationStateAsync()).User;
        var userId = user.FindFirstValue(ClaimTypes.NameIdentifier);
        int? owned = null;
        if (userId is not null && user.IsInRole(Roles.StationOwner))
        {
            await using var db = await dbFactory.CreateDbContextAsync();
            owned = await db.Stations.Where(s => s.OwnerUserId == userId).Select(s => (int?)s.Id).FirstOrDefaultAsync();
        }
        return actor = AuditActor.From(user, owned);
    }
}
