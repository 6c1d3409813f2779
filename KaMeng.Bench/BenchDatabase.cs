using System.Data.Common;
using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Dashboard;
using KaMeng.Web.Features.Orders;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace KaMeng.Bench;

/// <summary>
/// A fresh, migrated database of one provider with the service graph the web app registers for checkout
/// (the same <see cref="DataServiceCollectionExtensions.AddKaMengDatabase"/> call, the same singletons).
/// SQLite lives in a temp folder that is deleted afterwards; a PostgreSQL database is created on the given server and dropped.
/// </summary>
public sealed class BenchDatabase : IAsyncDisposable
{
    public DatabaseProvider Provider { get; }
    public string ConnectionString { get; }
    public string DataDir { get; }
    public ServiceProvider Services { get; }
    readonly string? pgAdmin;
    readonly string? pgName;

    BenchDatabase(DatabaseProvider provider, string cs, string dataDir, ServiceProvider services, string? pgAdmin, string? pgName)
    {
        Provider = provider; ConnectionString = cs; DataDir = dataDir; Services = services; this.pgAdmin = pgAdmin; this.pgName = pgName;
    }

    public IDbContextFactory<KaMengDbContext> DbFactory => Services.GetRequiredService<IDbContextFactory<KaMengDbContext>>();
    public CheckoutService Checkout => Services.GetRequiredService<CheckoutService>();
    public CardKeyVault Vault => Services.GetRequiredService<CardKeyVault>();

