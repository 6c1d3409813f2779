using KaMeng.Data;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace KaMeng.Tests.Infrastructure;

/// <summary>
/// A fresh, migrated database of either provider, with the data services around it, for one test class.
/// PostgreSQL comes from the server test.sh starts (KAMENG_TEST_PG); a missing server fails the test, never skips it.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    public DatabaseProvider Provider { get; }
    public string ConnectionString { get; }
    public string DataDir { get; }
    public ServiceProvider Services { get; }
    readonly string? pgDatabase;

    TestDatabase(DatabaseProvider provider, string connectionString, string dataDir, ServiceProvider services, string? pgDatabase)
    {
        Provider = provider; ConnectionString = connectionString; DataDir = dataDir; Services = services; this.pgDatabase = pgDatabase;
    }

    public IDbContextFactory<KaMengDbContext> DbFactory => Services.GetRequiredService<IDbContextFactory<KaMengDbContext>>();

    public KaMengDbContext NewContext() => DbFactory.CreateDbContext();

    public static string PostgresAdminConnectionString =>
        Environment.GetEnvironmentVariable("KAMENG_TEST_PG") is { Length: > 0 } cs ? cs
            : throw new InvalidOperationException("KAMENG_TEST_PG is not set: run the suite through ./test.sh, which starts a PostgreSQL server.");

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public static async Task<(string ConnectionString, string Database)> CreatePostgresDatabaseAsync()
    {
        var name = "kameng_t_" + Guid.NewGuid().ToString("N")[..12];
        await using (var conn = new NpgsqlConnection(PostgresAdminConnectionString))
        {
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE {name}", conn);
            await cmd.ExecuteNonQueryAsync();
        }
        var cs = new NpgsqlConnectionStringBuilder(PostgresAdminConnectionString) { Database = name, MaxPoolSize = 64 }.ToString();
        return (cs, name);
    }

    public static async Task<TestDatabase> CreateAsync(DatabaseProvider provider, Action<IServiceCollection>? configure = null, bool seed = true)
    {
        var dataDir = TestPaths.NewTempDir("db");
        string cs; string? pgName = null;
        if (provider == DatabaseProvider.Postgres) (cs, pgName) = await CreatePostgresDatabaseAsync();
        else cs = $"Data Source={Path.Combine(dataDir, "kameng.db")};Pooling=True;Default Timeout=30";

        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.Configure<KaMengOptions>(o =>
        {
            o.DataDir = dataDir;
            o.Database.Provider = provider;
            o.Seed.AdminPassword = TestAccounts.AdminPassword;
            o.Seed.DemoPassword = TestAccounts.DemoPassword;
            o.Seed.Demo = true;
        });
        services.AddDataProtection().SetApplicationName("KaMeng").PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(dataDir, "keys")));
        DataServiceCollectionExtensions.AddKaMengDatabase(services, provider, cs, dataDir);
        services.AddIdentityCore<AppUser>(o => { o.Password.RequireUppercase = false; o.Password.RequireNonAlphanumeric = false; })
            .AddRoles<IdentityRole>().AddEntityFrameworkStores<KaMengDbContext>();
        services.AddSingleton<CardKeyVault>();
        services.AddScoped<DatabaseInitializer>();
        services.AddSingleton(TimeProvider.System);
        // Fake suppliers, webhooks and gateways listen on http://127.0.0.1 (the guard's own tests run with these off).
        services.Configure<KaMeng.Web.Features.Outbound.OutboundOptions>(o => { o.AllowPrivateNetworks = true; o.AllowHttpGateways = true; });
        configure?.Invoke(services);
        var sp = services.BuildServiceProvider();
        var db = new TestDatabase(provider, cs, dataDir, sp, pgName);
        if (seed)
        {
            await using var scope = sp.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<DatabaseInitializer>().InitializeAsync();
        }
        return db;
    }

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        if (pgDatabase is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var conn = new NpgsqlConnection(PostgresAdminConnectionString);
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS {pgDatabase} WITH (FORCE)", conn);
            await cmd.ExecuteNonQueryAsync();
        }
        else
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        }
    }
}

public static class TestAccounts
{
    public const string AdminPassword = "Admin-test-123";
    public const string DemoPassword = "Demo-test-123";
}
