using System.Collections.Concurrent;
using System.Text.Json;
using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Stations;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Orders;

/// <summary>Everything that prices products at one station: the path from the main station, each station's rules,
/// the level prices of its top substation. Immutable; rebuilt after <see cref="PriceResolver.Invalidate"/>.</summary>
public sealed class StationPricing(IReadOnlyList<ChainStation> path, IReadOnlyDictionary<int, Money> levelPricesByProduct, IReadOnlyList<MemberLevel> memberLevels,
    IReadOnlyList<FlashSale>? flashSales = null, IReadOnlyDictionary<int, IReadOnlyList<WholesaleOffer>>? tiers = null, ReferralProgram? referral = null)
{
    /// <summary>The station's 分销 program when it is switched on (cached with the prices: a checkout without one reads nothing more).</summary>
    public ReferralProgram? Referral { get; } = referral is { Enabled: true } ? referral : null;

    readonly IReadOnlyList<FlashSale> flashSales = flashSales ?? [];
    readonly IReadOnlyDictionary<int, IReadOnlyList<WholesaleOffer>> tiers = tiers ?? new Dictionary<int, IReadOnlyList<WholesaleOffer>>();

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

    /// <summary>The flash sale of the product running at <paramref name="now"/> (not paused, not sold out as last loaded), or null.
    /// Its quota is taken (and checked again) inside the order transaction.</summary>
    public FlashSale? FlashFor(int productId, DateTimeOffset now) =>
        flashSales.FirstOrDefault(f => f.ProductId == productId && f.IsRunning(now) && !f.SoldOut);

    /// <summary>The next sale of the product that has not started yet (a storefront shows its countdown), or null.</summary>
    public FlashSale? UpcomingFlashFor(int productId, DateTimeOffset now) =>
        flashSales.Where(f => f.ProductId == productId && !f.Paused && f.StartsAt > now).MinBy(f => f.StartsAt);

    /// <summary>The product's wholesale tiers at this station, lowest minimum first.</summary>
    public IReadOnlyList<WholesaleOffer> TiersFor(int productId) => tiers.GetValueOrDefault(productId) ?? [];

    /// <summary>
    /// The one price of a product for a buyer at this station, with every promotion in the order of issue 20 (chain → flash →
    /// member → wholesale → coupon): what every surface shows and what checkout charges.
    /// </summary>
    /// <exception cref="CouponRefusedException">The coupon cannot be used on this line.</exception>
    public PromotedPrice Promote(Product product, int quantity, BuyerTerms terms, DateTimeOffset now, CouponOffer? coupon = null)
    {
        var flash = FlashFor(product.Id, now);
        if (flash is { LoginRequired: true } && !terms.SignedIn) flash = null;
        return Promotions.Apply(Quote(product), quantity, terms.MemberDiscountBasisPoints, flash?.Offer(), TiersFor(product.Id), coupon, terms.AtCost);
    }

    /// <summary>The member discount a buyer with this total spend at the station gets.</summary>
    public int MemberDiscountFor(Money totalSpend) =>
        MemberLevels.Where(l => l.SpendThreshold <= totalSpend).Select(l => l.DiscountBasisPoints).DefaultIfEmpty(0).Max();

    /// <summary>The member level a buyer with this total spend is at (the highest threshold reached), or null.</summary>
    public MemberLevel? MemberLevelFor(Money totalSpend) =>
        MemberLevels.Where(l => l.SpendThreshold <= totalSpend).MaxBy(l => l.SpendThreshold);
}

/// <summary>What one buyer pays at a station on top of its chain price: the member discount their spend there has
/// earned, and whether they pay the station's cost (the owner of a substation buying on it: self-dealing).</summary>
public sealed record BuyerTerms(int MemberDiscountBasisPoints, bool AtCost, bool SignedIn = false, int? MemberLevelId = null)
{
    public static readonly BuyerTerms Anonymous = new(0, false);

    public Money UnitPrice(PriceQuote quote) => AtCost ? quote.Cost : quote.Price;
}

/// <summary>A frozen step of the price chain stored on an order (what each station paid and sold at, and what it funds of the
/// order's discounts: its earning is its margin minus that).</summary>
public sealed record ChainSnapshotStep(int StationId, string? OwnerUserId, long CostFen, long PriceFen, long FundsFen = 0);

/// <summary>
/// The one place a selling price is decided, used by every surface (list, product page, checkout, order, API,
/// dashboards), so a product shows the same price everywhere in a station. Pricing contexts are cached per station.
/// </summary>
public sealed class PriceResolver(IDbContextFactory<KaMengDbContext> dbFactory, TimeProvider? clock = null)
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
        int? level = null;
        if (pricing.MemberLevels.Count > 0)
        {
            var spent = await db.Orders.Where(o => o.StationId == station.Id && o.BuyerUserId == buyerUserId && o.Status == OrderStatus.Delivered)
                .Select(o => o.Total).ToListAsync(ct);
            var total = Money.FromFen(spent.Sum(t => t.Fen));
            discount = pricing.MemberDiscountFor(total);
            level = pricing.MemberLevelFor(total)?.Id;
        }
        return new BuyerTerms(discount, station.ParentId is not null && pricing.Station.OwnerUserId == buyerUserId, true, level);
    }

    /// <summary>Products of the main station's catalogue are sold by every station; a station's own products by it.</summary>
    public static bool IsVisibleTo(StationInfo station, Product product) =>
        product.StationId == Station.MainStationId || product.StationId == station.Id;

    public static string Snapshot(PriceQuote quote) =>
        JsonSerializer.Serialize(quote.Steps.Select(s => new ChainSnapshotStep(s.StationId, s.OwnerUserId, s.Cost.Fen, s.Price.Fen)));

    public static string Snapshot(PromotedPrice price) =>
        JsonSerializer.Serialize(price.Steps.Select(s => new ChainSnapshotStep(s.StationId, s.OwnerUserId, s.Cost.Fen, s.Price.Fen, s.Funds.Fen)));

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
            // Sales not over yet (a later start is shown as a countdown); which one runs is decided per request by the clock.
            var now = (clock ?? TimeProvider.System).GetUtcNow();
            var sales = await db.FlashSales.AsNoTracking().Where(f => f.StationId == stationId && f.EndsAt > now).ToListAsync();
            var tiers = (await db.WholesaleTiers.AsNoTracking().Where(t => t.StationId == stationId).ToListAsync())
                .GroupBy(t => t.ProductId).ToDictionary(g => g.Key, g => (IReadOnlyList<WholesaleOffer>)[.. g.OrderBy(t => t.MinQuantity).Select(t => t.Offer())]);
            var referral = await db.ReferralPrograms.AsNoTracking().SingleOrDefaultAsync(p => p.StationId == stationId);
            return new StationPricing(path, levelPrices, members, sales, tiers, referral);
        }
        catch
        {
            cache.TryRemove(stationId, out _); // a failed load is not cached
            throw;
        }
    }
}
