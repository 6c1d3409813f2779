using KaMeng.Data;
using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Jobs;

/// <summary>A product of a station that is under its low-stock line (alerted this crossing) or whose alert is snoozed.
/// <paramref name="LowStockBelow"/> is the line the restock job alerts at (<see cref="Product.LowStockLine"/>).</summary>
public sealed record RestockAlertRow(int StationId, int ProductId, string ProductName, int LastStock, int LowStockBelow, bool Alerted, DateTimeOffset? SnoozedUntil);

/// <summary>
/// What the owner sees of 补货提醒 in the notification centre: the alert state the restock job recorded (never a stock
/// query of its own), and 暂停提醒 (a snooze the restock job honours, <see cref="RestockAlert.Snooze"/>).
/// </summary>
public sealed class RestockAlertList(TimeProvider clock, Microsoft.EntityFrameworkCore.IDbContextFactory<KaMengDbContext> dbFactory)
{
    /// <summary>The snooze lengths offered: 1 天 and 7 天.</summary>
    public static readonly (string Text, TimeSpan Length)[] SnoozeChoices = [("1 天", TimeSpan.FromDays(1)), ("7 天", TimeSpan.FromDays(7))];

    /// <summary>The station whose alerts this admin handles: a platform admin the main station's, an owner their own.</summary>
    public static int? StationOf(System.Security.Claims.ClaimsPrincipal user, int? ownedStationId) =>
        user.IsInRole(Roles.PlatformAdmin) ? Station.MainStationId : user.IsInRole(Roles.StationOwner) ? ownedStationId : null;

    /// <summary>The alerts as <paramref name="admin"/> may see them: a context scoped to their stations, opened and disposed here.</summary>
    public async Task<List<RestockAlertRow>> ListAsync(Orders.CurrentAdmin admin, int stationId, CancellationToken ct = default)
    {
        await using var db = await (await admin.GetAsync()).ScopedAsync(dbFactory, ct);
        var now = clock.GetUtcNow();
        return await (from a in db.RestockAlerts.AsNoTracking()
                          join p in db.Products on a.ProductId equals p.Id
                          where a.StationId == stationId && (a.Alerted || a.SnoozedUntil > now)
                          orderby p.Name
                          select new RestockAlertRow(a.StationId, a.ProductId, p.Name, a.LastStock,
                              Product.LowStockLine(p.DeliveryType, p.ReusableKey, p.LowStockThreshold), a.Alerted, a.SnoozedUntil))
            .ToListAsync(ct);
    }

    /// <summary>Holds back the alert of this product at this station for <paramref name="length"/> (one of <see cref="SnoozeChoices"/>),
    /// through a context scoped to <paramref name="admin"/>'s stations.</summary>
    public async Task SnoozeAsync(Orders.CurrentAdmin admin, int stationId, int productId, TimeSpan length, CancellationToken ct = default)
    {
        if (!SnoozeChoices.Any(c => c.Length == length)) throw new ArgumentOutOfRangeException(nameof(length), "暂停时长只能是 1 天或 7 天。");
        await using var db = await (await admin.GetAsync()).ScopedAsync(dbFactory, ct);
        var alert = await db.RestockAlerts.FirstOrDefaultAsync(a => a.StationId == stationId && a.ProductId == productId, ct);
        if (alert is null) db.RestockAlerts.Add(alert = new RestockAlert { StationId = stationId, ProductId = productId });
        alert.Snooze(clock.GetUtcNow() + length);
        await db.SaveChangesAsync(ct);
    }
}
