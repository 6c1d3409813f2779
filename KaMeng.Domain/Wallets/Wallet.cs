namespace KaMeng.Domain;

public enum LedgerEntryType { Recharge = 0, Purchase = 1, Refund = 2, Earning = 3, Withdrawal = 4, Adjustment = 5, Settlement = 6 }

/// <summary>余额 of a user. <see cref="Balance"/> is a cache of the ledger sum, updated in the same transaction.</summary>
public class Wallet
{
    public int Id { get; set; }
    public required string UserId { get; set; }
    public Money Balance { get; set; }
}

/// <summary>资金流水: append-only.</summary>
public class LedgerEntry
{
    public long Id { get; set; }
    public int WalletId { get; set; }
    public LedgerEntryType Type { get; set; }
    public Money Amount { get; set; }
    public Money BalanceAfter { get; set; }
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
        _ => type.ToString(),
    };
}
