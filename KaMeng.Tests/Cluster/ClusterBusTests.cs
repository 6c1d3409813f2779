using System.Collections.Concurrent;
using System.Diagnostics;
using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Cluster;
using KaMeng.Web.Features.Dashboard;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Stations;
using KaMeng.Web.Features.Substations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace KaMeng.Tests.Cluster;

/// <summary>
/// Issue 22 §1: two nodes on one PostgreSQL database keep no truth of their own. A change on one node reaches the other's
/// caches and live signals through LISTEN/NOTIFY within a second, and a node that may have missed messages drops its caches.
/// </summary>
public class ClusterBusTests(PostgresCluster cluster) : IClassFixture<PostgresCluster>
{
    static T Get<T>(KaMengApp node) where T : notnull => node.Services.CreateScope().ServiceProvider.GetRequiredService<T>();

    [Fact]
    public async Task A_price_rule_saved_on_one_node_is_charged_by_the_other_on_the_next_purchase()
    {
        var shop = await OpenShopAsync("shopprice");
        var buyer = (await AddBuyersAsync(1, 100_000))[0];
        // B prices the shop once (its cache now holds +20%: ¥90 cost → ¥108).
        Assert.Equal(10_800, (await BuyOnBAsync(shop, buyer)).Fen);

        Assert.Null(await Get<PriceRuleService>(cluster.A).SaveAsync(shop.StationId,
            new PriceRuleInput(PriceRuleAudience.Selling, PriceRuleScope.Category, shop.Product.CategoryId, null, PriceRuleKind.PlusPercent, "50", PriceRounding.Fen),
            new AuditActor(shop.Owner, "owner", shop.StationId)));
        var saved = Stopwatch.StartNew();
        var pricesOnB = cluster.B.Services.GetRequiredService<PriceResolver>();
        await Poll.UntilAsync(async () => (await pricesOnB.ForStationAsync(shop.StationId)).Quote(shop.Product).Price.Fen == 13_500, "B to price the new rule", 1);
        Assert.True(saved.Elapsed < TimeSpan.FromSeconds(1), $"took {saved.Elapsed}");

        Assert.Equal(13_500, (await BuyOnBAsync(shop, buyer)).Fen);
    }

    [Fact]
    public async Task An_order_placed_on_one_node_raises_the_dashboard_signal_on_the_other_within_a_second()
    {
        var shop = await OpenShopAsync("shopsignal");
        var buyer = (await AddBuyersAsync(1, 100_000))[0];
        var seenOnA = new ConcurrentQueue<DashboardSignal>();
        using var subscription = cluster.A.Services.GetRequiredService<DashboardSignals>().Subscribe(seenOnA.Enqueue);

        var placed = Stopwatch.StartNew();
        var number = await PlaceOnBAsync(shop, buyer);
        await Poll.UntilAsync(() => seenOnA.Any(s => s.StationId == shop.StationId && s.Text.Contains(number)), "the order's dashboard signal on A", 1);
        Assert.True(placed.Elapsed < TimeSpan.FromSeconds(1), $"took {placed.Elapsed}");
    }

    [Fact]
    public async Task A_node_whose_listener_dropped_forgets_its_caches()
    {
        var shop = await OpenShopAsync("shopdrop");
        await BarrierAsync();
        var pricesOnB = cluster.B.Services.GetRequiredService<PriceResolver>();
        Assert.Equal(10_800, (await pricesOnB.ForStationAsync(shop.StationId)).Quote(shop.Product).Price.Fen);

        // A change B is never told of (written past every service: as if its message were lost).
        await using (var db = cluster.A.NewContext())
            await db.PriceRules.Where(r => r.StationId == shop.StationId).ExecuteUpdateAsync(s => s.SetProperty(r => r.Value, 3000));
        Assert.Equal(10_800, (await pricesOnB.ForStationAsync(shop.StationId)).Quote(shop.Product).Price.Fen); // stale, as designed

        var busOnB = cluster.B.Services.GetRequiredService<ClusterBus>();
        var drops = busOnB.Drops;
        var listener = cluster.B.Services.GetRequiredService<PostgresBusTransport>().ListenerApplicationName;
        await using (var admin = new NpgsqlConnection(cluster.ConnectionString))
        {
            await admin.OpenAsync();
            await using var kill = new NpgsqlCommand("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = @name", admin);
            kill.Parameters.AddWithValue("name", listener);
            Assert.Equal(1L, await kill.ExecuteScalarAsync());
        }

        await Poll.UntilAsync(() => busOnB.Drops > drops, "B to drop its caches", 10);
        Assert.Equal(11_700, (await pricesOnB.ForStationAsync(shop.StationId)).Quote(shop.Product).Price.Fen);

        // Listening again: a change on A reaches B as before.
        await Poll.UntilAsync(async () =>
        {
            await using var admin = new NpgsqlConnection(cluster.ConnectionString);
            await admin.OpenAsync();
            await using var count = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE application_name = @name", admin);
            count.Parameters.AddWithValue("name", listener);
            return (long)(await count.ExecuteScalarAsync())! == 1;
        }, "B's listener to reconnect", 10);
        var received = busOnB.Received;
        cluster.A.Services.GetRequiredService<StationDirectory>().Invalidate();
        await Poll.UntilAsync(() => busOnB.Received > received, "B to hear A again", 1);
    }

