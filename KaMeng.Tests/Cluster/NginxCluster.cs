using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;
using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using Npgsql;

namespace KaMeng.Tests.Cluster;

/// <summary>
/// A real cluster on loopback (issue 22 §2): a fresh PostgreSQL database (a copy of the run's seeded template), two KaMeng
/// nodes as processes of the published build output (Production, same database, same key-ring certificate and shared folder,
/// each its own data folder and port), and Debian's nginx in front, run unprivileged from a generated config in a temporary
/// folder. Stickiness for Blazor circuits: <c>hash $kmnode consistent</c> over a cookie nginx sets on a client's first answer;
/// a test pins a client to a node by sending an affinity value known to land there (<see cref="AffinityA"/>, <see cref="AffinityB"/>).
/// </summary>
public sealed class NginxCluster : IAsyncLifetime
{
    public const string NginxPath = "/usr/sbin/nginx";
    public const string AffinityCookie = "kmnode";
    public const string UpstreamHeader = "X-KaMeng-Upstream";
    public const string BuyerPassword = "Cluster-buyer-123";
    public const string CategoryName = "集群测试";
    public const string ProductName = "集群测试卡";

    readonly string root = TestPaths.NewTempDir("nginx-cluster");
    public string ConnectionString { get; private set; } = "";
    public string Database { get; private set; } = "";
    public string CertificatePath { get; }
    public string SharedDir { get; }
    public int NginxPort { get; } = FreePort();
    public string BaseUrl => $"http://127.0.0.1:{NginxPort}";
    public Node A { get; private set; } = null!;
    public Node B { get; private set; } = null!;
    Process? nginx;
    string? publishDir;

    /// <summary>Affinity cookie values nginx hashes to node A / node B (found by asking nginx, see <see cref="InitializeAsync"/>).</summary>
    public List<string> AffinityA { get; } = [];
    public List<string> AffinityB { get; } = [];

    public int ProductId { get; private set; }
    public int DemoStationId { get; private set; }
    /// <summary>Buyers of the main station with ¥1,000 each (user names), and one of the demo substation.</summary>
    public List<string> Buyers { get; } = [];
    public string DemoBuyer { get; } = "cl-demo-buyer";
    /// <summary>The card keys imported through node A's admin page (every purchase takes one of them).</summary>
    public HashSet<string> ImportedKeys { get; } = [];

