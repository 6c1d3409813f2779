using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Dashboard;
using KaMeng.Web.Features.Setup;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KaMeng.Tests.Dashboard;

/// <summary>Development's 60 days of demo history (issue 18 §3), placed through the real services on a moving clock.</summary>
public class DemoHistorySeedTests
{
    static readonly TimeSpan Beijing = TimeSpan.FromHours(8);

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [SqlServerData]
    public async Task The_history_spreads_orders_over_sixty_days_hours_and_weekdays_with_refunds_two_levels_of_earning_substations_and_balanced_books(DatabaseProvider provider)
    {
        await using var h = await CommerceHarness.CreateAsync(provider, s => { s.AddDashboardServices(); s.AddSingleton<DemoHistory>(); });
        var now = DateTimeOffset.UtcNow;
        var result = await h.Db.Services.GetRequiredService<DemoHistory>().SeedAsync(now);

        await using var db = h.Db.NewContext();
        var orders = await db.Orders.IgnoreQueryFilters().AsNoTracking().Select(o => new { o.Id, o.StationId, o.BuyerUserId, o.CreatedAt, o.Status }).ToListAsync();
        Assert.Equal(result.Orders, orders.Count);
        Assert.InRange(orders.Count, 250, 800);
        var local = orders.Select(o => o.CreatedAt.ToOffset(Beijing)).ToList();
        // The 60 days, plus a few orders of two early buyers from before them (who make the 沉睡 segment).
        Assert.All(local, t => Assert.InRange(t, now.AddDays(-DemoHistory.Days - 21), now));
        Assert.InRange(local.Count(t => t < now.AddDays(-DemoHistory.Days - 1)), 1, 10);
        Assert.True(local.Where(t => t >= now.AddDays(-DemoHistory.Days)).Select(t => t.Date).Distinct().Count() >= 55, "orders on at least 55 of the 60 days");
        Assert.True(local.Select(t => t.Hour).Distinct().Count() >= 20, "orders in at least 20 hours of the day");
        Assert.Equal(7, local.Select(t => t.DayOfWeek).Distinct().Count());
        // More in the evening than before dawn, more at weekends than midweek (per day).
        Assert.True(local.Count(t => t.Hour is >= 20 and <= 22) > 3 * local.Count(t => t.Hour is >= 3 and <= 5));
        Assert.True(local.Count(t => t.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday) / 2.0 > local.Count(t => t.DayOfWeek is DayOfWeek.Tuesday or DayOfWeek.Wednesday) / 2.0);
        Assert.True(orders.Select(o => o.BuyerUserId).Distinct().Count() >= 10, "several buyers");

        // A few refunds, done by finance, and the refunded orders say so.
        var refunds = await db.Refunds.IgnoreQueryFilters().AsNoTracking().ToListAsync();
        Assert.InRange(refunds.Count, 3, orders.Count / 10);
        Assert.All(refunds, r => Assert.Equal(RefundStatus.Completed, r.Status));
        Assert.Equal(refunds.Count, result.Refunds);
        Assert.True(orders.Count(o => o.Status == OrderStatus.Refunded) >= 3);

        // Two levels of substations, each with its own markup, selling and earning.
        var stations = await db.Stations.IgnoreQueryFilters().AsNoTracking().ToListAsync();
        var demo = stations.Single(s => s.Code == "demo");
        var child = stations.Single(s => s.Code == DemoHistory.ChildCode);
        Assert.Equal(demo.Id, child.ParentId);
        Assert.Equal(child.Id, result.ChildStationId);
        Assert.Equal(Station.MainStationId, stations.Single(s => s.Code == DemoHistory.StarCode).ParentId);
        var lucky = stations.Single(s => s.Code == DemoHistory.LuckyCode);
        Assert.Equal(demo.Id, lucky.ParentId);
        Assert.InRange(lucky.CreatedAt, now.AddDays(-11), now.AddDays(-9));
        var rules = await db.PriceRules.AsNoTracking().ToListAsync();
        Assert.Contains(rules, r => r.StationId == demo.Id && r.Audience == PriceRuleAudience.Selling);
        Assert.Contains(rules, r => r.StationId == demo.Id && r.Audience == PriceRuleAudience.ChildSupply);
        Assert.Contains(rules, r => r.StationId == child.Id && r.Audience == PriceRuleAudience.Selling);
        foreach (var s in stations.Where(s => !s.IsMain))
        {
            Assert.True(orders.Count(o => o.StationId == s.Id) >= (s.Code == DemoHistory.LuckyCode ? 5 : 20), $"{s.Code} sells");
            var wallet = await db.Wallets.AsNoTracking().SingleAsync(w => w.UserId == s.OwnerUserId);
            var earned = (await db.LedgerEntries.AsNoTracking().Where(e => e.WalletId == wallet.Id && e.Type == LedgerEntryType.Earning).Select(e => e.Amount).ToListAsync()).Sum(m => m.Fen);
            Assert.True(earned > 0, $"{s.Code}'s owner earns");
        }
        // demo earns on its child's sales too: the chain has three stations.
        var childOrder = orders.First(o => o.StationId == child.Id && o.Status == OrderStatus.Delivered);
        var demoWallet = await db.Wallets.AsNoTracking().SingleAsync(w => w.UserId == demo.OwnerUserId);
        var demoOwnerEarnings = await db.LedgerEntries.AsNoTracking().CountAsync(e => e.OrderId == childOrder.Id && e.Type == LedgerEntryType.Earning && e.WalletId == demoWallet.Id);
        Assert.Equal(1, demoOwnerEarnings);

        // The books balance: every wallet equals its ledger, every delivered order's entries are its chain's shares.
        await h.AssertBooksAsync();
        await LedgerBooks.AssertDeliveredOrdersBalanceAsync(db);

        // The dashboards have something to say: rollups per hour and day, buyer histories, a rating for every substation.
        Assert.Equal(orders.Count, await db.OrderRollupStates.CountAsync());
        Assert.True(await db.StationDayStats.Where(d => d.StationId == child.Id).CountAsync() >= 40);
        Assert.True(await db.StationHourStats.CountAsync() > 200);
        Assert.True(await db.BuyerStats.CountAsync() >= 10);
        var segments = await DashboardQueries.SegmentsAsync(db, OrderFacts.PlatformBucket, now);
        Assert.All(segments, s => Assert.True(s.Buyers > 0, $"segment {s.Segment} has buyers"));
        Assert.Equal(4, segments.Count);
        var ratings = await h.Db.Services.GetRequiredService<StationRatingService>().ComputeAllAsync();
        Assert.All(ratings, r => Assert.True(r.Rating.Score > 0, $"{r.Code} is rated"));

        // The plain demo stays as it was: demo-buyer's ¥100 and 20 keys of each seeded product.
        var demoBuyer = await db.Users.SingleAsync(u => u.UserName == "demo-buyer");
        Assert.Equal(Money.FromYuan(100), (await db.Wallets.SingleAsync(w => w.UserId == demoBuyer.Id)).Balance);
        Assert.DoesNotContain(orders, o => o.BuyerUserId == demoBuyer.Id);
    }
}
