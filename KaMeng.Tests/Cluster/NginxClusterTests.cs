using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using Npgsql;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace KaMeng.Tests.Cluster;

/// <summary>The order of the steps of one cluster: the node is stopped last.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ClusterStepAttribute(int step) : Attribute
{
    public int Step { get; } = step;
}

public sealed class ClusterStepOrderer : ITestCaseOrderer
{
    public IEnumerable<TTestCase> OrderTestCases<TTestCase>(IEnumerable<TTestCase> testCases) where TTestCase : ITestCase =>
        testCases.OrderBy(t => t.TestMethod.Method.GetCustomAttributes(typeof(ClusterStepAttribute).AssemblyQualifiedName!)
            .Select(a => (int)a.GetConstructorArguments().First()).DefaultIfEmpty(int.MaxValue).First());
}

/// <summary>
/// Issue 22 §2: two KaMeng nodes behind Debian's nginx on one PostgreSQL database, proven through nginx (see
/// <see cref="NginxCluster"/>). The figures of the last step (time to recover, errors seen) are printed and written to
/// TestResults/cluster-results.txt.
/// </summary>
[TestCaseOrderer("KaMeng.Tests.Cluster.ClusterStepOrderer", "KaMeng.Tests")]
public class NginxClusterTests(NginxCluster cluster, ITestOutputHelper output) : IClassFixture<NginxCluster>
{
    const string AdminPassword = TestAccounts.AdminPassword;

    void Say(string line)
    {
        output.WriteLine(line);
        Console.WriteLine("[cluster] " + line);
    }

    [Fact, ClusterStep(1)]
    public async Task A_buyer_signed_in_through_nginx_stays_signed_in_whichever_node_serves_them()
    {
        using var buyer = new ClusterBuyer(cluster, cluster.AffinityA[0]);
        await buyer.SignInAsync(cluster.Buyers[0], NginxCluster.BuyerPassword);
        Assert.Equal(cluster.A.Upstream, buyer.LastUpstream);
        foreach (var (affinity, node) in new[] { (cluster.AffinityB[0], cluster.B), (cluster.AffinityA[1], cluster.A), (cluster.AffinityB[1], cluster.B) })
        {
            buyer.PinTo(affinity);
            using var response = await buyer.GetAsync("/my/orders");
            // Signed out, the page would send the buyer to the login page.
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(node.Upstream, buyer.LastUpstream);
            Assert.Contains(cluster.Buyers[0], await response.Content.ReadAsStringAsync());
        }
    }

    [Fact, ClusterStep(2)]
    public async Task A_card_key_imported_on_node_A_is_revealed_to_its_buyer_by_node_B()
    {
        // The fixture imported the keys through node A's 卡密库存 page.
        using var buyer = new ClusterBuyer(cluster, cluster.AffinityB[0]);
        await buyer.SignInAsync(cluster.Buyers[1], NginxCluster.BuyerPassword);
        var purchase = await buyer.BuyAsync(cluster.ProductId);
        Assert.True(purchase.OrderNumber is not null, purchase.Refusal);
        Assert.Equal(cluster.B.Upstream, buyer.LastUpstream);
        var key = Assert.Single(await buyer.KeysOfAsync(purchase.OrderNumber!));
        Assert.Equal(cluster.B.Upstream, buyer.LastUpstream);
        Assert.Contains(key, cluster.ImportedKeys);
    }

