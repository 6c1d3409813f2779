using System.Collections.Concurrent;
using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Docking;
using KaMeng.Web.Features.OpenApi;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Stations;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KaMeng.Tests.Docking;

/// <summary>Alerts kept for assertions.</summary>
public sealed class RecordedSupplyAlerts : ISupplyAlerts
{
    public ConcurrentQueue<SupplyAlert> Alerts { get; } = new();
    public Task RaiseAsync(SupplyAlert alert, CancellationToken ct = default) { Alerts.Enqueue(alert); return Task.CompletedTask; }
}

/// <summary>A KaMeng site whose docking queue and sync the test drives by hand (no background loop, retries without waiting).</summary>
public class DockingApp : KaMengApp
{
    public DockingApp() { }

    protected DockingApp(DatabaseProvider provider) : base(provider) { }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("KaMeng:Docking:Background", "false");
        builder.UseSetting("KaMeng:Docking:RetryBaseSeconds", "0");
        builder.UseSetting("KaMeng:Docking:TimeoutSeconds", "10");
        builder.ConfigureTestServices(s => s.AddSingleton<ISupplyAlerts, RecordedSupplyAlerts>());
    }

    public RecordedSupplyAlerts Alerts => (RecordedSupplyAlerts)Services.GetRequiredService<ISupplyAlerts>();
}

public sealed class PostgresDockingApp() : DockingApp(DatabaseProvider.Postgres);

/// <summary>Two KaMeng instances on loopback, each with its own database: an upstream and a downstream that resells it.</summary>
public class DockingPair : IAsyncLifetime
{
    public static readonly AuditActor Platform = new("test", "test", null);
    public DockingApp Upstream { get; }
    public DockingApp Downstream { get; }

    public DockingPair() : this(DatabaseProvider.Sqlite) { }

    protected DockingPair(DatabaseProvider provider)
    {
        Upstream = provider == DatabaseProvider.Postgres ? new PostgresDockingApp() : new DockingApp();
        Downstream = provider == DatabaseProvider.Postgres ? new PostgresDockingApp() : new DockingApp();
    }
    public bool UpstreamStopped { get; private set; }

    public async Task InitializeAsync()
    {
        await Task.WhenAll(Upstream.InitializeAsync(), Downstream.InitializeAsync());
    }

    public async Task StopUpstreamAsync()
    {
        UpstreamStopped = true;
        await ((IAsyncLifetime)Upstream).DisposeAsync();
    }

    public async Task DisposeAsync()
    {
        if (!UpstreamStopped) await ((IAsyncLifetime)Upstream).DisposeAsync();
        await ((IAsyncLifetime)Downstream).DisposeAsync();
    }

    /// <summary>A fresh upstream product (so tests do not share one) with the given card keys in stock.</summary>
    public async Task<int> CreateUpstreamProductAsync(string name, long priceFen, params string[] keys)
    {
        var vault = Upstream.Services.GetRequiredService<CardKeyVault>();
        await using var db = Upstream.NewContext();
        var category = await db.Categories.Where(c => c.StationId == Station.MainStationId).OrderBy(c => c.Id).Select(c => c.Id).FirstAsync();
        var now = DateTimeOffset.UtcNow;
        var product = new Product { StationId = Station.MainStationId, CategoryId = category, Name = name, DeliveryType = DeliveryType.CardKey,
            BasePrice = Money.FromFen(priceFen), CostPrice = Money.FromFen(priceFen / 2), FaceValue = Money.FromFen(priceFen), CreatedAt = now };
        db.Products.Add(product);
        await db.SaveChangesAsync();
        var batch = new CardKeyBatch { StationId = Station.MainStationId, ProductId = product.Id, Number = "T" + Guid.NewGuid().ToString("N")[..20], Count = keys.Length, CreatedAt = now };
        db.CardKeyBatches.Add(batch);
        await db.SaveChangesAsync();
        foreach (var k in keys)
            db.CardKeys.Add(new CardKey { StationId = Station.MainStationId, ProductId = product.Id, BatchId = batch.Id, SecretCipher = vault.Protect(k), SecretHash = vault.Hash(k), Status = CardKeyStatus.Available, CreatedAt = now });
        await db.SaveChangesAsync();
        return product.Id;
    }

