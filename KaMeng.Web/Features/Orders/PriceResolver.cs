using System.Collections.Concurrent;
using System.Text.Json;
using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Stations;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Orders;

/// <summary>Everything that prices products at one station: the path from the main station, each station's rules,
/// the level prices of its top substation. Immutable; rebuilt after <see cref="PriceResolver.Invalidate"/>.</summary>
public sealed class StationPricing(IReadOnlyList<ChainStation> path, IReadOnlyDictionary<int, Money> levelPricesByProduct, IReadOnlyList<MemberLevel> memberLevels)
{
    public IReadOnlyList<ChainStation> Path { get; } = path;
    public IReadOnlyList<MemberLevel> MemberLevels { get; } = memberLevels;
    /// <summary>Explicit level prices (by product) of the top substation's level.</summary>
    public IReadOnlyDictionary<int, Money> LevelPrices { get; } = levelPricesByProduct;
    public ChainStation Station => Path[^1];

    public PriceQuote Quote(Product product, int memberDiscountBasisPoints = 0)
    {
        IReadOnlyDictionary<int, Money>? levelPrices = null;
        if (Path.Count > 1 && Path[1].Level is { } level && LevelPrices.TryGetValue(product.Id, out var explicitPrice))
            levelPrices = new Dictionary<int, Money> { [level.Id] = explicitPrice };
        return PriceChain.Quote(product, Path, levelPrices, memberDiscountBasisPoints);
    }

    /// <summary>The member discount a buyer with this total spend at the station gets.</summary>
    public int MemberDiscountFor(Money totalSpend) =>
        MemberLevels.Where(l => l.SpendThreshold <= totalSpend).Select(l => l.DiscountBasisPoints).DefaultIfEmpty(0).Max();
}

/// <summary>What one buyer pays at a station on top of its chain price: the member discount their spend there has
/// earned, and whether they pay the station's cost (the owner of a substation buying on it: self-dealing).</summary>
public sealed record BuyerTerms(int MemberDiscountBasisPoints, bool AtCost)
{
    public static readonly BuyerTerms Anonymous = new(0, false);

    public Money UnitPrice(PriceQuote quote) => AtCost ? quote.Cost : quote.Price;
}

/// <summary>A frozen step of the price chain stored on an order (what each station paid and sold at).</summary>
public sealed record ChainSnapshotStep(int StationId, string? OwnerUserId, long CostFen, long PriceFen);

/// <summary>
/// The one place a selling price is decided, used by every surface (list, product page, checkout, order, API,
/// dashboards), so a product shows the same price everywhere in a station. Pricing contexts are cached per station.
/// </summary>
public sealed class PriceResolver(IDbContextFactory<KaMengDbContext> dbFactory)
{
    readonly ConcurrentDictionary<int, Lazy<Task<StationPricing>>> cache = new();

    /// <summary>Call after any change to stations, levels, level prices, price rules or member levels.</summary>
    public void Invalidate()
    {
        cache.Clear();
        Invalidated?.Invoke();
    }

    /// <summary>Raised by <see cref="Invalidate"/> (the storefront's page cache listens).</summary>
    public event Action? Invalidated;

    public Task<StationPricing> ForStationAsync(int stationId) =>
        cache.GetOrAdd(stationId, id => new Lazy<Task<StationPricing>>(() => LoadAsync(id))).Value;

    /// <summary>The terms this buyer gets at this station, by the rule balance checkout charges with (member discount by
    /// delivered spend at the station; a substation's owner pays its cost). Surfaces that quote a buyer (the Open API) use it.</summary>
    public async Task<BuyerTerms> TermsForAsync(KaMengDbContext db, StationInfo station, string? buyerUserId, CancellationToken ct = default)
    {
        if (buyerUserId is null) return BuyerTerms.Anonymous;
        var pricing = await ForStationAsync(station.Id);
        var discount = 0;
        if (pricing.MemberLevels.Count > 0)
        {
            var spent = await db.Orders.Where(o => o.StationId == station.Id && o.BuyerUserId == buyerUserId && o.Status == OrderStatus.Delivered)
                .Select(o => o.Total).ToListAsync(ct);
            discount = pricing.MemberDiscountFor(Money.FromFen(spent.Sum(t => t.Fen)));
        }
        return new BuyerTerms(discount, station.ParentId is not null && pricing.Station.OwnerUserId == buyerUserId);
    }

    /// <summary>Products of the main station's catalogue are sold by every station; a station's own products by it.</summary>
    public static bool IsVisibleTo(StationInfo station, Product product) =>
        product.StationId == Station.MainStationId || product.StationId == station.Id;

    public static string Snapshot(PriceQuote quote) =>
        JsonSerializer.Serialize(quote.Steps.Select(s => new ChainSnapshotStep(s.StationId, s.OwnerUserId, s.Cost.Fen, s.Price.Fen)));

    public static IReadOnlyList<ChainSnapshotStep> ReadSnapshot(string? json) =>
        string.IsNullOrEmpty(json) ? [] : JsonSerializer.Deserialize<List<ChainSnapshotStep>>(json) ?? [];

    async Task<StationPricing> LoadAsync(int stationId)
    {
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync();
            var stations = new List<Station>();
            int? next = stationId;
            while (next is int id && stations.Count < 16)
            {
                var s = await db.Stations.AsNoTracking().Include(x => x.Level).SingleAsync(x => x.Id == id);
                stations.Insert(0, s);
                next = s.ParentId;
            }
            var ids = stations.Select(s => s.Id).ToList();
            var rules = await db.PriceRules.AsNoTracking().Where(r => ids.Contains(r.StationId)).ToListAsync();
            var path = stations.Select(s => new ChainStation(s.Id, s.Name, s.OwnerUserId, s.Level, rules.Where(r => r.StationId == s.Id).ToList())).ToList();
            var levelPrices = stations.Count > 1 && stations[1].LevelId is int levelId
                ? await db.LevelPrices.AsNoTracking().Where(p => p.LevelId == levelId).ToDictionaryAsync(p => p.ProductId, p => p.Price)
                : new Dictionary<int, Money>();
            var members = await db.MemberLevels.AsNoTracking().Where(m => m.StationId == stationId).ToListAsync();
            return new StationPricing(path, levelPrices, members);
        }
        catch
        {
            cache.TryRemove(stationId, out _); // a failed load is not cached
            throw;
        }
    }
}
