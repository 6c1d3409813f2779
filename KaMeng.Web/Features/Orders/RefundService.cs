using KaMeng.Data;
using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Orders;

/// <summary>A refund asked for in the admin: the whole remaining amount when <see cref="Amount"/> is empty; the method by
/// how the order was paid when <see cref="Method"/> is null; <see cref="AskUpstream"/>: an owner asks the platform to
/// share it instead of paying it alone.</summary>
public sealed record RefundRequest(long OrderId, string? Reason, string? Amount = null, RefundMethod? Method = null, bool AskUpstream = false);

public sealed record RefundOutcome(string? Error, long? RefundId = null, RefundStatus? Status = null)
{
    public bool Succeeded => Error is null;
}

/// <summary>What the refund dialog shows before anything is done.</summary>
public sealed record RefundQuote(string Number, Money Paid, Money Refunded, Money Remaining, PaymentMethod PaidWith, bool Guest,
    IReadOnlyList<RefundMethod> Methods, RefundMethod DefaultMethod, bool OwnerPays, int KeysToRefund, bool Reusable, bool HasOpenRequest);

/// <summary>A refund row for the finance page and the order's history.</summary>
public sealed record RefundRow(long Id, string Number, long OrderId, string OrderNumber, int StationId, Money Amount, RefundMethod Method,
    RefundFunding Funding, RefundStatus Status, string Reason, string? Contact, string? GatewayReference, string? LastError, int Attempts,
    string? Note, string RequestedByName, string? DecidedByName, DateTimeOffset CreatedAt, DateTimeOffset? CompletedAt);

/// <summary>Which refunds to list (null = any) and which page of them.</summary>
public sealed record RefundPageQuery(RefundStatus? Status, RefundMethod? Method, long? OrderId, int Skip, int Take);

/// <summary>One gateway refund to make: the order's payment at the gateway and our refund's id (out_refund_no).</summary>
public sealed record GatewayRefundCall(long OrderId, string RefundNumber, Money Amount);

public sealed record GatewayRefundAnswer(bool Succeeded, string? Reference, string? Error);

/// <summary>Money back through the gateway an order was paid with (EPay's api.php?act=refund; see Payments).</summary>
public interface IRefundGateway
{
    Task<GatewayRefundAnswer> RefundAsync(GatewayRefundCall call, CancellationToken ct);
}

