using System.Security.Claims;
using KaMeng.Data;
using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Admin.CardKeys;

/// <summary>Who does an operation on card keys; written into the audit log.</summary>
public sealed record CardKeyActor(string? UserId, string? UserName)
{
    public static CardKeyActor From(ClaimsPrincipal user) => new(user.FindFirstValue(ClaimTypes.NameIdentifier), user.Identity?.Name);
}

public static class CardKeyAccess
{
    /// <summary>Roles that manage card keys (the admin menu shows 卡密库存 to them).</summary>
    public const string ManagerRoles = Roles.PlatformAdmin + "," + Roles.StationOwner;

    /// <summary>The station whose keys the user manages: the main station for a platform admin, the station a station
    /// owner owns; null for anyone else. Every card-key operation is confined to this station.</summary>
    public static async Task<int?> StationOfAsync(IDbContextFactory<KaMengDbContext> dbFactory, ClaimsPrincipal user, CancellationToken ct = default)
    {
        if (user.Identity?.IsAuthenticated != true) return null;
        if (user.IsInRole(Roles.PlatformAdmin)) return Station.MainStationId;
        if (!user.IsInRole(Roles.StationOwner)) return null;
        var userId = user.FindFirstValue(ClaimTypes.NameIdentifier);
        if (userId is null) return null;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Stations.Where(s => s.OwnerUserId == userId).OrderBy(s => s.Id).Select(s => (int?)s.Id).FirstOrDefaultAsync(ct);
    }

    /// <summary>The product, if it belongs to the station and is delivered from card keys; otherwise a Chinese refusal.</summary>
    internal static async Task<Product> CardKeyProductAsync(KaMengDbContext db, int stationId, int productId, CancellationToken ct)
    {
        var product = await db.Products.AsNoTracking().FirstOrDefaultAsync(p => p.Id == productId && p.StationId == stationId && !p.Deleted, ct)
            ?? throw new DomainException("cardkey.product-not-found", "商品不存在或不属于本站");
        if (product.DeliveryType != DeliveryType.CardKey)
            throw new DomainException("cardkey.not-card-key-product", "该商品不是卡密商品");
        return product;
    }

    internal static AuditEntry Audit(int stationId, CardKeyActor actor, string action, string target, string detail, DateTimeOffset now) => new()
    {
        StationId = stationId, UserId = actor.UserId, UserName = actor.UserName, Action = action, Target = target, Detail = detail, CreatedAt = now,
    };

    public static string StatusName(CardKeyStatus status) => status switch
    {
        CardKeyStatus.Available => "可售",
        CardKeyStatus.Sold => "已售",
        CardKeyStatus.Void => "作废",
        CardKeyStatus.Refunded => "已退款",
        _ => status.ToString(),
    };

    /// <summary>Times in the admin are shown in Beijing time (<see cref="BusinessTime"/>).</summary>
    public static string Display(DateTimeOffset time) => BusinessTime.Format(time, "yyyy-MM-dd HH:mm");
}
