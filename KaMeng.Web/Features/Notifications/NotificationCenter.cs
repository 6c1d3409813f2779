using KaMeng.Data;
using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Notifications;

/// <summary>站内信 of one user: list, unread count, mark read; raises <see cref="Changed"/> so open badges refresh.</summary>
public sealed class NotificationCenter(IDbContextFactory<KaMengDbContext> dbFactory, TimeProvider clock)
{
    public event Action<string>? Changed;

    public void RaiseChanged(IEnumerable<string> userIds)
    {
        foreach (var id in userIds.Distinct())
        {
            try { Changed?.Invoke(id); } catch { /* a closed circuit's handler must not stop the others */ }
        }
    }

    public async Task<int> UnreadCountAsync(string userId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Notifications.CountAsync(n => n.UserId == userId && n.ReadAt == null, ct);
    }

    public async Task<List<Notification>> ListAsync(string userId, bool unreadOnly, int take = 200, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var q = db.Notifications.AsNoTracking().Where(n => n.UserId == userId);
        if (unreadOnly) q = q.Where(n => n.ReadAt == null);
        return await q.OrderByDescending(n => n.Id).Take(take).ToListAsync(ct);
    }

    public async Task MarkReadAsync(string userId, long id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var n = await db.Notifications.FirstOrDefaultAsync(x => x.Id == id && x.UserId == userId, ct);
        if (n is null) return;
        n.MarkRead(clock.GetUtcNow());
        await db.SaveChangesAsync(ct);
        RaiseChanged([userId]);
    }

    public async Task MarkAllReadAsync(string userId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow();
        await db.Notifications.Where(x => x.UserId == userId && x.ReadAt == null).ExecuteUpdateAsync(s => s.SetProperty(x => x.ReadAt, now), ct);
        RaiseChanged([userId]);
    }
}