    public static async Task<BenchDatabase> CreateAsync(DatabaseProvider provider, string? pgAdmin)
    {
        var dataDir = Directory.CreateTempSubdirectory("kameng-bench-").FullName;
        string cs;
        string? pgName = null;
        if (provider == DatabaseProvider.Postgres)
        {
            if (string.IsNullOrWhiteSpace(pgAdmin)) throw new InvalidOperationException("PostgreSQL needs --connection, KAMENG_BENCH_PG or KAMENG_TEST_PG.");
            pgName = "kameng_bench_" + Guid.NewGuid().ToString("N")[..12];
            await using (var conn = new NpgsqlConnection(pgAdmin))
            {
                await conn.OpenAsync();
                await using var cmd = new NpgsqlCommand($"CREATE DATABASE {pgName}", conn);
                await cmd.ExecuteNonQueryAsync();
            }
            cs = new NpgsqlConnectionStringBuilder(pgAdmin) { Database = pgName }.ToString();
        }
        else
        {
            // What the app builds when ConnectionStrings:KaMeng is empty (DataServiceCollectionExtensions).
            cs = new SqliteConnectionStringBuilder { DataSource = Path.Combine(dataDir, "kameng.db"), Pooling = true, DefaultTimeout = 30 }.ToString();
        }

        var services = new ServiceCollection();
        services.AddLogging(b => b.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning)
            // Setup noise: the migrations' first probe of __EFMigrationsHistory, SQLite's table-rebuild PRAGMA note,
            // the unencrypted key ring of a throwaway folder.
            .AddFilter("Microsoft.EntityFrameworkCore.Database.Command", LogLevel.None)
            .AddFilter("Microsoft.EntityFrameworkCore.Migrations", LogLevel.Error)
            .AddFilter("Microsoft.EntityFrameworkCore.Query", LogLevel.Error)
            .AddFilter("Microsoft.AspNetCore.DataProtection", LogLevel.Error));
        services.Configure<KaMengOptions>(o =>
        {
            o.DataDir = dataDir;
            o.Database.Provider = provider;
            o.Seed.AdminPassword = "Bench-admin-123";
            o.Seed.Demo = false;
        });
        services.AddDataProtection().SetApplicationName("KaMeng").PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(dataDir, "keys")));
        DataServiceCollectionExtensions.AddKaMengDatabase(services, provider, cs, dataDir);
        services.AddIdentityCore<AppUser>(o => { o.Password.RequireUppercase = false; o.Password.RequireNonAlphanumeric = false; })
            .AddRoles<IdentityRole>().AddEntityFrameworkStores<KaMengDbContext>();
        services.AddSingleton<CardKeyVault>();
        services.AddScoped<DatabaseInitializer>();
        services.AddSingleton(TimeProvider.System);
        // The same selling core the web app registers (OrdersSetup.AddOrders).
        services.AddCommerceServices();
        services.AddDashboardServices();
        var sp = services.BuildServiceProvider();

        var db = new BenchDatabase(provider, cs, dataDir, sp, pgAdmin, pgName);
        await using var scope = sp.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<DatabaseInitializer>().InitializeAsync();
        if (provider == DatabaseProvider.Sqlite)
        {
            // The app's per-connection PRAGMAs must hold on the pooled connections the migrations used.
            await using var ctx = await db.DbFactory.CreateDbContextAsync();
            await ctx.Database.OpenConnectionAsync();
            async Task<string> Pragma(string name)
            {
                await using var cmd = ctx.Database.GetDbConnection().CreateCommand();
                cmd.CommandText = "PRAGMA " + name;
                return Convert.ToString(await cmd.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture)!;
            }
            var (fk, sync, journal) = (await Pragma("foreign_keys"), await Pragma("synchronous"), await Pragma("journal_mode"));
            if (fk != "1" || sync != "1" || journal != "wal")
                throw new InvalidOperationException($"SQLite settings: foreign_keys={fk} synchronous={sync} journal_mode={journal}");
        }
        return db;
    }

    /// <summary>A card-key product of the main station with <paramref name="keys"/> keys, encrypted like an import.</summary>
    public async Task<Product> AddCardKeyProductAsync(string name, int keys, long priceFen)
    {
        var now = DateTimeOffset.UtcNow;
        Product product;
        CardKeyBatch batch;
        await using (var db = await DbFactory.CreateDbContextAsync())
        {
            var category = await db.Categories.FirstOrDefaultAsync();
            if (category is null)
            {
                category = new Category { StationId = Station.MainStationId, Name = "基准测试", SortOrder = 1 };
                db.Categories.Add(category);
                await db.SaveChangesAsync();
            }
            product = new Product
            {
                StationId = Station.MainStationId, CategoryId = category.Id, Name = name, BasePrice = Money.FromFen(priceFen),
                CostPrice = Money.FromFen(priceFen / 2), FaceValue = Money.FromFen(priceFen), DeliveryType = DeliveryType.CardKey,
                MaxPerOrder = 50, CreatedAt = now,
            };
            db.Products.Add(product);
            await db.SaveChangesAsync();
            batch = new CardKeyBatch { StationId = product.StationId, ProductId = product.Id, Number = "B" + Guid.NewGuid().ToString("N")[..12], Count = keys, CreatedAt = now };
            db.CardKeyBatches.Add(batch);
            await db.SaveChangesAsync();
        }

        // Encrypt and hash in parallel (Data Protection is the slow part), then one bulk insert.
        var vault = Vault;
        var rows = new (string Cipher, string Hash)[keys];
        Parallel.For(0, keys, i =>
        {
            var secret = $"KM{product.Id:D3}-{i:D6}-{Guid.NewGuid():N}";
            rows[i] = (vault.Protect(secret), vault.Hash(secret));
        });

        if (Provider == DatabaseProvider.Postgres)
        {
            await using var conn = new NpgsqlConnection(ConnectionString);
            await conn.OpenAsync();
            await using (var import = await conn.BeginBinaryImportAsync(
                """COPY "CardKeys" ("StationId", "ProductId", "BatchId", "SecretCipher", "SecretHash", "Status", "CreatedAt") FROM STDIN (FORMAT BINARY)"""))
            {
            foreach (var (cipher, hash) in rows)
            {
                await import.StartRowAsync();
                await import.WriteAsync(product.StationId, NpgsqlDbType.Integer);
                await import.WriteAsync(product.Id, NpgsqlDbType.Integer);
                await import.WriteAsync(batch.Id, NpgsqlDbType.Integer);
                await import.WriteAsync(cipher, NpgsqlDbType.Varchar);
                await import.WriteAsync(hash, NpgsqlDbType.Varchar);
                await import.WriteAsync((int)CardKeyStatus.Available, NpgsqlDbType.Integer);
                await import.WriteAsync(now, NpgsqlDbType.TimestampTz);
            }
            await import.CompleteAsync();
            }
            await using var analyze = new NpgsqlCommand("""ANALYZE "CardKeys" """, conn);
            await analyze.ExecuteNonQueryAsync();
        }
        else
        {
            await using var conn = new SqliteConnection(ConnectionString);
            await conn.OpenAsync();
            await using var tx = conn.BeginTransaction();
            await using var cmd = conn.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = """
                INSERT INTO "CardKeys" ("StationId", "ProductId", "BatchId", "SecretCipher", "SecretHash", "Status", "CreatedAt")
                VALUES ($s, $p, $b, $c, $h, 0, $t)
                """;
            cmd.Parameters.AddWithValue("$s", product.StationId);
            cmd.Parameters.AddWithValue("$p", product.Id);
            cmd.Parameters.AddWithValue("$b", batch.Id);
            var pc = cmd.Parameters.Add("$c", SqliteType.Text);
            var ph = cmd.Parameters.Add("$h", SqliteType.Text);
            cmd.Parameters.AddWithValue("$t", SqliteTicks(now));
            cmd.Prepare();
            foreach (var (cipher, hash) in rows)
            {
                pc.Value = cipher;
                ph.Value = hash;
                cmd.ExecuteNonQuery();
            }
            tx.Commit();
            await using var analyze = conn.CreateCommand();
            analyze.CommandText = "ANALYZE";
            analyze.ExecuteNonQuery();
        }
        return product;
    }

    /// <summary>Buyers with a wallet recharged through the ledger (so balance = ledger sum from the start).</summary>
    public async Task<List<Buyer>> AddBuyersAsync(int count, long balanceFen)
    {
        var buyers = new List<Buyer>();
        await using var db = await DbFactory.CreateDbContextAsync();
        var users = new List<AppUser>();
        for (var i = 0; i < count; i++)
        {
            var user = new AppUser { UserName = $"bench-buyer-{i:D3}-{Guid.NewGuid():N}"[..30], CreatedAt = DateTimeOffset.UtcNow };
            user.NormalizedUserName = user.UserName.ToUpperInvariant();
            users.Add(user);
        }
        db.Users.AddRange(users);
        await db.SaveChangesAsync();
        foreach (var user in users)
        {
            await using var tx = await db.Database.BeginTransactionAsync();
            var recharge = await db.PostToUserAsync(user.Id, LedgerEntryType.Recharge, Money.FromFen(balanceFen), DateTimeOffset.UtcNow, reason: "基准测试充值");
            await tx.CommitAsync();
            buyers.Add(new Buyer(user.Id, recharge!.WalletId));
        }
        return buyers;
    }

    /// <summary>How the SQLite context stores a DateTimeOffset (DateTimeOffsetToBinaryConverter).</summary>
    public static long SqliteTicks(DateTimeOffset value) => (long)SqliteDateConverter.ConvertToProvider(value)!;

    static readonly DateTimeOffsetToBinaryConverter SqliteDateConverter = new();

    public async Task<DbConnection> OpenConnectionAsync()
    {
        DbConnection conn = Provider == DatabaseProvider.Postgres ? new NpgsqlConnection(ConnectionString) : new SqliteConnection(ConnectionString);
        await conn.OpenAsync();
        return conn;
    }

    /// <summary>Before a run, on PostgreSQL: fresh planner statistics for the keys the set-up loaded, and a checkpoint,
    /// so that neither autoanalyze nor a checkpoint of the set-up's writes lands inside one run and not the other (both
    /// the service and the raw baseline get the same). Needs a superuser or pg_checkpoint; skipped otherwise.</summary>
    public async Task AnalyzeOrdersAsync()
    {
        await using var conn = await OpenConnectionAsync();
        await using var analyze = conn.CreateCommand();
        analyze.CommandText = "ANALYZE \"Orders\"";
        await analyze.ExecuteNonQueryAsync();
    }

    public async Task SettleAsync()
    {
        if (Provider != DatabaseProvider.Postgres) return;
        await using var conn = new NpgsqlConnection(ConnectionString);
        await conn.OpenAsync();
        await using (var analyze = new NpgsqlCommand("ANALYZE", conn)) await analyze.ExecuteNonQueryAsync();
        try
        {
            await using var checkpoint = new NpgsqlCommand("CHECKPOINT", conn);
            await checkpoint.ExecuteNonQueryAsync();
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            Console.WriteLine("  (no CHECKPOINT before the timed run: the bench's role may not run it)");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        if (pgName is not null && Environment.GetEnvironmentVariable("KAMENG_BENCH_KEEP_DB") == "1")
            Console.WriteLine($"  kept database {pgName} (KAMENG_BENCH_KEEP_DB=1)");
        else if (pgName is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var conn = new NpgsqlConnection(pgAdmin);
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS {pgName} WITH (FORCE)", conn);
            await cmd.ExecuteNonQueryAsync();
        }
        else
        {
            SqliteConnection.ClearAllPools();
        }
        try { Directory.Delete(DataDir, recursive: true); } catch (IOException) { }
    }
}

public sealed record Buyer(string UserId, int WalletId);
