using System.Security.Cryptography;
using KaMeng.Domain;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KaMeng.Data;

/// <summary>Applies migrations and seeds an empty database: the main station, roles, the admin and (optionally) the demo.</summary>
public sealed class DatabaseInitializer(
    IDbContextFactory<KaMengDbContext> dbFactory,
    UserManager<AppUser> users,
    RoleManager<IdentityRole> roles,
    CardKeyVault vault,
    IOptions<KaMengOptions> options,
    ILogger<DatabaseInitializer> log)
{
    /// <summary>Migrates, and seeds a database without stations. True when it seeded (a first run).</summary>
    public async Task<bool> InitializeAsync(CancellationToken ct = default)
    {
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            await MigrateAsync(db, ct);
            await EnsurePlatformDefaultsAsync(db, ct);
            vault.EnsureKeyRing();
            if (await db.Stations.AnyAsync(ct)) return false;
        }
        await SeedAsync(ct);
        return true;
    }

    /// <summary>Applies the migrations; on SQLite also turns on WAL (persistent in the file). The restore runs this too.</summary>
    public static async Task MigrateAsync(KaMengDbContext db, CancellationToken ct)
    {
        await db.Database.MigrateAsync(ct);
        if (db.Provider == DatabaseProvider.Sqlite)
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode = WAL;", ct); // only SQLite has a journal mode to set
    }

    /// <summary>Platform settings and the default substation levels, added when missing (also to older databases).</summary>
    static async Task EnsurePlatformDefaultsAsync(KaMengDbContext db, CancellationToken ct)
    {
        if (!await db.PlatformSettings.AnyAsync(ct)) db.PlatformSettings.Add(new PlatformSettings());
        if (!await db.StationLevels.AnyAsync(ct))
        {
            db.StationLevels.AddRange(
                new StationLevel { Name = "普通", OpenPrice = Money.FromYuan(50), CostRateBasisPoints = 9500, MayOpenChildren = false, SortOrder = 1 },
                new StationLevel { Name = "高级", OpenPrice = Money.FromYuan(200), CostRateBasisPoints = 9000, MayOpenChildren = true, MaxChildren = 20, SortOrder = 2, AllowOwnGateway = true },
                new StationLevel { Name = "旗舰", OpenPrice = Money.FromYuan(800), CostRateBasisPoints = 8500, MayOpenChildren = true, MaxChildren = 200, SortOrder = 3, AllowOwnGateway = true });
        }
        await db.SaveChangesAsync(ct);
    }

    async Task SeedAsync(CancellationToken ct)
    {
        var now = DateTimeOffset.UtcNow;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            db.Stations.Add(new Station { Id = Station.MainStationId, Code = "main", Name = "卡盟总站", CreatedAt = now, Announcement = "欢迎光临卡盟总站：自动发货，24 小时营业。" });
            // The main station has a fixed id in an identity column: each provider lets it in and moves the identity past it.
            switch (db.Provider)
            {
                case DatabaseProvider.Sqlite:
                    await db.SaveChangesAsync(ct);
                    break;
                case DatabaseProvider.Postgres:
                    await db.SaveChangesAsync(ct);
                    await db.Database.ExecuteSqlRawAsync(PostgresSql.ResetStationSequence, ct);
                    break;
                case DatabaseProvider.SqlServer:
                    await db.Database.OpenConnectionAsync(ct);
                    await using (var tx = await db.Database.BeginTransactionAsync(ct))
                    {
                        await db.Database.ExecuteSqlRawAsync(SqlServerSql.IdentityInsert("Stations", on: true), ct);
                        await db.SaveChangesAsync(ct);
                        await db.Database.ExecuteSqlRawAsync(SqlServerSql.IdentityInsert("Stations", on: false), ct);
                        await tx.CommitAsync(ct);
                    }
                    break;
                default:
                    throw ProviderSql.Unsupported(db.Provider);
            }
        }
        foreach (var role in Roles.All)
            if (!await roles.RoleExistsAsync(role)) Check(await roles.CreateAsync(new IdentityRole(role)));

        var seed = options.Value.Seed;
        var adminPassword = seed.AdminPassword;
        if (string.IsNullOrEmpty(adminPassword) && seed.GenerateAdminPassword == true)
        {
            adminPassword = GeneratePassword();
            Console.WriteLine($"[KaMeng] 已生成管理员账号 admin，密码：{adminPassword}  (set KaMeng__Seed__AdminPassword to choose one)");
        }
        // Without a password (Production's default) there is no admin yet: the first-run page /setup creates one.
        if (string.IsNullOrEmpty(adminPassword))
            log.LogWarning("No platform admin: open /setup to create one.");
        else
            await CreateUserAsync("admin", adminPassword, "平台管理员", Station.MainStationId, Roles.PlatformAdmin);

        if (seed.Demo == true) await SeedDemoAsync(now, ct);
        log.LogInformation("Seeded a new KaMeng database.");
    }

    async Task SeedDemoAsync(DateTimeOffset now, CancellationToken ct)
    {
        var demoPassword = options.Value.Seed.DemoPassword;
        if (string.IsNullOrEmpty(demoPassword))
        {
            demoPassword = GeneratePassword();
            Console.WriteLine($"[KaMeng] 演示账号 demo-owner / demo-buyer / demo-finance 的密码：{demoPassword}  (set KaMeng__Seed__DemoPassword to choose one)");
        }
        var owner = await CreateUserAsync("demo-owner", demoPassword, "演示站长", Station.MainStationId, Roles.StationOwner);
        await CreateUserAsync("demo-finance", demoPassword, "演示财务", Station.MainStationId, Roles.Finance);
        var buyer = await CreateUserAsync("demo-buyer", demoPassword, "演示买家", Station.MainStationId, Roles.Buyer);

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var level = await db.StationLevels.OrderBy(l => l.SortOrder).Skip(1).FirstAsync(ct);
        var demo = new Station
        {
            LevelId = level.Id,
            Code = "demo", Name = "演示分站", ParentId = Station.MainStationId, OwnerUserId = owner.Id, CreatedAt = now,
            Announcement = "这是演示分站，所有商品自动发货。", ContactQq = "10000",
        };
        db.Stations.Add(demo);

        var games = new Category { StationId = Station.MainStationId, Name = "游戏点卡", Icon = "sports_esports", SortOrder = 1 };
        var video = new Category { StationId = Station.MainStationId, Name = "视频会员", Icon = "live_tv", SortOrder = 2 };
        var phone = new Category { StationId = Station.MainStationId, Name = "话费充值", Icon = "smartphone", SortOrder = 3 };
        var software = new Category { StationId = Station.MainStationId, Name = "软件授权", Icon = "key", SortOrder = 4 };
        db.Categories.AddRange(games, video, phone, software);
        await db.SaveChangesAsync(ct);

        Product P(Category c, string name, long baseFen, long costFen, DeliveryType type, string? tags, string description, int sort) => new()
        {
            StationId = Station.MainStationId, CategoryId = c.Id, Name = name, BasePrice = Money.FromFen(baseFen),
            CostPrice = Money.FromFen(costFen), FaceValue = Money.FromFen(baseFen), DeliveryType = type, Tags = tags,
            DescriptionMarkdown = description, SortOrder = sort, CreatedAt = now, LowStockThreshold = 5,
        };
        var cardProducts = new[]
        {
            P(games, "王者荣耀 60 点券", 600, 540, DeliveryType.CardKey, "热门", "**自动发货**，购买后在订单页查看卡密。\n\n- 登录游戏 → 充值 → 点券兑换", 1),
            P(games, "Steam 钱包 50 元", 5000, 4700, DeliveryType.CardKey, "推荐", "Steam 钱包充值码，全球通用。", 2),
            P(video, "爱奇艺黄金会员 月卡", 1980, 1500, DeliveryType.CardKey, "热门,推荐", "激活码，登录爱奇艺后在 **我的 → 激活码** 兑换。", 1),
            P(software, "办公软件 年度授权", 9900, 6000, DeliveryType.CardKey, null, "授权码一机一码。", 1),
        };
        db.Products.AddRange(cardProducts);
        var topUp = P(phone, "移动话费 50 元 直充", 4950, 4900, DeliveryType.DirectTopUp, "热门", "填写手机号，人工/供货商充值，一般 10 分钟内到账。", 1);
        topUp.InputFields = [new InputField { Key = "phone", Label = "手机号", Type = InputFieldType.Phone, Required = true }];
        var manual = P(software, "代办服务（人工发货）", 2000, 0, DeliveryType.Manual, null, "下单后客服人工处理。", 2);
        db.Products.AddRange(topUp, manual);
        await db.SaveChangesAsync(ct);

        var n = 0;
        foreach (var product in cardProducts)
        {
            var batch = new CardKeyBatch { StationId = Station.MainStationId, ProductId = product.Id, Number = $"SEED{product.Id:D4}", CreatedAt = now, Count = 20 };
            db.CardKeyBatches.Add(batch);
            await db.SaveChangesAsync(ct);
            for (var i = 0; i < 20; i++)
            {
                var secret = $"DEMO-{product.Id:D2}-{Convert.ToHexString(RandomNumberGenerator.GetBytes(6))}";
                db.CardKeys.Add(new CardKey { StationId = Station.MainStationId, ProductId = product.Id, BatchId = batch.Id, SecretCipher = vault.Protect(secret), SecretHash = vault.Hash(secret), CreatedAt = now });
                n++;
            }
        }
        await db.SaveChangesAsync(ct);

        await db.PostToUserAsync(buyer.Id, LedgerEntryType.Recharge, Money.FromYuan(100), now, reason: "演示账户初始余额", ct: ct);
        await tx.CommitAsync(ct);
        Console.WriteLine($"[KaMeng] 演示数据已生成：分站 demo、{n} 张卡密、买家 demo-buyer 余额 ¥100.00");
    }

    async Task<AppUser> CreateUserAsync(string userName, string password, string displayName, int stationId, string role)
    {
        var user = new AppUser { UserName = userName, DisplayName = displayName, StationId = stationId, CreatedAt = DateTimeOffset.UtcNow, EmailConfirmed = true };
        Check(await users.CreateAsync(user, password));
        Check(await users.AddToRoleAsync(user, role));
        return user;
    }

    static void Check(IdentityResult result)
    {
        if (!result.Succeeded) throw new InvalidOperationException("Seeding failed: " + string.Join("; ", result.Errors.Select(e => e.Description)));
    }

    static string GeneratePassword()
    {
        const string alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";
        return "Km-" + RandomNumberGenerator.GetString(alphabet, 14) + "9a";
    }
}
