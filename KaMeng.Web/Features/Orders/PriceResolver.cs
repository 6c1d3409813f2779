using KaMeng.Domain;
using KaMeng.Web.Features.Stations;

namespace KaMeng.Web.Features.Orders;

/// <summary>A station's selling price of a product and how it was reached.</summary>
public sealed record ResolvedPrice(Money Price, Money Cost, string Explanation);

/// <summary>
/// The one place a selling price is decided, used by every surface (list, product page, checkout, order).
/// The main station sells at the base price; substation price chains arrive with the substations issue and
/// replace the body of <see cref="Resolve"/>, not its callers.
/// </summary>
public sealed class PriceResolver
{
    public ResolvedPrice Resolve(StationInfo station, Product product) =>
        new(product.BasePrice, product.CostPrice, $"总站售价 {product.BasePrice}");

    /// <summary>Products of the main station's catalogue are sold by every station; a station's own products by it.</summary>
    public static bool IsVisibleTo(StationInfo station, Product product) =>
        product.StationId == Station.MainStationId || product.StationId == station.Id;
}
