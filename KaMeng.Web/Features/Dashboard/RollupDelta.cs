using KaMeng.Domain;

namespace KaMeng.Web.Features.Dashboard;

/// <summary>
/// The change to the rollups that an order's state change makes: its new contribution minus the one already rolled up
/// (nothing when it was never rolled up). The incremental path (apply, sweep) writes a batch's deltas; the full rebuild
/// does not use it (<see cref="RollupRebuild"/> recomputes set-based). Both buckets are touched: the selling station's and the platform's (0).
/// </summary>
public sealed class RollupDelta
{
    public readonly Dictionary<(int Station, long Hour), StatCounters> Hours = [];
    public readonly Dictionary<(int Station, int Day), StatCounters> Days = [];
    public readonly Dictionary<(int Station, int Day, int Product), (long Paid, long Quantity, long GmvFen)> Products = [];
    public readonly Dictionary<(int Station, int Day, string Buyer), long> BuyerDays = [];
    /// <summary>Payments to add to a buyer's history, and refunds to take off their spend.</summary>
    public readonly List<(int Station, string Buyer, DateTimeOffset PaidAt, long TotalFen)> BuyerPayments = [];
    public readonly List<(int Station, string Buyer, long TotalFen)> BuyerRefunds = [];

    /// <param name="current">The order now.</param>
    /// <param name="rolledStatus">The status already in the rollups, or null when the order is not in them yet.</param>
    public void Add(OrderFacts current, OrderStatus? rolledStatus)
    {
        if (rolledStatus == current.Status) return;
        var old = rolledStatus is { } s ? current.As(s) : null;
        foreach (var (bucket, platform) in new[] { (current.StationId, false), (OrderFacts.PlatformBucket, true) })
        {
            AddCounters(bucket, current.Contribution(platform), +1);
            if (old is not null) AddCounters(bucket, old.Contribution(platform), -1);
            if (current.IsPaid && old?.IsPaid != true)
            {
                var day = StatTime.DayOf(current.PaidAt!.Value);
                var p = Products.GetValueOrDefault((bucket, day, current.ProductId));
                Products[(bucket, day, current.ProductId)] = (p.Paid + 1, p.Quantity + current.Quantity, p.GmvFen + current.TotalFen);
                if (current.BuyerUserId is { } buyer)
                {
                    BuyerPayments.Add((bucket, buyer, current.PaidAt!.Value, current.TotalFen));
                    BuyerDays[(bucket, day, buyer)] = BuyerDays.GetValueOrDefault((bucket, day, buyer)) + 1;
                }
            }
            if (current.Status == OrderStatus.Refunded && old?.Status != OrderStatus.Refunded && current.BuyerUserId is { } refunded)
                BuyerRefunds.Add((bucket, refunded, current.TotalFen));
        }
    }

    void AddCounters(int bucket, IEnumerable<(long Hour, StatCounters Counters)> parts, int sign)
    {
        foreach (var (hour, c) in parts)
        {
            var signed = sign > 0 ? c : -c;
            Hours[(bucket, hour)] = Hours.GetValueOrDefault((bucket, hour)) + signed;
            var day = StatTime.DayOfHour(hour);
            Days[(bucket, day)] = Days.GetValueOrDefault((bucket, day)) + signed;
        }
    }
}