/// <summary>
/// Refunds (docs/decisions/0021, 0022). Who pays: the platform's staff (and the system) reverse every booked share of the
/// order in proportion; a station owner pays the whole refund from their own wallet (upstream shares stay booked), or asks
/// the platform to share it, which its staff approve or reject; nobody refunds an order they bought. Where the money
/// goes: the buyer's 余额, back through the gateway (retried until it answers, idempotent on the refund's number), or a
/// 待人工退款 task for finance. Booking is one transaction; a gateway is called only after it commits.
/// </summary>
public sealed class RefundService(
    IDbContextFactory<KaMengDbContext> dbFactory,
    TimeProvider clock,
    OrderEvents events,
    IEnumerable<IRefundGateway> gateways,
    ILogger<RefundService> log)
{
    IRefundGateway? Gateway => gateways.LastOrDefault();

    public async Task<RefundQuote?> QuoteAsync(long orderId, AuditActor actor, CancellationToken ct = default)
    {
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var order = await db.Orders.AsNoTracking().SingleOrDefaultAsync(o => o.Id == orderId, ct);
        if (order is null) return null;
        var refunds = await db.Refunds.AsNoTracking().Where(r => r.OrderId == orderId).ToListAsync(ct);
        var refunded = Money.FromFen(refunds.Where(r => r.Holds && r.Status != RefundStatus.Requested).Sum(r => r.Amount.Fen));
        var held = Money.FromFen(refunds.Where(r => r.Holds).Sum(r => r.Amount.Fen));
        var methods = await MethodsForAsync(db, order, ct);
        var keys = order.DeliveryType == DeliveryType.CardKey && order.ReusableKeyId is null
            ? await db.CardKeys.IgnoreQueryFilters().CountAsync(k => k.OrderId == orderId && k.Status == CardKeyStatus.Sold, ct) : 0;
        return new RefundQuote(order.Number, order.Total, refunded, order.Total - held, order.PaymentMethod, order.BuyerUserId is null,
            methods, methods[0], OwnerPays(actor, order), keys, order.ReusableKeyId is not null,
            refunds.Any(r => r.Status == RefundStatus.Requested));
    }

    /// <summary>Ways the money can go back, the station's choice first: a balance payment to the balance; a gateway payment of a
    /// signed-in buyer to the balance or through the gateway (first as the order's station set it); a guest's through the
    /// gateway or by hand. Never a status-only refund.</summary>
    async Task<List<RefundMethod>> MethodsForAsync(KaMengDbContext db, Order order, CancellationToken ct)
    {
        var methods = MethodsFor(order);
        if (methods.Count > 1 && methods[0] == RefundMethod.Balance && methods.Contains(RefundMethod.Gateway)
            && await db.Stations.IgnoreQueryFilters().Where(s => s.Id == order.StationId).Select(s => s.GatewayRefundMethod).SingleAsync(ct) == RefundMethod.Gateway)
            methods = [RefundMethod.Gateway, RefundMethod.Balance];
        return methods;
    }

    List<RefundMethod> MethodsFor(Order order)
    {
        if (order.PaymentMethod == PaymentMethod.Balance) return [RefundMethod.Balance];
        var viaGateway = Gateway is not null && !string.IsNullOrEmpty(order.GatewayTradeNo);
        // Paid to the owner's own merchant (decision 0019): the money is theirs, so it goes back from there, never as platform balance.
        if (order.OwnerCollected) return [viaGateway ? RefundMethod.Gateway : RefundMethod.Manual];
        List<RefundMethod> methods = order.BuyerUserId is null ? [] : [RefundMethod.Balance];
        if (viaGateway) methods.Add(RefundMethod.Gateway);
        if (order.BuyerUserId is null) methods.Add(RefundMethod.Manual);
        return methods;
    }

    static bool OwnerPays(AuditActor actor, Order order) => actor.StationId is not null && order.DeliveredAt is not null;

    /// <summary>Refunds (part of) an order, or records an owner's request to share it. Null error when done.</summary>
    public async Task<RefundOutcome> RefundAsync(RefundRequest request, AuditActor actor, CancellationToken ct = default)
    {
        var reason = request.Reason?.Trim();
        if (string.IsNullOrEmpty(reason)) return new("请填写退款原因");
        if (reason.Length > 200) return new("退款原因最多 200 字");
        Money? amount = null;
        if (!string.IsNullOrWhiteSpace(request.Amount))
        {
            if (!Money.TryParseYuan(request.Amount.Trim(), out var parsed) || parsed.Fen <= 0) return new("退款金额须为大于 0 的金额（最多两位小数）");
            amount = parsed;
        }
        var now = clock.GetUtcNow();
        Refund refund;
        Order order;
        await using (var db = await actor.ScopedAsync(dbFactory, ct))
        {
            await db.Database.OpenConnectionAsync(ct);
            await using var tx = await db.BeginBusinessTransactionAsync(ct);
            var found = await LockOrderAsync(db, request.OrderId, ct);
            if (found is null) return new("订单不存在");
            order = found;
            if (!order.CanRefund) return new($"订单状态为「{DisplayNames.Of(order.Status)}」，不能退款");
            // A held order is the platform's risk staff's to decide (approve, or reject with a refund), never the owner's.
            if (order.Status == OrderStatus.UnderReview && actor.StationId is not null) return new("订单审核中，由平台风控处理，不能退款");
            Station? station = null;
            if (actor.StationId is not null)
            {
                station = await db.Stations.AsNoTracking().SingleAsync(s => s.Id == order.StationId, ct);
                // Self-dealing: an owner refunding their own purchase would be paid back by their own decision.
                if (order.BuyerUserId is not null && (order.BuyerUserId == actor.UserId || order.BuyerUserId == station.OwnerUserId))
                    return new("不能给自己购买的订单退款");
            }
            var earlier = await db.Refunds.Where(r => r.OrderId == order.Id).ToListAsync(ct);
            if (request.AskUpstream && earlier.Any(r => r.Status == RefundStatus.Requested)) return new("该订单已有待上级审核的退款申请");
            var remaining = order.Total - Money.FromFen(earlier.Where(r => r.Holds).Sum(r => r.Amount.Fen));
            var value = amount ?? remaining;
            if (remaining.Fen <= 0) return new("该订单已全部退款");
            if (value > remaining) return new($"退款金额 {value} 超过可退金额 {remaining}（已付 {order.Total}）");
            var methods = await MethodsForAsync(db, order, ct);
            var method = request.Method ?? methods[0];
            if (!methods.Contains(method)) return new($"该订单不能「{DisplayNames.Of(method)}」");

            // An owner's refund of a delivered order is theirs to pay: no upstream share is touched, whatever their own margin was
            // (a zero margin included). Before delivery the money is still where it was paid, and goes back from there.
            var funding = OwnerPays(actor, order) && !request.AskUpstream ? RefundFunding.Owner : RefundFunding.Chain;
            refund = new Refund
            {
                Number = Refund.NewNumber(order.Number, earlier.Count + 1), OrderId = order.Id, StationId = order.StationId, Amount = value,
                Method = method, Funding = funding, Status = request.AskUpstream ? RefundStatus.Requested : RefundStatus.Pending, Reason = reason,
                RequestedByUserId = actor.UserId, RequestedByName = actor.UserName, CreatedAt = now,
            };
            if (request.AskUpstream)
            {
                db.Refunds.Add(refund);
                db.AuditEntries.Add(actor.Entry("order.refund.request", order.Number, $"{value} {DisplayNames.Of(method)}：{reason}", now, order.StationId));
                await db.SaveChangesAsync(ct);
                await tx.CommitAsync(ct);
                return new(null, refund.Id, refund.Status);
            }
            if (await BookAsync(db, order, refund, earlier, station?.OwnerUserId, actor.UserId, now, ct) is { } refused) return new(refused);
            db.AuditEntries.Add(actor.Entry("order.refund", order.Number, Describe(refund), now, order.StationId));
            try { await db.SaveChangesAsync(ct); }
            catch (DbUpdateConcurrencyException) { return new("订单状态已被他人修改，请刷新"); }
            await tx.CommitAsync(ct);
        }
        return await AfterCommitAsync(order, refund, ct);
    }

    /// <summary>The one refund used by the other paths: the failed procurement and the buyer's own cancel (the system's
    /// decision, every share reversed in proportion), the whole remaining amount, the method by how it was paid.</summary>
    internal async Task<string?> BookWholeAsync(KaMengDbContext db, Order order, string reason, string? operatorUserId, string byName, DateTimeOffset now, CancellationToken ct)
    {
        var earlier = await db.Refunds.Where(r => r.OrderId == order.Id).ToListAsync(ct);
        var remaining = order.Total - Money.FromFen(earlier.Where(r => r.Holds).Sum(r => r.Amount.Fen));
        if (remaining.Fen <= 0) return "该订单已全部退款";
        var refund = new Refund
        {
            Number = Refund.NewNumber(order.Number, earlier.Count + 1), OrderId = order.Id, StationId = order.StationId, Amount = remaining,
            Method = (await MethodsForAsync(db, order, ct))[0], Funding = RefundFunding.Chain, Status = RefundStatus.Pending, Reason = reason.Length > 200 ? reason[..200] : reason,
            RequestedByUserId = operatorUserId, RequestedByName = byName, CreatedAt = now,
        };
        return await BookAsync(db, order, refund, earlier, null, operatorUserId, now, ct);
    }

    /// <summary>After a refund booked by <see cref="BookWholeAsync"/> committed: its gateway call (if any).</summary>
    internal async Task AfterBookedAsync(long orderId, CancellationToken ct)
    {
        List<long> pending;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
            pending = await db.Refunds.Where(r => r.OrderId == orderId && r.Status == RefundStatus.Pending && r.Method == RefundMethod.Gateway && r.Attempts == 0)
                .Select(r => r.Id).ToListAsync(ct);
        foreach (var id in pending) await TryGatewayAsync(id, ct);
    }

    async Task<RefundOutcome> AfterCommitAsync(Order order, Refund refund, CancellationToken ct)
    {
        if (order.Status == OrderStatus.Refunded) events.Publish(OrderEvent.Of(OrderEventKind.Refunded, order));
        if (refund.Method == RefundMethod.Gateway && refund.Status == RefundStatus.Pending)
        {
            var error = await TryGatewayAsync(refund.Id, ct);
            return new(null, refund.Id, error is null ? RefundStatus.Completed : RefundStatus.Pending);
        }
        return new(null, refund.Id, refund.Status);
    }

    static async Task<Order?> LockOrderAsync(KaMengDbContext db, long orderId, CancellationToken ct)
    {
        // Partial refunds leave the status (the concurrency token) unchanged: the row lock keeps two of them from both
        // fitting in what remains. SQLite's business transaction is the writer gate already.
        await db.LockRowAsync("Orders", "Id", orderId, ct);
        return await db.Orders.SingleOrDefaultAsync(o => o.Id == orderId, ct);
    }

    /// <summary>
    /// Moves the money of a refund, inside the caller's transaction: who pays (the owner's whole debit, refused below zero;
    /// or each booked share in proportion, <see cref="RefundShares"/>), then the buyer's credit for a balance refund, the
    /// order's status (已退款, or 退款中 while money is on its way) and, once the order is wholly refunded, its delivered
    /// keys marked refunded. Returns why not (nothing must be committed then), or null.
    /// </summary>
    static async Task<string?> BookAsync(KaMengDbContext db, Order order, Refund refund, List<Refund> earlier, string? stationOwnerUserId,
        string? operatorUserId, DateTimeOffset now, CancellationToken ct, int? onlyShareOfStationId = null)
    {
        var text = $"订单 {order.Number} 退款：{refund.Reason}";
        if (refund.Funding == RefundFunding.Owner)
        {
            // First, before anything else is saved: a refused debit leaves nothing to undo. Paid to the owner's own merchant,
            // the money goes back from there (the gateway refund after the commit) and nothing moves in the platform's books.
            if (!order.OwnerCollected && await db.PostToUserAsync(stationOwnerUserId!, LedgerEntryType.Refund, -refund.Amount, now, orderId: order.Id, stationId: order.StationId,
                    reason: text + "（本站承担）", operatorUserId: operatorUserId, ct: ct) is null)
            {
                var balance = await db.Wallets.AsNoTracking().Where(w => w.UserId == stationOwnerUserId).Select(w => w.Balance).SingleOrDefaultAsync(ct);
                return $"余额不足：本站退款 {refund.Amount} 需从您的余额支付，当前余额 {balance}（或申请上级分担）";
            }
        }
        else
        {
            var chainBefore = earlier.Where(r => r.Funding == RefundFunding.Chain && r.Status is RefundStatus.Pending or RefundStatus.Completed && r.Id != refund.Id)
                .Sum(r => r.Amount.Fen);
            // An order has a handful of entries: summed here rather than in SQL (Money does not translate in a GROUP BY sum).
            // Every share booked on the sale: the chain's earnings and, for an order paid to the owner's gateway, the platform's
            // settlement from their 预存款 (a negative share: its reversal gives the owner's deposit back in proportion).
            var shares = (await db.LedgerEntries.AsNoTracking().Where(e => e.OrderId == order.Id && (e.Type == LedgerEntryType.Earning || e.Type == LedgerEntryType.Commission || e.Type == LedgerEntryType.Settlement))
                    .Select(e => new { e.WalletId, e.StationId, e.Amount, e.Bucket, e.AvailableAt }).ToListAsync(ct))
                .GroupBy(e => (e.WalletId, e.StationId, e.Bucket))
                .Select(g => new { g.Key.WalletId, g.Key.StationId, g.Key.Bucket, Fen = g.Sum(e => e.Amount.Fen), AvailableAt = g.Max(e => e.AvailableAt) }).ToList();
            // A shared refund the platform approved at a station's request takes back that station's share only: a station between
            // them did not agree, so the platform bears its part (0021).
            foreach (var share in shares.Where(s => onlyShareOfStationId is null || s.StationId == onlyShareOfStationId).OrderBy(s => s.WalletId))
            {
                var back = RefundShares.Reversal(share.Fen, order.Total.Fen, chainBefore, refund.Amount.Fen);
                if (back == 0) continue;
                // Taken back even into the negative: the share was booked on this sale and the sale is undone. From the bucket it
                // went to; still on hold, the reversal is on hold until the same day, so it comes off 待结算, not off 可提现.
                await db.PostAsync(share.WalletId, LedgerEntryType.Refund, Money.FromFen(-back), now, orderId: order.Id, stationId: share.StationId,
                    reason: text, operatorUserId: operatorUserId, allowNegative: true, bucket: share.Bucket, availableAt: share.AvailableAt, ct: ct);
            }
        }
        if (refund.Method == RefundMethod.Balance)
        {
            await db.PostToUserAsync(order.BuyerUserId!, LedgerEntryType.Refund, refund.Amount, now, orderId: order.Id, stationId: order.StationId,
                reason: text, operatorUserId: operatorUserId, ct: ct);
            refund.Status = RefundStatus.Completed;
            refund.CompletedAt = now;
        }
        else refund.Status = RefundStatus.Pending;
        if (refund.Id == 0) db.Refunds.Add(refund);

        var remaining = order.Total - Money.FromFen(earlier.Where(r => r.Holds && r.Id != refund.Id).Sum(r => r.Amount.Fen)) - refund.Amount;
        if (remaining.Fen == 0)
        {
            var waiting = refund.Status == RefundStatus.Pending || earlier.Any(r => r.Id != refund.Id && r.Status == RefundStatus.Pending);
            if (waiting) order.StartRefunding();
            else order.Refund(now);
            await db.SaveChangesAsync(ct);
            // The buyer has seen these keys: they are never sold again (a 循环卡密 is shared by every order and stays).
            await db.CardKeys.IgnoreQueryFilters().Where(k => k.OrderId == order.Id && k.Status == CardKeyStatus.Sold)
                .ExecuteUpdateAsync(u => u.SetProperty(k => k.Status, CardKeyStatus.Refunded), ct);
            // Undone before anything was delivered: a still-valid coupon is the buyer's again (its value is in the refund already).
            await Marketing.PromotionReservations.ReturnOnRefundAsync(db, order, now, ct);
        }
        return null;
    }

    static string Describe(Refund r) =>
        $"{r.Amount} {DisplayNames.Of(r.Method)}（{(r.Funding == RefundFunding.Owner ? "本站承担" : "按分成比例冲销")}）：{r.Reason}";

    /// <summary>Platform staff approve an owner's request: the requesting station's share is reversed in proportion and the
    /// platform carries the rest; the shares of stations between them, which were not asked, stay booked.</summary>
    public async Task<RefundOutcome> ApproveAsync(long refundId, AuditActor actor, CancellationToken ct = default)
    {
        if (actor.StationId is not null) return new("只有平台可以审核分担申请");
        var now = clock.GetUtcNow();
        Refund refund;
        Order order;
        await using (var db = await actor.ScopedAsync(dbFactory, ct))
        {
            await db.Database.OpenConnectionAsync(ct);
            await using var tx = await db.BeginBusinessTransactionAsync(ct);
            var orderId = await db.Refunds.Where(r => r.Id == refundId).Select(r => (long?)r.OrderId).SingleOrDefaultAsync(ct);
            if (orderId is null) return new("退款申请不存在");
            order = (await LockOrderAsync(db, orderId.Value, ct))!;
            var all = await db.Refunds.Where(r => r.OrderId == order.Id).ToListAsync(ct);
            refund = all.Single(r => r.Id == refundId);
            if (refund.Status != RefundStatus.Requested) return new("该申请已处理");
            if (!order.CanRefund) return new($"订单状态为「{DisplayNames.Of(order.Status)}」，不能退款");
            if (!MethodsFor(order).Contains(refund.Method)) return new($"该订单不能「{DisplayNames.Of(refund.Method)}」");
            refund.Funding = RefundFunding.Chain;
            refund.DecidedByUserId = actor.UserId;
            refund.DecidedByName = actor.UserName;
            if (await BookAsync(db, order, refund, all, null, actor.UserId, now, ct, onlyShareOfStationId: refund.StationId) is { } refused) return new(refused);
            db.AuditEntries.Add(actor.Entry("order.refund.approve", order.Number, Describe(refund), now, order.StationId));
            try { await db.SaveChangesAsync(ct); }
            catch (DbUpdateConcurrencyException) { return new("该申请已被他人处理，请刷新"); }
            await tx.CommitAsync(ct);
        }
        return await AfterCommitAsync(order, refund, ct);
    }

    /// <summary>Platform staff reject an owner's request, with a reason: nothing moves.</summary>
    public async Task<string?> RejectAsync(long refundId, string? reason, AuditActor actor, CancellationToken ct = default)
    {
        if (actor.StationId is not null) return "只有平台可以审核分担申请";
        if (string.IsNullOrWhiteSpace(reason)) return "请填写驳回原因";
        if (reason.Trim().Length > 200) return "驳回原因最多 200 字";
        var now = clock.GetUtcNow();
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var refund = await db.Refunds.SingleOrDefaultAsync(r => r.Id == refundId, ct);
        if (refund is null) return "退款申请不存在";
        if (refund.Status != RefundStatus.Requested) return "该申请已处理";
        refund.Status = RefundStatus.Rejected;
        refund.Note = reason.Trim();
        refund.DecidedByUserId = actor.UserId;
        refund.DecidedByName = actor.UserName;
        refund.CompletedAt = now;
        var number = await db.Orders.Where(o => o.Id == refund.OrderId).Select(o => o.Number).SingleAsync(ct);
        db.AuditEntries.Add(actor.Entry("order.refund.reject", number, reason.Trim(), now, refund.StationId));
        try { await db.SaveChangesAsync(ct); }
        catch (DbUpdateConcurrencyException) { return "该申请已被他人处理，请刷新"; }
        return null;
    }

    /// <summary>Finance paid a 待人工退款 by hand: they record how, and the refund (and the order, if it was the last) is done.</summary>
    public async Task<string?> CompleteManualAsync(long refundId, string? note, AuditActor actor, CancellationToken ct = default)
    {
        if (actor.StationId is not null) return "只有平台财务可以处理人工退款";
        if (string.IsNullOrWhiteSpace(note)) return "请填写退款方式和流水号";
        if (note.Trim().Length > 200) return "处理说明最多 200 字";
        var now = clock.GetUtcNow();
        Order order;
        await using (var db = await actor.ScopedAsync(dbFactory, ct))
        {
            await using var tx = await db.BeginBusinessTransactionAsync(ct);
            var refund = await db.Refunds.SingleOrDefaultAsync(r => r.Id == refundId, ct);
            if (refund is null || refund.Method != RefundMethod.Manual) return "人工退款任务不存在";
            if (refund.Status != RefundStatus.Pending) return "该退款已处理";
            order = await db.Orders.SingleAsync(o => o.Id == refund.OrderId, ct);
            refund.Status = RefundStatus.Completed;
            refund.CompletedAt = now;
            refund.Note = note.Trim();
            refund.DecidedByUserId = actor.UserId;
            refund.DecidedByName = actor.UserName;
            await FinishOrderIfLastAsync(db, order, refund.Id, now, ct);
            db.AuditEntries.Add(actor.Entry("order.refund.manual", order.Number, $"{refund.Amount}：{note.Trim()}", now, order.StationId));
            try { await db.SaveChangesAsync(ct); }
            catch (DbUpdateConcurrencyException) { return "该退款已被他人处理，请刷新"; }
            await tx.CommitAsync(ct);
        }
        if (order.Status == OrderStatus.Refunded) events.Publish(OrderEvent.Of(OrderEventKind.Refunded, order));
        return null;
    }

    static async Task FinishOrderIfLastAsync(KaMengDbContext db, Order order, long completedRefundId, DateTimeOffset now, CancellationToken ct)
    {
        if (order.Status != OrderStatus.Refunding) return;
        if (!await db.Refunds.AnyAsync(r => r.OrderId == order.Id && r.Id != completedRefundId && r.Status == RefundStatus.Pending, ct))
            order.FinishRefunding(now);
    }

    /// <summary>
    /// One gateway attempt for a pending gateway refund, outside any transaction; the answer is recorded conditionally
    /// (only while still pending), so racing attempts complete it once. The gateway sees the same refund number every
    /// time. Returns the gateway's error, or null when the refund is (now or already) done.
    /// </summary>
    public async Task<string?> TryGatewayAsync(long refundId, CancellationToken ct = default)
    {
        Refund? refund;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
            refund = await db.Refunds.AsNoTracking().SingleOrDefaultAsync(r => r.Id == refundId, ct);
        if (refund is not { Status: RefundStatus.Pending, Method: RefundMethod.Gateway }) return null;
        GatewayRefundAnswer answer;
        if (Gateway is null) answer = new(false, null, "未配置网关退款");
        else
        {
            try { answer = await Gateway.RefundAsync(new GatewayRefundCall(refund.OrderId, refund.Number, refund.Amount), ct); }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
            {
                log.LogWarning(e, "Gateway refund {Refund} failed", refund.Number);
                answer = new(false, null, e is System.Text.Json.JsonException ? "网关返回格式错误" : "网关无响应：" + OutboundGuard.Unreachable);
            }
        }
        var now = clock.GetUtcNow();
        Order? finished = null;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            await db.Database.OpenConnectionAsync(ct);
            await using var tx = await db.BeginBusinessTransactionAsync(ct);
            var current = await db.Refunds.SingleAsync(r => r.Id == refundId, ct);
            if (current.Status != RefundStatus.Pending) return null;
            current.Attempts++;
            if (answer.Succeeded)
            {
                current.Status = RefundStatus.Completed;
                current.CompletedAt = now;
                current.GatewayReference = Clip(answer.Reference, 64);
                current.LastError = null;
                var order = (await LockOrderAsync(db, current.OrderId, ct))!;
                await FinishOrderIfLastAsync(db, order, current.Id, now, ct);
                if (order.Status == OrderStatus.Refunded) finished = order;
            }
            else current.LastError = Clip(answer.Error ?? "网关退款失败", 500);
            try { await db.SaveChangesAsync(ct); }
            catch (DbUpdateConcurrencyException) { return null; } // another attempt recorded it first
            await tx.CommitAsync(ct);
        }
        if (finished is not null) events.Publish(OrderEvent.Of(OrderEventKind.Refunded, finished));
        return answer.Succeeded ? null : answer.Error ?? "网关退款失败";
    }

    static string? Clip(string? text, int max) => text is null || text.Length <= max ? text : text[..max];

    /// <summary>Reconciliation: every pending gateway refund is tried again. Returns (tried, completed).</summary>
    public async Task<(int Tried, int Completed)> RetryGatewayRefundsAsync(CancellationToken ct = default)
    {
        List<long> pending;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
            pending = await db.Refunds.Where(r => r.Status == RefundStatus.Pending && r.Method == RefundMethod.Gateway)
                .OrderBy(r => r.Id).Select(r => r.Id).Take(200).ToListAsync(ct);
        var completed = 0;
        foreach (var id in pending)
            if (await TryGatewayAsync(id, ct) is null) completed++;
        return (pending.Count, completed);
    }

    /// <summary>Refunds for the finance page: by status/method (null = all), newest first, with the order's contact.</summary>
    public async Task<List<RefundRow>> ListAsync(AuditActor actor, RefundStatus? status = null, RefundMethod? method = null, long? orderId = null, CancellationToken ct = default) =>
        (await PageAsync(actor, new RefundPageQuery(status, method, orderId, 0, 500), ct)).Rows.ToList();

    /// <summary>One page of refunds (newest first) and how many match, for the finance page's grids.</summary>
    public async Task<(IReadOnlyList<RefundRow> Rows, int Total)> PageAsync(AuditActor actor, RefundPageQuery query, CancellationToken ct = default)
    {
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var q = db.Refunds.AsNoTracking();
        if (query.Status is { } status) q = q.Where(r => r.Status == status);
        if (query.Method is { } method) q = q.Where(r => r.Method == method);
        if (query.OrderId is { } orderId) q = q.Where(r => r.OrderId == orderId);
        var total = await q.CountAsync(ct);
        var rows = await (from r in q
                          join o in db.Orders on r.OrderId equals o.Id
                          orderby r.Id descending
                          select new RefundRow(r.Id, r.Number, r.OrderId, o.Number, r.StationId, r.Amount, r.Method, r.Funding, r.Status, r.Reason, o.Contact,
                              r.GatewayReference, r.LastError, r.Attempts, r.Note, r.RequestedByName, r.DecidedByName, r.CreatedAt, r.CompletedAt))
            .Skip(Math.Max(0, query.Skip)).Take(Math.Clamp(query.Take, 1, 500))
            .ToListAsync(ct);
        return (rows, total);
    }
}
