using System.Text.Json;
using KaMeng.Data;
using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Payments;

public sealed record ReconciliationResult(int Checked, int Completed, int Recorded, int Mismatches, int Errors)
{
    /// <summary>Pending gateway refunds tried again, and how many of them the gateway confirmed.</summary>
    public int RefundsRetried { get; init; }
    public int RefundsCompleted { get; init; }
}

/// <summary>
/// 补单: asks the gateway (api.php?act=order) about recent unpaid payments and completes those it reports paid, through the
/// same completion as the notify. Gateway calls run outside any database transaction. The scheduler calls
/// <see cref="ReconcileAsync"/> (e.g. every few minutes); it is safe to run at any time and concurrently with notifies.
/// </summary>
public sealed class EPayReconciliation(
    IDbContextFactory<KaMengDbContext> dbFactory,
    IHttpClientFactory http,
    GatewayKeys keys,
    EPayNotifications notifications,
    Orders.RefundService refunds,
    TimeProvider clock,
    ILogger<EPayReconciliation> log)
{
    public const string HttpClientName = "epay";

    public async Task<ReconciliationResult> ReconcileAsync(TimeSpan? lookback = null, CancellationToken ct = default)
    {
        var since = clock.GetUtcNow() - (lookback ?? TimeSpan.FromHours(24));
        List<GatewayPayment> pending;
        Dictionary<int, PaymentGateway> gateways;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            pending = await db.GatewayPayments.AsNoTracking()
                .Where(p => p.Status == GatewayPaymentStatus.Pending && p.CreatedAt >= since).OrderBy(p => p.Id).Take(500).ToListAsync(ct);
            var ids = pending.Select(p => p.GatewayId).Distinct().ToList();
            gateways = await db.PaymentGateways.AsNoTracking().Where(g => ids.Contains(g.Id)).ToDictionaryAsync(g => g.Id, ct);
        }
        int completed = 0, recorded = 0, mismatches = 0, errors = 0;
        var client = http.CreateClient(HttpClientName);
        foreach (var payment in pending)
        {
            var gateway = gateways[payment.GatewayId];
            GatewayOrder? reported;
            try
            {
                var url = $"{gateway.BaseUrl}api.php?act=order&pid={Uri.EscapeDataString(gateway.Pid)}&key={Uri.EscapeDataString(keys.Unprotect(gateway.KeyCipher))}&out_trade_no={Uri.EscapeDataString(payment.OutTradeNo)}";
                using var response = await client.GetAsync(url, ct);
                reported = GatewayOrder.Parse(await response.Content.ReadAsStringAsync(ct));
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
            {
                log.LogWarning(e, "EPay reconciliation: gateway query for {No} failed", payment.OutTradeNo);
                errors++;
                continue;
            }
            if (reported is not { Paid: true } || string.IsNullOrEmpty(reported.TradeNo) || reported.OutTradeNo != payment.OutTradeNo) continue;
            if (!EPayAmount.TryParse(reported.Money, out var money) || money != payment.Amount)
            {
                mismatches++;
                await RecordMismatchAsync(payment, reported, ct);
                continue;
            }
            switch (await notifications.CompleteAsync(payment.Id, reported.TradeNo, "对账补单", ct))
            {
                case PaymentOutcome.Accepted: completed++; break;
                case PaymentOutcome.Recorded: recorded++; break;
            }
        }
        if (pending.Count > 0) log.LogInformation("EPay reconciliation: {Checked} checked, {Completed} completed", pending.Count, completed);
        // Gateway refunds that failed are retried here, with the same refund number (idempotent at the gateway).
        var (retried, refunded) = await refunds.RetryGatewayRefundsAsync(ct);
        return new ReconciliationResult(pending.Count, completed, recorded, mismatches, errors) { RefundsRetried = retried, RefundsCompleted = refunded };
    }

    async Task RecordMismatchAsync(GatewayPayment payment, GatewayOrder reported, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (await db.PaymentIssues.AnyAsync(i => i.OutTradeNo == payment.OutTradeNo && i.Kind == PaymentIssueKind.AmountMismatch, ct)) return;
        db.PaymentIssues.Add(new PaymentIssue
        {
            StationId = payment.StationId, Kind = PaymentIssueKind.AmountMismatch, OutTradeNo = payment.OutTradeNo, TradeNo = reported.TradeNo,
            Amount = payment.Amount, Detail = $"网关报告支付金额 {reported.Money}，订单金额 {payment.Amount.ToDecimalString()}，未补单", CreatedAt = clock.GetUtcNow(),
        });
        await db.SaveChangesAsync(ct);
    }

    /// <summary>The answer of api.php?act=order. Gateways write numbers as numbers or strings; both are read.</summary>
    sealed record GatewayOrder(bool Paid, string? TradeNo, string? OutTradeNo, string? Money)
    {
        public static GatewayOrder? Parse(string json)
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || Text(root, "code") != "1") return null;
            return new GatewayOrder(Text(root, "status") == "1", Text(root, "trade_no"), Text(root, "out_trade_no"), Text(root, "money"));
        }

        static string? Text(JsonElement root, string name) => root.TryGetProperty(name, out var v)
            ? v.ValueKind switch { JsonValueKind.String => v.GetString(), JsonValueKind.Number => v.GetRawText(), _ => null }
            : null;
    }
}

/// <summary>The finance list of payment mismatches (对账异常) and marking one handled.</summary>
public sealed class PaymentIssueService(IDbContextFactory<KaMengDbContext> dbFactory, TimeProvider clock)
{
    public async Task<List<PaymentIssue>> ListAsync(Orders.AuditActor actor, bool includeResolved, CancellationToken ct = default) =>
        (await PageAsync(actor, includeResolved, 0, 500, ct)).Rows.ToList();

    /// <summary>One page of issues (newest first) and how many match, for the 支付对账 grid.</summary>
    public async Task<(IReadOnlyList<PaymentIssue> Rows, int Total)> PageAsync(Orders.AuditActor actor, bool includeResolved, int skip, int take, CancellationToken ct = default)
    {
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var q = db.PaymentIssues.AsNoTracking().Where(i => includeResolved || i.ResolvedAt == null);
        var total = await q.CountAsync(ct);
        var rows = await q.OrderByDescending(i => i.Id).Skip(Math.Max(0, skip)).Take(Math.Clamp(take, 1, 500)).ToListAsync(ct);
        return (rows, total);
    }

    public async Task<string?> ResolveAsync(Orders.AuditActor actor, long issueId, string? note, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(note)) return "请填写处理说明（如：已退款、已补发）";
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var issue = await db.PaymentIssues.SingleOrDefaultAsync(i => i.Id == issueId, ct);
        if (issue is null) return "记录不存在";
        if (issue.ResolvedAt is not null) return "该记录已处理";
        var now = clock.GetUtcNow();
        issue.ResolvedAt = now;
        issue.ResolvedBy = $"{actor.UserName}：{note.Trim()}"[..Math.Min(256, actor.UserName.Length + 1 + note.Trim().Length)];
        db.AuditEntries.Add(actor.Entry("payment.issue.resolve", issue.OutTradeNo, note.Trim(), now, issue.StationId));
        await db.SaveChangesAsync(ct);
        return null;
    }
}
