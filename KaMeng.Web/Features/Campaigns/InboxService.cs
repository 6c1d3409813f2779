using KaMeng.Data;
using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Campaigns;

public sealed record ConsentView(bool OptedIn, bool Explicit);

/// <summary>The buyer's side: 消息中心 at one station (messages, reading them, the unread count), the marketing opt-in
/// switch, and the unsubscribe link of the mails (no sign-in: the token is the key).</summary>
public sealed class InboxService(IDbContextFactory<KaMengDbContext> dbFactory, TimeProvider clock)
{
    public const int PageSize = 50;

    public async Task<List<InboxMessage>> MessagesAsync(int stationId, string userId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.InboxMessages.AsNoTracking().Where(m => m.StationId == stationId && m.UserId == userId)
            .OrderByDescending(m => m.CreatedAt).ThenByDescending(m => m.Id).Take(PageSize).ToListAsync(ct);
    }

    public async Task<int> UnreadCountAsync(int stationId, string userId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.InboxMessages.CountAsync(m => m.StationId == stationId && m.UserId == userId && m.ReadAt == null, ct);
    }

    /// <summary>The buyer's own message, marked read (and its campaign delivery opened); null when it is not theirs.</summary>
    public async Task<InboxMessage?> ReadAsync(int stationId, string userId, long messageId, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var message = await db.InboxMessages.FirstOrDefaultAsync(m => m.Id == messageId && m.StationId == stationId && m.UserId == userId, ct);
        if (message is null) return null;
        if (!message.IsRead)
        {
            message.MarkRead(now);
            await db.SaveChangesAsync(ct);
            await OpenDeliveriesAsync(db, [message.Id], now, ct);
        }
        return message;
    }

    public async Task<int> MarkAllReadAsync(int stationId, string userId, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var ids = await db.InboxMessages.Where(m => m.StationId == stationId && m.UserId == userId && m.ReadAt == null).Select(m => m.Id).ToListAsync(ct);
        if (ids.Count == 0) return 0;
        await db.InboxMessages.Where(m => ids.Contains(m.Id) && m.ReadAt == null).ExecuteUpdateAsync(s => s.SetProperty(m => m.ReadAt, now), ct);
        await OpenDeliveriesAsync(db, ids, now, ct);
        return ids.Count;
    }

    /// <summary>已读 in the campaign report: the inbox delivery of each message is opened at its first reading.</summary>
    static Task OpenDeliveriesAsync(KaMengDbContext db, List<long> messageIds, DateTimeOffset now, CancellationToken ct) =>
        db.CampaignDeliveries.Where(d => d.InboxMessageId != null && messageIds.Contains(d.InboxMessageId.Value) && d.OpenedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.OpenedAt, now), ct);

    public async Task<ConsentView> ConsentAsync(int stationId, string userId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var settings = await CampaignAudience.SettingsAsync(db, stationId, ct);
        var choice = await db.MarketingConsents.Where(c => c.StationId == stationId && c.UserId == userId).Select(c => c.OptedIn).FirstOrDefaultAsync(ct);
        return new(MarketingRules.MayReceive(choice, settings.OptInByDefault), choice is not null);
    }

    public async Task SetConsentAsync(int stationId, string userId, bool optIn, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var row = await db.MarketingConsents.FirstOrDefaultAsync(c => c.StationId == stationId && c.UserId == userId, ct);
        if (row is null) db.MarketingConsents.Add(MarketingConsent.For(stationId, userId, optIn, now));
        else { row.OptedIn = optIn; row.UpdatedAt = now; }
        try { await db.SaveChangesAsync(ct); }
        catch (DbUpdateException e) when (e.IsUniqueViolation())
        {
            // Two clicks at once: the other created the row; set the choice on it.
            await using var again = await dbFactory.CreateDbContextAsync(ct);
            await again.MarketingConsents.Where(c => c.StationId == stationId && c.UserId == userId)
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.OptedIn, optIn).SetProperty(c => c.UpdatedAt, now), ct);
        }
    }

    /// <summary>The unsubscribe link: the buyer's explicit no at the token's station. Returns that station's id, or null
    /// for an unknown token. Idempotent.</summary>
    public async Task<int?> UnsubscribeAsync(string? token, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(token) || token.Length > 64) return null;
        var now = clock.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var row = await db.MarketingConsents.FirstOrDefaultAsync(c => c.UnsubscribeToken == token, ct);
        if (row is null) return null;
        if (row.OptedIn != false)
        {
            row.OptedIn = false;
            row.UpdatedAt = now;
            await db.SaveChangesAsync(ct);
        }
        return row.StationId;
    }

    /// <summary>The buyer's unsubscribe token at the station, creating the row (with no choice recorded) when missing.</summary>
    public static async Task<string> TokenAsync(KaMengDbContext db, int stationId, string userId, DateTimeOffset now, CancellationToken ct)
    {
        var token = await db.MarketingConsents.Where(c => c.StationId == stationId && c.UserId == userId).Select(c => c.UnsubscribeToken).FirstOrDefaultAsync(ct);
        if (token is not null) return token;
        var row = MarketingConsent.For(stationId, userId, null, now);
        db.MarketingConsents.Add(row);
        await db.SaveChangesAsync(ct);
        return row.UnsubscribeToken;
    }
}
