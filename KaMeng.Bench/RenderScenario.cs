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

public sealed record RenderOptions(int Seconds, int Workers, int Products);

/// <summary>
/// The storefront home page of a station with a published layout of 12 blocks and 60 products, served by the real app on
/// Kestrel (SQLite), loaded over HTTP by <see cref="RenderOptions.Workers"/> in-process clients for a fixed time. Measures
/// requests/s and latency percentiles, first for today's default home page (no layout), then with the layout.
/// </summary>
public static class RenderScenario
{
    sealed class App(int port, string dataDir) : WebApplicationFactory<LayoutService> // any type of KaMeng.Web: the factory starts that assembly's entry point
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Production");
            builder.UseSetting("KaMeng:DataDir", dataDir);
            builder.UseSetting("KaMeng:Seed:Demo", "true");
            builder.UseSetting("KaMeng:Seed:History", "false"); // the plain demo, as the numbers in the README were measured on
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
        var url = $"http://127.0.0.1:{port}/s/demo/";
        string json;
        Result layout;
        try
        {
            await SeedProductsAsync(app.Services, options.Products);
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = options.Workers, PooledConnectionLifetime = TimeSpan.FromMinutes(10) });

            var baseline = await LoadAsync(http, url, options);
            Console.WriteLine($"default home page (no layout): {baseline.Rps:F0} req/s, p50 {baseline.P50:F1} ms, p99 {baseline.P99:F1} ms, {baseline.Cards} product cards");

            var blocks = await PublishLayoutAsync(app.Services);
            layout = await LoadAsync(http, url, options);
            Console.WriteLine($"published layout ({blocks} blocks): {layout.Rps:F0} req/s, p50 {layout.P50:F1} ms, p99 {layout.P99:F1} ms, {layout.Cards} product cards, {layout.Errors} errors");
            Console.WriteLine($"load average: {File.ReadAllText("/proc/loadavg").Trim()}");
            json = JsonSerializer.Serialize(new
            {
                scenario = "render", blocks, products = options.Products, workers = options.Workers, seconds = options.Seconds,
                rps = Math.Round(layout.Rps), p50Ms = Math.Round(layout.P50, 1), p99Ms = Math.Round(layout.P99, 1), cards = layout.Cards, errors = layout.Errors,
                defaultRps = Math.Round(baseline.Rps), defaultP99Ms = Math.Round(baseline.P99, 1),
            });
        }
        finally
        {
            await app.DisposeAsync();
            try { Directory.Delete(dataDir, true); } catch (IOException) { }
        }
        Console.WriteLine(json); // the last line: one JSON object
        return layout.Errors == 0 && layout.Cards >= options.Products ? 0 : 1;
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
