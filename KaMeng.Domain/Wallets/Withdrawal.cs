namespace KaMeng.Domain;

public enum WithdrawalStatus { Pending = 0, Approved = 1, Rejected = 2 }

/// <summary>提现: an owner asks, the amount is held (debited), finance approves with a payout reference or rejects (released).</summary>
public class Withdrawal
{
    public long Id { get; set; }
    public required string UserId { get; set; }
    public int? StationId { get; set; }
    public Money Amount { get; set; }
    public Money Fee { get; set; }
    /// <summary>Where to pay: 支付宝/微信/银行 and the account, as text.</summary>
    public required string PayoutAccount { get; set; }
    public WithdrawalStatus Status { get; set; }
    public string? PayoutReference { get; set; }
    public string? RejectReason { get; set; }
    public string? DecidedByUserId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? DecidedAt { get; set; }

    public void Approve(string reference, string financeUserId, DateTimeOffset now)
    {
        if (Status != WithdrawalStatus.Pending) throw new DomainException("withdrawal.decided", "该提现已处理");
        if (string.IsNullOrWhiteSpace(reference)) throw new DomainException("withdrawal.reference", "请填写打款流水号");
        Status = WithdrawalStatus.Approved;
        PayoutReference = reference.Trim();
        DecidedByUserId = financeUserId;
        DecidedAt = now;
    }

    public void Reject(string reason, string financeUserId, DateTimeOffset now)
    {
        if (Status != WithdrawalStatus.Pending) throw new DomainException("withdrawal.decided", "该提现已处理");
        if (string.IsNullOrWhiteSpace(reason)) throw new DomainException("withdrawal.reason", "请填写驳回原因");
        Status = WithdrawalStatus.Rejected;
        RejectReason = reason.Trim();
        DecidedByUserId = financeUserId;
        DecidedAt = now;
    }
}
