using KaMeng.Domain;

namespace KaMeng.Tests.Domain;

public class DashboardMetricsTests
{
    static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    static BuyerHistory Buyer(string id, int firstDaysAgo, int lastDaysAgo, int orders, long spendFen, int? secondDaysAgo = null) =>
        new(id, Now.AddDays(-firstDaysAgo), secondDaysAgo is { } s ? Now.AddDays(-s) : null, Now.AddDays(-lastDaysAgo), orders, spendFen);

    [Fact]
    public void Segments_follow_the_rules_in_order_dormant_then_high_value_then_new_then_active()
    {
        Assert.Equal(BuyerSegment.Dormant, BuyerSegments.Classify(Buyer("a", 200, 61, 9, 900_000), Now)); // big spender, but asleep
        Assert.Equal(BuyerSegment.HighValue, BuyerSegments.Classify(Buyer("b", 100, 3, 5, 50_000), Now));
        Assert.Equal(BuyerSegment.HighValue, BuyerSegments.Classify(Buyer("c", 2, 2, 1, 60_000), Now)); // new, but already high value
        Assert.Equal(BuyerSegment.New, BuyerSegments.Classify(Buyer("d", 10, 10, 1, 1_000), Now));
        Assert.Equal(BuyerSegment.Active, BuyerSegments.Classify(Buyer("e", 10, 1, 2, 1_000), Now)); // second order: no longer new
        Assert.Equal(BuyerSegment.Active, BuyerSegments.Classify(Buyer("f", 45, 45, 1, 1_000), Now)); // one old order, not yet asleep
        Assert.Equal(BuyerSegment.Dormant, BuyerSegments.Classify(Buyer("g", 60, 60, 1, 1_000), Now)); // exactly 60 days: asleep
        Assert.Contains("60", BuyerSegments.RuleOf(BuyerSegment.Dormant));
    }

    [Fact]
    public void Repurchase_counts_first_buyers_of_the_window_who_bought_again_within_30_days()
    {
        var buyers = new[]
        {
            Buyer("again-in-10", 50, 40, 2, 100, secondDaysAgo: 40),   // repurchased within 30 days
            Buyer("again-in-35", 50, 15, 2, 100, secondDaysAgo: 15),   // second order too late
            Buyer("once", 45, 45, 1, 100),                               // never again, 30 days over
            Buyer("too-recent", 20, 20, 1, 100),                         // outside the window (first order 20 days ago)
            Buyer("before-window", 90, 5, 3, 100, secondDaysAgo: 80),    // first order before the window
        };
        var (cohort, again) = Repurchase.Count(buyers, Now.AddDays(-60), Now.AddDays(-30), Now);
        Assert.Equal(3, cohort);
        Assert.Equal(1, again);
        Assert.Equal(0.3333m, Repurchase.Rate(cohort, again));
    }

    [Fact]
    public void Repurchase_leaves_out_buyers_whose_30_days_are_not_over_unless_they_already_came_back()
    {
        var buyers = new[] { Buyer("waiting", 5, 5, 1, 100), Buyer("back", 6, 1, 2, 100, secondDaysAgo: 1) };
        var (cohort, again) = Repurchase.Count(buyers, Now.AddDays(-7), Now, Now);
        Assert.Equal(1, cohort);
        Assert.Equal(1, again);
    }

    [Fact]
    public void A_buyer_is_flagged_repurchased_when_a_second_payment_falls_within_30_days_of_the_first_in_any_order_of_arrival()
    {
        var late = new BuyerStat { BuyerUserId = "late" };
        late.AddPayment(Now.AddDays(-10), 100);
        Assert.False(late.RepurchasedInWindow); // one payment
        late.AddPayment(Now.AddDays(-45), 100); // an older order caught up later: now 35 days before the second
        Assert.False(late.RepurchasedInWindow);
        late.AddPayment(Now.AddDays(-20), 100); // 25 days after the first
        Assert.True(late.RepurchasedInWindow);

        var edge = new BuyerStat { BuyerUserId = "edge" };
        edge.AddPayment(Now.AddDays(-30), 100);
        edge.AddPayment(Now, 100); // exactly 30 days later: outside the window
        Assert.False(edge.RepurchasedInWindow);
        Assert.Equal(Repurchase.IsRepurchase(edge.FirstPaidAt, edge.SecondPaidAt), edge.RepurchasedInWindow);
    }

