using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Builder;
using KaMeng.Web.Features.Orders;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KaMeng.Bench;

public sealed record RenderOptions(int Seconds, int Workers, int Products, bool Wrk);

/// <summary>
/// The storefront served by the real app on Kestrel (Staging — production settings, demo seed —, SQLite), measured side by side in one run
/// (issue 18 §4): a static file (/css/store.css), the main station's home page (the demo seed's 6 products), /readyz (the database probe; /healthz, liveness, no longer touches it),
/// then a substation home page with a published layout of 12 blocks showing <see cref="RenderOptions.Products"/>
/// products. Each is loaded for a fixed time by wrk (-t2 -c32, when installed and --wrk is on) or by
/// <see cref="RenderOptions.Workers"/> in-process clients; requests/s and p50/p99 latency. The last line is one JSON
/// object with the home/static ratio. Finally a price change is made and checked on the very next request.
/// </summary>
public static class RenderScenario
{
    sealed class App(int port, string dataDir) : WebApplicationFactory<LayoutService> // any type of KaMeng.Web: the factory starts that assembly's entry point
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            // Staging: production settings, but demo data may be seeded (Production never seeds it).
            builder.UseEnvironment("Staging");
            builder.UseSetting("KaMeng:DataDir", dataDir);
            builder.UseSetting("KaMeng:Seed:Demo", "true");
            builder.UseSetting("KaMeng:Seed:History", "false"); // the plain demo, as the numbers in docs/performance.md were measured on
            builder.UseSetting("KaMeng:Seed:AdminPassword", "bench-" + Guid.NewGuid());
            builder.UseSetting("KaMeng:Seed:DemoPassword", "bench-" + Guid.NewGuid());
            builder.UseSetting("Logging:LogLevel:Default", "Warning");
            builder.UseSetting("Logging:LogLevel:Microsoft.Hosting.Lifetime", "Warning");
            builder.UseSetting("urls", $"http://127.0.0.1:{port}");
        }

        public void Start()
        {
            UseKestrel(o => o.Listen(IPAddress.Loopback, port));
            StartServer();
        }
    }

    public static async Task<int> RunAsync(RenderOptions options)
    {
        var dataDir = Directory.CreateTempSubdirectory("kameng-bench-render-").FullName;
        int port;
        using (var l = new TcpListener(IPAddress.Loopback, 0)) { l.Start(); port = ((IPEndPoint)l.LocalEndpoint).Port; }
        var app = new App(port, dataDir);
        app.Start();
        var root = $"http://127.0.0.1:{port}";
        var useWrk = options.Wrk && File.Exists("/usr/bin/wrk");
        string json;
        Result page;
        bool priceVisible;
        try
        {
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = options.Workers, PooledConnectionLifetime = TimeSpan.FromMinutes(10) });
            Task<Result> Load(string url) => useWrk ? WrkAsync(http, url, options) : LoadAsync(http, url, options);
            Console.WriteLine($"loader: {(useWrk ? "wrk -t2 -c32" : $"{options.Workers} in-process clients")}, {options.Seconds} s each");

            var staticFile = await Load(root + "/css/store.css");
            Console.WriteLine($"static file /css/store.css: {staticFile.Rps:F0} req/s, p50 {staticFile.P50:F1} ms, p99 {staticFile.P99:F1} ms");
            var home = await Load(root + "/");
            Console.WriteLine($"main home page /: {home.Rps:F0} req/s, p50 {home.P50:F1} ms, p99 {home.P99:F1} ms, {home.Cards} product cards ({home.Rps / staticFile.Rps:F2}x static)");
            var health = await Load(root + "/readyz");
            Console.WriteLine($"/readyz: {health.Rps:F0} req/s, p99 {health.P99:F1} ms");

            await SeedProductsAsync(app.Services, options.Products);
            var blocks = await PublishLayoutAsync(app.Services);
            page = await Load(root + "/s/demo/");
            Console.WriteLine($"substation home, published layout ({blocks} blocks): {page.Rps:F0} req/s, p50 {page.P50:F1} ms, p99 {page.P99:F1} ms, {page.Cards} product cards, {page.Errors} errors");
            priceVisible = await PriceVisibleOnNextRequestAsync(app.Services, http, root + "/");
            Console.WriteLine($"price change visible on the next request: {priceVisible}");
            Console.WriteLine($"load average: {File.ReadAllText("/proc/loadavg").Trim()}");
            json = JsonSerializer.Serialize(new
            {
                scenario = "render", loader = useWrk ? "wrk -t2 -c32" : "in-process", seconds = options.Seconds, blocks, products = options.Products,
                staticRps = Math.Round(staticFile.Rps), staticP99Ms = Math.Round(staticFile.P99, 1),
                homeRps = Math.Round(home.Rps), homeP50Ms = Math.Round(home.P50, 1), homeP99Ms = Math.Round(home.P99, 1), homeCards = home.Cards,
                homeToStatic = Math.Round(home.Rps / staticFile.Rps, 3),
                rps = Math.Round(page.Rps), p50Ms = Math.Round(page.P50, 1), p99Ms = Math.Round(page.P99, 1), cards = page.Cards,
                errors = staticFile.Errors + home.Errors + health.Errors + page.Errors,
                healthzRps = Math.Round(health.Rps), healthzP99Ms = Math.Round(health.P99, 1), priceVisibleNextRequest = priceVisible,
            });
        }
        finally
        {
            await app.DisposeAsync();
            try { Directory.Delete(dataDir, true); } catch (IOException) { }
        }
        Console.WriteLine(json); // the last line: one JSON object
        return page.Errors == 0 && page.Cards >= options.Products && priceVisible ? 0 : 1;
    }

    /// <summary>wrk -t2 -c32 --latency on one URL (after a short warm-up); non-2xx answers and socket errors count as errors.</summary>
    static async Task<Result> WrkAsync(HttpClient http, string url, RenderOptions options)
    {
        var cards = CountCards(await http.GetStringAsync(url));
        await RunWrkAsync(url, Math.Min(3, options.Seconds));
        var output = await RunWrkAsync(url, options.Seconds);
        double Latency(string label)
        {
            var m = System.Text.RegularExpressions.Regex.Match(output, $@"^\s*{label}\s+([\d.]+)(us|ms|s)\s*$", System.Text.RegularExpressions.RegexOptions.Multiline);
            if (!m.Success) return double.NaN;
            var v = double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            return m.Groups[2].Value switch { "us" => v / 1000, "s" => v * 1000, _ => v };
        }
        var rps = double.Parse(System.Text.RegularExpressions.Regex.Match(output, @"Requests/sec:\s+([\d.]+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var errors = 0;
        foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(output, @"(?:Non-2xx or 3xx responses|Socket errors: connect|read|write|timeout)[: ]\s*(\d+)"))
            errors += int.Parse(m.Groups[1].Value);
        return new Result(rps, Latency("50%"), Latency("99%"), cards, errors);
    }

    static async Task<string> RunWrkAsync(string url, int seconds)
    {
        using var wrk = Process.Start(new ProcessStartInfo("/usr/bin/wrk", ["-t2", "-c32", $"-d{seconds}s", "--latency", url]) { RedirectStandardOutput = true })!;
        var output = await wrk.StandardOutput.ReadToEndAsync();
        await wrk.WaitForExitAsync();
        return output;
    }

    /// <summary>Changes the price of a product shown on <paramref name="url"/> and checks the very next request shows it.</summary>
    static async Task<bool> PriceVisibleOnNextRequestAsync(IServiceProvider services, HttpClient http, string url)
    {
        await http.GetStringAsync(url);
        await http.GetStringAsync(url); // now served from the cache
        var price = Money.FromFen(123_457);
        await using (var db = await services.GetRequiredService<IDbContextFactory<KaMengDbContext>>().CreateDbContextAsync())
        {
            var product = await db.Products.Where(p => p.StationId == Station.MainStationId && p.OnShelf && !p.Deleted).OrderBy(p => p.SortOrder).ThenBy(p => p.Id).FirstAsync();
            product.BasePrice = price;
            await db.SaveChangesAsync();
        }
        return (await http.GetStringAsync(url)).Contains(price.ToString(), StringComparison.Ordinal);
    }

    sealed record Result(double Rps, double P50, double P99, int Cards, int Errors);

    static async Task<Result> LoadAsync(HttpClient http, string url, RenderOptions options)
    {
        var first = await http.GetStringAsync(url);
        var cards = CountCards(first);
        // Warm-up: JIT, caches, connection pool.
        var warm = DateTime.UtcNow.AddSeconds(Math.Min(3, options.Seconds));
        await Task.WhenAll(Enumerable.Range(0, options.Workers).Select(async _ => { while (DateTime.UtcNow < warm) await http.GetStringAsync(url); }));

        var latencies = new List<double>[options.Workers];
        var errors = 0;
        var clock = Stopwatch.StartNew();
        var end = TimeSpan.FromSeconds(options.Seconds);
        await Task.WhenAll(Enumerable.Range(0, options.Workers).Select(async w =>
        {
            var mine = latencies[w] = new List<double>(4096);
            while (clock.Elapsed < end)
            {
                var started = Stopwatch.GetTimestamp();
                using var response = await http.GetAsync(url);
                await response.Content.ReadAsByteArrayAsync();
                if (response.StatusCode != HttpStatusCode.OK) Interlocked.Increment(ref errors);
                mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }));
        var elapsed = clock.Elapsed.TotalSeconds;
        var all = latencies.SelectMany(l => l).Order().ToArray();
        return new Result(all.Length / elapsed, Percentile(all, 0.50), Percentile(all, 0.99), cards, errors);
    }

    static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    static int CountCards(string html)
    {
        int count = 0, at = 0;
        while ((at = html.IndexOf("data-testid=\"product-card\"", at, StringComparison.Ordinal)) >= 0) { count++; at++; }
        return count;
    }

    /// <summary>Main-station products (on sale to every station) until the catalogue has <paramref name="total"/>.</summary>
    static async Task SeedProductsAsync(IServiceProvider services, int total)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<KaMengDbContext>>().CreateDbContextAsync();
        var existing = await db.Products.CountAsync(p => !p.Deleted && p.OnShelf);
        var categories = await db.Categories.Where(c => c.StationId == Station.MainStationId).Select(c => c.Id).ToListAsync();
        for (var i = existing; i < total; i++)
            db.Products.Add(new Product
            {
                StationId = Station.MainStationId, CategoryId = categories[i % categories.Count], Name = $"压测商品 {i + 1:00}",
                DeliveryType = DeliveryType.Manual, CostPrice = Money.FromFen(500 + i), BasePrice = Money.FromFen(1000 + i * 10), FaceValue = Money.FromFen(1000),
                Tags = i % 3 == 0 ? "热门" : i % 3 == 1 ? "推荐" : null, SortOrder = 100 + i, CreatedAt = DateTimeOffset.UtcNow,
            });
        await db.SaveChangesAsync();
    }

    static async Task<int> PublishLayoutAsync(IServiceProvider services)
    {
        var layouts = services.GetRequiredService<LayoutService>();
        var platform = new AuditActor("bench", "bench", null);
        var home = (await layouts.PagesAsync(2, platform)).Single(p => p.IsHome);
        LayoutBlock B(string type, BlockSettings settings) => new(LayoutService.NewBlockId(), type, false, false, settings);
        var layout = new PageLayout(
        [
            B(BlockTypes.Announcement, new AnnouncementSettings { Text = "欢迎光临，卡密类商品自动发货" }),
            B(BlockTypes.Notice, new NoticeSettings()),
            B(BlockTypes.Banner, new BannerSettings()),
            B(BlockTypes.CategoryNav, new CategoryNavSettings { Title = "分类" }),
            B(BlockTypes.HotProducts, new HotProductsSettings { Count = 8 }),
            B(BlockTypes.ProductGrid, new ProductGridSettings { Title = "全部商品", Count = 60 }),
            B(BlockTypes.ProductGrid, new ProductGridSettings { Title = "推荐", Source = ProductSources.Tag, Tag = "推荐", Count = 12, Columns = 3 }),
            B(BlockTypes.RichText, new RichTextSettings { Markdown = "## 关于本站\n\n**正规渠道**，*秒发货*。\n\n- 7×24 小时\n- 售后无忧\n\n[帮助中心](p/help)" }),
            B(BlockTypes.ImageText, new ImageTextSettings { Title = "企业采购", Markdown = "批量采购请联系客服，享受**专属折扣**。" }),
            B(BlockTypes.Faq, new FaqSettings { Items = [.. Enumerable.Range(1, 6).Select(i => new FaqItem { Question = $"问题 {i}？", Answer = $"回答 {i}：**支持** Markdown。" })] }),
            B(BlockTypes.Contacts, new ContactsSettings()),
            B(BlockTypes.Footer, new FooterSettings()),
        ], "dark");
        var errors = await layouts.SaveDraftAsync(2, home.Id, layout.ToJson(), platform);
        if (errors.Count > 0) throw new InvalidOperationException(string.Join("; ", errors));
        if (await layouts.PublishAsync(2, home.Id, platform) is { } error) throw new InvalidOperationException(error);
        return layout.Blocks.Count;
    }
}
