namespace KaMeng.Domain;

/// <summary>
/// Time keys of the rollups. Hours are UTC hours since the Unix epoch; days are calendar days in business time (Beijing
/// unless configured; the fixed <see cref="BusinessTime.Offset"/>, no daylight saving), which is how owners read "today".
/// </summary>
public static class StatTime
{
    public static long HourOf(DateTimeOffset t) => (long)Math.Floor((t.UtcDateTime - DateTime.UnixEpoch).TotalHours);

    public static int DayOfHour(long hour) => (int)Math.Floor((hour + OffsetHours) / 24.0);

    /// <summary>Read on each call: the zone is set at start, after this type may already be loaded.</summary>
    static int OffsetHours => (int)BusinessTime.Offset.TotalHours;

    public static int DayOf(DateTimeOffset t) => DayOfHour(HourOf(t));

    public static DateTimeOffset StartOfHour(long hour) => new DateTimeOffset(DateTime.UnixEpoch, TimeSpan.Zero).AddHours(hour);

    /// <summary>Midnight Beijing time of the day, as an instant.</summary>
    public static DateTimeOffset StartOfDay(int day) => new DateTimeOffset(DateTime.UnixEpoch, TimeSpan.Zero).AddDays(day).Add(-BusinessTime.Offset);

    public static DateOnly DateOfDay(int day) => DateOnly.FromDateTime(DateTime.UnixEpoch.AddDays(day));

    public static int DayOfDate(DateOnly date) => (int)(date.ToDateTime(TimeOnly.MinValue) - DateTime.UnixEpoch).TotalDays;

    /// <summary>Beijing-time hour of day (0–23) and weekday of an hour key.</summary>
    public static (int HourOfDay, DayOfWeek Weekday) LocalHour(long hour)
    {
        var local = BusinessTime.ToBusiness(StartOfHour(hour));
        return (local.Hour, local.DayOfWeek);
    }
}

/// <summary>The additive counters kept per station and hour (and per station and day). Every field is a plain sum,
/// so a state change of an order is applied as "new contribution minus old contribution".</summary>
public record struct StatCounters
{
    /// <summary>Orders created (cohort of the creation hour).</summary>
    public long Created;
    /// <summary>Orders paid in this hour, with their amount (GMV), quantity and the station's margin.</summary>
    public long Paid;
    public long PaidQuantity;
    public long GmvFen;
    public long ProfitFen;
    public long BalancePaid;
    public long EPayPaid;
    /// <summary>Of the orders created in this hour: how many were ever paid, are delivered, failed, cancelled.</summary>
    public long CohortPaid;
    public long CohortDelivered;
    public long CohortFailed;
    public long CohortCancelled;
    /// <summary>Refunds made in this hour: count, amount and the margin given back.</summary>
    public long Refunds;
    public long RefundFen;
    public long RefundProfitFen;

    public readonly bool IsZero => this == default;

    public static StatCounters operator +(StatCounters a, StatCounters b) => new()
    {
        Created = a.Created + b.Created, Paid = a.Paid + b.Paid, PaidQuantity = a.PaidQuantity + b.PaidQuantity, GmvFen = a.GmvFen + b.GmvFen,
        ProfitFen = a.ProfitFen + b.ProfitFen, BalancePaid = a.BalancePaid + b.BalancePaid, EPayPaid = a.EPayPaid + b.EPayPaid,
        CohortPaid = a.CohortPaid + b.CohortPaid, CohortDelivered = a.CohortDelivered + b.CohortDelivered, CohortFailed = a.CohortFailed + b.CohortFailed,
        CohortCancelled = a.CohortCancelled + b.CohortCancelled, Refunds = a.Refunds + b.Refunds, RefundFen = a.RefundFen + b.RefundFen,
        RefundProfitFen = a.RefundProfitFen + b.RefundProfitFen,
    };