    [Fact]
    public void Rating_adds_growth_repurchase_refund_and_compliance_parts()
    {
        // GMV +20 %: 15 + 0.2×30 = 21; repurchase 20 % of 40 % → 12.5 → 13; refunds 2 of 100 → (1 − 0.2)×25 = 20; one suspension → 10.
        var r = StationRating.Compute(new RatingInputs(120_000, 100_000, 10, 2, 100, 2, 1, false));
        Assert.Equal([21, 13, 20, 10], r.Parts.Select(p => p.Score));
        Assert.Equal(64, r.Score);
        Assert.Equal("B", r.Grade);
        Assert.Equal(100, r.Parts.Sum(p => p.Max));
    }

    [Fact]
    public void Rating_caps_growth_and_gives_nothing_for_compliance_while_suspended()
    {
        var r = StationRating.Compute(new RatingInputs(1_000_000, 100_000, 5, 5, 50, 0, 0, true));
        Assert.Equal(30, r.Parts[0].Score);
        Assert.Equal(25, r.Parts[1].Score);
        Assert.Equal(25, r.Parts[2].Score);
        Assert.Equal(0, r.Parts[3].Score);
        Assert.Equal(80, r.Score);
        Assert.Equal("A", r.Grade); // 80: a suspension alone keeps a strong station out of S
        Assert.Equal("D", StationRating.Compute(new RatingInputs(0, 100_000, 0, 0, 10, 5, 3, false)).Grade);
    }

    [Fact]
    public void A_refund_replaces_the_paid_contribution_and_counts_in_the_refund_hour()
    {
        var created = new DateTimeOffset(2026, 11, 1, 1, 30, 0, TimeSpan.Zero);
        var paid = new OrderFacts(1, 5, 9, "u", OrderStatus.Delivered, PaymentMethod.Balance, 1000, 2, 300, 100, created, created, null);
        var refunded = paid with { Status = OrderStatus.Refunded, ClosedAt = created.AddHours(5) };
        var sumPaid = paid.Contribution(false).Aggregate(default(StatCounters), (a, x) => a + x.Counters);
        var sumRefunded = refunded.Contribution(false).Aggregate(default(StatCounters), (a, x) => a + x.Counters);
        var delta = sumRefunded - sumPaid;
        Assert.Equal(1, delta.Refunds);
        Assert.Equal(1000, delta.RefundFen);
        Assert.Equal(300, delta.RefundProfitFen);
        Assert.Equal(-1, delta.CohortDelivered);
        Assert.Equal(0, delta.GmvFen); // GMV stays: refunds are shown beside it
        Assert.Equal(3, refunded.Contribution(false).Count()); // created, paid and refund hours
        Assert.Equal(100, paid.Contribution(true).Sum(x => x.Counters.ProfitFen)); // the platform's bucket books the main station's margin
    }

    [Fact]
    public void Buyer_history_is_the_same_whatever_order_payments_arrive_in()
    {
        var t = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var a = new BuyerStat { BuyerUserId = "u" };
        var b = new BuyerStat { BuyerUserId = "u" };
        foreach (var d in new[] { 5, 1, 9, 3 }) a.AddPayment(t.AddDays(d), 100);
        foreach (var d in new[] { 9, 3, 5, 1 }) b.AddPayment(t.AddDays(d), 100);
        Assert.Equal(a.ToHistory(), b.ToHistory());
        Assert.Equal(t.AddDays(1), a.FirstPaidAt);
        Assert.Equal(t.AddDays(3), a.SecondPaidAt);
        Assert.Equal(t.AddDays(9), a.LastPaidAt);
    }

    [Fact]
    public void Margins_come_from_the_frozen_chain_selling_station_last_and_main_station_first()
    {
        // cost 50 (main) → substation cost 80, sold at 100, ×2
        Assert.Equal((40L, 60L), OrderMargins.Of([50, 80], 100, 2));
        Assert.Equal((50L, 50L), OrderMargins.Of([50], 100, 1)); // sold by the main station itself
        // A platform coupon on a substation (a subsidy of 15) comes off the platform's margin; the station's own off its own.
        Assert.Equal((40L, 45L), OrderMargins.Of([50, 80], 100, 2, [15, 0]));
        Assert.Equal((30L, 60L), OrderMargins.Of([50, 80], 100, 2, [0, 10]));
    }

    [Fact]
    public void Days_are_china_time_days()
    {
        var lateUtc = new DateTimeOffset(2026, 11, 21, 16, 30, 0, TimeSpan.Zero); // 00:30 on the 22nd in Beijing
        Assert.Equal(new DateOnly(2026, 11, 22), StatTime.DateOfDay(StatTime.DayOf(lateUtc)));
        Assert.Equal((0, DayOfWeek.Sunday), StatTime.LocalHour(StatTime.HourOf(lateUtc)));
        Assert.Equal(lateUtc.AddMinutes(-30), StatTime.StartOfDay(StatTime.DayOf(lateUtc)));
    }
}
