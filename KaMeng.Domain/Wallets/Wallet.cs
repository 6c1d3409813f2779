namespace KaMeng.Domain;

public enum LedgerEntryType { Recharge = 0, Purchase = 1, Refund = 2, Earning = 3, Withdrawal = 4, Adjustment = 5, Settlement = 6, Transfer = 7,
    /// <summary>推广佣金: a referrer's share of a selling station's margin (收益, held like every earning).</summary>
    Commission = 8 }

/// <summary>
/// The two buckets of a wallet (decision 0023): 余额 is spendable money (recharges, refunds, transfers in) that never leaves
/// the platform as cash; 收益 is what a station earned (margins), 待结算 for a hold period and then 可提现.
/// </summary>
public enum WalletBucket { Balance = 0, Earnings = 1 }

/// <summary>A user's wallet. <see cref="Balance"/> (余额) and <see cref="Earnings"/> (收益) are caches of the ledger sums of
/// their bucket, updated in the same transaction as each entry.</summary>
public class Wallet
{
    public int Id { get; set; }
    public required string UserId { get; set; }
    public Money Balance { get; set; }
    /// <summary>收益, pending and available together. May go below zero when a refund takes back an earning already available.</summary>
    public Money Earnings { get; set; }
}

/// <summary>收益 of a wallet at one instant: <see cref="Pending"/> (待结算) is the sum of earning entries whose hold has not
/// ended, the rest is 可提现.</summary>
public readonly record struct EarningsState(Money Total, Money Pending, DateTimeOffset? PendingUntil)
{
    public Money Available => Total - Pending;

    /// <summary>Why <paramref name="needed"/> cannot be taken from 可提现 (a withdrawal with its fee, a transfer to 余额), or null when it can.</summary>
    public string? RefuseWithdrawal(Money needed)
    {
        if (needed <= Available) return null;
        var available = Available.Fen < 0 ? $"可提现收益为 {Available}，需先补足" : $"可提现 {Available}，需要 {needed}";
        return Pending.Fen > 0 && PendingUntil is { } until
            ? $"可提现收益不足：待结算 {Pending} 将于 {BusinessTime.ToBusiness(until):yyyy-MM-dd} 到账（{available}）"
            : $"可提现收益不足：{available}";
    }

    /// <summary>The hold of an earning booked at <paramref name="now"/>: the level's own period, else the platform's.</summary>
    public static DateTimeOffset? HoldUntil(DateTimeOffset now, int platformHoldDays, int? levelHoldDays)
    {
        var days = levelHoldDays ?? platformHoldDays;
        return days > 0 ? now.AddDays(days) : null;
    }
}

/// <summary>资金流水: append-only.</summary>
public class LedgerEntry
{
    public long Id { get; set; }
    public int WalletId { get; set; }
    public LedgerEntryType Type { get; set; }
    public Money Amount { get; set; }
    /// <summary>The bucket's balance after this entry.</summary>
    public Money BalanceAfter { get; set; }
    public WalletBucket Bucket { get; set; }
    /// <summary>An earning (or the reversal of one) still on hold until this instant: 待结算 till then. Null: available at once.</summary>
    public DateTimeOffset? AvailableAt { get; set; }
    public long? OrderId { get; set; }
    public int? StationId { get; set; }
    public string? Reason { get; set; }
    public string? OperatorUserId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }

    public static string TypeName(LedgerEntryType type) => type switch
    {
        LedgerEntryType.Recharge => "充值",
        LedgerEntryType.Purchase => "消费",
        LedgerEntryType.Refund => "退款",
        LedgerEntryType.Earning => "分站收益",
        LedgerEntryType.Withdrawal => "提现",
        LedgerEntryType.Adjustment => "调整",
        LedgerEntryType.Settlement => "预存款结算",
        LedgerEntryType.Transfer => "收益转余额",
        LedgerEntryType.Commission => "推广佣金",
        _ => type.ToString(),
    };
}
