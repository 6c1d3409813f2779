using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace KaMeng.Data;

public static class DataServiceCollectionExtensions
{
    /// <summary>Registers the database of the configured provider as <see cref="IDbContextFactory{KaMengDbContext}"/>.</summary>
    public static IHostApplicationBuilder AddKaMengData(this IHostApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection("KaMeng");
        builder.Services.Configure<KaMengOptions>(section);
        builder.Services.PostConfigure<KaMengOptions>(o =>
        {
            o.DataDir = Path.GetFullPath(o.DataDir, builder.Environment.ContentRootPath);
            o.SharedDir = string.IsNullOrWhiteSpace(o.SharedDir) ? o.DataDir : Path.GetFullPath(o.SharedDir, builder.Environment.ContentRootPath);
            o.Seed.Demo ??= builder.Environment.IsDevelopment();
            o.Seed.History ??= o.Seed.Demo;
            o.Seed.GenerateAdminPassword ??= builder.Environment.IsDevelopment();
            // Production never seeds demo data, whatever the configuration says.
            if (builder.Environment.IsProduction()) o.Seed.Demo = o.Seed.History = false;
        });

        var options = new KaMengOptions();
        section.Bind(options);
        var dataDir = Path.GetFullPath(options.DataDir, builder.Environment.ContentRootPath);
        // The data folder holds the database, the key ring and the pepper: the service account's only (0700).
        PrivateFiles.EnsureDirectory(dataDir);

        var connectionString = builder.Configuration.GetConnectionString("KaMeng");
        AddKaMengDatabase(builder.Services, options.Database.Provider, connectionString, dataDir);
        builder.Services.AddSingleton<CardKeyVault>();
        builder.Services.AddScoped<DatabaseInitializer>();
        return builder;
    }

    /// <summary>ConnectionStrings:KaMeng for SQLite, or when it is empty {DataDir}/kameng.db (the backup site reads it alike).</summary>
    public static string SqliteConnectionString(string? configured, string dataDir) => string.IsNullOrWhiteSpace(configured)
        ? new SqliteConnectionStringBuilder { DataSource = Path.Combine(dataDir, "kameng.db"), Pooling = true, DefaultTimeout = 30 }.ToString()
        : configured;

    public static void AddKaMengDatabase(IServiceCollection services, DatabaseProvider provider, string? connectionString, string dataDir)
    {
        switch (provider)
        {
            case DatabaseProvider.Sqlite:
                var cs = SqliteConnectionString(connectionString, dataDir);
                // Created 0600 before SQLite opens it (its -wal and -shm files take the same permissions).
                PrivateFiles.PrepareSqliteFile(new SqliteConnectionStringBuilder(cs).DataSource);
                // Pooled: a purchase creates a context per request, and building one (its internal service scope) was a
                // measurable part of each order. The contexts hold no state of their own; EF resets them on return.
                services.AddPooledDbContextFactory<SqliteKaMengDbContext>((sp, o) => ConfigureSqlite(o, cs).AddInterceptors(sp.GetServices<IInterceptor>()));
                services.AddSingleton<IDbContextFactory<KaMengDbContext>, Adapter<SqliteKaMengDbContext>>();
                break;
            case DatabaseProvider.Postgres:
                if (string.IsNullOrWhiteSpace(connectionString))
                    throw new InvalidOperationException("KaMeng:Database:Provider is Postgres but ConnectionStrings:KaMeng is empty.");
                services.AddPooledDbContextFactory<PostgresKaMengDbContext>((sp, o) => ConfigurePostgres(o, connectionString).AddInterceptors(sp.GetServices<IInterceptor>()));
                services.AddSingleton<IDbContextFactory<KaMengDbContext>, Adapter<PostgresKaMengDbContext>>();
                break;
            case DatabaseProvider.SqlServer:
                if (string.IsNullOrWhiteSpace(connectionString))
                    throw new InvalidOperationException("KaMeng:Database:Provider is SqlServer but ConnectionStrings:KaMeng is empty.");
                services.AddPooledDbContextFactory<SqlServerKaMengDbContext>((sp, o) => ConfigureSqlServer(o, connectionString).AddInterceptors(sp.GetServices<IInterceptor>()));
                services.AddSingleton<IDbContextFactory<KaMengDbContext>, Adapter<SqlServerKaMengDbContext>>();
                break;
            default:
                throw new InvalidOperationException($"Unknown database provider {provider}.");
        }
        // Interceptors the app registers (IInterceptor in its services, e.g. the storefront cache's change tracker) join every context.
        // Identity's stores want a scoped context; it is made by the same factory.
        services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<KaMengDbContext>>().CreateDbContext());
    }

    /// <summary>Per-connection SQLite settings (SQLite does not keep them in the file); the claim bench's raw writer sets them too.</summary>
    public static readonly string SqliteConnectionPragmas =
        $"PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 30000; PRAGMA journal_size_limit = {SqliteWal.LimitBytes};";

    public static DbContextOptionsBuilder ConfigureSqlite(DbContextOptionsBuilder o, string connectionString) =>
        o.UseSqlite(connectionString).AddInterceptors(SqlitePragmas.Instance);

    public static DbContextOptionsBuilder ConfigurePostgres(DbContextOptionsBuilder o, string connectionString) =>
        o.UseNpgsql(connectionString);

    /// <summary>No retrying execution strategy: business operations run in explicit transactions (BusinessTransaction),
    /// which a retrying strategy would refuse; a deadlock victim fails the operation like on the other providers.</summary>
    public static DbContextOptionsBuilder ConfigureSqlServer(DbContextOptionsBuilder o, string connectionString) =>
        o.UseSqlServer(connectionString);

    sealed class Adapter<TContext>(IDbContextFactory<TContext> inner) : IDbContextFactory<KaMengDbContext>
        where TContext : KaMengDbContext
    {
        public KaMengDbContext CreateDbContext()
        {
            // Pooled contexts are reused: the station scope of a previous renter must never reach the next one.
            var db = inner.CreateDbContext();
            db.ScopedTo(null);
            db.Database.AutoSavepointsEnabled = true;
            return db;
        }
    }

    /// <summary>Per-connection settings SQLite does not keep in the file (WAL is persistent and set by the initializer).
    /// They live as long as the native connection, which the pool keeps across opens: apply them once per native
    /// connection, not on every open (each open of a pooled connection used to run three more statements).</summary>
    sealed class SqlitePragmas : DbConnectionInterceptor
    {
        public static readonly SqlitePragmas Instance = new();

        // Keyed on the native handle (SQLitePCL.sqlite3), which a pooled connection keeps until it is really closed.
        static readonly System.Runtime.CompilerServices.ConditionalWeakTable<object, object> Applied = new();

        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

        public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            Apply(connection);
            return Task.CompletedTask;
        }

        static void Apply(DbConnection connection)
        {
            var handle = (connection as SqliteConnection)?.Handle;
            if (handle is not null && Applied.TryGetValue(handle, out _)) return;
            using var cmd = connection.CreateCommand();
            cmd.CommandText = SqliteConnectionPragmas;
            cmd.ExecuteNonQuery();
            if (handle is not null) Applied.AddOrUpdate(handle, handle);
        }
    }
}
