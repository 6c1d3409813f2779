using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Dashboard;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Stations;
using KaMeng.Web.Features.Substations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KaMeng.Tests.Dashboard;

public class RollupTests
{
    sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now = start;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    static readonly AuditActor Platform = new("admin-id", "admin", null);

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [SqlServerData]
    public async Task Rollups_equal_a_recomputation_from_orders_after_random_orders_refunds_lost_events_and_a_sweep(DatabaseProvider provider)
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow.AddDays(-3));
        await using var h = await CommerceHarness.CreateAsync(provider, s => { s.AddSingleton<TimeProvider>(clock); s.AddDashboardServices(); });
        var rollup = h.Db.Services.GetRequiredService<DashboardRollup>();
        var random = new Random(6);

        // A substation selling above its cost, a card-key product and a manual one.
        int levelId;
        await using (var db = h.Db.NewContext()) levelId = (await db.StationLevels.FirstAsync(l => l.Name == "高级")).Id;
        var owner = (await h.AddBuyersAsync(1, balanceFen: 100_000))[0];
        var (shopId, error) = await h.Get<SubstationService>().OpenAsync(Station.MainStationId, owner, new OpenSubstationRequest("shop1", "一号小店", levelId));
        Assert.Null(error);
        var cardKey = await h.AddCardKeyProductAsync(keys: 200, priceFen: 1000, p => p.CostPrice = Money.FromFen(600));
        var manual = await h.AddCardKeyProductAsync(keys: 0, priceFen: 2500, p => { p.DeliveryType = DeliveryType.Manual; p.CostPrice = Money.FromFen(2000); });
        Assert.Null(await h.Get<PriceRuleService>().SaveAsync(shopId!.Value,
            new PriceRuleInput(PriceRuleAudience.Selling, PriceRuleScope.All, null, null, PriceRuleKind.PlusPercent, "20", PriceRounding.Fen),
            new AuditActor(owner, "owner", shopId)));
        h.Get<PriceResolver>().Invalidate();
        var stations = new[] { CommerceHarness.Main, await h.StationAsync(shopId.Value) };
        var buyers = await h.AddBuyersAsync(8, balanceFen: 1_000_000);

        // Events are applied after each step (as the worker does, outside the publisher), sometimes twice (a replay),
        // and a fifth of them are lost (a crash after commit).
        var lost = 0;
        var pending = new List<OrderEvent>();
        using var subscription = h.Db.Services.GetRequiredService<OrderEvents>().Subscribe(e => { lock (pending) pending.Add(e); });
        async Task DeliverAsync()
        {
            List<OrderEvent> events;
            lock (pending) { events = [.. pending]; pending.Clear(); }
            foreach (var e in events)
            {
                var roll = random.NextDouble();
                if (roll < 0.2) { lost++; continue; }
                await rollup.ApplyAsync([e.OrderId]);
                if (roll > 0.9) await rollup.ApplyAsync([e.OrderId]);
            }
        }

        for (var step = 0; step < 80; step++)
        {
            clock.Now = clock.Now.AddMinutes(random.Next(0, 180));
            var op = random.Next(10);
            if (op < 6)
            {
                var product = random.Next(3) == 0 ? manual : cardKey;
                var r = await h.Checkout.PlaceBalanceOrderAsync(stations[random.Next(2)],
                    new CheckoutRequest(product.Id, random.Next(1, 3), buyers[random.Next(buyers.Count)], Guid.NewGuid().ToString("N")));
                Assert.True(r.Succeeded, r.Error);
            }
            else if (op < 8)
            {
                var id = await AnyOrderAsync(h, o => o.Status == OrderStatus.Delivered || o.Status == OrderStatus.Processing, random);
                if (id is not null) Assert.Null(await h.Orders.RefundAsync(id.Value, "测试退款", Platform));
            }
            else if (op < 9)
            {
                var id = await AnyOrderAsync(h, o => o.Status == OrderStatus.Processing, random);
                if (id is not null) Assert.Null(await h.Orders.CompleteAsync(id.Value, "已充值", Platform));
            }
            else
            {
                // An unpaid order whose payment window passes: cancelled by the expiry job.
                await using (var db = h.Db.NewContext())
                {
                    var order = Order.Place(OrderNumber.New(clock.Now), Station.MainStationId, cardKey, 1, cardKey.BasePrice, clock.Now, TimeSpan.FromMinutes(15));
                    order.BuyerUserId = buyers[0];
                    db.Orders.Add(order);
                    await db.SaveChangesAsync();
                }
                clock.Now = clock.Now.AddMinutes(20);
                await h.Orders.ExpireUnpaidAsync();
            }
            await DeliverAsync();
        }
        Assert.True(lost > 0);

        await rollup.SweepAsync();
        Assert.Equal(0, await rollup.SweepAsync()); // nothing left to repair

        var incremental = await SnapshotAsync(h);
        await AssertMatchesOrdersAsync(h, incremental);
        await AssertBuyerQueriesMatchOrdersAsync(h, clock.Now);

        await rollup.RebuildAsync();
        var rebuilt = await SnapshotAsync(h);
        Assert.Equal(incremental.Hours, rebuilt.Hours);
        Assert.Equal(incremental.Days, rebuilt.Days);
        Assert.Equal(incremental.Products, rebuilt.Products);
        Assert.Equal(incremental.Buyers, rebuilt.Buyers);
        Assert.Equal(incremental.BuyerDays, rebuilt.BuyerDays);
        await AssertBuyerQueriesMatchOrdersAsync(h, clock.Now);
    }

    /// <summary>Paying buyers and 30-day repurchase as the dashboard reads them (index counts over the buyer rollup) against
    /// the orders themselves, for ranges that end today and ranges wholly in the past, per bucket.</summary>
    static async Task AssertBuyerQueriesMatchOrdersAsync(CommerceHarness h, DateTimeOffset now)
    {
        await using var db = h.Db.NewContext();
        var paid = (await db.Orders.AsNoTracking().Where(o => o.PaidAt != null && o.BuyerUserId != null).ToListAsync())
            .Where(o => OrderFacts.IsPaidStatus(o.Status)).ToList();
        var today = StatTime.DayOf(now);
        var ranges = new[] { DashboardRange.LastDays(1, now), DashboardRange.LastDays(2, now), DashboardRange.LastDays(30, now),
            new DashboardRange(today - 2, today), new DashboardRange(today - 3, today - 1), new DashboardRange(today - 1, today) };
        foreach (var bucket in paid.Select(o => o.StationId).Distinct().Append(0))
        {
            var mine = paid.Where(o => bucket == 0 || o.StationId == bucket).ToList();
            // Each buyer's history rebuilt here from the orders (spend without refunded orders).
            var all = mine.GroupBy(o => o.BuyerUserId!).Select(g =>
            {
                var times = g.Select(o => o.PaidAt!.Value).Order().ToList();
                return new BuyerHistory(g.Key, times[0], times.Count > 1 ? times[1] : null, times[^1], times.Count,
                    g.Where(o => o.Status != OrderStatus.Refunded).Sum(o => o.Total.Fen));
            }).ToList();
            foreach (var r in ranges)
            {
                var expected = mine.Where(o => o.PaidAt >= r.From && o.PaidAt < r.To).Select(o => o.BuyerUserId).Distinct().Count();
                Assert.Equal(expected, await DashboardQueries.PayingBuyersAsync(db, bucket, r));
                // The cohort rule of the domain, on those histories.
                foreach (var at in new[] { now, now.AddDays(-1), now.AddDays(40) })
                    Assert.Equal(Repurchase.Count(all, r.From, r.To, at), await DashboardQueries.RepurchaseAsync(db, bucket, r, at));
            }
            // Segments: the counts and the buyer lists against BuyerSegments.Classify of the same histories, at moments that
            // put buyers on both sides of the new / dormant limits.
            foreach (var at in new[] { now, now.AddDays(29), now.AddDays(31), now.AddDays(59), now.AddDays(70) })
            {
                var counts = await DashboardQueries.SegmentsAsync(db, bucket, at);
                foreach (var segment in Enum.GetValues<BuyerSegment>())
                {
                    var expected = all.Where(b => BuyerSegments.Classify(b, at) == segment).Select(b => b.BuyerUserId).Order().ToList();
                    Assert.Equal(expected.Count, counts.Single(c => c.Segment == segment).Buyers);
                    Assert.Equal(expected, (await DashboardQueries.SegmentBuyersAsync(db, bucket, segment, at, take: 1000)).Select(b => b.BuyerUserId).Order().ToList());
                    // The dashboard's pages of the same list: every buyer once, across pages of 2.
                    var paged = new List<string>();
                    for (var page = 0; ; page++)
                    {
                        var (items, total) = await DashboardQueries.SegmentBuyersPageAsync(db, bucket, segment, at, page, 2);
                        Assert.Equal(expected.Count, total);
                        if (items.Count == 0) break;
                        paged.AddRange(items.Select(b => b.BuyerUserId));
                    }
                    Assert.Equal(expected, paged.Order().ToList());
                }
            }
        }
    }

    [Fact]
    public async Task Catch_up_at_start_rolls_up_orders_after_the_last_rolled_up_one_and_leaves_older_changes_to_the_sweep()
    {
        await using var h = await CommerceHarness.CreateAsync(DatabaseProvider.Sqlite, s => s.AddDashboardServices());
        var rollup = h.Db.Services.GetRequiredService<DashboardRollup>();
        var product = await h.AddCardKeyProductAsync(keys: 10);
        var buyer = (await h.AddBuyersAsync(1, balanceFen: 100_000))[0];
        var ids = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            var r = await h.Checkout.PlaceBalanceOrderAsync(CommerceHarness.Main, new CheckoutRequest(product.Id, 1, buyer, Guid.NewGuid().ToString("N")));
            Assert.True(r.Succeeded, r.Error);
            await using var db = h.Db.NewContext();
            ids.Add(await db.Orders.MaxAsync(o => o.Id));
        }
        await rollup.ApplyAsync([ids[0]]); // the events of the last two orders were lost in a crash
        Assert.Null(await h.Orders.RefundAsync(ids[0], "测试退款", Platform)); // and so was this refund's

        Assert.Equal(2, await rollup.CatchUpAsync());
        Assert.Equal(0, await rollup.CatchUpAsync());
        Assert.Equal(1, await rollup.SweepAsync()); // the refund of the older order: the 统计核对 job's full sweep
        await using var check = h.Db.NewContext();
        var platform = await check.StationDayStats.Where(x => x.StationId == OrderFacts.PlatformBucket).ToListAsync();
        Assert.Equal(3, platform.Sum(x => x.Paid));
        Assert.Equal(1, platform.Sum(x => x.Refunds));
    }

    static async Task<long?> AnyOrderAsync(CommerceHarness h, System.Linq.Expressions.Expression<Func<Order, bool>> filter, Random random)
    {
        await using var db = h.Db.NewContext();
        var ids = await db.Orders.Where(filter).Select(o => o.Id).ToListAsync();
        return ids.Count == 0 ? null : ids[random.Next(ids.Count)];
    }

    sealed record Snapshot(List<string> Hours, List<string> Days, List<string> Products, List<string> Buyers, List<string> BuyerDays);

    static async Task<Snapshot> SnapshotAsync(CommerceHarness h)
    {
        await using var db = h.Db.NewContext();
        return new Snapshot(
            (await db.StationHourStats.AsNoTracking().ToListAsync()).Where(r => !r.Counters.IsZero).OrderBy(r => (r.StationId, r.Hour)).Select(r => $"{r.StationId}/{r.Hour}: {r.Counters}").ToList(),
            (await db.StationDayStats.AsNoTracking().ToListAsync()).Where(r => !r.Counters.IsZero).OrderBy(r => (r.StationId, r.Day)).Select(r => $"{r.StationId}/{r.Day}: {r.Counters}").ToList(),
            (await db.ProductDayStats.AsNoTracking().ToListAsync()).OrderBy(r => (r.StationId, r.Day, r.ProductId)).Select(r => $"{r.StationId}/{r.Day}/{r.ProductId}: {r.Paid} {r.Quantity} {r.GmvFen}").ToList(),
            (await db.BuyerStats.AsNoTracking().ToListAsync()).OrderBy(r => (r.StationId, r.BuyerUserId)).Select(r => $"{r.StationId}/{r.BuyerUserId}: {r.FirstPaidAt.UtcTicks} {r.SecondPaidAt?.UtcTicks} {r.LastPaidAt.UtcTicks} {r.PaidOrders} {r.SpendFen} {r.RepurchasedInWindow}").ToList(),
            (await db.BuyerDayStats.AsNoTracking().ToListAsync()).OrderBy(r => (r.StationId, r.Day, r.BuyerUserId)).Select(r => $"{r.StationId}/{r.Day}/{r.BuyerUserId}: {r.Paid}").ToList());
    }

    /// <summary>The hour rollups against the orders, recomputed here without the rollup code: per bucket and hour,
    /// created orders by creation hour, paid orders and GMV by payment hour, refunds by refund hour.</summary>
    static async Task AssertMatchesOrdersAsync(CommerceHarness h, Snapshot snapshot)
    {
        await using var db = h.Db.NewContext();
        var orders = await db.Orders.AsNoTracking().ToListAsync();
        var hours = await db.StationHourStats.AsNoTracking().ToListAsync();
        foreach (var bucket in orders.Select(o => o.StationId).Distinct().Append(0))
        {
            var mine = orders.Where(o => bucket == 0 || o.StationId == bucket).ToList();
            var rows = hours.Where(r => r.StationId == bucket).ToDictionary(r => r.Hour);
            var keys = mine.Select(o => StatTime.HourOf(o.CreatedAt)).Concat(mine.Where(o => o.PaidAt != null).Select(o => StatTime.HourOf(o.PaidAt!.Value))).Distinct();
            foreach (var hour in keys)
            {
                var row = rows.GetValueOrDefault(hour)?.Counters ?? default;
                Assert.Equal(mine.Count(o => StatTime.HourOf(o.CreatedAt) == hour), row.Created);
                var paid = mine.Where(o => o.PaidAt is { } p && StatTime.HourOf(p) == hour).ToList();
                Assert.Equal(paid.Count, row.Paid);
                Assert.Equal(paid.Sum(o => o.Total.Fen), row.GmvFen);
                var refunded = mine.Where(o => o.Status == OrderStatus.Refunded && StatTime.HourOf(o.ClosedAt!.Value) == hour).ToList();
                Assert.Equal(refunded.Count, row.Refunds);
                Assert.Equal(refunded.Sum(o => o.Total.Fen), row.RefundFen);
            }
            var totals = rows.Values.Aggregate(default(StatCounters), (a, r) => a + r.Counters);
            Assert.Equal(mine.Count, totals.Created);
            Assert.Equal(mine.Count(o => o.Status == OrderStatus.Delivered), totals.CohortDelivered);
            Assert.Equal(mine.Count(o => o.Status == OrderStatus.Cancelled), totals.CohortCancelled);
            Assert.Equal(mine.Count(o => o.PaidAt != null), totals.CohortPaid);
            var buyers = mine.Where(o => o.PaidAt != null && o.BuyerUserId != null).GroupBy(o => o.BuyerUserId!).ToList();
            Assert.Equal(buyers.Count, snapshot.Buyers.Count(b => b.StartsWith($"{bucket}/")));
        }
        // Both the shop and the platform earn on what was sold.
        Assert.All(orders.Select(o => o.StationId).Distinct().Append(0), bucket => Assert.True(hours.Where(r => r.StationId == bucket).Sum(r => r.ProfitFen) > 0));
    }
}
