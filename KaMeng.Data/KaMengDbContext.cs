using KaMeng.Domain;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace KaMeng.Data;

/// <summary>The one model. Each provider has a thin subclass with its own migration set.</summary>
public abstract class KaMengDbContext(DbContextOptions options) : IdentityDbContext<AppUser>(options)
{
    public DbSet<Station> Stations => Set<Station>();
    public DbSet<StationHost> StationHosts => Set<StationHost>();
    public DbSet<Category> Categories => Set<Category>();
    public DbSet<Product> Products => Set<Product>();
    public DbSet<CardKey> CardKeys => Set<CardKey>();
    public DbSet<CardKeyBatch> CardKeyBatches => Set<CardKeyBatch>();
    public DbSet<Order> Orders => Set<Order>();
    public DbSet<Wallet> Wallets => Set<Wallet>();
    public DbSet<LedgerEntry> LedgerEntries => Set<LedgerEntry>();
    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();
    public DbSet<StationLevel> StationLevels => Set<StationLevel>();
    public DbSet<LevelPrice> LevelPrices => Set<LevelPrice>();
    public DbSet<PriceRule> PriceRules => Set<PriceRule>();
    public DbSet<StationProduct> StationProducts => Set<StationProduct>();
    public DbSet<MemberLevel> MemberLevels => Set<MemberLevel>();
    public DbSet<Withdrawal> Withdrawals => Set<Withdrawal>();
    public DbSet<PlatformSettings> PlatformSettings => Set<PlatformSettings>();

    public abstract DatabaseProvider Provider { get; }

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ApplyConfigurationsFromAssembly(typeof(KaMengDbContext).Assembly);
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Money is integer fen in every column.
        configurationBuilder.Properties<Money>().HaveConversion<MoneyConverter>();
    }

    sealed class MoneyConverter() : ValueConverter<Money, long>(m => m.Fen, fen => Money.FromFen(fen));
}

public enum DatabaseProvider { Sqlite, Postgres }

public sealed class SqliteKaMengDbContext(DbContextOptions<SqliteKaMengDbContext> options) : KaMengDbContext(options)
{
    public override DatabaseProvider Provider => DatabaseProvider.Sqlite;

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        base.ConfigureConventions(configurationBuilder);
        // SQLite cannot compare or order DateTimeOffset text; store UTC ticks so range queries run in SQL.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToBinaryConverter>();
    }
}

public sealed class PostgresKaMengDbContext(DbContextOptions<PostgresKaMengDbContext> options) : KaMengDbContext(options)
{
    public override DatabaseProvider Provider => DatabaseProvider.Postgres;
}
