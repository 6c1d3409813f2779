using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using KaMeng.Web.Features.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Playwright;

namespace KaMeng.Bench;

public sealed record CircuitOptions(int Dashboards, int ColdRuns);

/// <summary>
/// The admin in a real browser (Debian's Chromium through Playwright) against the real app in this process:
/// how long a cold admin page takes to become interactive (navigation start → the layout's circuit-ready mark), and
/// how much managed memory each open dashboard circuit holds (full GC before and after opening N dashboards).
/// </summary>
public static class CircuitScenario
{
    const string AdminPassword = "Bench-admin-9137";

    sealed class App(int port, string dataDir) : WebApplicationFactory<LayoutService>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            // Development: the build output serves static web assets (blazor.web.js, MudBlazor) only there.
            builder.UseEnvironment("Development");
            builder.UseSetting("KaMeng:DataDir", dataDir);
            builder.UseSetting("KaMeng:Seed:Demo", "true");
            builder.UseSetting("KaMeng:Seed:History", "false"); // the plain demo, as the numbers in docs/performance.md were measured on
            builder.UseSetting("KaMeng:Seed:AdminPassword", AdminPassword);
            builder.UseSetting("KaMeng:Seed:DemoPassword", "Bench-demo-9137");
            builder.UseSetting("Logging:LogLevel:Default", "Warning");
            builder.UseSetting("Logging:LogLevel:Microsoft.Hosting.Lifetime", "Warning");
        }

        public void Start()
        {
            UseKestrel(o => o.Listen(IPAddress.Loopback, port));
            StartServer();
        }
    }

    public static async Task<int> RunAsync(CircuitOptions options)
    {
        var dataDir = Directory.CreateTempSubdirectory("kameng-bench-circuit-").FullName;
        int port;
        using (var l = new TcpListener(IPAddress.Loopback, 0)) { l.Start(); port = ((IPEndPoint)l.LocalEndpoint).Port; }
        var app = new App(port, dataDir);
        app.Start();
        var baseUrl = $"http://127.0.0.1:{port}";
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = Environment.GetEnvironmentVariable("KAMENG_CHROMIUM") ?? "/usr/bin/chromium", Headless = true });
        string json;
        try
        {
            // Sign in once; every page below reuses the cookie in its own context (its own circuit).
            var login = await browser.NewContextAsync();
            var lp = await login.NewPageAsync();
            await lp.GotoAsync($"{baseUrl}/account/login");
            await lp.FillAsync("#username", "admin");
            await lp.FillAsync("#password", AdminPassword);
            await lp.ClickAsync("button[type=submit]");
            await lp.WaitForURLAsync(u => !u.Contains("/account/login"));
            var state = await login.StorageStateAsync();
            await login.CloseAsync();

            // Cold: the first admin page after start (JIT, caches), then fresh contexts on a warm server.
            var times = new List<double>();
            for (var i = 0; i < options.ColdRuns; i++)
            {
                var context = await browser.NewContextAsync(new() { StorageState = state });
                var page = await context.NewPageAsync();
                var sw = Stopwatch.StartNew();
                await page.GotoAsync($"{baseUrl}/admin/orders");
                await page.Locator("body[data-circuit=connected]").WaitForAsync(new() { Timeout = 60_000 });
                times.Add(sw.Elapsed.TotalMilliseconds);
                await context.CloseAsync();
            }
            Console.WriteLine($"admin page interactive: first {times[0]:F0} ms, then {string.Join(", ", times.Skip(1).Select(t => t.ToString("F0")))} ms");

            // Memory: one dashboard open and settled first, so what is measured is per circuit, not first-use caches.
            var contexts = new List<IBrowserContext>();
            async Task OpenDashboardAsync()
            {
                var context = await browser.NewContextAsync(new() { StorageState = state });
                var page = await context.NewPageAsync();
                await page.GotoAsync($"{baseUrl}/admin");
                await page.Locator("body[data-circuit=connected]").WaitForAsync(new() { Timeout = 60_000 });
                await page.Locator("h1").First.WaitForAsync();
                contexts.Add(context);
            }
            await OpenDashboardAsync();
            var before = SettledHeap();
            for (var i = 0; i < options.Dashboards; i++) await OpenDashboardAsync();
            var after = SettledHeap();
            var perCircuitMb = (after - before) / (double)options.Dashboards / (1024 * 1024);
            Console.WriteLine($"{options.Dashboards} dashboards: managed heap {before / 1048576.0:F1} → {after / 1048576.0:F1} MB, {perCircuitMb:F2} MB per circuit");
            Console.WriteLine($"load average: {File.ReadAllText("/proc/loadavg").Trim()}");
            foreach (var c in contexts) await c.CloseAsync();
            json = JsonSerializer.Serialize(new
            {
                scenario = "circuits", dashboards = options.Dashboards, perCircuitMb = Math.Round(perCircuitMb, 2),
                firstInteractiveMs = Math.Round(times[0]), warmInteractiveMs = times.Count > 1 ? Math.Round(Median(times.Skip(1))) : (double?)null,
            });
        }
        finally
        {
            await app.DisposeAsync();
            try { Directory.Delete(dataDir, true); } catch (IOException) { }
        }
        Console.WriteLine(json); // the last line: one JSON object
        return 0;
    }

    static long SettledHeap()
    {
        for (var i = 0; i < 3; i++) { GC.Collect(); GC.WaitForPendingFinalizers(); }
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        return v.Length == 0 ? 0 : v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }
}