    [Fact, ClusterStep(3)]
    public async Task A_price_rule_saved_on_node_A_is_charged_by_node_B_on_the_next_purchase()
    {
        using var buyer = new ClusterBuyer(cluster, cluster.AffinityB[1]);
        await buyer.SignInAsync(cluster.DemoBuyer, NginxCluster.BuyerPassword, "/s/demo");
        var before = await buyer.BuyAsync(cluster.ProductId, "/s/demo");
        Assert.True(before.OrderNumber is not null, before.Refusal);

        // The owner of 演示分站, on node A, sells the test category at cost + 50%.
        var page = await cluster.NewPageAsync(cluster.AffinityA[1]);
        await new LoginPage(page, "/s/demo").LoginAsAsync("demo-owner", TestAccounts.DemoPassword);
        var station = new MyStationPage(page);
        await station.GotoAsync();
        await station.Admin.WaitForCircuitAsync();
        await station.AddRuleAsync("分类", NginxCluster.CategoryName, "进价 + 百分比", "50");
        var saved = station.Admin.Notification("规则已保存");
        await Assertions.Expect(saved.Or(station.Admin.Confirmation)).ToBeVisibleAsync();
        if (await station.Admin.Confirmation.IsVisibleAsync()) await station.Admin.ConfirmAsync();
        await Assertions.Expect(saved).ToBeVisibleAsync();
        await page.Context.CloseAsync();

        // At once, on node B; then the same purchase on node A.
        var onB = await buyer.BuyAsync(cluster.ProductId, "/s/demo");
        Assert.True(onB.OrderNumber is not null, onB.Refusal);
        Assert.Equal(cluster.B.Upstream, buyer.LastUpstream);
        buyer.PinTo(cluster.AffinityA[1]);
        var onA = await buyer.BuyAsync(cluster.ProductId, "/s/demo");
        Assert.True(onA.OrderNumber is not null, onA.Refusal);
        Assert.Equal(cluster.A.Upstream, buyer.LastUpstream);

        await using var services = cluster.DataServices();
        await using var db = cluster.NewContext(services);
        var totals = await db.Orders.IgnoreQueryFilters().AsNoTracking()
            .Where(o => o.Number == before.OrderNumber || o.Number == onB.OrderNumber || o.Number == onA.OrderNumber)
            .ToDictionaryAsync(o => o.Number, o => o.Total.Fen);
        Say($"price rule: before {totals[before.OrderNumber!]} fen, next purchase on B {totals[onB.OrderNumber!]} fen, on A {totals[onA.OrderNumber!]} fen");
        Assert.NotEqual(totals[before.OrderNumber!], totals[onB.OrderNumber!]);
        Assert.Equal(totals[onA.OrderNumber!], totals[onB.OrderNumber!]);
    }

    [Fact, ClusterStep(4)]
    public async Task An_order_placed_through_node_B_shows_on_the_dashboard_open_on_node_A_within_a_second()
    {
        var page = await cluster.NewPageAsync(cluster.AffinityA[2]);
        await new LoginPage(page).LoginAsAsync("admin", AdminPassword, "/admin");
        await new AdminPage(page).WaitForCircuitAsync();
        await Assertions.Expect(page.GetByTestId("kpi-orders")).ToBeVisibleAsync();

        using var buyer = new ClusterBuyer(cluster, cluster.AffinityB[2]);
        await buyer.SignInAsync(cluster.Buyers[2], NginxCluster.BuyerPassword);
        var purchase = await buyer.BuyAsync(cluster.ProductId);
        var placed = Stopwatch.StartNew();
        Assert.True(purchase.OrderNumber is not null, purchase.Refusal);
        Assert.Equal(cluster.B.Upstream, buyer.LastUpstream);
        try
        {
            await page.WaitForFunctionAsync("n => (document.querySelector('[data-testid=live-last]')?.textContent ?? '').includes(n)", purchase.OrderNumber,
                new() { PollingInterval = 20, Timeout = 15_000 });
        }
        catch (TimeoutException) { Assert.Fail($"the order placed through B never showed on the dashboard open on A (waited 15 s)"); }
        var shown = placed.Elapsed;
        Say($"dashboard on A showed the order placed through B after {shown.TotalMilliseconds:F0} ms");
        Assert.True(shown <= TimeSpan.FromSeconds(1), $"the order showed after {shown.TotalMilliseconds:F0} ms");
        await page.Context.CloseAsync();
    }

