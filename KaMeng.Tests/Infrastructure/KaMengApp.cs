using System.Net;
using System.Net.Sockets;
using KaMeng.Data;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KaMeng.Tests.Infrastructure;

/// <summary>The real app on Kestrel with its own data folder and database: one per test class.</summary>
public class KaMengApp : WebApplicationFactory<Program>, IAsyncLifetime
{
    readonly DatabaseProvider provider;
    public string DataDir { get; } = TestPaths.NewTempDir("app");
    public int Port { get; } = FreePort();
    public string BaseUrl => $"http://localhost:{Port}";
    string? pgConnection;
    string? pgDatabase;

    public KaMengApp() : this(DatabaseProvider.Sqlite) { }

    protected KaMengApp(DatabaseProvider provider) => this.provider = provider;

    /// <summary>KaMeng:Outbound:AllowPrivateNetworks: on, since tests run suppliers, webhooks and gateways on loopback; the
    /// outbound guard's own tests turn it off.</summary>
    protected virtual bool AllowPrivateNetworks => true;

    public async Task InitializeAsync()
    {
        if (provider == DatabaseProvider.Postgres)
            (pgConnection, pgDatabase) = await TestDatabase.CreatePostgresDatabaseAsync();
        UseKestrel(o => o.ListenLocalhost(Port));
        StartServer();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        builder.UseSetting("KaMeng:DataDir", DataDir);
        builder.UseSetting("KaMeng:Seed:AdminPassword", TestAccounts.AdminPassword);
        builder.UseSetting("KaMeng:Seed:DemoPassword", TestAccounts.DemoPassword);
        builder.UseSetting("KaMeng:Seed:Demo", "true");
        builder.UseSetting("KaMeng:Database:Provider", provider.ToString());
        builder.UseSetting("KaMeng:Outbound:AllowPrivateNetworks", AllowPrivateNetworks ? "true" : "false");
        if (pgConnection is not null) builder.UseSetting("ConnectionStrings:KaMeng", pgConnection);
    }

    public KaMengDbContext NewContext() => Services.GetRequiredService<IDbContextFactory<KaMengDbContext>>().CreateDbContext();

    public HttpClient NewHttpClient(bool allowRedirects = false) =>
        new(new HttpClientHandler { AllowAutoRedirect = allowRedirects, UseCookies = true }) { BaseAddress = new Uri(BaseUrl) };

    async Task IAsyncLifetime.DisposeAsync()
    {
        await base.DisposeAsync();
        if (pgDatabase is not null)
        {
            Npgsql.NpgsqlConnection.ClearAllPools();
            await using var conn = new Npgsql.NpgsqlConnection(TestDatabase.PostgresAdminConnectionString);
            await conn.OpenAsync();
            await using var cmd = new Npgsql.NpgsqlCommand($"DROP DATABASE IF EXISTS {pgDatabase} WITH (FORCE)", conn);
            await cmd.ExecuteNonQueryAsync();
        }
    }

    static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}

/// <summary>The app against PostgreSQL.</summary>
public sealed class KaMengPostgresApp() : KaMengApp(DatabaseProvider.Postgres);
