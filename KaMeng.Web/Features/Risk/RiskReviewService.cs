using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Orders;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Risk;

/// <summary>A held order in the review queue, with what the reviewer needs: the rules it hit, the buyer's history and the
/// accounts sharing its device.</summary>
public sealed record HeldOrder(long Id, string Number, int StationId, string StationName, string ProductName, int Quantity, Money Total, string? Buyer,
    string? Contact, DateTimeOffset PaidAt, DateTimeOffset? Deadline, IReadOnlyList<RiskHit> Hits, int BuyerOrders, Money BuyerSpend, int BuyerRefunds,
    IReadOnlyList<string> SharedDeviceAccounts, string? Ip, string? Region);

/// <summary>The review counts of the risk dashboard: held now, approved and rejected (all time), and held orders by rule.</summary>
public sealed record ReviewStats(int Held, int Approved, int Rejected, IReadOnlyList<(string Rule, int Orders)> ByRule);

/// <summary>
/// 异常订单二次审核 (issue 21 §3): the platform's risk staff approve a held order (→ delivered with its margins booked, or on to
/// processing) or reject it (its keys go back to stock — the buyer never saw them — and the whole amount is refunded the way it
/// was paid). Orders nobody reviewed by their deadline are released or refunded by the scheduler, as the platform set.
/// Station owners see the state and cannot decide it.
/// </summary>
public sealed class RiskReviewService(IDbContextFactory<KaMengDbContext> dbFactory, RefundService refunds, OrderEvents events, TimeProvider clock, RiskEvaluator evaluator, Telemetry.KaMengMetrics metrics,
    Blacklists.BlacklistService? blacklists = null)
{
    public const string OnlyPlatform = "只有平台风控可以审核订单";

    public async Task<IReadOnlyList<HeldOrder>> QueueAsync(AuditActor actor, CancellationToken ct = default)
    {
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var held = await (from o in db.Orders.AsNoTracking()
                          where o.Status == OrderStatus.UnderReview
                          join s in db.Stations.IgnoreQueryFilters() on o.StationId equals s.Id
                          join u in db.Users on o.BuyerUserId equals u.Id into users
                          from u in users.DefaultIfEmpty()
                          orderby o.Id
                          select new { o, StationName = s.Name, Buyer = u != null ? u.UserName : null }).Take(200).ToListAsync(ct);
        // Every held buyer's history and every shared device in two queries, not two per row.
        var buyerIds = held.Select(h => h.o.BuyerUserId).OfType<string>().Distinct().ToList();
        var histories = (await db.Orders.IgnoreQueryFilters().AsNoTracking()
                .Where(x => x.BuyerUserId != null && buyerIds.Contains(x.BuyerUserId) && x.Status != OrderStatus.Cancelled && x.Status != OrderStatus.PendingPayment)
                .Select(x => new { x.Id, x.BuyerUserId, x.Status, x.Total }).ToListAsync(ct))
            .ToLookup(x => x.BuyerUserId!);
        var deviceIds = held.Select(h => h.o.DeviceId).OfType<string>().Distinct().ToList();
        var devices = (await (from x in db.Orders.IgnoreQueryFilters().AsNoTracking()
                              where x.DeviceId != null && deviceIds.Contains(x.DeviceId) && x.BuyerUserId != null
                              join u in db.Users on x.BuyerUserId equals u.Id
                              select new { x.DeviceId, x.BuyerUserId, u.UserName }).Distinct().ToListAsync(ct))
            .ToLookup(x => x.DeviceId!);
        var rows = new List<HeldOrder>();
        foreach (var h in held)
        {
            var o = h.o;
            var history = o.BuyerUserId is null ? [] : histories[o.BuyerUserId].Where(x => x.Id != o.Id).ToList();
            IReadOnlyList<string> shared = o.DeviceId is null ? [] : devices[o.DeviceId].Where(x => x.BuyerUserId != o.BuyerUserId)
                .Select(x => x.UserName!).Distinct().Take(20).ToList();
            rows.Add(new HeldOrder(o.Id, o.Number, o.StationId, h.StationName, o.ProductName, o.Quantity, o.Total, h.Buyer, o.Contact, o.PaidAt ?? o.CreatedAt,
                o.ReviewDeadline, RiskEvaluator.ReadHits(o.RiskHitsJson), history.Count, Money.FromFen(history.Sum(x => x.Total.Fen)),
                history.Count(x => x.Status is OrderStatus.Refunded or OrderStatus.Refunding), shared,
                actor.StationId is null || o.ClientIp is null ? o.ClientIp : BlacklistRules.MaskIp(o.ClientIp), o.Region));
        }
        return rows;
    }

    /// <summary>Approves a held order. Null when done, else why not.</summary>
    public Task<string?> ApproveAsync(long orderId, string? note, AuditActor actor, CancellationToken ct = default) =>
        actor.StationId is not null ? Task.FromResult<string?>(OnlyPlatform) : DecideAsync(orderId, approve: true, note, actor.UserId, actor.UserName, ct);

    /// <summary>Rejects a held order: keys back to stock, the whole amount refunded; with <paramref name="blacklist"/> the order's
    /// device and buyer go on the platform's blacklist with the same reason. Null when done, else why not.</summary>
    public async Task<string?> RejectAsync(long orderId, string? reason, AuditActor actor, CancellationToken ct = default, bool blacklist = false)
    {
        if (actor.StationId is not null) return OnlyPlatform;
        if (string.IsNullOrWhiteSpace(reason)) return "请填写驳回原因";
        if (reason.Trim().Length > 200) return "驳回原因最多 200 字";
        if (blacklist && blacklists is null) return "黑名单未启用";
        if (await DecideAsync(orderId, approve: false, reason.Trim(), actor.UserId, actor.UserName, ct) is { } refused) return refused;
        if (!blacklist) return null;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var o = await db.Orders.AsNoTracking().Where(x => x.Id == orderId).Select(x => new { x.DeviceId, x.BuyerUserId }).SingleAsync(ct);
        // The list takes a user by name.
        var buyerName = o.BuyerUserId is null ? null : await db.Users.Where(u => u.Id == o.BuyerUserId).Select(u => u.UserName).SingleOrDefaultAsync(ct);
        var why = "风控驳回：" + reason.Trim();
        // Best effort after the refund committed: an entry that already exists (or a device id of another format) is skipped.
        if (o.DeviceId is { } device) await blacklists!.AddAsync(null, new(BlacklistKind.Device, device, why, null), actor, ct);
        if (buyerName is not null) await blacklists!.AddAsync(null, new(BlacklistKind.User, buyerName, why, null), actor, ct);
        return null;
    }

    /// <summary>How long holds wait and what happens after (platform settings).</summary>
    public async Task<(int Minutes, bool Refunds)> ReviewSettingsAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var p = await db.PlatformSettings.AsNoTracking().Select(p => new { p.RiskReviewMinutes, p.RiskTimeoutRefunds }).SingleAsync(ct);
        return (p.RiskReviewMinutes, p.RiskTimeoutRefunds);
    }

    public async Task<string?> SaveReviewSettingsAsync(AuditActor actor, int minutes, bool refunds, CancellationToken ct = default)
    {
        if (actor.StationId is not null) return OnlyPlatform;
        if (minutes is < 5 or > 7 * 24 * 60) return "审核时限须为 5 分钟到 7 天";
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.PlatformSettings.ExecuteUpdateAsync(u => u.SetProperty(p => p.RiskReviewMinutes, minutes).SetProperty(p => p.RiskTimeoutRefunds, refunds), ct);
        db.AuditEntries.Add(actor.Entry("risk.settings", null, $"审核时限 {minutes} 分钟，超时{(refunds ? "退款" : "放行")}", clock.GetUtcNow(), null));
        await db.SaveChangesAsync(ct);
        evaluator.Invalidate();
        return null;
    }

    async Task<string?> DecideAsync(long orderId, bool approve, string? note, string? userId, string userName, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        Order order;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            await db.Database.OpenConnectionAsync(ct);
            await using var tx = await db.BeginBusinessTransactionAsync(ct);
            await db.LockRowAsync("Orders", "Id", orderId, ct);
            var found = await db.Orders.SingleOrDefaultAsync(o => o.Id == orderId, ct);
            if (found is null) return "订单不存在";
            order = found;
            if (order.Status != OrderStatus.UnderReview) return $"订单状态为「{DisplayNames.Of(order.Status)}」，已不在审核中";
            db.AuditEntries.Add(new AuditEntry
            {
                Action = approve ? "risk.approve" : "risk.reject", Target = order.Number, Detail = note, UserId = userId, UserName = userName,
                CreatedAt = now, StationId = order.StationId,
            });
            try
            {
                if (approve)
                {
                    if (order.DeliveryType == DeliveryType.CardKey) await Fulfilment.DeliverAsync(db, order, now, null, ct);
                    else
                    {
                        order.StartProcessing();
                        await Docking.ProcurementProcessor.EnqueueIfSuppliedAsync(db, order, now, ct);
                        await db.SaveChangesAsync(ct);
                    }
                }
                else
                {
                    // The buyer never saw these keys: back to stock. Then the same whole refund as every other path.
                    await db.CardKeys.IgnoreQueryFilters().Where(k => k.OrderId == order.Id && k.Status == CardKeyStatus.Sold)
                        .ExecuteUpdateAsync(u => u.SetProperty(k => k.Status, CardKeyStatus.Available).SetProperty(k => k.OrderId, (long?)null)
                            .SetProperty(k => k.SoldAt, (DateTimeOffset?)null), ct);
                    if (await refunds.BookWholeAsync(db, order, "风控审核驳回：" + note, userId, userName, now, ct) is { } refused) return refused;
                    await db.SaveChangesAsync(ct);
                }
            }
            catch (DbUpdateConcurrencyException) { return "订单状态刚刚发生变化，请刷新"; }
            await tx.CommitAsync(ct);
        }
        if (!approve) await refunds.AfterBookedAsync(order.Id, ct);
        else if (order.Status == OrderStatus.Delivered) metrics.OrderDelivered();
        events.Publish(OrderEvent.Of(approve ? (order.Status == OrderStatus.Delivered ? OrderEventKind.Delivered : OrderEventKind.Paid) : OrderEventKind.Refunded, order));
        return null;
    }

    /// <summary>Held orders past their deadline: released or refunded, as the platform set. Returns how many.</summary>
    public async Task<int> DecideOverdueAsync(CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        List<long> overdue;
        bool refund;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            overdue = await db.Orders.Where(o => o.Status == OrderStatus.UnderReview && o.ReviewDeadline <= now).Select(o => o.Id).Take(500).ToListAsync(ct);
            refund = await db.PlatformSettings.Select(p => p.RiskTimeoutRefunds).SingleAsync(ct);
        }
        var done = 0;
        foreach (var id in overdue)
            if (await DecideAsync(id, approve: !refund, refund ? "审核超时，自动退款" : "审核超时，自动放行", null, "系统", ct) is null) done++;
        return done;
    }

    public async Task<ReviewStats> StatsAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var held = await db.Orders.CountAsync(o => o.Status == OrderStatus.UnderReview, ct);
        var decided = await db.AuditEntries.Where(a => a.Action == "risk.approve" || a.Action == "risk.reject")
            .GroupBy(a => a.Action).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, ct);
        var approved = decided.GetValueOrDefault("risk.approve");
        var rejected = decided.GetValueOrDefault("risk.reject");
        var since = clock.GetUtcNow().AddDays(-30);
        var hits = await db.Orders.AsNoTracking().Where(o => o.RiskAction >= RiskAction.Review && o.CreatedAt >= since && o.RiskHitsJson != null)
            .Select(o => o.RiskHitsJson).Take(5000).ToListAsync(ct);
        var byRule = hits.SelectMany(h => RiskEvaluator.ReadHits(h).Select(x => x.Rule).Distinct()).GroupBy(r => r)
            .Select(g => (g.Key, g.Count())).OrderByDescending(x => x.Item2).ToList();
        return new ReviewStats(held, approved, rejected, byRule);
    }

    // Rules (platform: any; an owner: their station's own, on top of the platform's).

    public async Task<(IReadOnlyList<RiskRule> Platform, IReadOnlyList<RiskRule> Station)> RulesAsync(AuditActor actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var platform = await db.RiskRules.AsNoTracking().Where(r => r.StationId == null).OrderBy(r => r.Id).ToListAsync(ct);
        var stationId = actor.StationId;
        var own = stationId is > 0 ? await db.RiskRules.AsNoTracking().Where(r => r.StationId == stationId).OrderBy(r => r.Id).ToListAsync(ct) : [];
        return (platform, own);
    }

    /// <summary>Adds or changes a rule in the actor's scope (platform staff: the platform's; an owner: their station's). Null when saved.</summary>
    public async Task<string?> SaveRuleAsync(AuditActor actor, RiskRule form, CancellationToken ct = default)
    {
        if (actor.StationId == -1) return "您还没有分站";
        int? scope = actor.StationId;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var others = await db.RiskRules.AsNoTracking().Where(r => r.StationId == scope).ToListAsync(ct);
        form.StationId = scope;
        if (!RiskRule.UsesThreshold(form.Kind)) form.Threshold = 1;
        if (!RiskRule.UsesWindow(form.Kind)) form.WindowMinutes = 0;
        if (!RiskRule.UsesDimension(form.Kind)) form.Dimension = RiskDimension.Buyer;
        if (form.Validate(others) is { } problem) return problem;
        RiskRule rule;
        if (form.Id == 0)
        {
            rule = new RiskRule { StationId = scope, CreatedAt = clock.GetUtcNow() };
            db.RiskRules.Add(rule);
        }
        else
        {
            var existing = await db.RiskRules.SingleOrDefaultAsync(r => r.Id == form.Id && r.StationId == scope, ct);
            if (existing is null) return "规则不存在";
            rule = existing;
        }
        (rule.Kind, rule.Dimension, rule.Threshold, rule.WindowMinutes, rule.Action, rule.Enabled) = (form.Kind, form.Dimension, form.Threshold, form.WindowMinutes, form.Action, form.Enabled);
        db.AuditEntries.Add(actor.Entry("risk.rule", rule.Describe(), null, clock.GetUtcNow(), scope));
        await db.SaveChangesAsync(ct);
        evaluator.Invalidate();
        return null;
    }

    public async Task<string?> DeleteRuleAsync(AuditActor actor, int ruleId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rule = await db.RiskRules.SingleOrDefaultAsync(r => r.Id == ruleId && r.StationId == actor.StationId, ct);
        if (rule is null) return "规则不存在或不属于您";
        db.RiskRules.Remove(rule);
        db.AuditEntries.Add(actor.Entry("risk.rule.delete", rule.Describe(), null, clock.GetUtcNow(), actor.StationId));
        await db.SaveChangesAsync(ct);
        evaluator.Invalidate();
        return null;
    }
}
