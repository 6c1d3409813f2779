using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Orders;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Primitives;

namespace KaMeng.Web.Features.Payments;

public enum PaymentOutcome
{
    /// <summary>Accepted now: paid, and delivered or queued.</summary>
    Accepted,
    /// <summary>The same payment again: nothing changed.</summary>
    Replay,
    /// <summary>Paid after the order expired: booked to the reconciliation list instead of reviving the order.</summary>
    Recorded,
    /// <summary>Another trade_no for an already-paid payment: a finance alert, not accepted (the gateway may retry; the alert is kept once).</summary>
    Alerted,
    /// <summary>Refused: nothing changed.</summary>
    Rejected,
}

/// <summary>
/// The gateway's asynchronous notify and what completes a payment. Every check runs before anything is written; the
/// completion is one transaction with the payment and order rows locked (PostgreSQL: SELECT … FOR UPDATE; SQLite: the
/// business transaction's writer gate), so replays racing each other deliver exactly once.
/// </summary>
public sealed class EPayNotifications(
    IDbContextFactory<KaMengDbContext> dbFactory,
    GatewayKeys keys,
    TimeProvider clock,
    OrderEvents events,
    DepositReleases releases,
    Telemetry.KaMengMetrics metrics,
    ILogger<EPayNotifications> log)
{
    static readonly string[] Required = ["pid", "trade_no", "out_trade_no", "type", "money", "trade_status", "sign"];

    /// <summary>Handles GET /pay/epay/notify. Answers "success" only for a payment accepted now or before.</summary>
    public async Task<PaymentOutcome> HandleAsync(IEnumerable<KeyValuePair<string, StringValues>> query, CancellationToken ct = default)
    {
        var outcome = await VerifyAndCompleteAsync(query, ct);
        metrics.Notify("epay", outcome.ToString().ToLowerInvariant());
        return outcome;
    }

    async Task<PaymentOutcome> VerifyAndCompleteAsync(IEnumerable<KeyValuePair<string, StringValues>> query, CancellationToken ct)
    {
        // Every parameter exactly once: a repeated or array-shaped parameter (sign[]=…, sign=a&sign=b) is not a string.
        var parameters = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (name, values) in query)
        {
            if (values.Count != 1 || name.Contains('[')) return Reject("parameter {Name} is not a single string", name);
            parameters[name] = values[0];
        }
        foreach (var name in Required)
            if (string.IsNullOrEmpty(parameters.GetValueOrDefault(name))) return Reject("missing {Name}", name);
        var outTradeNo = parameters["out_trade_no"]!;
        if (outTradeNo.Length > 32) return Reject("out_trade_no too long", outTradeNo);

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var payment = await db.GatewayPayments.AsNoTracking().SingleOrDefaultAsync(p => p.OutTradeNo == outTradeNo, ct);
        if (payment is null) return Reject("unknown out_trade_no {No}", outTradeNo);
        // The key of the configuration this payment went to, never another station's.
        var gateway = await db.PaymentGateways.AsNoTracking().SingleAsync(g => g.Id == payment.GatewayId, ct);
        if (!EPaySignature.Verify(parameters, parameters["sign"], keys.Unprotect(gateway.KeyCipher))) return Reject("bad signature for {No}", outTradeNo);
        if (parameters.GetValueOrDefault("sign_type") is { } signType && !string.Equals(signType, "MD5", StringComparison.OrdinalIgnoreCase))
            return Reject("sign_type {Type}", signType);
        if (parameters["trade_status"] != "TRADE_SUCCESS") return Reject("trade_status {Status}", parameters["trade_status"]);
        if (parameters["pid"] != gateway.Pid) return Reject("pid mismatch for {No}", outTradeNo);
        if (parameters["type"] != payment.Channel) return Reject("type mismatch for {No}", outTradeNo);
        if (!EPayAmount.TryParse(parameters["money"], out var money) || money != payment.Amount) return Reject("money {Money} does not match the payment", parameters["money"]);
        var tradeNo = parameters["trade_no"]!;
        if (tradeNo.Length > 64) return Reject("trade_no too long", tradeNo);

        return await CompleteAsync(payment.Id, tradeNo, "notify", ct);
    }

    PaymentOutcome Reject(string message, object? arg)
    {
        log.LogWarning("EPay notify refused: " + message, arg);
        return PaymentOutcome.Rejected;
    }

    /// <summary>Marks a verified payment paid and delivers (or credits the wallet), once. Called by the notify and the reconciliation.</summary>
    public async Task<PaymentOutcome> CompleteAsync(long paymentId, string tradeNo, string source, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        Order? order;
        string? rechargedUserId = null;
        PaymentOutcome outcome;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            await db.Database.OpenConnectionAsync(ct);
            await using var tx = await db.BeginBusinessTransactionAsync(ct);
            await db.LockRowAsync("GatewayPayments", "Id", paymentId, ct);
            var payment = await db.GatewayPayments.SingleAsync(p => p.Id == paymentId, ct);
            // Whose money this is: a station's own merchant account collects for its owner, never for the platform.
            var collectedByStation = await db.PaymentGateways.Where(g => g.Id == payment.GatewayId).Select(g => g.StationId).SingleAsync(ct) != Station.MainStationId;
            order = null;
            if (payment.Status != GatewayPaymentStatus.Pending)
            {
                if (payment.AlreadyAccepted(tradeNo)) return PaymentOutcome.Replay;
                await AddIssueOnceAsync(db, payment, PaymentIssueKind.DifferentTradeNo, tradeNo, $"订单已由交易号 {payment.TradeNo} 支付，又收到交易号 {tradeNo} 的支付通知（{source}），可能重复支付", now, ct);
                await db.SaveChangesAsync(ct);
                await tx.CommitAsync(ct);
                log.LogWarning("EPay: {No} paid again with another trade_no {TradeNo}", payment.OutTradeNo, tradeNo);
                return PaymentOutcome.Alerted;
            }

            if (payment.Kind == GatewayPaymentKind.Order)
            {
                await db.LockRowAsync("Orders", "Id", payment.OrderId!, ct);
                order = await db.Orders.SingleAsync(o => o.Id == payment.OrderId, ct);
                if (order.Status != OrderStatus.PendingPayment || order.IsExpired(now))
                {
                    // Never revive a closed order silently: finance refunds or fulfils it by hand.
                    payment.Accept(tradeNo, now, late: true);
                    await AddIssueOnceAsync(db, payment, PaymentIssueKind.PaidAfterExpiry, tradeNo, $"订单状态为「{DisplayNames.Of(order.Status)}」（支付期限 {BusinessTime.ToBusiness(order.ExpiresAt):yyyy-MM-dd HH:mm:ss}），网关报告已支付（{source}）", now, ct);
                    await db.SaveChangesAsync(ct);
                    await tx.CommitAsync(ct);
                    return PaymentOutcome.Recorded;
                }
                payment.Accept(tradeNo, now, late: false);
                order.MarkPaid(PaymentMethod.EPay, now);
                order.GatewayTradeNo = tradeNo;
                order.OwnerCollected = collectedByStation;
                await db.SaveChangesAsync(ct);
                await Marketing.PromotionReservations.ConsumeAsync(db, order, ct);
                if (await Fulfilment.ReleaseAsync(db, order, now, ct) == ReleaseOutcome.OutOfStock)
                    await AddIssueOnceAsync(db, payment, PaymentIssueKind.PaidOutOfStock, tradeNo, "已支付但库存不足，订单已进入待处理队列", now, ct);
            }
            else if (collectedByStation)
            {
                // Recharges go through the platform's gateway only (decision 0019): money paid to an owner's merchant account
                // never becomes platform-wide balance, whoever signed the notify.
                log.LogWarning("EPay: recharge {No} was paid to station gateway {Gateway}; not credited", payment.OutTradeNo, payment.GatewayId);
                return PaymentOutcome.Rejected;
            }
            else
            {
                payment.Accept(tradeNo, now, late: false);
                rechargedUserId = payment.UserId;
                await db.PostToUserAsync(payment.UserId!, LedgerEntryType.Recharge, payment.Amount, now, stationId: payment.StationId,
                    reason: $"在线充值 {payment.OutTradeNo}（{EPayChannels.DisplayName(payment.Channel)}，交易号 {tradeNo}）", ct: ct);
            }
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            outcome = PaymentOutcome.Accepted;
        }
        if (order is not null)
        {
            metrics.OrderPaid(PaymentMethod.EPay, order.Status);
            events.Publish(OrderEvent.Of(OrderEventKind.Paid, order));
        }
        else if (rechargedUserId is not null)
            await releases.ReleaseForOwnerAsync(rechargedUserId, ct); // a recharged owner's held orders go on
        return outcome;
    }

    static async Task AddIssueOnceAsync(KaMengDbContext db, GatewayPayment payment, PaymentIssueKind kind, string tradeNo, string detail, DateTimeOffset now, CancellationToken ct)
    {
        if (await db.PaymentIssues.AnyAsync(i => i.OutTradeNo == payment.OutTradeNo && i.Kind == kind && i.TradeNo == tradeNo, ct)) return;
        db.PaymentIssues.Add(new PaymentIssue
        {
            StationId = payment.StationId, Kind = kind, OutTradeNo = payment.OutTradeNo, TradeNo = tradeNo, Amount = payment.Amount, Detail = detail, CreatedAt = now,
        });
    }
}
