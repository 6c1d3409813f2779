using System.Text.Json;
using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Orders;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Risk;

/// <summary>
/// Every order's risk decision (issue 21 §2): the platform's rules and the selling station's own (which can only add, so a
/// station tightens and never loosens), each checked against the order, its buyer and its client signals; the strictest hit
/// decides. The rules are cached in memory (<see cref="Invalidate"/> after a change): with no rule enabled a checkout reads
/// nothing more, and each rule costs at most one indexed query.
/// </summary>
public sealed class RiskEvaluator(IDbContextFactory<KaMengDbContext> dbFactory)
{
    volatile IReadOnlyList<RiskRule>? rules;
    TimeSpan? reviewWindow;

    /// <summary>What a buyer the rules refuse is told: nothing about why (that would teach the rules).</summary>
    public const string NeutralRefusal = "暂时无法下单，请联系客服";

    public void Invalidate()
    {
        rules = null;
        reviewWindow = null;
        Invalidated?.Invoke();
    }

    /// <summary>Raised by <see cref="Invalidate"/> (the cluster bus tells the other nodes).</summary>
    public event Action? Invalidated;

    /// <summary>How long a held order waits for the risk staff (platform setting).</summary>
    public async Task<TimeSpan> ReviewWindowAsync(CancellationToken ct)
    {
        if (reviewWindow is { } cached) return cached;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var minutes = await db.PlatformSettings.AsNoTracking().Select(p => p.RiskReviewMinutes).SingleAsync(ct);
        return (reviewWindow = TimeSpan.FromMinutes(Math.Max(1, minutes))).Value;
    }

    async Task<IReadOnlyList<RiskRule>> RulesAsync(CancellationToken ct)
    {
        if (rules is { } cached) return cached;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return rules = await db.RiskRules.AsNoTracking().Where(r => r.Enabled).OrderBy(r => r.Id).ToListAsync(ct);
    }

    public static string? HitsJson(RiskDecision decision) => decision.Hits.Count == 0 ? null : JsonSerializer.Serialize(decision.Hits, Json);

    public static IReadOnlyList<RiskHit> ReadHits(string? json) => string.IsNullOrEmpty(json) ? [] : JsonSerializer.Deserialize<List<RiskHit>>(json, Json) ?? [];