    public static StatCounters operator -(StatCounters a) => new()
    {
        Created = -a.Created, Paid = -a.Paid, PaidQuantity = -a.PaidQuantity, GmvFen = -a.GmvFen, ProfitFen = -a.ProfitFen,
        BalancePaid = -a.BalancePaid, EPayPaid = -a.EPayPaid, CohortPaid = -a.CohortPaid, CohortDelivered = -a.CohortDelivered,
        CohortFailed = -a.CohortFailed, CohortCancelled = -a.CohortCancelled, Refunds = -a.Refunds, RefundFen = -a.RefundFen, RefundProfitFen = -a.RefundProfitFen,
    };

    public static StatCounters operator -(StatCounters a, StatCounters b) => a + -b;
}

/// <summary>What the rollups need of one order: fixed at placement except status, PaidAt and ClosedAt.</summary>
public sealed record OrderFacts(
    long OrderId, int StationId, int ProductId, string? BuyerUserId, OrderStatus Status, PaymentMethod Method,
    long TotalFen, int Quantity, long StationMarginFen, long PlatformMarginFen,
    DateTimeOffset CreatedAt, DateTimeOffset? PaidAt, DateTimeOffset? ClosedAt)
{
    /// <summary>The platform's own bucket in the rollups: every station's orders together.</summary>
    public const int PlatformBucket = 0;

    public static bool IsPaidStatus(OrderStatus s) => s is OrderStatus.Paid or OrderStatus.Processing or OrderStatus.Delivered or OrderStatus.Failed or OrderStatus.Refunded or OrderStatus.Refunding;

    public bool IsPaid => IsPaidStatus(Status) && PaidAt is not null;

    /// <summary>The same order as it was in another status (what was rolled up before). PaidAt never changes once set;
    /// ClosedAt only matters for Refunded, which is terminal, so it is never an older status.</summary>
    public OrderFacts As(OrderStatus status) => this with { Status = status };

    /// <summary>The counters this order adds, in its current status, to a bucket (the selling station or the platform,
    /// whose margin is the main station's step of the frozen price chain).</summary>
    public IEnumerable<(long Hour, StatCounters Counters)> Contribution(bool platform)
    {
        var margin = platform ? PlatformMarginFen : StationMarginFen;
        var created = StatTime.HourOf(CreatedAt);
        var cohort = new StatCounters
        {
            Created = 1,
            CohortPaid = IsPaid ? 1 : 0,
            CohortDelivered = Status == OrderStatus.Delivered ? 1 : 0,
            CohortFailed = Status == OrderStatus.Failed ? 1 : 0,
            CohortCancelled = Status == OrderStatus.Cancelled ? 1 : 0,
        };
        yield return (created, cohort);
        if (IsPaid)
        {
            yield return (StatTime.HourOf(PaidAt!.Value), new StatCounters
            {
                Paid = 1, PaidQuantity = Quantity, GmvFen = TotalFen, ProfitFen = margin,
                BalancePaid = Method == PaymentMethod.Balance ? 1 : 0, EPayPaid = Method == PaymentMethod.EPay ? 1 : 0,
            });
        }
        if (Status == OrderStatus.Refunded && ClosedAt is { } closed)
            yield return (StatTime.HourOf(closed), new StatCounters { Refunds = 1, RefundFen = TotalFen, RefundProfitFen = margin });
    }
}

/// <summary>Margins of an order from its frozen price chain: the selling station's (last step) and the main station's (first).</summary>
public static class OrderMargins
{
    /// <param name="costsFen">Each station's cost along the chain, main station first.</param>
    /// <param name="fundsFen">What each station funds of the order's discounts (its coupon), main station first; null: none.</param>
    public static (long Station, long Platform) Of(IReadOnlyList<long> costsFen, long unitPriceFen, int quantity, IReadOnlyList<long>? fundsFen = null)
    {
        if (costsFen.Count == 0) return (0, 0);
        var station = (unitPriceFen - costsFen[^1]) * quantity - (fundsFen?[^1] ?? 0);
        var platformSellsAt = costsFen.Count > 1 ? costsFen[1] : unitPriceFen;
        var platform = (platformSellsAt - costsFen[0]) * quantity - (fundsFen?[0] ?? 0);
        return (station, platform);
    }
}
