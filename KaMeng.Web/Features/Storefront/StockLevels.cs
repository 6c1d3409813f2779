using System.Linq.Expressions;
using KaMeng.Data;
using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Storefront;

/// <summary>Available card keys of a product at a station, and the product's low-stock line (<see cref="Product.LowStockBelow"/>).</summary>
public sealed record StockLevel(int StationId, int ProductId, string Name, int Available, int Threshold)
{
    public bool Low => Available < Threshold;
}

/// <summary>
/// Stock counted from the keys themselves (never a stored counter), for the storefront, the restock alerts and the
/// dashboards alike. Keys are counted unscoped: every station sells from the keys of the product, whoever's context asks.
/// </summary>
public static class StockLevels
{
    /// <summary>Available keys per product, all stations' keys together.</summary>
    public static async Task<Dictionary<int, int>> AvailableAsync(KaMengDbContext db, IReadOnlyCollection<int> productIds, CancellationToken ct = default) =>
        productIds.Count == 0 ? [] : await AvailableKeys(db, productIds)
            .GroupBy(k => k.ProductId).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(x => x.Key, x => x.Count, ct);

    static IQueryable<CardKey> AvailableKeys(KaMengDbContext db, IReadOnlyCollection<int> productIds) =>
        db.CardKeys.IgnoreQueryFilters().Where(k => productIds.Contains(k.ProductId) && k.Status == CardKeyStatus.Available);

    /// <summary>What the levels need of a watched product: its station, name and low-stock line.</summary>
    sealed record Watched(int Id, int StationId, string Name, int LowStockBelow);

    /// <summary>Card-key products whose low-stock warning is on (not deleted), narrowed by <paramref name="filter"/>. Only
    /// the columns of <see cref="Watched"/> are read (not descriptions, input fields and the rest of the product).</summary>
    static async Task<List<Watched>> WatchedAsync(KaMengDbContext db, Expression<Func<Product, bool>>? filter, CancellationToken ct)
    {
        var q = db.Products.AsNoTracking().Where(p => !p.Deleted && p.DeliveryType == DeliveryType.CardKey && p.LowStockThreshold > 0);
        return await (filter is null ? q : q.Where(filter))
            .Select(p => new Watched(p.Id, p.StationId, p.Name, Product.LowStockLine(p.DeliveryType, p.ReusableKey, p.LowStockThreshold))).ToListAsync(ct);
    }

    /// <summary>Watched products whose keys, all stations together, are under their line, lowest first.</summary>
    public static async Task<List<StockLevel>> LowAsync(KaMengDbContext db, Expression<Func<Product, bool>>? filter = null, CancellationToken ct = default)
    {
        var products = await WatchedAsync(db, filter, ct);
        var stock = await AvailableAsync(db, products.Select(p => p.Id).ToList(), ct);
        return products.Select(p => new StockLevel(p.StationId, p.Id, p.Name, stock.GetValueOrDefault(p.Id), p.LowStockBelow))
            .Where(l => l.Low).OrderBy(l => l.Available).ThenBy(l => l.ProductId).ToList();
    }

    /// <summary>Every watched product at every station holding its keys, and at the product's own station (with 0 when
    /// it holds none): what the restock alerts watch.</summary>
    public static async Task<List<StockLevel>> ByStationAsync(KaMengDbContext db, Expression<Func<Product, bool>>? filter = null, CancellationToken ct = default)
    {
        var products = await WatchedAsync(db, filter, ct);
        var ids = products.Select(p => p.Id).ToList();
        var stock = ids.Count == 0 ? [] : await AvailableKeys(db, ids)
            .GroupBy(k => new { k.StationId, k.ProductId }).Select(g => new { g.Key.StationId, g.Key.ProductId, Count = g.Count() }).ToListAsync(ct);
        var held = stock.ToLookup(s => s.ProductId, s => (s.StationId, Available: s.Count));
        return products.SelectMany(p => held[p.Id].Append((p.StationId, Available: 0)).DistinctBy(x => x.StationId)
            .Select(x => new StockLevel(x.StationId, p.Id, p.Name, x.Available, p.LowStockBelow))).ToList();
    }
}
