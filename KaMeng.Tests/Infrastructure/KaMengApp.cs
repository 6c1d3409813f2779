using System.Net;
using System.Net.Sockets;
using KaMeng.Data;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KaMeng.Tests.Infrastructure;

/// <summary>The real app on Kestrel with its own data folder and database (a copy of the seeded template): one per test class.</summary>
public class KaMengApp : WebApplicationFactory<Program>, IAsyncLifetime
{
    readonly DatabaseProvider provider;
    public string DataDir { get; }
    public int Port { get; } = FreePort();
    public string BaseUrl => $"http://localhost:{Port}";
    string? pgConnection;
    string? pgDatabase;

    public KaMengApp() : this(DatabaseProvider.Sqlite) { }

    protected KaMengApp(DatabaseProvider provider) : this(provider, null) { }

    /// <summary>A node of a cluster (see ClusterApps.cs): <paramref name="dataDir"/> given (a second SQLite host on the same
    /// folder), or a PostgreSQL database shared with other nodes (<see cref="SharedPostgres"/>).</summary>
    protected KaMengApp(DatabaseProvider provider, string? dataDir)
    {
        this.provider = provider;
        DataDir = dataDir ?? TestPaths.NewTempDir("app");
    }

    /// <summary>The connection string of a PostgreSQL database another node created (this node neither creates nor drops it).</summary>
    protected virtual string? SharedPostgres => null;

    /// <summary>KaMeng:Outbound:AllowPrivateNetworks: on, since tests run suppliers, webhooks and gateways on loopback; the
    /// outbound guard's own tests turn it off.</summary>
    protected virtual bool AllowPrivateNetworks => true;

    /// <summary>Start from a copy of the run's seeded template database (and its key ring) instead of migrating and seeding.
    /// Off for apps that must create their own key ring.</summary>
    protected virtual bool FromTemplate => true;

    /// <summary>The hosting environment the app runs in.</summary>
    protected virtual string EnvironmentName => "Development";

    /// <summary>Configure the admin and demo passwords (the seeded accounts tests sign in with). Off: a first run without
    /// an admin, as a production install starts.</summary>
    protected virtual bool SeedAccounts => true;

    /// <summary>Seed Development's 60 days of demo history on a fresh database (only where a test looks at it: it takes seconds).</summary>
    protected virtual bool SeedHistory => false;

    public async Task InitializeAsync()
    {
        var template = FromTemplate ? await TestDatabase.Template.CopyAsync(provider, DataDir) : null;
        if (provider == DatabaseProvider.Postgres && SharedPostgres is { } shared) pgConnection = shared;
        else if (provider == DatabaseProvider.Postgres)
            (pgConnection, pgDatabase) = await TestDatabase.CreatePostgresDatabaseAsync(template);
        UseKestrel(o => o.ListenLocalhost(Port));
        StartServer();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(EnvironmentName);
        builder.UseSetting("KaMeng:DataDir", DataDir);
        if (SeedAccounts)
        {
            builder.UseSetting("KaMeng:Seed:AdminPassword", TestAccounts.AdminPassword);
            builder.UseSetting("KaMeng:Seed:DemoPassword", TestAccounts.DemoPassword);
        }
        builder.UseSetting("KaMeng:Seed:Demo", "true");
        builder.UseSetting("KaMeng:Seed:History", SeedHistory ? "true" : "false");
        builder.UseSetting("KaMeng:Database:Provider", provider.ToString());
        builder.UseSetting("KaMeng:Outbound:AllowPrivateNetworks", AllowPrivateNetworks ? "true" : "false");
        if (pgConnection is not null) builder.UseSetting("ConnectionStrings:KaMeng", pgConnection);
        ConfigureLimits(builder);
    }

    /// <summary>
    /// Every test comes from one address and many hammer the forms and APIs (checkout races, malformed-input sweeps), so by
    /// default every throttle, the captcha after failures and the IP lockout are lifted by configuration. The throttle tests
    /// use <see cref="ThrottledApp"/>, which keeps the production limits. Registration and guest checkout always ask for a
    /// captcha: tests read its answer from the app's <c>ICaptchaStore</c> (see <see cref="CaptchaAnswer"/>).
    /// </summary>
    protected virtual void ConfigureLimits(IWebHostBuilder builder)
    {
        foreach (var name in KaMeng.Web.Features.Security.Throttles.Defaults.Keys)
            builder.UseSetting($"KaMeng:RateLimits:{name}:PermitLimit", "1000000");
        builder.UseSetting("KaMeng:RateLimits:CaptchaAfterFailures", "1000000");
        builder.UseSetting("KaMeng:RateLimits:LockoutFailures", "1000000");
    }

    /// <summary>The test hook: the answer of a captcha the app showed (by the id in its hidden field), without using it up.</summary>
    public string CaptchaAnswer(string captchaId) =>
        Services.GetRequiredService<KaMeng.Web.Features.Security.ICaptchaStore>().Peek(captchaId)
        ?? throw new InvalidOperationException($"no captcha {captchaId}");

    public KaMengDbContext NewContext() => Services.GetRequiredService<IDbContextFactory<KaMengDbContext>>().CreateDbContext();

    public HttpClient NewHttpClient(bool allowRedirects = false) =>
        new(new HttpClientHandler { AllowAutoRedirect = allowRedirects, UseCookies = true }) { BaseAddress = new Uri(BaseUrl) };

    async Task IAsyncLifetime.DisposeAsync()
    {
        await base.DisposeAsync();
        if (pgDatabase is not null) await TestDatabase.DropPostgresDatabaseAsync(pgDatabase);
    }

    static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}

/// <summary>The app with the production throttles, trusting loopback as a proxy: a test speaks for any client address it
/// likes through X-Forwarded-For, so each test has its own buckets.</summary>
public class ThrottledApp : KaMengApp
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("KaMeng:Network:KnownProxies", KnownProxies);
    }

    protected virtual string KnownProxies => "127.0.0.1,::1";

    protected override void ConfigureLimits(IWebHostBuilder builder) { }
}

/// <summary>The production throttles and no trusted proxy: X-Forwarded-For must be ignored.</summary>
public sealed class ThrottledNoProxyApp : ThrottledApp
{
    protected override string KnownProxies => "";
}

/// <summary>The app on a data folder and database it creates, migrates and seeds itself, as on a first install.</summary>
public sealed class FreshKaMengApp : KaMengApp
{
    protected override bool FromTemplate => false;
}

/// <summary>A fresh production install: its own new database, no configured admin password (and Seed:Demo asked for, which
/// Production ignores). It starts on the first-run page.</summary>
public class FreshProductionApp : KaMengApp
{
    protected override bool FromTemplate => false;
    protected override string EnvironmentName => "Production";
    protected override bool SeedAccounts => false;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        // The framework's and packages' static files are served from the build's manifest only in Development by default.
        builder.UseStaticWebAssets();
    }
}

/// <summary>A fresh production install whose operator configured KaMeng:Seed:AdminPassword: the admin is created, no first-run page.</summary>
public sealed class ConfiguredProductionApp : FreshProductionApp
{
    protected override bool SeedAccounts => true;
}

/// <summary>A first run in Development as `dotnet run` does it: the demo with its 60 days of history.</summary>
public sealed class DemoHistoryApp : KaMengApp
{
    protected override bool FromTemplate => false;
    protected override bool SeedHistory => true;
}

/// <summary>The app against PostgreSQL.</summary>
public sealed class KaMengPostgresApp() : KaMengApp(DatabaseProvider.Postgres);
