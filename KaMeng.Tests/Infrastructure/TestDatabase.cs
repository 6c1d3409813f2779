using KaMeng.Data;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace KaMeng.Tests.Infrastructure;

/// <summary>
/// A fresh, migrated database of any provider (SQL Server only when KAMENG_TEST_SQLSERVER names one), with the data services around it, for one test class.
/// PostgreSQL comes from the server test.sh starts (KAMENG_TEST_PG); a missing server fails the test, never skips it.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    public DatabaseProvider Provider { get; }
    public string ConnectionString { get; }
    public string DataDir { get; }
    public ServiceProvider Services { get; }
    readonly string? serverDatabase;

    TestDatabase(DatabaseProvider provider, string connectionString, string dataDir, ServiceProvider services, string? serverDatabase)
    {
        Provider = provider; ConnectionString = connectionString; DataDir = dataDir; Services = services; this.serverDatabase = serverDatabase;
    }

    public IDbContextFactory<KaMengDbContext> DbFactory => Services.GetRequiredService<IDbContextFactory<KaMengDbContext>>();

    public KaMengDbContext NewContext() => DbFactory.CreateDbContext();

    public static string PostgresAdminConnectionString =>
        Environment.GetEnvironmentVariable("KAMENG_TEST_PG") is { Length: > 0 } cs ? cs
            : throw new InvalidOperationException("KAMENG_TEST_PG is not set: run the suite through ./test.sh, which starts a PostgreSQL server.");

    /// <summary>Drops a test's PostgreSQL database, connections still open or not.</summary>
    public static async Task DropPostgresDatabaseAsync(string database)
    {
        NpgsqlConnection.ClearAllPools();
        await using var conn = new NpgsqlConnection(PostgresAdminConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)", conn);
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>Creates a database (empty, or a copy of <paramref name="template"/>) and returns its connection string.</summary>
    public static async Task<(string ConnectionString, string Database)> CreatePostgresDatabaseAsync(string? template = null)
    {
        var name = "kameng_t_" + Guid.NewGuid().ToString("N")[..12];
        await using (var conn = new NpgsqlConnection(PostgresAdminConnectionString))
        {
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand(template is null ? $"CREATE DATABASE {name}" : $"CREATE DATABASE {name} TEMPLATE {template}", conn);
            await cmd.ExecuteNonQueryAsync();
        }
        var cs = new NpgsqlConnectionStringBuilder(PostgresAdminConnectionString) { Database = name, MaxPoolSize = 64 }.ToString();
        return (cs, name);
    }

    public static string SqlServerAdminConnectionString =>
        Environment.GetEnvironmentVariable(SqlServerDataAttribute.Variable) is { Length: > 0 } cs ? cs
            : throw new InvalidOperationException($"{SqlServerDataAttribute.Variable} is not set: SQL Server cases run only against a server it names.");

    /// <summary>Creates an empty SQL Server database and returns its connection string.</summary>
    public static async Task<(string ConnectionString, string Database)> CreateSqlServerDatabaseAsync()
    {
        var name = "kameng_t_" + Guid.NewGuid().ToString("N")[..12];
        await using (var conn = new Microsoft.Data.SqlClient.SqlConnection(SqlServerAdminConnectionString))
        {
            await conn.OpenAsync();
            await using var cmd = new Microsoft.Data.SqlClient.SqlCommand($"CREATE DATABASE [{name}]", conn);
            await cmd.ExecuteNonQueryAsync();
        }
        var cs = new Microsoft.Data.SqlClient.SqlConnectionStringBuilder(SqlServerAdminConnectionString) { InitialCatalog = name, MaxPoolSize = 64 }.ToString();
        return (cs, name);
    }

    public static async Task<TestDatabase> CreateAsync(DatabaseProvider provider, Action<IServiceCollection>? configure = null, bool seed = true)
    {
        var dataDir = TestPaths.NewTempDir("db");
        // A seeded database starts as a copy of the run's template (migrated and seeded once); the initializer below then
        // finds it up to date, as the app does on a restart. SQL Server has no template: each one is migrated and seeded.
        var template = seed && provider != DatabaseProvider.SqlServer ? await Template.CopyAsync(provider, dataDir) : null;
        string cs; string? pgName = null;
        switch (provider)
        {
            case DatabaseProvider.Postgres: (cs, pgName) = await CreatePostgresDatabaseAsync(template); break;
            case DatabaseProvider.SqlServer: (cs, pgName) = await CreateSqlServerDatabaseAsync(); break;
            default: cs = SqliteConnectionString(dataDir); break;
        }
        var db = Build(provider, cs, dataDir, configure, pgName);
        if (seed)
        {
            await using var scope = db.Services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<DatabaseInitializer>().InitializeAsync();
        }
        return db;
    }

    static string SqliteConnectionString(string dataDir) => $"Data Source={Path.Combine(dataDir, "kameng.db")};Pooling=True;Default Timeout=30";

    static TestDatabase Build(DatabaseProvider provider, string cs, string dataDir, Action<IServiceCollection>? configure, string? pgName)
    {
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
        return new TestDatabase(provider, cs, dataDir, services.BuildServiceProvider(), pgName);
    }

    /// <summary>
    /// One migrated and seeded database per provider and test run, copied for every test class that wants the seed
    /// (the data folder too: the demo's card keys are encrypted with its key ring and pepper). Migrating and seeding
    /// ~120 times was a good part of the suite's time.
    /// </summary>
    public static class Template
    {
        static readonly Lazy<Task<(string DataDir, string? PgDatabase)>> sqlite = new(() => BuildAsync(DatabaseProvider.Sqlite));
        static readonly Lazy<Task<(string DataDir, string? PgDatabase)>> postgres = new(() => BuildAsync(DatabaseProvider.Postgres));

        /// <summary>Copies the template's data folder into <paramref name="dataDir"/> (the SQLite database with it) and
        /// returns the PostgreSQL template database's name, if any.</summary>
        public static async Task<string?> CopyAsync(DatabaseProvider provider, string dataDir)
        {
            var (templateDir, serverDatabase) = await (provider == DatabaseProvider.Postgres ? postgres : sqlite).Value;
            CopyDirectory(templateDir, dataDir);
            return serverDatabase;
        }

        static async Task<(string, string?)> BuildAsync(DatabaseProvider provider)
        {
            var dir = TestPaths.NewTempDir("template");
            string cs; string? pgName = null;
            if (provider == DatabaseProvider.Postgres) (cs, pgName) = await CreatePostgresDatabaseAsync();
            else cs = SqliteConnectionString(dir);
            var db = Build(provider, cs, dir, null, null);
            // The key-ring certificate an app generates on its first run, made once here: every app started from a copy
            // imports the template's key files under it instead of generating an RSA key of its own.
            File.WriteAllBytes(Path.Combine(dir, KaMeng.Web.Infrastructure.KeyRingSetup.GeneratedCertificateFile), KaMeng.Web.Infrastructure.KeyRingSetup.CreateSelfSigned());
            await using (var scope = db.Services.CreateAsyncScope())
                await scope.ServiceProvider.GetRequiredService<DatabaseInitializer>().InitializeAsync();
            await db.Services.DisposeAsync();
            // No connection may stay open on a PostgreSQL template; closing SQLite's last one checkpoints its WAL.
            if (provider == DatabaseProvider.Postgres) NpgsqlConnection.ClearPool(new NpgsqlConnection(cs));
            else Microsoft.Data.Sqlite.SqliteConnection.ClearPool(new Microsoft.Data.Sqlite.SqliteConnection(cs));
            return (dir, pgName);
        }

        static void CopyDirectory(string from, string to)
        {
            Directory.CreateDirectory(to);
            foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)), overwrite: true);
            foreach (var sub in Directory.GetDirectories(from)) CopyDirectory(sub, Path.Combine(to, Path.GetFileName(sub)));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        if (serverDatabase is not null && Provider == DatabaseProvider.SqlServer)
        {
            Microsoft.Data.SqlClient.SqlConnection.ClearAllPools();
            await using var conn = new Microsoft.Data.SqlClient.SqlConnection(SqlServerAdminConnectionString);
            await conn.OpenAsync();
            await using var cmd = new Microsoft.Data.SqlClient.SqlCommand(
                $"ALTER DATABASE [{serverDatabase}] SET SINGLE_USER WITH ROLLBACK IMMEDIATE; DROP DATABASE [{serverDatabase}]", conn);
            await cmd.ExecuteNonQueryAsync();
        }
        else if (serverDatabase is not null)
        {
            await DropPostgresDatabaseAsync(serverDatabase);
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