    static readonly JsonSerializerOptions Json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Create(System.Text.Unicode.UnicodeRanges.All) };

    /// <summary>The decision for an order being placed (not written yet) at <paramref name="stationId"/> whose price chain has
    /// these owners.</summary>
    public async Task<RiskDecision> EvaluateAsync(KaMengDbContext db, int stationId, IReadOnlyList<string?> chainOwners, Order order, ClientSignals signals,
        DateTimeOffset now, CancellationToken ct)
    {
        var all = await RulesAsync(ct);
        if (all.Count == 0) return RiskDecision.Clear;
        var applicable = all.Where(r => r.StationId is null || r.StationId == stationId).ToList();
        if (applicable.Count == 0) return RiskDecision.Clear;
        var hits = new List<RiskHit>();
        foreach (var rule in applicable)
            if (await CheckAsync(db, rule, chainOwners, order, signals, now, ct) is { } detail)
                hits.Add(new RiskHit(rule.Id, rule.Describe(), rule.Action, detail));
        return RiskDecision.Of(hits);
    }

    static IQueryable<Order> Live(KaMengDbContext db) => db.Orders.IgnoreQueryFilters().AsNoTracking().Where(o => o.Status != OrderStatus.Cancelled);

    /// <summary>Why the order hits the rule (Chinese), or null.</summary>
    static async Task<string?> CheckAsync(KaMengDbContext db, RiskRule rule, IReadOnlyList<string?> chainOwners, Order order, ClientSignals signals,
        DateTimeOffset now, CancellationToken ct)
    {
        var buyer = order.BuyerUserId;
        var since = now.AddMinutes(-rule.WindowMinutes);
        switch (rule.Kind)
        {
            case RiskRuleKind.VelocityCount or RiskRuleKind.VelocityAmount:
            {
                IQueryable<Order>? q = rule.Dimension switch
                {
                    RiskDimension.Buyer when buyer is not null => Live(db).Where(o => o.BuyerUserId == buyer),
                    RiskDimension.Ip when signals.Ip is { } ip => Live(db).Where(o => o.ClientIp == ip),
                    RiskDimension.Device when signals.DeviceId is { } device => Live(db).Where(o => o.DeviceId == device),
                    RiskDimension.Contact when order.Contact is { } contact => Live(db).Where(o => o.Contact == contact),
                    _ => null,
                };
                if (q is null) return null;
                q = q.Where(o => o.CreatedAt >= since);
                if (rule.Kind == RiskRuleKind.VelocityCount)
                {
                    // This order counts: the rule trips on the N-th order in the window. Counting stops at the threshold.
                    var n = await q.Take((int)Math.Min(rule.Threshold, 100_000)).CountAsync(ct) + 1;
                    return n >= rule.Threshold ? $"窗口内第 {n} 笔" : null;
                }
                var (column, value) = rule.Dimension switch
                {
                    RiskDimension.Ip => ("ClientIp", (object)signals.Ip!),
                    RiskDimension.Device => ("DeviceId", signals.DeviceId!),
                    RiskDimension.Contact => ("Contact", order.Contact!),
                    _ => ("BuyerUserId", buyer!),
                };
                var sum = await db.OrderTotalSinceAsync(column, value, since, ct) + order.Total.Fen;
                return sum >= rule.Threshold ? $"窗口内合计 {Money.FromFen(sum)}" : null;
            }
            case RiskRuleKind.LargeAmount:
                return order.Total.Fen >= rule.Threshold ? $"金额 {order.Total}" : null;
            case RiskRuleKind.LargeVsMedian:
            {
                if (buyer is null) return null;
                var totals = (await Live(db).Where(o => o.BuyerUserId == buyer && o.Status == OrderStatus.Delivered).OrderByDescending(o => o.Id).Take(50)
                    .Select(o => o.Total).ToListAsync(ct)).Select(t => t.Fen).Order().ToList();
                if (totals.Count < 3) return null; // no history to compare with
                var median = totals.Count % 2 == 1 ? totals[totals.Count / 2] : (totals[totals.Count / 2 - 1] + totals[totals.Count / 2]) / 2;
                return order.Total.Fen * 100 >= median * rule.Threshold ? $"金额 {order.Total}，中位数 {Money.FromFen(median)}" : null;
            }
            case RiskRuleKind.NewAccountLargeAmount:
            {
                if (buyer is null || order.Total.Fen < rule.Threshold) return null;
                var created = await db.Users.Where(u => u.Id == buyer).Select(u => u.CreatedAt).SingleOrDefaultAsync(ct);
                return created > since ? $"注册于 {BusinessTime.Format(created, "yyyy-MM-dd HH:mm")}，金额 {order.Total}" : null;
            }
            case RiskRuleKind.NewProvince:
            {
                if (buyer is null || signals.Region is not { } region) return null;
                // Seen here before: no hit (the common case, one indexed probe). Else a hit only if the buyer ordered from elsewhere.
                if (await Live(db).AnyAsync(o => o.BuyerUserId == buyer && o.Region == region, ct)) return null;
                var before = await Live(db).Where(o => o.BuyerUserId == buyer && o.Region != null).Select(o => o.Region).FirstOrDefaultAsync(ct);
                return before is not null ? $"本次 {region}，以往 {before}" : null;
            }
            case RiskRuleKind.SharedDevice:
            {
                if (signals.DeviceId is not { } device) return null;
                var accounts = await Live(db).Where(o => o.DeviceId == device && o.BuyerUserId != null).Select(o => o.BuyerUserId).Distinct()
                    .Take((int)Math.Min(rule.Threshold, 10_000)).ToListAsync(ct);
                if (buyer is not null && !accounts.Contains(buyer)) accounts.Add(buyer);
                return accounts.Count >= rule.Threshold ? $"该设备关联 {accounts.Count} 个账号" : null;
            }
            case RiskRuleKind.ManyRefunds:
            {
                if (buyer is null) return null;
                var n = await db.Orders.IgnoreQueryFilters().Where(o => o.BuyerUserId == buyer && (o.Status == OrderStatus.Refunded || o.Status == OrderStatus.Refunding) && o.ClosedAt >= since)
                    .Take((int)Math.Min(rule.Threshold, 10_000)).CountAsync(ct);
                return n >= rule.Threshold ? $"窗口内退款 {n} 笔" : null;
            }
            case RiskRuleKind.SelfDealing:
            {
                var owners = chainOwners.OfType<string>().Distinct().ToList();
                if (owners.Count == 0) return null;
                if (buyer is not null && owners.Contains(buyer)) return "买家是价格链上站点的站长";
                if (signals.DeviceId is { } device && await Live(db).AnyAsync(o => o.DeviceId == device && o.BuyerUserId != null && owners.Contains(o.BuyerUserId), ct))
                    return "买家与价格链上的站长共用设备";
                var ownerContacts = (await db.Users.Where(u => owners.Contains(u.Id)).Select(u => new { u.Email, u.PhoneNumber }).ToListAsync(ct))
                    .SelectMany(u => new[] { u.Email, u.PhoneNumber }).OfType<string>().Select(c => c.Trim().ToLowerInvariant()).ToHashSet();
                var buyerContacts = new List<string?> { order.Contact };
                if (buyer is not null)
                    buyerContacts.AddRange((await db.Users.Where(u => u.Id == buyer).Select(u => new { u.Email, u.PhoneNumber }).ToListAsync(ct)).SelectMany(u => new[] { u.Email, u.PhoneNumber }));
                return buyerContacts.OfType<string>().Any(c => ownerContacts.Contains(c.Trim().ToLowerInvariant())) ? "买家与价格链上的站长共用联系方式" : null;
            }
            default:
                return null;
        }
    }
}
