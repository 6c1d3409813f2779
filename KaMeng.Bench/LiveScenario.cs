using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using KaMeng.Data;
using KaMeng.Web.Features.Dashboard;
using KaMeng.Web.Features.Orders;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace KaMeng.Bench;

public sealed record LiveOptions(DatabaseProvider Provider, int Subscribers, int Orders, string? PgAdmin);

/// <summary>
/// live: order commit → dashboard signal latency with N subscribers. Real purchases go through CheckoutService; the
/// app's DashboardWorker rolls each up after commit and signals DashboardSignals; every subscriber hands the signal to
/// the thread pool (as a component's InvokeAsync hands it to its circuit) and records when it ran. The clock starts
/// when the order event is published, right after the commit.
/// </summary>
public static class LiveScenario
{
    public static async Task<int> RunAsync(LiveOptions o)
    {
        await using var bench = await BenchDatabase.CreateAsync(o.Provider, o.PgAdmin);
        var product = await bench.AddCardKeyProductAsync("实时基准", o.Orders + 20, 1000);
        var buyers = new List<string>();
        await using (var db = await bench.DbFactory.CreateDbContextAsync())
        {
            for (var i = 0; i < 20; i++)
            {
                var user = new AppUser { UserName = $"live-{i}", NormalizedUserName = $"LIVE-{i}", CreatedAt = DateTimeOffset.UtcNow };
                db.Users.Add(user);
                buyers.Add(user.Id);
            }
            await db.SaveChangesAsync();
            foreach (var id in buyers)
            {
                await db.PostToUserAsync(id, KaMeng.Domain.LedgerEntryType.Recharge, KaMeng.Domain.Money.FromFen(10_000_000), DateTimeOffset.UtcNow);
            }
        }

        var clock = Stopwatch.StartNew();
        var committed = new ConcurrentDictionary<long, double>();
        var latencies = new ConcurrentBag<double>();
        var received = 0;
        using var commitProbe = bench.Services.GetRequiredService<OrderEvents>().Subscribe(e => committed[e.OrderId] = clock.Elapsed.TotalMilliseconds);
        var signals = bench.Services.GetRequiredService<DashboardSignals>();
        var orderIds = new ConcurrentDictionary<string, long>();
        using var idProbe = bench.Services.GetRequiredService<OrderEvents>().Subscribe(e => orderIds[e.OrderNumber] = e.OrderId);
        var subscriptions = Enumerable.Range(0, o.Subscribers).Select(_ => signals.Subscribe(s =>
        {
            ThreadPool.UnsafeQueueUserWorkItem(_ =>
            {
                var number = s.Text.Split(' ')[1];
                if (orderIds.TryGetValue(number, out var id) && committed.TryGetValue(id, out var t0))
                    latencies.Add(clock.Elapsed.TotalMilliseconds - t0);
                Interlocked.Increment(ref received);
            }, null);
        })).ToList();

        var worker = ActivatorUtilities.CreateInstance<DashboardWorker>(bench.Services);
        await ((IHostedService)worker).StartAsync(CancellationToken.None);
        var station = await bench.Services.GetRequiredService<KaMeng.Web.Features.Stations.StationDirectory>().ByIdAsync(KaMeng.Domain.Station.MainStationId);
        // Warm-up (JIT, pools, the worker's start-up sweep): 10 orders that are not measured.
        const int WarmUp = 10;
        for (var i = 0; i < o.Orders + WarmUp; i++)
        {
            if (i == WarmUp)
            {
                var settle = Stopwatch.StartNew();
                while (Volatile.Read(ref received) < WarmUp * o.Subscribers && settle.Elapsed < TimeSpan.FromSeconds(30)) await Task.Delay(20);
                latencies.Clear();
                Interlocked.Exchange(ref received, 0);
            }
            var r = await bench.Checkout.PlaceBalanceOrderAsync(station!, new CheckoutRequest(product.Id, 1, buyers[i % buyers.Count], CheckoutRequest.NewIdempotencyKey()));
            if (!r.Succeeded) throw new InvalidOperationException(r.Error);
            await Task.Delay(20); // orders arrive one by one, as on a busy station
        }
        var expected = (long)o.Orders * o.Subscribers;
        var wait = Stopwatch.StartNew();
        while (Volatile.Read(ref received) < expected && wait.Elapsed < TimeSpan.FromSeconds(60)) await Task.Delay(50);
        await ((IHostedService)worker).StopAsync(CancellationToken.None);
        foreach (var s in subscriptions) s.Dispose();

        var sorted = latencies.OrderBy(x => x).ToArray();
        double P(double q) => sorted.Length == 0 ? double.NaN : Math.Round(sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))], 1);
        Console.WriteLine($"{o.Orders} orders × {o.Subscribers} subscribers: {sorted.Length} deliveries of {expected}, p50 {P(0.5)} ms, p99 {P(0.99)} ms, max {P(1)} ms");
        var json = new Dictionary<string, object?>
        {
            ["scenario"] = "live",
            ["provider"] = o.Provider == DatabaseProvider.Sqlite ? "sqlite" : "postgres",
            ["subscribers"] = o.Subscribers,
            ["orders"] = o.Orders,
            ["deliveries"] = sorted.Length,
            ["p50_ms"] = P(0.5),
            ["p99_ms"] = P(0.99),
        };
        Console.WriteLine(JsonSerializer.Serialize(json));
        return sorted.Length == expected ? 0 : 1;
    }
}
