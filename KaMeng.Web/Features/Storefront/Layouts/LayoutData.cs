using KaMeng.Domain;
using KaMeng.Web.Features.Stations;

namespace KaMeng.Web.Features.Storefront.Layouts;

/// <summary>What a layout's blocks need from the catalogue, read only when a block needs it.</summary>
public static class LayoutData
{
    public static async Task<(List<Category>, List<ProductCard>)> LoadAsync(StorefrontCatalog catalog, StationInfo station, PageLayout layout)
    {
        var visible = layout.Blocks.Where(b => !b.Hidden).ToList();
        var categories = visible.Any(b => b.Type == BlockTypes.CategoryNav) ? await catalog.CategoriesAsync(station) : [];
        var products = visible.Any(b => b.Type is BlockTypes.ProductGrid or BlockTypes.HotProducts) ? await catalog.ProductsAsync(station) : [];
        return (categories, products);
    }
}
