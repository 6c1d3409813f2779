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
/// nothing more; the rules' questions about past orders are asked in one statement (<see cref="OrderProbe"/>).
/// </summary>
public sealed class RiskEvaluator(IDbContextFactory<KaMengDbContext> dbFactory)
{
    volatile IReadOnlyList<RiskRule>? rules;
    TimeSpan? reviewWindow;

    /// <summary>What a buyer the rules refuse is told: nothing about why (that would teach the rules).</summary>
    public const string NeutralRefusal = Blacklists.BlacklistGate.Message;

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
    /// these owners. Every question the rules ask of past orders goes to the database in one statement (<see cref="OrderProbe"/>);
    /// only the rare follow-ups (a large order's account age, where a buyer ordered from before) are queries of their own.</summary>
    public async Task<RiskDecision> EvaluateAsync(KaMengDbContext db, int stationId, IReadOnlyList<string?> chainOwners, Order order, ClientSignals signals,
        DateTimeOffset now, CancellationToken ct)
    {
        var all = await RulesAsync(ct);
        if (all.Count == 0) return RiskDecision.Clear;
        var applicable = all.Where(r => r.StationId is null || r.StationId == stationId).ToList();
        if (applicable.Count == 0) return RiskDecision.Clear;
        var probe = new OrderProbe(db);
        var checks = applicable.Select(rule => (Rule: rule, Check: Ask(probe, rule, chainOwners, order, signals, now))).ToList();
        var answers = await probe.AskAsync(ct);
        var hits = new List<RiskHit>();
        foreach (var (rule, check) in checks)
            if (check is not null && await check(answers, db, ct) is { } detail)
                hits.Add(new RiskHit(rule.Id, rule.Describe(), rule.Action, detail));
        return RiskDecision.Of(hits);
    }

    /// <summary>Why the order hits a rule (Chinese), or null, from the probe's answers.</summary>
    delegate Task<string?> Check(object?[] answers, KaMengDbContext db, CancellationToken ct);

    static Task<string?> Result(string? detail) => Task.FromResult(detail);

    static long Long(object?[] answers, int i) => answers[i] is long n ? n : 0;

    static IQueryable<Order> Live(KaMengDbContext db) => db.Orders.IgnoreQueryFilters().AsNoTracking().Where(o => o.Status != OrderStatus.Cancelled);

