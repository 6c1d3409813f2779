using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Orders;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Campaigns;

/// <summary>Who a campaign reaches, and the station a marketing admin acts on.</summary>
public static class CampaignAudience
{
    public const string NoStation = "您还没有分站";

    /// <summary>Platform staff act on the main station; an owner on theirs; null for a user who owns none.</summary>
    public static int? StationOf(AuditActor actor) => actor.StationId switch { null => Station.MainStationId, -1 => null, var own => own };

    public static async Task<MarketingSettings> SettingsAsync(KaMengDbContext db, int stationId, CancellationToken ct) =>
        await db.MarketingSettings.AsNoTracking().FirstOrDefaultAsync(s => s.StationId == stationId, ct) ?? MarketingSettings.DefaultFor(stationId);

    /// <summary>The buyers of the station (those with a paid order there) who match every criterion the campaign chose.</summary>
    public static async Task<List<string>> UserIdsAsync(KaMengDbContext db, Campaign c, MarketingSettings settings, DateTimeOffset now, CancellationToken ct)
    {
        var stationId = c.StationId;
        var q = db.BuyerStats.AsNoTracking().Where(b => b.StationId == stationId);
        if (c.Segment is { } segment) q = Dashboard.DashboardQueries.InSegment(q, segment, settings.Thresholds, now);
        if (!string.IsNullOrWhiteSpace(c.Tag))
        {
            var tag = c.Tag.Trim();
            q = q.Where(b => db.BuyerTags.Any(t => t.StationId == stationId && t.UserId == b.BuyerUserId && t.Text == tag));
        }
        var ids = await q.Select(b => b.BuyerUserId).ToListAsync(ct);
        if (c.MemberLevelId is { } levelId && ids.Count > 0)
        {
            var levels = await MemberLevelsByBuyerAsync(db, stationId, ids, ct);
            ids = ids.Where(id => levels.GetValueOrDefault(id) == levelId).ToList();
        }
        return ids;
    }

    /// <summary>Each buyer's member level at the station, by the checkout's rule: the highest threshold their delivered spend
    /// there reaches (<see cref="StationPricing.MemberLevelFor"/>). Buyers at no level are absent.</summary>
    public static async Task<Dictionary<string, int>> MemberLevelsByBuyerAsync(KaMengDbContext db, int stationId, IReadOnlyCollection<string> buyerIds, CancellationToken ct)
    {
        var levels = await db.MemberLevels.AsNoTracking().Where(l => l.StationId == stationId).ToListAsync(ct);
        if (levels.Count == 0) return [];
        var spent = new Dictionary<string, long>();
        foreach (var chunk in buyerIds.Chunk(500))
        {
            var rows = await db.Orders.AsNoTracking()
                .Where(o => o.StationId == stationId && o.Status == OrderStatus.Delivered && o.BuyerUserId != null && chunk.Contains(o.BuyerUserId))
                .Select(o => new { o.BuyerUserId, o.Total }).ToListAsync(ct);
            foreach (var r in rows) spent[r.BuyerUserId!] = spent.GetValueOrDefault(r.BuyerUserId!) + r.Total.Fen;
        }
        var result = new Dictionary<string, int>();
        foreach (var (buyer, fen) in spent)
            if (levels.Where(l => l.SpendThreshold.Fen <= fen).MaxBy(l => l.SpendThreshold.Fen) is { } level) result[buyer] = level.Id;
        return result;
    }
}
