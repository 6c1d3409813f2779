using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Orders;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Campaigns;

/// <summary>What the owner types into the campaign form (the schedule in Beijing time; null: as soon as allowed).</summary>
public sealed class CampaignForm
{
    public string Name { get; set; } = "";
    public BuyerSegment? Segment { get; set; }
    public string? Tag { get; set; }
    public int? MemberLevelId { get; set; }
    public string Title { get; set; } = "";
    public string Body { get; set; } = "";
    public bool SendEmail { get; set; } = true;
    public int? CouponId { get; set; }
    public DateTimeOffset? ScheduledAt { get; set; }
}

public sealed record LevelChoice(int Id, string Name);

public sealed record CampaignRow(int Id, string Name, string Audience, CampaignStatus Status, DateTimeOffset ScheduledAt, DateTimeOffset? SentAt,
    int Delivered, int Skipped, string? Coupon);

public sealed record CampaignReport(int Id, string Name, string Audience, string Title, string Body, string? Coupon, CampaignStatus Status,
    DateTimeOffset ScheduledAt, DateTimeOffset? SentAt, int AudienceCount, int Delivered, int Emailed, int Opened, int Granted, int Skipped, int Orders, Money Gmv);

/// <summary>营销活动 for the owner: create (an empty audience refused), list, cancel, and the report per campaign.</summary>
public sealed class CampaignService(IDbContextFactory<KaMengDbContext> dbFactory, TimeProvider clock)
{
    public async Task<List<LevelChoice>> LevelsAsync(AuditActor actor, CancellationToken ct = default)
    {
        if (CampaignAudience.StationOf(actor) is not int stationId) return [];
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        return await db.MemberLevels.AsNoTracking().Where(l => l.StationId == stationId).OrderBy(l => l.SpendThreshold)
            .Select(l => new LevelChoice(l.Id, l.Name)).ToListAsync(ct);
    }

    /// <summary>How many buyers match the audience now, and how many of them have said yes (or not said no, by the station's default).</summary>
    public async Task<(int Matching, int OptedIn)> PreviewAsync(AuditActor actor, CampaignForm form, CancellationToken ct = default)
    {
        if (CampaignAudience.StationOf(actor) is not int stationId) return (0, 0);
        var campaign = ToCampaign(stationId, form, clock.GetUtcNow());
        if (!campaign.HasAudience) return (0, 0);
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var settings = await CampaignAudience.SettingsAsync(db, stationId, ct);
        var ids = await CampaignAudience.UserIdsAsync(db, campaign, settings, clock.GetUtcNow(), ct);
        var choices = await ConsentsAsync(db, stationId, ids, ct);
        return (ids.Count, ids.Count(id => MarketingRules.MayReceive(choices.GetValueOrDefault(id), settings.OptInByDefault)));
    }

    internal static async Task<Dictionary<string, bool?>> ConsentsAsync(KaMengDbContext db, int stationId, List<string> ids, CancellationToken ct)
    {
        var result = new Dictionary<string, bool?>();
        foreach (var chunk in ids.Chunk(500))
            foreach (var c in await db.MarketingConsents.AsNoTracking().Where(c => c.StationId == stationId && chunk.Contains(c.UserId)).Select(c => new { c.UserId, c.OptedIn }).ToListAsync(ct))
                result[c.UserId] = c.OptedIn;
        return result;
    }

    static Campaign ToCampaign(int stationId, CampaignForm form, DateTimeOffset now) => new()
    {
        StationId = stationId,
        Name = form.Name.Trim(),
        Segment = form.Segment,
        Tag = string.IsNullOrWhiteSpace(form.Tag) ? null : form.Tag.Trim(),
        MemberLevelId = form.MemberLevelId,
        Title = form.Title.Trim(),
        Body = form.Body.Trim(),
        SendEmail = form.SendEmail,
        CouponId = form.CouponId,
        ScheduledAt = form.ScheduledAt ?? now,
        Status = CampaignStatus.Scheduled,
        CreatedAt = now,
    };

    public async Task<(int? Id, string? Error)> CreateAsync(AuditActor actor, CampaignForm form, CancellationToken ct = default)
    {
        if (CampaignAudience.StationOf(actor) is not int stationId) return (null, CampaignAudience.NoStation);
        var now = clock.GetUtcNow();
        var campaign = ToCampaign(stationId, form, now);
        campaign.CreatedBy = actor.UserName;
        if (campaign.Validate(now) is { } error) return (null, error);
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        if (campaign.MemberLevelId is int levelId && !await db.MemberLevels.AnyAsync(l => l.Id == levelId && l.StationId == stationId, ct))
            return (null, "会员等级不存在或不属于本站");
        if (campaign.CouponId is int couponId && await BuyerTagging.GrantRefusalAsync(db, stationId, couponId, now, ct) is { } refused)
            return (null, refused);
        db.Campaigns.Add(campaign);
        db.AuditEntries.Add(actor.Entry("campaign.create", campaign.Name,
            $"{campaign.AudienceText()}，{BusinessTime.Format(campaign.ScheduledAt)} 发送{(campaign.CouponId is null ? "" : "，附优惠券")}", now, stationId));
        await db.SaveChangesAsync(ct);
        return (campaign.Id, null);
    }