    public async Task SetUpstreamPriceAsync(int productId, long fen)
    {
        await using var db = Upstream.NewContext();
        await db.Products.Where(p => p.Id == productId).ExecuteUpdateAsync(u => u.SetProperty(p => p.BasePrice, Money.FromFen(fen)));
    }

    /// <summary>A credential demo-buyer requested on the upstream, approved there, and the downstream's supplier using it.</summary>
    public async Task<(Supplier Supplier, SupplierEndpoint Endpoint)> AddSupplierAsync(string name = "上游一号")
    {
        var credentials = Upstream.Services.GetRequiredService<ApiCredentialService>();
        var (issued, error) = await credentials.RequestAsync(await BuyerIdAsync(Upstream), Station.MainStationId, "下游站");
        Assert.Null(error);
        Assert.Null(await credentials.ApproveAsync(Platform, issued!.Id));
        var (supplier, addError) = await Suppliers.AddAsync(Platform, Station.MainStationId, name, Upstream.BaseUrl + "/", issued.KeyId, issued.Secret);
        Assert.Null(addError);
        return (supplier!, new SupplierEndpoint(Upstream.BaseUrl, issued.KeyId, issued.Secret));
    }

    public SupplierService Suppliers => Downstream.Services.GetRequiredService<SupplierService>();

    public async Task<int> DownstreamCategoryAsync()
    {
        await using var db = Downstream.NewContext();
        return await db.Categories.Where(c => c.StationId == Station.MainStationId).OrderBy(c => c.Id).Select(c => c.Id).FirstAsync();
    }

    public async Task<int> ImportAsync(int supplierId, int upstreamProductId, MarkupKind kind = MarkupKind.PlusPercent, string value = "20", PriceRounding rounding = PriceRounding.Jiao)
    {
        var (id, error) = await Suppliers.ImportAsync(Platform, new ImportRequest(supplierId, upstreamProductId, await DownstreamCategoryAsync(), kind, value, rounding));
        Assert.Null(error);
        return id!.Value;
    }

    public static async Task<string> BuyerIdAsync(KaMengApp app)
    {
        await using var db = app.NewContext();
        return await db.Users.Where(u => u.UserName == "demo-buyer").Select(u => u.Id).SingleAsync();
    }

    public static async Task<long> BalanceAsync(KaMengApp app)
    {
        var id = await BuyerIdAsync(app);
        await using var db = app.NewContext();
        return (await db.Wallets.SingleAsync(w => w.UserId == id)).Balance.Fen;
    }

    /// <summary>demo-buyer buys on the downstream's main station, paying from balance.</summary>
    public async Task<CheckoutResult> BuyDownstreamAsync(int productId, int quantity = 1, Dictionary<string, string?>? inputs = null)
    {
        var station = await Downstream.Services.GetRequiredService<StationDirectory>().ByIdAsync(Station.MainStationId);
        return await Downstream.Services.GetRequiredService<CheckoutService>().PlaceBalanceOrderAsync(station!,
            new CheckoutRequest(productId, quantity, await BuyerIdAsync(Downstream), Guid.NewGuid().ToString("N"), inputs));
    }

    /// <summary>Works the downstream queue until the order's procurement is finished (each round is one try; bounded).</summary>
    public async Task<Procurement> WorkQueueUntilDoneAsync(string orderNumber)
    {
        var processor = Downstream.Services.GetRequiredService<ProcurementProcessor>();
        for (var round = 0; round < 20; round++)
        {
            await processor.ProcessDueAsync();
            await using var db = Downstream.NewContext();
            var p = await db.Procurements.AsNoTracking().SingleAsync(x => x.OrderId == db.Orders.Single(o => o.Number == orderNumber).Id);
            if (p.Status is ProcurementStatus.Delivered or ProcurementStatus.Failed) return p;
        }
        throw new Xunit.Sdk.XunitException("procurement did not finish in 20 rounds");
    }
}

/// <summary>Both instances on PostgreSQL.</summary>
public sealed class PostgresDockingPair() : DockingPair(DatabaseProvider.Postgres);
