using KaMeng.Domain;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace KaMeng.Data;

/// <summary>The one model. Each provider has a thin subclass with its own migration set.</summary>
public abstract class KaMengDbContext(DbContextOptions options) : IdentityDbContext<AppUser>(options), IDataProtectionKeyContext
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
    public DbSet<PaymentGateway> PaymentGateways => Set<PaymentGateway>();
    public DbSet<GatewayPayment> GatewayPayments => Set<GatewayPayment>();
    public DbSet<PaymentIssue> PaymentIssues => Set<PaymentIssue>();
    public DbSet<RestockAlert> RestockAlerts => Set<RestockAlert>();
    public DbSet<Notification> Notifications => Set<Notification>();
    public DbSet<NotificationPreference> NotificationPreferences => Set<NotificationPreference>();
    public DbSet<WebhookEndpoint> WebhookEndpoints => Set<WebhookEndpoint>();
    public DbSet<NotificationDelivery> NotificationDeliveries => Set<NotificationDelivery>();
    public DbSet<SmtpSettings> SmtpSettings => Set<SmtpSettings>();
    public DbSet<StationHourStat> StationHourStats => Set<StationHourStat>();
    public DbSet<StationDayStat> StationDayStats => Set<StationDayStat>();
    public DbSet<ProductDayStat> ProductDayStats => Set<ProductDayStat>();
    public DbSet<BuyerStat> BuyerStats => Set<BuyerStat>();
    public DbSet<BuyerDayStat> BuyerDayStats => Set<BuyerDayStat>();
    public DbSet<OrderRollupState> OrderRollupStates => Set<OrderRollupState>();
    public DbSet<StorePage> StorePages => Set<StorePage>();
    public DbSet<StorePageVersion> StorePageVersions => Set<StorePageVersion>();
    public DbSet<ApiCredential> ApiCredentials => Set<ApiCredential>();
    public DbSet<ApiNonce> ApiNonces => Set<ApiNonce>();
    public DbSet<Supplier> Suppliers => Set<Supplier>();
    public DbSet<SupplierProduct> SupplierProducts => Set<SupplierProduct>();
    public DbSet<Procurement> Procurements => Set<Procurement>();
    public DbSet<Refund> Refunds => Set<Refund>();
    public DbSet<Coupon> Coupons => Set<Coupon>();
    public DbSet<CouponCode> CouponCodes => Set<CouponCode>();
    public DbSet<CouponGrant> CouponGrants => Set<CouponGrant>();
    public DbSet<CouponRedemption> CouponRedemptions => Set<CouponRedemption>();
    public DbSet<FlashSale> FlashSales => Set<FlashSale>();
    public DbSet<WholesaleTier> WholesaleTiers => Set<WholesaleTier>();
    public DbSet<ReferralProgram> ReferralPrograms => Set<ReferralProgram>();
    public DbSet<ReferralCode> ReferralCodes => Set<ReferralCode>();
    public DbSet<Referral> Referrals => Set<Referral>();
    public DbSet<RiskRule> RiskRules => Set<RiskRule>();
    public DbSet<MarketingSettings> MarketingSettings => Set<MarketingSettings>();
    public DbSet<BuyerTag> BuyerTags => Set<BuyerTag>();
    public DbSet<InboxMessage> InboxMessages => Set<InboxMessage>();
    public DbSet<MarketingConsent> MarketingConsents => Set<MarketingConsent>();
    public DbSet<Campaign> Campaigns => Set<Campaign>();
    public DbSet<CampaignDelivery> CampaignDeliveries => Set<CampaignDelivery>();
    public DbSet<TriggerFired> TriggersFired => Set<TriggerFired>();
    public DbSet<BlacklistEntry> BlacklistEntries => Set<BlacklistEntry>();
    public DbSet<RiskSignal> RiskSignals => Set<RiskSignal>();
    // 合规 (issue 21 §5): the platform's prohibited terms and its sanctions on stations.
    public DbSet<ProhibitedTerm> ProhibitedTerms => Set<ProhibitedTerm>();
    public DbSet<StationSanction> StationSanctions => Set<StationSanction>();
    // 数据备份 (issue 22 §3): the history of backups and their outcomes.
    public DbSet<BackupRun> BackupRuns => Set<BackupRun>();
    // The Data Protection key ring, shared by every node (issue 22 §1, docs/decisions/0036); each key encrypted by a certificate.
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public abstract DatabaseProvider Provider { get; }

    /// <summary>
    /// Tenancy in the data layer: when set, every query of station-owned rows sees only that station's rows
    /// (and, for the catalogue, the main station's, which every station resells). Null is unscoped: the platform,
    /// jobs, and storefront code that names its station explicitly. Set it once, right after creating the context.
    /// </summary>
    public int? ScopeStationId { get; private set; }

    public KaMengDbContext ScopedTo(int? stationId)
    {
        ScopeStationId = stationId;
        return this;
    }

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ApplyConfigurationsFromAssembly(typeof(KaMengDbContext).Assembly);

        builder.Entity<Order>().HasQueryFilter(x => ScopeStationId == null || x.StationId == ScopeStationId);
        builder.Entity<CardKey>().HasQueryFilter(x => ScopeStationId == null || x.StationId == ScopeStationId);
        builder.Entity<CardKeyBatch>().HasQueryFilter(x => ScopeStationId == null || x.StationId == ScopeStationId);
        builder.Entity<PriceRule>().HasQueryFilter(x => ScopeStationId == null || x.StationId == ScopeStationId);
        builder.Entity<StationProduct>().HasQueryFilter(x => ScopeStationId == null || x.StationId == ScopeStationId);
        builder.Entity<MemberLevel>().HasQueryFilter(x => ScopeStationId == null || x.StationId == ScopeStationId);
        builder.Entity<Withdrawal>().HasQueryFilter(x => ScopeStationId == null || x.StationId == ScopeStationId);
        builder.Entity<AuditEntry>().HasQueryFilter(x => ScopeStationId == null || x.StationId == ScopeStationId);
        builder.Entity<StationHost>().HasQueryFilter(x => ScopeStationId == null || x.StationId == ScopeStationId);
        builder.Entity<PaymentGateway>().HasQueryFilter(x => ScopeStationId == null || x.StationId == ScopeStationId);
        builder.Entity<GatewayPayment>().HasQueryFilter(x => ScopeStationId == null || x.StationId == ScopeStationId);
        builder.Entity<PaymentIssue>().HasQueryFilter(x => ScopeStationId == null || x.StationId == ScopeStationId);
        builder.Entity<RestockAlert>().HasQueryFilter(x => ScopeStationId == null || x.StationId == ScopeStationId);
        builder.Entity<ApiCredential>().HasQueryFilter(x => ScopeStationId == null || x.StationId == ScopeStationId);
        builder.Entity<Supplier>().HasQueryFilter(x => ScopeStationId == null || x.StationId == ScopeStationId);
        builder.Entity<SupplierProduct>().HasQueryFilter(x => ScopeStationId == null || x.StationId == ScopeStationId);
        builder.Entity<Procurement>().HasQueryFilter(x => ScopeStationId == null || x.StationId == ScopeStationId);
        builder.Entity<Refund>().HasQueryFilter(x => ScopeStationId == null || x.StationId == ScopeStationId);
        builder.Entity<Coupon>().HasQueryFilter(x => ScopeStationId == null || x.StationId == ScopeStationId);
        builder.Entity<CouponCode>().HasQueryFilter(x => ScopeStationId == null || x.StationId == ScopeStationId);
        builder.Entity<CouponGrant>().HasQueryFilter(x => ScopeStationId == null || x.StationId == ScopeStationId);
        builder.Entity<CouponRedemption>().HasQueryFilter(x => ScopeStationId == null || x.StationId == ScopeStationId);
        builder.Entity<FlashSale>().HasQueryFilter(x => ScopeStationId == null || x.StationId == ScopeStationId);
        builder.Entity<WholesaleTier>().HasQueryFilter(x => ScopeStationId == null || x.StationId == ScopeStationId);
        builder.Entity<ReferralProgram>().HasQueryFilter(x => ScopeStationId == null || x.StationId == ScopeStationId);
        builder.Entity<ReferralCode>().HasQueryFilter(x => ScopeStationId == null || x.StationId == ScopeStationId);
        builder.Entity<Referral>().HasQueryFilter(x => ScopeStationId == null || x.StationId == ScopeStationId);
        // Tags, segments and campaigns (issue 20 §5).
        builder.Entity<MarketingSettings>().HasQueryFilter(x => ScopeStationId == null || x.StationId == ScopeStationId);
        builder.Entity<BuyerTag>().HasQueryFilter(x => ScopeStationId == null || x.StationId == ScopeStationId);
        builder.Entity<InboxMessage>().HasQueryFilter(x => ScopeStationId == null || x.StationId == ScopeStationId);
        builder.Entity<MarketingConsent>().HasQueryFilter(x => ScopeStationId == null || x.StationId == ScopeStationId);
        builder.Entity<Campaign>().HasQueryFilter(x => ScopeStationId == null || x.StationId == ScopeStationId);
        builder.Entity<CampaignDelivery>().HasQueryFilter(x => ScopeStationId == null || x.StationId == ScopeStationId);
        builder.Entity<TriggerFired>().HasQueryFilter(x => ScopeStationId == null || x.StationId == ScopeStationId);
        // Blacklists (issue 21 §4): an owner's scoped context sees their station's list only, never the platform's.
        builder.Entity<BlacklistEntry>().HasQueryFilter(x => ScopeStationId == null || x.StationId == ScopeStationId);
        builder.Entity<RiskSignal>().HasQueryFilter(x => ScopeStationId == null || x.StationId == ScopeStationId);
        // An owner reads the sanctions on their own station (terms are the platform's, unfiltered).
        builder.Entity<StationSanction>().HasQueryFilter(x => ScopeStationId == null || x.StationId == ScopeStationId);
        builder.Entity<Category>().HasQueryFilter(x => ScopeStationId == null || x.StationId == ScopeStationId || x.StationId == Station.MainStationId);
        builder.Entity<Product>().HasQueryFilter(x => ScopeStationId == null || x.StationId == ScopeStationId || x.StationId == Station.MainStationId);
        // Dashboard rollups: an owner reads only their station's rows, never the platform's bucket (StationId 0).
        builder.Entity<StationHourStat>().HasQueryFilter(x => ScopeStationId == null || x.StationId == ScopeStationId);
        builder.Entity<StationDayStat>().HasQueryFilter(x => ScopeStationId == null || x.StationId == ScopeStationId);
        builder.Entity<ProductDayStat>().HasQueryFilter(x => ScopeStationId == null || x.StationId == ScopeStationId);
        builder.Entity<BuyerStat>().HasQueryFilter(x => ScopeStationId == null || x.StationId == ScopeStationId);
        builder.Entity<BuyerDayStat>().HasQueryFilter(x => ScopeStationId == null || x.StationId == ScopeStationId);
        builder.Entity<OrderRollupState>().HasQueryFilter(x => ScopeStationId == null || x.StationId == ScopeStationId);
        builder.Entity<StorePage>().HasQueryFilter(x => ScopeStationId == null || x.StationId == ScopeStationId);
        builder.Entity<StorePageVersion>().HasQueryFilter(x => ScopeStationId == null || x.StationId == ScopeStationId);
        // A scoped owner sees their own station and its direct children (read-only where an issue says so).
        builder.Entity<Station>().HasQueryFilter(x => ScopeStationId == null || x.Id == ScopeStationId || x.ParentId == ScopeStationId);
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Money is integer fen in every column.
        configurationBuilder.Properties<Money>().HaveConversion<MoneyConverter>();
    }

    sealed class MoneyConverter() : ValueConverter<Money, long>(m => m.Fen, fen => Money.FromFen(fen));
}

public enum DatabaseProvider { Sqlite, Postgres, SqlServer }

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

public sealed class SqlServerKaMengDbContext(DbContextOptions<SqlServerKaMengDbContext> options) : KaMengDbContext(options)
{
    public override DatabaseProvider Provider => DatabaseProvider.SqlServer;
}