    [Fact, ClusterStep(5)]
    public async Task Each_scheduled_job_firing_runs_on_one_node_only()
    {
        var page = await cluster.NewPageAsync(cluster.AffinityA[3]);
        await new LoginPage(page).LoginAsAsync("admin", AdminPassword, "/admin/jobs");
        await new AdminPage(page).WaitForCircuitAsync();
        var jobs = new ScheduledJobsPage(page);
        var card = page.GetByTestId("job-promotion-guard");
        async Task ScheduleAsync(string cron)
        {
            await card.GetByTestId("job-edit").ClickAsync();
            await jobs.ChoosePresetAsync(card, "自定义 cron 表达式（高级）");
            await jobs.CronInput(card).FillAsync(cron);
            await card.GetByTestId("cron-save").ClickAsync();
            await Assertions.Expect(card.GetByTestId("job-cron")).ToHaveTextAsync(cron);
        }
        // Every 2 seconds for a while, so both nodes' schedulers compete for many firings.
        await ScheduleAsync("0/2 * * * * ?");
        var from = DateTimeOffset.UtcNow;
        List<(string Instance, long Fired)> runs = [];
        try
        {
            await Poll.UntilAsync(async () => (runs = await RunsSinceAsync("promotion-guard", from)).Count >= 8, "8 runs of promotion-guard", 40);
        }
        finally { await ScheduleAsync("30 * * * * ?"); }
        await page.Context.CloseAsync();

        // Each 2-second slot ran once, on one node or the other; none twice, none skipped between the first and the last.
        var slots = runs.GroupBy(r => (long)Math.Round(r.Fired / (double)TimeSpan.FromSeconds(2).Ticks)).OrderBy(g => g.Key).ToList();
        var schedulers = await SchedulersAsync();
        Say($"promotion-guard every 2 s: {runs.Count} runs in {slots.Count} slots; by scheduler: {string.Join(", ", runs.GroupBy(r => r.Instance).Select(g => $"{g.Key} {g.Count()}"))}; schedulers checked in: {schedulers}");
        // Both nodes' schedulers were in the race (checked in to the clustered store).
        Assert.Equal(2, schedulers);
        Assert.All(slots, s => Assert.Single(s));
        Assert.Equal(slots.Count, slots[^1].Key - slots[0].Key + 1);
        // And no other job ran twice for one firing in that time.
        var duplicates = await DuplicateFiringsSinceAsync(from);
        Assert.True(duplicates.Count == 0, "fired twice: " + string.Join(", ", duplicates));
    }

    /// <summary>Quartz's execution history (the clustered store's own table): which scheduler instance ran each firing.</summary>
    async Task<List<(string Instance, long Fired)>> RunsSinceAsync(string job, DateTimeOffset from)
    {
        await using var conn = new NpgsqlConnection(cluster.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT instance_name, fired_time FROM qrtz_execution_history WHERE job_name = @job AND fired_time >= @from AND NOT coalesce(manual, false) ORDER BY fired_time", conn);
        cmd.Parameters.AddWithValue("job", job);
        cmd.Parameters.AddWithValue("from", from.UtcTicks);
        var list = new List<(string, long)>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync()) list.Add((reader.GetString(0), reader.GetInt64(1)));
        return list;
    }

