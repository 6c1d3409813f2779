using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Notifications;
using KaMeng.Web.Features.Stations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace KaMeng.Web.Features.Campaigns;

public sealed record SendSummary(int Campaigns, int Delivered, int Skipped, int TriggersFired, bool QuietHours);

/// <summary>
/// Sends what is due (the 营销活动发送 job, every few minutes): each campaign whose time has come to its audience — only
/// opted-in buyers, one marketing message per buyer per station per Beijing day, nothing 22:00–08:00 (a campaign due then
/// waits for 08:00) — as a 消息中心 message and, when chosen, an email, each with the buyer's unsubscribe link, with the
/// coupon granted; then the triggers (新人礼包, 回归礼包), each once per buyer. Each buyer's message, grant and delivery rows
/// are one transaction; a run that stopped half-way resumes without sending twice (unique deliveries).
/// </summary>
public sealed class CampaignSender(IDbContextFactory<KaMengDbContext> dbFactory, Notifier notifier, StationDirectory stations,
    IOptions<KaMengOptions> options, TimeProvider clock, ILogger<CampaignSender> log)
{
    public const string CampaignGrantSource = "营销活动";
    readonly SemaphoreSlim gate = new(1, 1);

    public Task<SendSummary> RunAsync(CancellationToken ct = default) => RunAsync(clock.GetUtcNow(), ct);

    /// <summary>One run at <paramref name="now"/> (the job passes the clock's time; tests pass their own).</summary>
    public async Task<SendSummary> RunAsync(DateTimeOffset now, CancellationToken ct = default)
    {
        if (MarketingRules.IsQuietHour(now)) return new(0, 0, 0, 0, true);
        await gate.WaitAsync(ct);
        try
        {
            List<int> due;
            await using (var db = await dbFactory.CreateDbContextAsync(ct))
                due = await db.Campaigns.Where(c => (c.Status == CampaignStatus.Scheduled || c.Status == CampaignStatus.Sending) && c.ScheduledAt <= now)
                    .OrderBy(c => c.ScheduledAt).Select(c => c.Id).ToListAsync(ct);
            int delivered = 0, skipped = 0;
            foreach (var id in due)
            {
                var (d, s) = await SendCampaignAsync(id, now, ct);
                delivered += d;
                skipped += s;
            }
            var fired = await FireTriggersAsync(now, ct);
            return new(due.Count, delivered, skipped, fired, false);
        }
        finally { gate.Release(); }
    }

    async Task<(int Delivered, int Skipped)> SendCampaignAsync(int id, DateTimeOffset now, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        // Claimed by a conditional update: a cancel a moment ago wins, and a second node finds nothing to claim.
        if (await db.Campaigns.Where(c => c.Id == id && (c.Status == CampaignStatus.Scheduled || c.Status == CampaignStatus.Sending))
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.Status, CampaignStatus.Sending), ct) == 0)
            return (0, 0);
        var campaign = await db.Campaigns.AsNoTracking().SingleAsync(c => c.Id == id, ct);
        var settings = await CampaignAudience.SettingsAsync(db, campaign.StationId, ct);
        var audience = await CampaignAudience.UserIdsAsync(db, campaign, settings, now, ct);
        var done = (await db.CampaignDeliveries.Where(d => d.CampaignId == id && d.Channel == CampaignChannel.Inbox).Select(d => d.UserId).ToListAsync(ct)).ToHashSet();
        var consents = await CampaignService.ConsentsAsync(db, campaign.StationId, audience, ct);
        var messagedToday = await MessagedTodayAsync(db, campaign.StationId, audience, now, ct);
        var coupon = campaign.CouponId is int couponId ? await GrantableAsync(db, campaign.StationId, couponId, now, ct) : null;
        var emails = campaign.SendEmail ? await EmailsAsync(db, audience, ct) : [];
        var station = await stations.ByIdAsync(campaign.StationId);

        int delivered = 0, skipped = 0, granted = 0;
        foreach (var userId in audience)
        {
            if (done.Contains(userId)) continue;
            if (MarketingRules.Refusal(consents.GetValueOrDefault(userId), settings.OptInByDefault, messagedToday.Contains(userId) ? MarketingRules.DayOf(now) : null, now) is not null)
            {
                skipped++;
                continue;
            }
            var sent = await DeliverAsync(campaign.StationId, userId, campaign.Title, campaign.Body, coupon, CampaignGrantSource, now, campaign, null, emails.GetValueOrDefault(userId), ct);
            if (sent is null) { skipped++; continue; }
            delivered++;
            if (sent.Value.Granted) granted++;
            if (sent.Value.Email is { } mail) Mail(station, mail, campaign.Title, campaign.Body, coupon, sent.Value.Token);
        }
        var inbox = await db.CampaignDeliveries.CountAsync(d => d.CampaignId == id && d.Channel == CampaignChannel.Inbox, ct);
        var email = await db.CampaignDeliveries.CountAsync(d => d.CampaignId == id && d.Channel == CampaignChannel.Email, ct);
        await db.Campaigns.Where(c => c.Id == id).ExecuteUpdateAsync(s => s
            .SetProperty(c => c.Status, CampaignStatus.Sent)
            .SetProperty(c => c.SentAt, now)
            .SetProperty(c => c.AudienceCount, audience.Count)
            .SetProperty(c => c.DeliveredCount, inbox)
            .SetProperty(c => c.EmailCount, email)
            .SetProperty(c => c.GrantedCount, c => c.GrantedCount + granted)
            .SetProperty(c => c.SkippedCount, Math.Max(0, audience.Count - inbox)), ct);
        log.LogInformation("Campaign {Campaign} at station {Station}: {Delivered} delivered, {Skipped} skipped of {Audience}", id, campaign.StationId, delivered, skipped, audience.Count);
        return (delivered, skipped);
    }

    async Task<int> FireTriggersAsync(DateTimeOffset now, CancellationToken ct)
    {
        List<MarketingSettings> stationsWithTriggers;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
            stationsWithTriggers = await db.MarketingSettings.AsNoTracking().Where(s => s.WelcomeEnabled || s.WinBackEnabled).ToListAsync(ct);
        var fired = 0;
        foreach (var settings in stationsWithTriggers)
        {
            if (settings.WelcomeEnabled && settings.WelcomeCouponId is int welcome) fired += await FireAsync(settings, TriggerKind.Welcome, welcome, now, ct);
            if (settings.WinBackEnabled && settings.WinBackCouponId is int winBack) fired += await FireAsync(settings, TriggerKind.WinBack, winBack, now, ct);
        }
        return fired;
    }

    async Task<int> FireAsync(MarketingSettings settings, TriggerKind kind, int couponId, DateTimeOffset now, CancellationToken ct)
    {
        var stationId = settings.StationId;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var coupon = await GrantableAsync(db, stationId, couponId, now, ct);
        if (coupon is null)
        {
            // Firing without the gift would spend the buyer's only time: wait until the owner picks a usable coupon.
            log.LogWarning("Trigger {Kind} at station {Station}: coupon {Coupon} cannot be granted now; not fired", kind, stationId, couponId);
            return 0;
        }
        var q = db.BuyerStats.AsNoTracking().Where(b => b.StationId == stationId
            && !db.TriggersFired.Any(t => t.StationId == stationId && t.UserId == b.BuyerUserId && t.Kind == kind));
        if (kind == TriggerKind.Welcome)
        {
            var latest = now.AddDays(-Triggers.WelcomeAfterDays);
            var earliest = now.AddDays(-Triggers.WelcomeAfterDays - Triggers.WelcomeWindowDays);
            q = q.Where(b => b.FirstPaidAt <= latest && b.FirstPaidAt > earliest);
        }
        else
        {
            var dormant = now.AddDays(-settings.DormantAfterDays);
            q = q.Where(b => b.LastPaidAt <= dormant);
        }
        var due = (await q.ToListAsync(ct)).Where(b => Triggers.IsDue(kind, b.ToHistory(), now, settings)).Select(b => b.BuyerUserId).ToList();
        if (due.Count == 0) return 0;
        var consents = await CampaignService.ConsentsAsync(db, stationId, due, ct);
        var messagedToday = await MessagedTodayAsync(db, stationId, due, now, ct);
        var station = await stations.ByIdAsync(stationId);
        var (title, body) = Triggers.Message(kind, station?.Name ?? "本站", coupon.Describe());
        var fired = 0;
        foreach (var userId in due)
        {
            // Not yet allowed (no yes, or already messaged today): not fired, so it is tried again on a later run.
            if (MarketingRules.Refusal(consents.GetValueOrDefault(userId), settings.OptInByDefault, messagedToday.Contains(userId) ? MarketingRules.DayOf(now) : null, now) is not null)
                continue;
            if (await DeliverAsync(stationId, userId, title, body, coupon, Triggers.NameOf(kind), now, null, kind, null, ct) is not null) fired++;
        }
        if (fired > 0) log.LogInformation("Trigger {Kind} at station {Station}: fired for {Count} buyers", kind, stationId, fired);
        return fired;
    }

    /// <summary>One buyer's marketing message, in one transaction: the inbox message (holding the day's slot), the coupon
    /// grant, and the campaign's deliveries or the trigger's once-only row. Null when the database refused it (the day's slot
    /// taken, the trigger already fired, the delivery already made): nothing of it is written then.</summary>
    async Task<(bool Granted, string? Email, string Token)?> DeliverAsync(int stationId, string userId, string title, string body,
        Coupon? coupon, string grantSource, DateTimeOffset now, Campaign? campaign, TriggerKind? trigger, string? email, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        try
        {
            await using var tx = await db.BeginBusinessTransactionAsync(ct);
            var token = await InboxService.TokenAsync(db, stationId, userId, now, ct);
            CouponGrant? grant = null;
            if (coupon is not null)
            {
                grant = new CouponGrant
                {
                    CouponId = coupon.Id, StationId = coupon.StationId, UserId = userId, GrantedAt = now, Source = grantSource,
                    ExpiresAt = coupon.ValidDays is int days ? now.AddDays(days) : coupon.ValidUntil,
                };
                db.CouponGrants.Add(grant);
            }
            var message = new InboxMessage
            {
                StationId = stationId, UserId = userId, Title = title, Body = InboxBody(body, coupon, token), CampaignId = campaign?.Id, Trigger = trigger,
                MarketingDay = MarketingRules.DayOf(now), CreatedAt = now,
            };
            db.InboxMessages.Add(message);
            var fired = trigger is { } kind ? new TriggerFired { StationId = stationId, UserId = userId, Kind = kind, FiredAt = now } : null;
            if (fired is not null) db.TriggersFired.Add(fired);
            await db.SaveChangesAsync(ct);
            if (fired is not null && grant is not null)
            {
                fired.GrantId = grant.Id;
                await db.SaveChangesAsync(ct);
            }
            var mailTo = campaign is { SendEmail: true } && !string.IsNullOrWhiteSpace(email) ? email : null;
            if (campaign is not null)
            {
                db.CampaignDeliveries.Add(new CampaignDelivery { CampaignId = campaign.Id, StationId = stationId, UserId = userId, Channel = CampaignChannel.Inbox, SentAt = now, InboxMessageId = message.Id });
                if (mailTo is not null)
                    db.CampaignDeliveries.Add(new CampaignDelivery { CampaignId = campaign.Id, StationId = stationId, UserId = userId, Channel = CampaignChannel.Email, SentAt = now });
                await db.SaveChangesAsync(ct);
            }
            await tx.CommitAsync(ct);
            return (grant is not null, mailTo, token);
        }
        catch (DbUpdateException e) when (e.IsUniqueViolation())
        {
            return null;
        }
    }

    /// <summary>The message in the 消息中心: the body, the coupon, and the unsubscribe link (relative to the station's store).</summary>
    static string InboxBody(string body, Coupon? coupon, string token) =>
        body + (coupon is null ? "" : $"\n\n已赠送优惠券：**{coupon.Name}**（{coupon.Describe()}），可在「我的优惠券」查看。")
        + $"\n\n---\n不想再收到本站的营销消息？[退订](unsubscribe/{token})";

    /// <summary>The mail (plain text) through the notification system, with the absolute unsubscribe link.</summary>
    void Mail(StationInfo? station, string address, string title, string body, Coupon? coupon, string token)
    {
        var store = StoreUrl(station);
        var text = $"{title}\n\n{body}\n\n"
            + (coupon is null ? "" : $"已赠送优惠券：{coupon.Name}（{coupon.Describe()}），登录后在「我的优惠券」查看。\n\n")
            + $"查看消息：{store}/my/inbox\n"
            + $"退订本站营销邮件：{store}/unsubscribe/{token}\n";
        notifier.Publish(new NotificationRequest(NotificationEvent.System, title, text, StationId: station?.Id, EmailTo: address));
    }

    /// <summary>The station's store: the configured public address and the station's path (/s/{code}; none for the main station).</summary>
    string StoreUrl(StationInfo? station)
    {
        var origin = options.Value.PublicBaseUrl?.Trim().TrimEnd('/') ?? "";
        return origin + (station is null || station.Id == Station.MainStationId ? "" : "/s/" + station.Code);
    }

    static async Task<Coupon?> GrantableAsync(KaMengDbContext db, int stationId, int couponId, DateTimeOffset now, CancellationToken ct) =>
        await BuyerTagging.GrantRefusalAsync(db, stationId, couponId, now, ct) is null
            ? await db.Coupons.AsNoTracking().FirstAsync(c => c.Id == couponId, ct)
            : null;

    static async Task<HashSet<string>> MessagedTodayAsync(KaMengDbContext db, int stationId, List<string> ids, DateTimeOffset now, CancellationToken ct)
    {
        var today = MarketingRules.DayOf(now);
        var result = new HashSet<string>();
        foreach (var chunk in ids.Chunk(500))
            result.UnionWith(await db.InboxMessages.Where(m => m.StationId == stationId && m.MarketingDay == today && chunk.Contains(m.UserId)).Select(m => m.UserId).ToListAsync(ct));
        return result;
    }

    static async Task<Dictionary<string, string>> EmailsAsync(KaMengDbContext db, List<string> ids, CancellationToken ct)
    {
        var result = new Dictionary<string, string>();
        foreach (var chunk in ids.Chunk(500))
            foreach (var u in await db.Users.AsNoTracking().Where(u => chunk.Contains(u.Id) && u.Email != null).Select(u => new { u.Id, u.Email }).ToListAsync(ct))
                result[u.Id] = u.Email!;
        return result;
    }
}