    public IPlaywright Playwright { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;

    public NginxCluster()
    {
        CertificatePath = Path.Combine(root, "keyring.pfx");
        SharedDir = Directory.CreateDirectory(Path.Combine(root, "shared")).FullName;
    }

    public async Task InitializeAsync()
    {
        if (!File.Exists(NginxPath)) throw new InvalidOperationException($"nginx not found at {NginxPath}: run ./test.sh (it installs Debian's nginx).");
        var clock = Stopwatch.StartNew();
        var publish = PublishAsync();
        File.WriteAllBytes(CertificatePath, KaMeng.Web.Infrastructure.KeyRingSetup.CreateSelfSigned(PostgresCluster.CertificatePassword));
        var dirA = Path.Combine(root, "node-a");
        var dirB = Path.Combine(root, "node-b");
        // Each node's data folder is a copy of the seeded install's (its pepper; its file keys, which the first node imports
        // into the database ring).
        var template = await TestDatabase.Template.CopyAsync(DatabaseProvider.Postgres, dirA);
        await TestDatabase.Template.CopyAsync(DatabaseProvider.Postgres, dirB);
        (ConnectionString, Database) = await TestDatabase.CreatePostgresDatabaseAsync(template);
        await SeedAsync(dirA);
        var app = await publish;
        publishDir = Path.GetDirectoryName(app);

        A = new Node("A", app, dirA, FreePort(), this);
        B = new Node("B", app, dirB, FreePort(), this);
        await A.StartAsync();
        await B.StartAsync();
        await StartNginxAsync();
        await FindAffinitiesAsync();

        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await Playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = BrowserFixture.ChromiumPath, Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        await ImportKeysOnAAsync(600);
        Console.WriteLine($"[cluster] ready in {clock.Elapsed.TotalSeconds:F1} s: nginx {BaseUrl}, A :{A.Port}, B :{B.Port}");
    }

    /// <summary>The published output of the build test.sh made (the build output serves static web assets only in Development).</summary>
    static async Task<string> PublishAsync()
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}") ? "Debug" : "Release";
        var output = TestPaths.NewTempDir("cluster-publish");
        var psi = new ProcessStartInfo("dotnet", ["publish", Path.Combine(TestPaths.RepoRoot, "KaMeng.Web", "KaMeng.Web.csproj"), "-c", configuration, "--no-build", "-nologo", "-v", "q", "-o", output])
        { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0) throw new InvalidOperationException($"dotnet publish failed ({p.ExitCode}): {await stdout}\n{await stderr}");
        return Path.Combine(output, "KaMeng.Web.dll");
    }

    /// <summary>What the tests need beside the seed, written before any node starts: a category and a card-key product of the main
    /// station (no keys yet: they are imported through node A), buyers with passwords and recharged wallets.</summary>
    async Task SeedAsync(string dataDir)
    {
        await using var services = DataServices(dataDir);
        await using var db = services.GetRequiredService<IDbContextFactory<KaMengDbContext>>().CreateDbContext();
        var category = new Category { StationId = Station.MainStationId, Name = CategoryName, SortOrder = 99 };
        db.Categories.Add(category);
        await db.SaveChangesAsync();
        var product = new Product
        {
            StationId = Station.MainStationId, CategoryId = category.Id, Name = ProductName, DeliveryType = DeliveryType.CardKey,
            BasePrice = Money.FromFen(100), CostPrice = Money.FromFen(50), MaxPerOrder = 5, LowStockThreshold = 0, CreatedAt = DateTimeOffset.UtcNow,
        };
        db.Products.Add(product);
        await db.SaveChangesAsync();
        ProductId = product.Id;
        DemoStationId = await db.Stations.IgnoreQueryFilters().Where(s => s.Code == "demo").Select(s => s.Id).SingleAsync();

        var hasher = new PasswordHasher<AppUser>();
        AppUser NewUser(string name, int stationId)
        {
            var user = new AppUser { UserName = name, NormalizedUserName = name.ToUpperInvariant(), StationId = stationId, CreatedAt = DateTimeOffset.UtcNow, SecurityStamp = Guid.NewGuid().ToString("N") };
            user.PasswordHash = hasher.HashPassword(user, BuyerPassword);
            return user;
        }
        var users = Enumerable.Range(1, 6).Select(i => NewUser($"cl-buyer-{i}", Station.MainStationId)).Append(NewUser(DemoBuyer, DemoStationId)).ToList();
        db.Users.AddRange(users);
        await db.SaveChangesAsync();
        foreach (var user in users)
        {
            var wallet = await db.EnsureWalletAsync(user.Id);
            await db.PostAsync(wallet.Id, LedgerEntryType.Recharge, Money.FromFen(100_000), DateTimeOffset.UtcNow, reason: "集群测试充值");
        }
        Buyers.AddRange(users.Where(u => u.StationId == Station.MainStationId).Select(u => u.UserName!));
    }

    /// <summary>The database alone (no key ring), as the test reads and seeds it.</summary>
    public ServiceProvider DataServices(string? dataDir = null)
    {
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        DataServiceCollectionExtensions.AddKaMengDatabase(services, DatabaseProvider.Postgres, ConnectionString, dataDir ?? TestPaths.NewTempDir("cluster-reader"));
        return services.BuildServiceProvider();
    }

    public KaMengDbContext NewContext(ServiceProvider services) => services.GetRequiredService<IDbContextFactory<KaMengDbContext>>().CreateDbContext();

    async Task StartNginxAsync()
    {
        var conf = Path.Combine(root, "nginx.conf");
        foreach (var dir in new[] { "logs", "client_body", "proxy", "fastcgi", "uwsgi", "scgi" }) Directory.CreateDirectory(Path.Combine(root, dir));
        File.WriteAllText(conf, NginxConfig());
        var psi = new ProcessStartInfo(NginxPath, ["-p", root + "/", "-c", conf, "-e", Path.Combine(root, "logs", "error.log")])
        { RedirectStandardOutput = true, RedirectStandardError = true };
        nginx = Process.Start(psi)!;
        await Poll.UntilAsync(async () => nginx.HasExited ? throw new InvalidOperationException($"nginx exited: {nginx.StandardError.ReadToEnd()}")
            : await StatusAsync($"{BaseUrl}/healthz") == HttpStatusCode.OK, "nginx to answer", 20);
    }

    /// <summary>
    /// Open-source nginx has no <c>sticky</c>: the upstream hashes the affinity cookie (consistent hashing), which nginx itself
    /// sets on the first answer to a client without one (a random value per client: the request id). A Blazor circuit's
    /// negotiate and WebSocket then reach the node that rendered the page. A node that refuses connections or times out is
    /// skipped (<c>proxy_next_upstream</c>, then <c>max_fails</c>/<c>fail_timeout</c> keep it out for a while); a request the
    /// dead node had already received is not replayed elsewhere unless it is idempotent (nginx's default for POST).
    /// </summary>
    string NginxConfig() => $$"""
        worker_processes 1;
        daemon off;
        pid {{root}}/nginx.pid;
        error_log {{root}}/logs/error.log warn;
        events { worker_connections 1024; }
        http {
            access_log {{root}}/logs/access.log;
            client_body_temp_path {{root}}/client_body;
            proxy_temp_path {{root}}/proxy;
            fastcgi_temp_path {{root}}/fastcgi;
            uwsgi_temp_path {{root}}/uwsgi;
            scgi_temp_path {{root}}/scgi;
            map $http_upgrade $connection_upgrade { default upgrade; '' close; }
            map $cookie_{{AffinityCookie}} $affinity { '' $request_id; default $cookie_{{AffinityCookie}}; }
            map $cookie_{{AffinityCookie}} $affinity_cookie { '' "{{AffinityCookie}}=$request_id; Path=/; HttpOnly; SameSite=Lax"; default ''; }
            upstream kameng {
                hash $affinity consistent;
                server 127.0.0.1:{{A.Port}} max_fails=1 fail_timeout=10s;
                server 127.0.0.1:{{B.Port}} max_fails=1 fail_timeout=10s;
            }
            server {
                listen 127.0.0.1:{{NginxPort}};
                client_max_body_size 16m;
                location / {
                    proxy_pass http://kameng;
                    proxy_http_version 1.1;
                    proxy_set_header Upgrade $http_upgrade;
                    proxy_set_header Connection $connection_upgrade;
                    proxy_set_header Host $http_host;
                    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                    proxy_set_header X-Forwarded-Proto $scheme;
                    proxy_connect_timeout 2s;
                    proxy_read_timeout 120s;
                    proxy_next_upstream error timeout http_502 http_503;
                    proxy_next_upstream_tries 2;
                    add_header Set-Cookie $affinity_cookie;
                    add_header {{UpstreamHeader}} $upstream_addr always;
                }
            }
        }
        """;

    async Task FindAffinitiesAsync()
    {
        using var http = new HttpClient(new HttpClientHandler { UseCookies = false });
        for (var i = 0; i < 200 && (AffinityA.Count < 4 || AffinityB.Count < 4); i++)
        {
            var value = $"pin{i}";
            using var request = new HttpRequestMessage(HttpMethod.Get, $"{BaseUrl}/healthz");
            request.Headers.Add("Cookie", $"{AffinityCookie}={value}");
            using var response = await http.SendAsync(request);
            var upstream = response.Headers.TryGetValues(UpstreamHeader, out var v) ? v.Single() : "";
            if (upstream == $"127.0.0.1:{A.Port}" && AffinityA.Count < 4) AffinityA.Add(value);
            else if (upstream == $"127.0.0.1:{B.Port}" && AffinityB.Count < 4) AffinityB.Add(value);
        }
        if (AffinityA.Count < 4 || AffinityB.Count < 4) throw new InvalidOperationException($"nginx spread 200 affinity values over A {AffinityA.Count} / B {AffinityB.Count}");
    }

    /// <summary>A browser page whose requests nginx sends to the node <paramref name="affinity"/> lands on.</summary>
    public async Task<IPage> NewPageAsync(string affinity)
    {
        var context = await Browser.NewContextAsync(new() { BaseURL = BaseUrl, Locale = "zh-CN", ViewportSize = new ViewportSize { Width = 1280, Height = 800 } });
        context.SetDefaultTimeout(20_000);
        await context.AddCookiesAsync([new Microsoft.Playwright.Cookie { Name = AffinityCookie, Value = affinity, Url = BaseUrl }]);
        var page = await context.NewPageAsync();
        page.PageError += (_, e) => Console.WriteLine($"[browser pageerror] {e}");
        return page;
    }

    /// <summary>The card keys every purchase takes: imported through node A's 卡密库存 page (so node A's key ring encrypted them).</summary>
    async Task ImportKeysOnAAsync(int count)
    {
        var page = await NewPageAsync(AffinityA[0]);
        await new LoginPage(page).LoginAsAsync("admin", TestAccounts.AdminPassword, "/admin");
        var keys = new CardKeyInventoryPage(page);
        await keys.GotoAsync();
        await keys.Admin.WaitForCircuitAsync();
        await keys.SelectProductAsync(ProductName);
        var lines = Enumerable.Range(0, count).Select(i => $"CLUSTER-{i:D4}-{Guid.NewGuid():N}").ToList();
        await keys.PasteAsync(string.Join('\n', lines));
        await keys.PreviewAsync();
        await keys.ImportAsync();
        ImportedKeys.UnionWith(lines);
        await page.Context.CloseAsync();
    }

    public static async Task<HttpStatusCode?> StatusAsync(string url)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try { return (await http.GetAsync(url)).StatusCode; }
        catch (HttpRequestException) { return null; }
        catch (TaskCanceledException) { return null; }
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        Playwright?.Dispose();
        if (nginx is { HasExited: false })
        {
            nginx.Kill(entireProcessTree: true);
            await nginx.WaitForExitAsync();
        }
        if (B is not null) await B.StopAsync();
        if (A is not null) await A.StopAsync();
        // The nodes' and nginx's logs, for a failure's post-mortem.
        foreach (var node in new Node?[] { A, B }.OfType<Node>())
            await File.WriteAllTextAsync(Path.Combine(TestPaths.TestResults, $"cluster-node-{node.Name}.log"), node.Log);
        if (File.Exists(Path.Combine(root, "logs", "error.log")))
            File.Copy(Path.Combine(root, "logs", "error.log"), Path.Combine(TestPaths.TestResults, "cluster-nginx-error.log"), overwrite: true);
        if (Database.Length > 0) await TestDatabase.DropPostgresDatabaseAsync(Database);
        // The published app alone is ~160 MB.
        foreach (var dir in new[] { root, publishDir })
            if (dir is not null) try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    static int FreePort() => SmtpServer.FreePort();

    /// <summary>One KaMeng node: <c>dotnet KaMeng.Web.dll</c> of the published build, in Production.</summary>
    public sealed class Node(string name, string dll, string dataDir, int port, NginxCluster cluster)
    {
        Process? process;
        readonly StringBuilder log = new();

        public string Name { get; } = name;
        public int Port { get; } = port;
        public string Url => $"http://127.0.0.1:{Port}";
        public string Upstream => $"127.0.0.1:{Port}";
        public int ProcessId => process?.Id ?? 0;

        public async Task StartAsync()
        {
            var psi = new ProcessStartInfo("dotnet", [dll]) { WorkingDirectory = Path.GetDirectoryName(dll)!, RedirectStandardOutput = true, RedirectStandardError = true };
            var env = psi.Environment;
            env["ASPNETCORE_ENVIRONMENT"] = "Production";
            env["ASPNETCORE_URLS"] = Url;
            env["KaMeng__DataDir"] = dataDir;
            env["KaMeng__Database__Provider"] = "Postgres";
            env["ConnectionStrings__KaMeng"] = cluster.ConnectionString;
            env["KaMeng__DataProtection__CertificatePath"] = cluster.CertificatePath;
            env["KaMeng__DataProtection__CertificatePassword"] = PostgresCluster.CertificatePassword;
            env["KaMeng__SharedDir"] = cluster.SharedDir;
            env["KaMeng__Network__KnownProxies"] = "127.0.0.1";
            env["KaMeng__PublicBaseUrl"] = cluster.BaseUrl;
            env["KaMeng__Outbound__AllowPrivateNetworks"] = "true";
            env["KaMeng__Telemetry__Prometheus"] = "true";
            env["Logging__LogLevel__Default"] = "Warning";
            // One client address for every test buyer: lift the throttles as the in-process test app does.
            foreach (var throttle in KaMeng.Web.Features.Security.Throttles.Defaults.Keys)
                env[$"KaMeng__RateLimits__{throttle}__PermitLimit"] = "1000000";
            env["KaMeng__RateLimits__CaptchaAfterFailures"] = "1000000";
            env["KaMeng__RateLimits__LockoutFailures"] = "1000000";
            process = new Process { StartInfo = psi };
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.AppendLine(e.Data); };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.AppendLine(e.Data); };
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var clock = Stopwatch.StartNew();
            try
            {
                await Poll.UntilAsync(async () => process.HasExited ? throw new InvalidOperationException($"node {Name} exited ({process.ExitCode})")
                    : await StatusAsync($"{Url}/readyz") == HttpStatusCode.OK, $"node {Name} to be ready", 90);
            }
            catch (Exception e)
            {
                throw new InvalidOperationException($"node {Name} did not start: {e.Message}\n{Log}", e);
            }
            Console.WriteLine($"[cluster] node {Name} ready on :{Port} in {clock.Elapsed.TotalSeconds:F1} s");
        }

        public string Log { get { lock (log) return log.ToString(); } }

        /// <summary>Kills the node the hard way (SIGKILL): no graceful shutdown, no goodbye to its circuits or to nginx.</summary>
        public void Kill()
        {
            if (process is { HasExited: false }) process.Kill(entireProcessTree: true);
        }

        public async Task StopAsync()
        {
            if (process is null || process.HasExited) return;
            // SIGTERM: the host's graceful stop, as a service manager does it.
            _ = Terminate(process.Id);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try { await process.WaitForExitAsync(timeout.Token); }
            catch (OperationCanceledException) { process.Kill(entireProcessTree: true); await process.WaitForExitAsync(); }
        }

        [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
        static extern int SysKill(int pid, int signal);

        static int Terminate(int pid) => SysKill(pid, 15);
    }
}