    async Task<long> SchedulersAsync()
    {
        await using var conn = new NpgsqlConnection(cluster.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT count(*) FROM qrtz_scheduler_state", conn);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    async Task<List<string>> DuplicateFiringsSinceAsync(DateTimeOffset from)
    {
        await using var conn = new NpgsqlConnection(cluster.ConnectionString);
        await conn.OpenAsync();
        // Two runs of one job less than a second apart are one firing run twice (the fastest schedule here is 2 s).
        await using var cmd = new NpgsqlCommand("""
            SELECT a.job_name FROM qrtz_execution_history a JOIN qrtz_execution_history b
              ON a.job_name = b.job_name AND a.entry_id < b.entry_id AND abs(a.fired_time - b.fired_time) < 10000000
            WHERE a.fired_time >= @from AND NOT coalesce(a.manual, false) AND NOT coalesce(b.manual, false)
            """, conn);
        cmd.Parameters.AddWithValue("from", from.UtcTicks);
        var list = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync()) list.Add(reader.GetString(0));
        return list;
    }

    [Fact, ClusterStep(9)]
    public async Task Stopping_node_A_under_load_moves_buyers_and_the_admin_circuit_to_B_without_losing_or_doubling_an_order()
    {
        // The admin's dashboard on node A, every reconnect state it goes through recorded (the binding survives reloads).
        var states = new ConcurrentQueue<(DateTime At, string State)>();
        var documents = new ConcurrentQueue<(DateTime At, string Upstream)>();
        var admin = await cluster.NewPageAsync(cluster.AffinityA[2]);
        await admin.ExposeFunctionAsync("kmReconnectState", (string state) => states.Enqueue((DateTime.UtcNow, state)));
        await admin.AddInitScriptAsync("""
            document.addEventListener('DOMContentLoaded', () => document.getElementById('components-reconnect-modal')
              ?.addEventListener('components-reconnect-state-changed', e => window.kmReconnectState(e.detail.state)));
            """);
        admin.Response += (_, r) =>
        {
            if (r.Request.ResourceType == "document") documents.Enqueue((DateTime.UtcNow, r.Headers.GetValueOrDefault(NginxCluster.UpstreamHeader.ToLowerInvariant()) ?? ""));
        };
        await new LoginPage(admin).LoginAsAsync("admin", AdminPassword, "/admin");
        await new AdminPage(admin).WaitForCircuitAsync();
        Assert.Equal(cluster.A.Upstream, documents.Last().Upstream);

        // A small load: four buyers, two on each node, each buying one key every 250 ms.
        var pins = new[] { (cluster.Buyers[0], cluster.AffinityA[0]), (cluster.Buyers[3], cluster.AffinityA[1]), (cluster.Buyers[4], cluster.AffinityB[0]), (cluster.Buyers[5], cluster.AffinityB[1]) };
        var buyers = new List<(string Name, string Pin, ClusterBuyer Client)>();
        foreach (var (name, pin) in pins)
        {
            var client = new ClusterBuyer(cluster, pin);
            await client.SignInAsync(name, NginxCluster.BuyerPassword);
            buyers.Add((name, pin, client));
        }
        var results = new ConcurrentQueue<(string Buyer, ClusterBuyer.Purchase Purchase)>();
        using var stop = new CancellationTokenSource();
        var load = buyers.Select(b => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                results.Enqueue((b.Name, await b.Client.BuyAsync(cluster.ProductId, deadline: DateTime.UtcNow.AddSeconds(30))));
                await Task.Delay(250); // the buyer's pace, not a wait for anything
            }
        })).ToList();
        int OkSince(string buyer, DateTime since) => results.Count(r => r.Buyer == buyer && r.Purchase.OrderNumber is not null && r.Purchase.Attempts[^1].At > since);

        await Poll.UntilAsync(() => buyers.All(b => OkSince(b.Name, DateTime.MinValue) >= 3), "three purchases per buyer before the stop", 30);
        var killedAt = DateTime.UtcNow;
        cluster.A.Kill();
        Say($"node A killed (SIGKILL) at {killedAt:HH:mm:ss.fff} under load");

        // The admin page: the reconnect UI, then (the circuit is unknown to B) a reload served by B, connected again.
        await Poll.UntilAsync(() => states.Any(s => s.At >= killedAt && s.State == "show"), "the reconnect UI to show", 30);
        await Poll.UntilAsync(() => documents.Any(d => d.At > killedAt && d.Upstream.EndsWith(cluster.B.Upstream)), "the admin page to reload from node B", 60);
        await admin.Locator("body[data-circuit=connected]").WaitForAsync(new() { Timeout = 30_000 });
        var adminBack = DateTime.UtcNow - killedAt;
        await Poll.UntilAsync(() => buyers.All(b => OkSince(b.Name, killedAt) >= 3), "three purchases per buyer after the stop", 60);
        stop.Cancel();
        await Task.WhenAll(load);
        // The reloaded dashboard works on B: one more order shows on its live line.
        var last = await buyers[2].Client.BuyAsync(cluster.ProductId);
        Assert.True(last.OrderNumber is not null, last.Refusal);
        results.Enqueue((buyers[2].Name, last));
        await Assertions.Expect(admin.GetByTestId("live-last")).ToContainTextAsync(last.OrderNumber!, new() { Timeout = 10_000 });
        await BrowserFixture.ScreenshotsAsync(admin, "cluster-admin-after-failover");
        foreach (var b in buyers) b.Client.Dispose();

        // What the clients saw.
        var all = results.ToList();
        var attempts = all.SelectMany(r => r.Purchase.Attempts.Select(a => (r.Buyer, a))).ToList();
        var errors = attempts.Where(x => x.a.Outcome.StartsWith("error")).ToList();
        var refused = all.Where(r => r.Purchase.OrderNumber is null).ToList();
        var recovery = buyers.Where(b => cluster.AffinityA.Contains(b.Pin))
            .Select(b => attempts.Where(x => x.Buyer == b.Name && x.a.At > killedAt && x.a.Outcome == "ok").Select(x => x.a.At).DefaultIfEmpty(DateTime.MaxValue).Min() - killedAt)
            .Max();
        var summary = new[]
        {
            $"node A killed under load (4 buyers, 2 per node, one purchase each every 250 ms)",
            $"purchases: {all.Count} ({all.Count(r => r.Purchase.OrderNumber is not null)} ok, {refused.Count} refused), attempts {attempts.Count}",
            $"time to recover (buyers of A: kill → first purchase served by B): {recovery.TotalMilliseconds:F0} ms",
            $"admin circuit: reconnect UI shown, page reloaded from B and connected {adminBack.TotalMilliseconds:F0} ms after the kill",
            $"errors seen by clients: {errors.Count}" + (errors.Count == 0 ? "" : ": " + string.Join("; ", errors.GroupBy(e => e.a.Outcome).Select(g => $"{g.Count()} × {g.Key}"))),
        };
        foreach (var line in summary) Say(line);
        File.WriteAllLines(Path.Combine(TestPaths.TestResults, "cluster-results.txt"), summary);

        Assert.Empty(refused.Select(r => r.Purchase.Refusal));
        // After a buyer's first purchase on B, nothing failed for that buyer.
        foreach (var b in buyers)
        {
            var switched = attempts.Where(x => x.Buyer == b.Name && x.a.At > killedAt && x.a.Outcome == "ok").Select(x => x.a.At).Min();
            Assert.DoesNotContain(attempts, x => x.Buyer == b.Name && x.a.At > switched && x.a.Outcome != "ok");
            Assert.All(attempts.Where(x => x.Buyer == b.Name && x.a.At > switched), x => Assert.EndsWith(cluster.B.Upstream, x.a.Upstream));
        }
        Assert.True(recovery < TimeSpan.FromSeconds(10), $"recovery took {recovery}");

        // What the database holds: exactly the orders the clients were given, each once, each with one key of its own.
        await using var services = cluster.DataServices();
        await using var db = cluster.NewContext(services);
        var names = pins.Select(p => p.Item1).ToList();
        var buyerIds = await db.Users.Where(u => names.Contains(u.UserName!)).Select(u => u.Id).ToListAsync();
        var orders = await db.Orders.IgnoreQueryFilters().AsNoTracking().Where(o => buyerIds.Contains(o.BuyerUserId!))
            .Select(o => new { o.Id, o.Number, o.IdempotencyKey, o.Status }).ToListAsync();
        var given = all.Where(r => r.Purchase.OrderNumber is not null).Select(r => r.Purchase.OrderNumber!).ToList();
        Assert.Equal(given.Count, given.Distinct().Count());
        Assert.Equal(given.Order(), orders.Select(o => o.Number).Order());
        Assert.All(orders, o => Assert.Equal(OrderStatus.Delivered, o.Status));
        var orderIds = orders.Select(o => o.Id).ToList();
        var keys = await db.CardKeys.IgnoreQueryFilters().AsNoTracking().Where(k => k.OrderId != null && orderIds.Contains(k.OrderId.Value)).ToListAsync();
        Assert.Equal(orders.Count, keys.Count);
        Assert.Equal(orders.Count, keys.Select(k => k.OrderId).Distinct().Count());
        Assert.All(keys, k => Assert.Equal(CardKeyStatus.Sold, k.Status));
        await LedgerBooks.AssertWalletsEqualTheirLedgersAsync(db);
    }
}
