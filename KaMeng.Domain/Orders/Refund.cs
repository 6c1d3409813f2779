namespace KaMeng.Domain;

/// <summary>How a refund's money reaches the buyer.</summary>
public enum RefundMethod
{
    /// <summary>Credited to the buyer's 余额 (balance-paid orders; gateway-paid orders of a signed-in buyer, when chosen).</summary>
    Balance = 0,
    /// <summary>Back through the EPay gateway the order was paid with (api.php?act=refund).</summary>
    Gateway = 1,
    /// <summary>待人工退款: finance pays the guest back by hand (contact on the order) and marks it done.</summary>
    Manual = 2,
}

public enum RefundStatus
{
    /// <summary>An owner asked the upstream (the platform) to share the refund; nothing has moved yet.</summary>
    Requested = 0,
    /// <summary>The upstream refused the request, with a reason; nothing moved.</summary>
    Rejected = 1,
    /// <summary>Booked (shares reversed / owner debited) and waiting for the money to reach the buyer: a gateway
    /// refund not yet confirmed (retried by reconciliation) or a finance task.</summary>
    Pending = 2,
    /// <summary>The buyer has the money.</summary>
    Completed = 3,
}

/// <summary>Who pays for a refund.</summary>
public enum RefundFunding
{
    /// <summary>Every booked share of the order's chain is reversed in proportion (the platform's staff, the system,
    /// or an approved request): the platform's margin, which is in no wallet, carries the rest.</summary>
    Chain = 0,
    /// <summary>The selling station's owner pays the whole refund from their own wallet; upstream shares stay booked.</summary>
    Owner = 1,
}

/// <summary>退款: one per refund of an order (partial or whole). <see cref="Number"/> is the id sent to the gateway
/// (out_refund_no), so a retried gateway refund is the same refund, never a second one.</summary>
public class Refund
{
    public long Id { get; set; }
    public required string Number { get; set; }
    public long OrderId { get; set; }
    public int StationId { get; set; }
    public Money Amount { get; set; }
    public RefundMethod Method { get; set; }
    public RefundFunding Funding { get; set; }
    public RefundStatus Status { get; set; }
    public required string Reason { get; set; }
    /// <summary>The gateway's answer: its refund reference when it succeeded.</summary>
    public string? GatewayReference { get; set; }
    /// <summary>The gateway's last error, while a gateway refund is pending.</summary>
    public string? LastError { get; set; }
    public int Attempts { get; set; }
    /// <summary>Why the upstream rejected a request, or how finance paid a manual refund.</summary>
    public string? Note { get; set; }
    public string? RequestedByUserId { get; set; }
    public required string RequestedByName { get; set; }
    public string? DecidedByUserId { get; set; }
    public string? DecidedByName { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }

    /// <summary>Counts against what remains refundable: everything but a rejected request.</summary>
    public bool Holds => Status != RefundStatus.Rejected;

    public static string NewNumber(string orderNumber, int sequence) => $"{orderNumber}R{sequence}";
}

/// <summary>
/// The rounding rule of proportional refunds: a share S of an order paid P, after chain-funded refunds totalling C,
/// gives back floor(S·(C+r)/P) − floor(S·C/P) for a refund r. Cumulative, so refunds in any number of pieces that add
/// up to P give back exactly S (never a fen more or less); each piece rounds down in the station's favour and the
/// platform's margin, which is in no wallet, carries the fraction.
/// </summary>
public static class RefundShares
{
    public static long Reversal(long shareFen, long paidFen, long chainRefundedBeforeFen, long refundFen)
    {
        if (paidFen <= 0 || shareFen == 0) return 0;
        if (chainRefundedBeforeFen < 0 || refundFen < 0 || chainRefundedBeforeFen + refundFen > paidFen)
            throw new ArgumentOutOfRangeException(nameof(refundFen), "refunds exceed what was paid");
        return FloorDiv(checked(shareFen * (chainRefundedBeforeFen + refundFen)), paidFen) - FloorDiv(checked(shareFen * chainRefundedBeforeFen), paidFen);
    }

    static long FloorDiv(long a, long b) => a / b - (a % b != 0 && (a < 0) != (b < 0) ? 1 : 0);
}