    public async Task<string?> CancelAsync(AuditActor actor, int id, CancellationToken ct = default)
    {
        if (CampaignAudience.StationOf(actor) is not int stationId) return CampaignAudience.NoStation;
        var now = clock.GetUtcNow();
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        // Conditional: the sender may have claimed it a moment ago.
        var n = await db.Campaigns.Where(c => c.Id == id && c.StationId == stationId && c.Status == CampaignStatus.Scheduled)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.Status, CampaignStatus.Cancelled), ct);
        if (n == 0) return "只有待发送的活动可以取消";
        db.AuditEntries.Add(actor.Entry("campaign.cancel", id.ToString(), null, now, stationId));
        await db.SaveChangesAsync(ct);
        return null;
    }

    public async Task<List<CampaignRow>> ListAsync(AuditActor actor, CancellationToken ct = default)
    {
        if (CampaignAudience.StationOf(actor) is not int stationId) return [];
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var campaigns = await db.Campaigns.AsNoTracking().Where(c => c.StationId == stationId).OrderByDescending(c => c.Id).Take(500).ToListAsync(ct);
        var levels = await db.MemberLevels.AsNoTracking().Where(l => l.StationId == stationId).ToDictionaryAsync(l => l.Id, l => l.Name, ct);
        var couponIds = campaigns.Where(c => c.CouponId != null).Select(c => c.CouponId!.Value).Distinct().ToList();
        var coupons = await db.Coupons.AsNoTracking().Where(c => couponIds.Contains(c.Id)).ToDictionaryAsync(c => c.Id, c => c.Name, ct);
        return campaigns.Select(c => new CampaignRow(c.Id, c.Name, c.AudienceText(c.MemberLevelId is int l ? levels.GetValueOrDefault(l) : null), c.Status, c.ScheduledAt, c.SentAt,
            c.DeliveredCount, c.SkippedCount, c.CouponId is int cid ? coupons.GetValueOrDefault(cid) : null)).ToList();
    }

    /// <summary>Delivered, opened (the inbox message read), and the orders and GMV a recipient paid at the station within
    /// <see cref="Campaign.ReportDays"/> days of their delivery (refunded orders excluded).</summary>
    public async Task<CampaignReport?> ReportAsync(AuditActor actor, int id, CancellationToken ct = default)
    {
        if (CampaignAudience.StationOf(actor) is not int stationId) return null;
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var c = await db.Campaigns.AsNoTracking().FirstOrDefaultAsync(x => x.Id == id && x.StationId == stationId, ct);
        if (c is null) return null;
        var level = c.MemberLevelId is int l ? await db.MemberLevels.Where(x => x.Id == l).Select(x => x.Name).FirstOrDefaultAsync(ct) : null;
        var coupon = c.CouponId is int cid ? await db.Coupons.AsNoTracking().FirstOrDefaultAsync(x => x.Id == cid, ct) : null;
        var deliveries = await db.CampaignDeliveries.AsNoTracking().Where(d => d.CampaignId == id)
            .Select(d => new { d.UserId, d.Channel, d.SentAt, d.OpenedAt }).ToListAsync(ct);
        var inbox = deliveries.Where(d => d.Channel == CampaignChannel.Inbox).ToList();
        var (orders, gmv) = (0, 0L);
        if (inbox.Count > 0)
        {
            var sentAt = inbox.ToDictionary(d => d.UserId, d => d.SentAt);
            var from = inbox.Min(d => d.SentAt);
            var to = inbox.Max(d => d.SentAt).AddDays(Campaign.ReportDays);
            foreach (var chunk in sentAt.Keys.Chunk(500))
            {
                var paid = await db.Orders.AsNoTracking()
                    .Where(o => o.StationId == stationId && o.BuyerUserId != null && chunk.Contains(o.BuyerUserId) && o.PaidAt != null
                        && o.PaidAt >= from && o.PaidAt < to && o.Status != OrderStatus.Refunded)
                    .Select(o => new { o.BuyerUserId, o.PaidAt, o.Total }).ToListAsync(ct);
                foreach (var o in paid)
                {
                    var sent = sentAt[o.BuyerUserId!];
                    if (o.PaidAt < sent || o.PaidAt >= sent.AddDays(Campaign.ReportDays)) continue;
                    orders++;
                    gmv += o.Total.Fen;
                }
            }
        }
        return new CampaignReport(c.Id, c.Name, c.AudienceText(level), c.Title, c.Body, coupon is null ? null : $"{coupon.Name}（{coupon.Describe()}）", c.Status,
            c.ScheduledAt, c.SentAt, c.AudienceCount, inbox.Count, deliveries.Count(d => d.Channel == CampaignChannel.Email), inbox.Count(d => d.OpenedAt != null),
            c.GrantedCount, c.SkippedCount, orders, Money.FromFen(gmv));
    }
}
