namespace KaMeng.Domain;

/// <summary>The additive counters of a rollup row (an unmapped base class: EF maps its properties into each row type).</summary>
public abstract class StatRow
{
    public int StationId { get; set; }
    public long Created { get; set; }
    public long Paid { get; set; }
    public long PaidQuantity { get; set; }
    public long GmvFen { get; set; }
    public long ProfitFen { get; set; }
    public long BalancePaid { get; set; }
    public long EPayPaid { get; set; }
    public long CohortPaid { get; set; }
    public long CohortDelivered { get; set; }
    public long CohortFailed { get; set; }
    public long CohortCancelled { get; set; }
    public long Refunds { get; set; }
    public long RefundFen { get; set; }
    public long RefundProfitFen { get; set; }

    public StatCounters Counters => new() { Created = Created, Paid = Paid, PaidQuantity = PaidQuantity, GmvFen = GmvFen, ProfitFen = ProfitFen, BalancePaid = BalancePaid, EPayPaid = EPayPaid, CohortPaid = CohortPaid, CohortDelivered = CohortDelivered, CohortFailed = CohortFailed, CohortCancelled = CohortCancelled, Refunds = Refunds, RefundFen = RefundFen, RefundProfitFen = RefundProfitFen };

    /// <summary>Column names of the counters, in the order of <see cref="StatCounters"/> (raw upserts use them).</summary>
    public static readonly string[] CounterColumns = ["Created", "Paid", "PaidQuantity", "GmvFen", "ProfitFen", "BalancePaid", "EPayPaid", "CohortPaid", "CohortDelivered", "CohortFailed", "CohortCancelled", "Refunds", "RefundFen", "RefundProfitFen"];

    public static long[] ValuesOf(StatCounters c) => [c.Created, c.Paid, c.PaidQuantity, c.GmvFen, c.ProfitFen, c.BalancePaid, c.EPayPaid, c.CohortPaid, c.CohortDelivered, c.CohortFailed, c.CohortCancelled, c.Refunds, c.RefundFen, c.RefundProfitFen];
}

/// <summary>Per station (0 = the platform) and UTC hour.</summary>
public class StationHourStat : StatRow
{
    public long Hour { get; set; }
}

/// <summary>The same counters per station and China-time day (the leaderboard and long ranges read these).</summary>
public class StationDayStat : StatRow
{
    public int Day { get; set; }
}

/// <summary>Per station, day and product: paid orders, quantity and GMV (top products).</summary>
public class ProductDayStat
{
    public int StationId { get; set; }
    public int Day { get; set; }
    public int ProductId { get; set; }
    public long Paid { get; set; }
    public long Quantity { get; set; }
    public long GmvFen { get; set; }
}

/// <summary>Per station and buyer: the paid history segments and repurchase are computed from.</summary>
public class BuyerStat
{
    public int StationId { get; set; }
    public required string BuyerUserId { get; set; }
    public DateTimeOffset FirstPaidAt { get; set; }
    public DateTimeOffset? SecondPaidAt { get; set; }
    public DateTimeOffset LastPaidAt { get; set; }
    public int PaidOrders { get; set; }
    public long SpendFen { get; set; }
    /// <summary>Paid again within <see cref="Repurchase.WindowDays"/> days of the first payment. Kept with the history so that
    /// the repurchase rate of a cohort is two index counts in SQL instead of a scan of its buyers.</summary>
    public bool RepurchasedInWindow { get; set; }

    /// <summary>Adds one payment; order-independent, so a late catch-up of an older order gives the same result.</summary>
    public void AddPayment(DateTimeOffset paidAt, long totalFen)
    {
        if (PaidOrders == 0)
        {
            FirstPaidAt = LastPaidAt = paidAt;
        }
        else
        {
            if (paidAt < FirstPaidAt) { SecondPaidAt = FirstPaidAt; FirstPaidAt = paidAt; }
            else if (SecondPaidAt is null || paidAt < SecondPaidAt) SecondPaidAt = paidAt;
            if (paidAt > LastPaidAt) LastPaidAt = paidAt;
        }
        PaidOrders++;
        SpendFen += totalFen;
        RepurchasedInWindow = Repurchase.IsRepurchase(FirstPaidAt, SecondPaidAt);
    }

    public BuyerHistory ToHistory() => new(BuyerUserId, FirstPaidAt, SecondPaidAt, LastPaidAt, PaidOrders, SpendFen);
}

/// <summary>Per station, day and buyer: that the buyer paid that day (distinct paying buyers of a range).</summary>
public class BuyerDayStat
{
    public int StationId { get; set; }
    public int Day { get; set; }
    public required string BuyerUserId { get; set; }
    public long Paid { get; set; }
}

/// <summary>Which status of an order is already in the rollups: makes applying a state change idempotent.</summary>
public class OrderRollupState
{
    public long OrderId { get; set; }
    public int StationId { get; set; }
    public OrderStatus Status { get; set; }
}
