using KaMeng.Data;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Admin.Notifications;

/// <summary>What the 通知设置 page reads besides <see cref="Features.Notifications.NotificationSettingsService"/>.</summary>
public sealed class NotificationQueries(IDbContextFactory<KaMengDbContext> dbFactory)
{
    /// <summary>The user's own e-mail address (the default recipient of a test mail).</summary>
    public async Task<string?> EmailOfAsync(string userId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Users.Where(u => u.Id == userId).Select(u => u.Email).FirstOrDefaultAsync(ct);
    }
}
