using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Stations;
using KaMeng.Web.Features.Substations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KaMeng.Tests.Infrastructure;

/// <summary>A fresh database of one provider with the commerce services the web app uses.</summary>
public sealed class CommerceHarness : IAsyncDisposable
{
    public TestDatabase Db { get; }
    public CheckoutService Checkout => Db.Services.GetRequiredService<CheckoutService>();
    public OrderService Orders => Db.Services.GetRequiredService<OrderService>();
    public WalletService Wallets => Db.Services.GetRequiredService<WalletService>();
    public CardKeyVault Vault => Db.Services.GetRequiredService<CardKeyVault>();

    public static readonly StationInfo Main = new(Station.MainStationId, "main", "卡盟总站", null, "default", StationStatus.Active, null, null, null, null, null, null);

    CommerceHarness(TestDatabase db) => Db = db;

    public static async Task<CommerceHarness> CreateAsync(DatabaseProvider provider, Action<IServiceCollection>? more = null) =>
        new(await TestDatabase.CreateAsync(provider, services => { services.AddCommerceServices(); more?.Invoke(services); }));

    public T Get<T>() where T : notnull => Db.Services.CreateScope().ServiceProvider.GetRequiredService<T>();

    public async Task<StationInfo> StationAsync(int id)
    {
        var directory = Db.Services.GetRequiredService<StationDirectory>();
        directory.Invalidate();
        return (await directory.ByIdAsync(id))!;
    }

    /// <summary>A card-key product of the main station with <paramref name="keys"/> available keys.</summary>
    public async Task<Product> AddCardKeyProductAsync(int keys, long priceFen = 700, Action<Product>? configure = null)
    {
        await using var db = Db.NewContext();
        var category = await db.Categories.FirstAsync();
        var product = new Product
        {
            StationId = Station.MainStationId, CategoryId = category.Id, Name = "测试卡 " + Guid.NewGuid().ToString("N")[..6],
            BasePrice = Money.FromFen(priceFen), CostPrice = Money.FromFen(priceFen / 2), DeliveryType = DeliveryType.CardKey,
            MaxPerOrder = 50, CreatedAt = DateTimeOffset.UtcNow,
        };
        configure?.Invoke(product);
        db.Products.Add(product);
        await db.SaveChangesAsync();
        await AddKeysAsync(product, keys);
        return product;
    }

    public Task AddKeysAsync(Product product, int keys) => AddKeysAsync(Db.NewContext, Vault, product, keys);

    /// <summary><paramref name="keys"/> new available keys of the product, written through any app's contexts (a cluster node's too).</summary>
    public static async Task AddKeysAsync(Func<KaMengDbContext> newContext, CardKeyVault vault, Product product, int keys)
    {
        await using var db = newContext();
        var batch = new CardKeyBatch { StationId = product.StationId, ProductId = product.Id, Number = "T" + Guid.NewGuid().ToString("N")[..12], Count = keys, CreatedAt = DateTimeOffset.UtcNow };
        db.CardKeyBatches.Add(batch);
        await db.SaveChangesAsync();
        for (var i = 0; i < keys; i++)
        {
            var secret = $"KEY-{product.Id}-{i:D5}-{Guid.NewGuid():N}";
            db.CardKeys.Add(new CardKey { StationId = product.StationId, ProductId = product.Id, BatchId = batch.Id, SecretCipher = vault.Protect(secret), SecretHash = vault.Hash(secret), CreatedAt = DateTimeOffset.UtcNow });
        }
        await db.SaveChangesAsync();
    }

    /// <summary>Buyers with a recharged wallet each. No password: they are driven through the services.</summary>
    public Task<List<string>> AddBuyersAsync(int count, long balanceFen = 10000) => AddBuyersAsync(Db.NewContext, count, balanceFen);

    /// <summary><see cref="AddBuyersAsync(int, long)"/> through any app's contexts (a cluster node's too).</summary>
    public static async Task<List<string>> AddBuyersAsync(Func<KaMengDbContext> newContext, int count, long balanceFen = 10000)
    {
        var ids = new List<string>();
        await using var db = newContext();
        for (var i = 0; i < count; i++)
        {
            var user = new AppUser { UserName = "buyer-" + Guid.NewGuid().ToString("N")[..10], CreatedAt = DateTimeOffset.UtcNow };
            user.NormalizedUserName = user.UserName.ToUpperInvariant();
            db.Users.Add(user);
            ids.Add(user.Id);
        }
        await db.SaveChangesAsync();
        foreach (var id in ids)
        {
            var wallet = await db.EnsureWalletAsync(id);
            if (balanceFen != 0) await db.PostAsync(wallet.Id, LedgerEntryType.Recharge, Money.FromFen(balanceFen), DateTimeOffset.UtcNow, reason: "测试充值");
        }
        return ids;
    }

    /// <summary>A substation selling a main-station card: its owner (recharged ¥500) opens the 高级 substation "shop1" (¥200; buys
    /// at 90%, ¥90) and sells the ¥100 card (cost ¥80, <paramref name="keys"/> keys) at +20%, ¥108: an ¥18 margin a key.</summary>
    public async Task<SellingShop> OpenSellingShopAsync(int keys = 10)
    {
        int levelId;
        await using (var db = Db.NewContext())
            levelId = (await db.StationLevels.SingleAsync(l => l.Name == "高级")).Id;
        var owner = (await AddBuyersAsync(1, balanceFen: 50000))[0];
        var (stationId, error) = await Get<SubstationService>().OpenAsync(Station.MainStationId, owner, new OpenSubstationRequest("shop1", "一号小店", levelId));
        Assert.Null(error);
        var product = await AddCardKeyProductAsync(keys, priceFen: 10000, p => p.CostPrice = Money.FromFen(8000));
        Assert.Null(await Get<PriceRuleService>().SaveAsync(stationId!.Value,
            new PriceRuleInput(PriceRuleAudience.Selling, PriceRuleScope.Category, product.CategoryId, null, PriceRuleKind.PlusPercent, "20", PriceRounding.Fen),
            new AuditActor(owner, "owner", stationId)));
        return new(owner, await StationAsync(stationId.Value), product, levelId);
    }

    public sealed record SellingShop(string Owner, StationInfo Shop, Product Product, int LevelId);

    public async Task<long> BalanceAsync(string userId)
    {
        await using var db = Db.NewContext();
        return (await db.Wallets.SingleAsync(w => w.UserId == userId)).Balance.Fen;
    }

    /// <summary>收益 of the user's wallet (待结算 and 可提现 together), in fen.</summary>
    public async Task<long> EarningsAsync(string userId)
    {
        await using var db = Db.NewContext();
        return (await db.Wallets.SingleAsync(w => w.UserId == userId)).Earnings.Fen;
    }

    /// <summary>Every wallet's buckets equal their ledger sums, and every delivered order without a refund is exactly its share of the frozen chain.</summary>
    public async Task AssertEveryWalletEqualsItsLedgerAsync()
    {
        await using var db = Db.NewContext();
        await LedgerBooks.AssertWalletsEqualTheirLedgersAsync(db);
        await LedgerBooks.AssertDeliveredOrdersBalanceAsync(db);
    }

    /// <summary>The books after a money test: every wallet equals its ledger (<see cref="AssertEveryWalletEqualsItsLedgerAsync"/>),
    /// and every delivered order's ledger entries are exactly its share of the frozen chain (<see cref="LedgerBooks"/>).</summary>
    public Task AssertBooksAsync() => AssertEveryWalletEqualsItsLedgerAsync();

    public ValueTask DisposeAsync() => Db.DisposeAsync();
}