    /// <summary>Adds the rule's questions to the probe and returns how to judge the answers; null when the rule cannot apply
    /// to this order (no buyer, no device, …).</summary>
    static Check? Ask(OrderProbe probe, RiskRule rule, IReadOnlyList<string?> chainOwners, Order order, ClientSignals signals, DateTimeOffset now)
    {
        var buyer = order.BuyerUserId;
        var since = now.AddMinutes(-rule.WindowMinutes);
        switch (rule.Kind)
        {
            case RiskRuleKind.VelocityCount or RiskRuleKind.VelocityAmount:
            {
                (OrderProbe.Column Column, string Value)? target = rule.Dimension switch
                {
                    RiskDimension.Buyer when buyer is not null => (OrderProbe.Column.BuyerUserId, buyer),
                    RiskDimension.Ip when signals.Ip is { } ip => (OrderProbe.Column.ClientIp, ip),
                    RiskDimension.Device when signals.DeviceId is { } device => (OrderProbe.Column.DeviceId, device),
                    RiskDimension.Contact when order.Contact is { } contact => (OrderProbe.Column.Contact, contact),
                    _ => null,
                };
                if (target is not { } t) return null;
                if (rule.Kind == RiskRuleKind.VelocityCount)
                {
                    // This order counts: the rule trips on the N-th order in the window. Counting stops at the threshold.
                    var count = probe.CountSince(t.Column, t.Value, since, Math.Min(rule.Threshold, 100_000));
                    return (a, _, _) =>
                    {
                        var n = Long(a, count) + 1;
                        return Result(n >= rule.Threshold ? $"窗口内第 {n} 笔" : null);
                    };
                }
                var sumOf = probe.SumSince(t.Column, t.Value, since);
                return (a, _, _) =>
                {
                    var sum = Long(a, sumOf) + order.Total.Fen;
                    return Result(sum >= rule.Threshold ? $"窗口内合计 {Money.FromFen(sum)}" : null);
                };
            }
            case RiskRuleKind.LargeAmount:
                return (_, _, _) => Result(order.Total.Fen >= rule.Threshold ? $"金额 {order.Total}" : null);
            case RiskRuleKind.LargeVsMedian:
            {
                if (buyer is null) return null;
                var recent = probe.RecentDeliveredTotals(buyer, 50);
                return (a, _, _) =>
                {
                    var totals = (a[recent] as string ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(long.Parse).Order().ToList();
                    if (totals.Count < 3) return Result(null); // no history to compare with
                    var median = totals.Count % 2 == 1 ? totals[totals.Count / 2] : (totals[totals.Count / 2 - 1] + totals[totals.Count / 2]) / 2;
                    return Result(order.Total.Fen * 100 >= median * rule.Threshold ? $"金额 {order.Total}，中位数 {Money.FromFen(median)}" : null);
                };
            }
            case RiskRuleKind.NewAccountLargeAmount:
            {
                if (buyer is null || order.Total.Fen < rule.Threshold) return null;
                return async (_, db, ct) =>
                {
                    var created = await db.Users.Where(u => u.Id == buyer).Select(u => u.CreatedAt).SingleOrDefaultAsync(ct);
                    return created > since ? $"注册于 {BusinessTime.Format(created, "yyyy-MM-dd HH:mm")}，金额 {order.Total}" : null;
                };
            }
            case RiskRuleKind.NewProvince:
            {
                if (buyer is null || signals.Region is not { } region) return null;
                // Seen here before: no hit (the common case, one indexed probe). Else a hit only if the buyer ordered from elsewhere.
                var seen = probe.OrderedFrom(buyer, region);
                return async (a, db, ct) =>
                {
                    if (Long(a, seen) == 1) return null;
                    var before = await Live(db).Where(o => o.BuyerUserId == buyer && o.Region != null).Select(o => o.Region).FirstOrDefaultAsync(ct);
                    return before is not null ? $"本次 {region}，以往 {before}" : null;
                };
            }
            case RiskRuleKind.SharedDevice:
            {
                if (signals.DeviceId is not { } device) return null;
                var accountsOf = probe.AccountsOnDevice(device, Math.Min(rule.Threshold, 10_000));
                var buyerSeen = buyer is null ? -1 : probe.DeviceUsedBy(device, [buyer]);
                return (a, _, _) =>
                {
                    // This order's buyer counts too, if the device has not carried one of their orders yet.
                    var accounts = Long(a, accountsOf) + (buyer is not null && Long(a, buyerSeen) == 0 ? 1 : 0);
                    return Result(accounts >= rule.Threshold ? $"该设备关联 {accounts} 个账号" : null);
                };
            }
            case RiskRuleKind.ManyRefunds:
            {
                if (buyer is null) return null;
                var refunds = probe.RefundsSince(buyer, since, Math.Min(rule.Threshold, 10_000));
                return (a, _, _) =>
                {
                    var n = Long(a, refunds);
                    return Result(n >= rule.Threshold ? $"窗口内退款 {n} 笔" : null);
                };
            }
            case RiskRuleKind.SelfDealing:
            {
                var owners = chainOwners.OfType<string>().Distinct().ToList();
                if (owners.Count == 0) return null;
                if (buyer is not null && owners.Contains(buyer)) return (_, _, _) => Result("买家是价格链上站点的站长");
                var sharedDevice = signals.DeviceId is { } device ? probe.DeviceUsedBy(device, owners) : -1;
                var sharedContact = probe.SharesContact(owners, buyer, order.Contact);
                return (a, _, _) => Result(
                    sharedDevice >= 0 && Long(a, sharedDevice) == 1 ? "买家与价格链上的站长共用设备"
                    : Long(a, sharedContact) == 1 ? "买家与价格链上的站长共用联系方式"
                    : null);
            }
            default:
                return null;
        }
    }
}