    /// <summary>Returns once B has applied every message A sent before (one sender, NOTIFYs delivered in order): a marker
    /// (the risk rules' invalidation) sent last and seen on B.</summary>
    async Task BarrierAsync()
    {
        var seen = 0;
        Action onB = () => Interlocked.Increment(ref seen);
        var riskOnB = cluster.B.Services.GetRequiredService<KaMeng.Web.Features.Risk.RiskEvaluator>();
        riskOnB.Invalidated += onB;
        try
        {
            cluster.A.Services.GetRequiredService<KaMeng.Web.Features.Risk.RiskEvaluator>().Invalidate();
            await Poll.UntilAsync(() => Volatile.Read(ref seen) > 0, "B to apply A's earlier messages", 2);
        }
        finally { riskOnB.Invalidated -= onB; }
    }

    sealed record Shop(int StationId, string Owner, Product Product);

    /// <summary>On node A: a 高级 substation (buys the ¥100 card at 90%, ¥90) selling at +20% (¥108), with 20 keys.</summary>
    async Task<Shop> OpenShopAsync(string code)
    {
        int levelId, categoryId;
        await using (var db = cluster.A.NewContext())
        {
            levelId = (await db.StationLevels.SingleAsync(l => l.Name == "高级")).Id;
            categoryId = (await db.Categories.FirstAsync(c => c.StationId == Station.MainStationId)).Id;
        }
        var owner = (await AddBuyersAsync(1, 50_000))[0];
        var (stationId, error) = await Get<SubstationService>(cluster.A).OpenAsync(Station.MainStationId, owner, new OpenSubstationRequest(code, "小店 " + code, levelId));
        Assert.Null(error);
        var product = new Product
        {
            StationId = Station.MainStationId, CategoryId = categoryId, Name = "集群卡 " + code, BasePrice = Money.FromFen(10_000),
            CostPrice = Money.FromFen(8_000), DeliveryType = DeliveryType.CardKey, MaxPerOrder = 50, CreatedAt = DateTimeOffset.UtcNow,
        };
        var vault = cluster.A.Services.GetRequiredService<CardKeyVault>();
        await using (var db = cluster.A.NewContext())
        {
            db.Products.Add(product);
            await db.SaveChangesAsync();
        }
        await CommerceHarness.AddKeysAsync(cluster.A.NewContext, vault, product, 20);
        Assert.Null(await Get<PriceRuleService>(cluster.A).SaveAsync(stationId!.Value,
            new PriceRuleInput(PriceRuleAudience.Selling, PriceRuleScope.Category, categoryId, null, PriceRuleKind.PlusPercent, "20", PriceRounding.Fen),
            new AuditActor(owner, "owner", stationId)));
        return new Shop(stationId.Value, owner, product);
    }

    Task<List<string>> AddBuyersAsync(int count, long balanceFen) => CommerceHarness.AddBuyersAsync(cluster.A.NewContext, count, balanceFen);

    async Task<string> PlaceOnBAsync(Shop shop, string buyer)
    {
        var station = await cluster.B.Services.GetRequiredService<StationDirectory>().ByIdAsync(shop.StationId);
        Assert.NotNull(station);
        var result = await Get<CheckoutService>(cluster.B).PlaceBalanceOrderAsync(station, new CheckoutRequest(shop.Product.Id, 1, buyer, CheckoutRequest.NewIdempotencyKey()));
        Assert.True(result.Succeeded, result.Error);
        return result.OrderNumber!;
    }

    /// <summary>Buys one card on node B and returns what the order charged.</summary>
    async Task<Money> BuyOnBAsync(Shop shop, string buyer)
    {
        var number = await PlaceOnBAsync(shop, buyer);
        await using var db = cluster.B.NewContext();
        return (await db.Orders.SingleAsync(o => o.Number == number)).Total;
    }
}

/// <summary>On SQLite (one node) the bus never leaves the process and nothing is wired to it.</summary>
public class SingleNodeBusTests(KaMengApp app) : IClassFixture<KaMengApp>
{
    [Fact]
    public void On_SQLite_the_bus_stays_in_process()
    {
        Assert.False(app.Services.GetRequiredService<ClusterBus>().Distributed);
        Assert.Null(app.Services.GetService<PostgresBusTransport>());
        Assert.Equal(0, app.Services.GetRequiredService<DashboardSignals>().SubscriberCount);
    }
}
