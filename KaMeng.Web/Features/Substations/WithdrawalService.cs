using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Risk;
using KaMeng.Web.Features.Risk.Blacklists;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Substations;

/// <summary>提现: the owner asks and the amount plus fee is held (debited); finance approves with a payout reference,
/// or rejects and the hold is released. Every step is a ledger entry and an audit entry.</summary>
// The notifier is optional so that harnesses without notifications still build this service.
public sealed class WithdrawalService(IDbContextFactory<KaMengDbContext> dbFactory, TimeProvider clock, KaMeng.Web.Features.Notifications.Notifier? notifier = null,
    BlacklistGate? gate = null, SignalRecorder? signalRecorder = null)
{
    public async Task<(Money Minimum, int FeeBasisPoints)> RulesAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var s = await db.PlatformSettings.AsNoTracking().SingleAsync(ct);
        return (s.WithdrawalMinimum, s.WithdrawalFeeBasisPoints);
    }

    /// <param name="signals">The owner's client (issue 21): checked against the blacklists and recorded with the request.</param>
    public async Task<(long? Id, string? Error)> RequestAsync(string userId, int? stationId, string? amountText, string? payoutAccount, ClientSignals? signals = null, CancellationToken ct = default)
    {
        if (!Money.TryParseYuan(amountText, out var amount) || amount.Fen <= 0) return (null, "请输入正确的提现金额（最多两位小数）");
        if (string.IsNullOrWhiteSpace(payoutAccount) || payoutAccount.Trim().Length > 200) return (null, "请填写收款账户（支付宝/微信/银行卡）");
        var now = clock.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var settings = await db.PlatformSettings.AsNoTracking().SingleAsync(ct);
        if (amount < settings.WithdrawalMinimum) return (null, $"最低提现金额为 {settings.WithdrawalMinimum}");
        signals ??= ClientSignals.None;
        if (gate is not null && await gate.CheckAsync(db, stationId ?? Station.MainStationId, userId, null, null, signals, ct)) return (null, BlacklistGate.Message);
        var fee = settings.FeeFor(amount);
        await using var tx = await db.BeginBusinessTransactionAsync(ct);
        // Only 可提现 收益 leaves as cash (decision 0023): 余额 (recharges, refunds) and 待结算 earnings never do. The wallet is
        // locked first so the check and the debit see the same buckets.
        await db.LockWalletAsync(userId, ct);
        var earnings = await db.EarningsOfAsync(userId, now, ct);
        if (earnings.RefuseWithdrawal(amount + fee) is { } refused) return (null, refused);
        var held = await db.PostToUserAsync(userId, LedgerEntryType.Withdrawal, -(amount + fee), now, stationId: stationId, reason: $"提现 {amount}（手续费 {fee}）",
            bucket: WalletBucket.Earnings, ct: ct);
        if (held is null) return (null, $"可提现收益不足：提现 {amount} 需要 {amount + fee}（含手续费 {fee}）");
        var withdrawal = new Withdrawal { UserId = userId, StationId = stationId, Amount = amount, Fee = fee, PayoutAccount = payoutAccount.Trim(), CreatedAt = now };
        db.Withdrawals.Add(withdrawal);
        var userName = await db.Users.Where(u => u.Id == userId).Select(u => u.UserName).SingleAsync(ct);
        signalRecorder?.Add(db, RiskSignalKind.Withdrawal, signals, userId, stationId);
        db.AuditEntries.Add(new AuditEntry { Action = "withdrawal.request", StationId = stationId, UserId = userId, UserName = userName, Target = amount.ToString(), CreatedAt = now });
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return (withdrawal.Id, null);
    }

    public async Task<string?> ApproveAsync(long withdrawalId, string? reference, AuditActor finance, CancellationToken ct = default)
    {
        if (finance.StationId is not null) return "只有财务可以审核提现";
        if (string.IsNullOrWhiteSpace(reference)) return "请填写打款流水号";
        var now = clock.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var w = await db.Withdrawals.SingleOrDefaultAsync(x => x.Id == withdrawalId, ct);
        if (w is null) return "提现申请不存在";
        if (w.Status != WithdrawalStatus.Pending) return "该提现已处理";
        w.Approve(reference, finance.UserId, now);
        db.AuditEntries.Add(finance.Entry("withdrawal.approve", w.Id.ToString(), reference.Trim(), now, w.StationId));
        try { await db.SaveChangesAsync(ct); }
        catch (DbUpdateConcurrencyException) { return "该提现已处理"; }
        NotifyDecided(w, $"提现已通过：{w.Amount}", $"您的提现 {w.Amount} 已打款，流水号 {reference.Trim()}。");
        return null;
    }

    /// <summary>After the decision's commit: queued, so a failing channel never touches the decision.</summary>
    void NotifyDecided(Withdrawal w, string title, string body) =>
        notifier?.Publish(new KaMeng.Web.Features.Notifications.NotificationRequest(NotificationEvent.WithdrawalDecided, title, body, "/admin/station",
            UserIds: [w.UserId], Data: new { withdrawalId = w.Id, amount = w.Amount.Fen, status = w.Status.ToString() }));

    public async Task<string?> RejectAsync(long withdrawalId, string? reason, AuditActor finance, CancellationToken ct = default)
    {
        if (finance.StationId is not null) return "只有财务可以审核提现";
        if (string.IsNullOrWhiteSpace(reason)) return "请填写驳回原因";
        var now = clock.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var tx = await db.BeginBusinessTransactionAsync(ct);
        var w = await db.Withdrawals.SingleOrDefaultAsync(x => x.Id == withdrawalId, ct);
        if (w is null) return "提现申请不存在";
        if (w.Status != WithdrawalStatus.Pending) return "该提现已处理";
        w.Reject(reason, finance.UserId, now);
        try { await db.SaveChangesAsync(ct); }
        catch (DbUpdateConcurrencyException) { return "该提现已处理"; }
        await db.PostToUserAsync(w.UserId, LedgerEntryType.Withdrawal, w.Amount + w.Fee, now, stationId: w.StationId, reason: $"提现驳回退回：{reason.Trim()}",
            operatorUserId: finance.UserId, bucket: WalletBucket.Earnings, ct: ct);
        db.AuditEntries.Add(finance.Entry("withdrawal.reject", w.Id.ToString(), reason.Trim(), now, w.StationId));
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        NotifyDecided(w, $"提现被驳回：{w.Amount}", $"您的提现 {w.Amount} 被驳回：{reason.Trim()}，款项已退回可提现收益。");
        return null;
    }
}
