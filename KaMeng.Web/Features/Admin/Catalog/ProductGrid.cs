using KaMeng.Domain;
using MudBlazor;

namespace KaMeng.Web.Features.Admin.Catalog;

/// <summary>The product grid's toolbar filters, as the page holds them.</summary>
public sealed class ProductFilters
{
    public string? Search { get; set; }
    public int? CategoryId { get; set; }
    public DeliveryType? DeliveryType { get; set; }
    public bool? OnShelf { get; set; }
}

/// <summary>Maps MudDataGrid's state to the service's own <see cref="ProductQuery"/>: the page's side of the border.</summary>
public static class ProductGrid
{
    public static ProductQuery ToQuery(GridState<ProductRow> state, ProductFilters filters)
    {
        var sort = state.SortDefinitions.OrderBy(s => s.Index).FirstOrDefault();
        return new ProductQuery
        {
            Page = state.Page,
            PageSize = state.PageSize,
            SortBy = sort is null ? ProductSortField.Newest : SortField(sort.SortBy),
            Descending = sort?.Descending ?? false,
            NameContains = string.IsNullOrWhiteSpace(filters.Search) ? null : filters.Search.Trim(),
            CategoryId = filters.CategoryId,
            DeliveryType = filters.DeliveryType,
            OnShelf = filters.OnShelf,
        };
    }

    /// <summary>A column's property name to the sort the service knows; anything else sorts newest first.</summary>
    public static ProductSortField SortField(string? property) => property switch
    {
        nameof(ProductRow.Name) => ProductSortField.Name,
        nameof(ProductRow.CategoryName) => ProductSortField.Category,
        nameof(ProductRow.DeliveryType) => ProductSortField.DeliveryType,
        nameof(ProductRow.BasePrice) => ProductSortField.BasePrice,
        nameof(ProductRow.CostPrice) => ProductSortField.CostPrice,
        nameof(ProductRow.AvailableKeys) => ProductSortField.Stock,
        nameof(ProductRow.OnShelf) => ProductSortField.OnShelf,
        nameof(ProductRow.SortOrder) => ProductSortField.SortOrder,
        nameof(ProductRow.CreatedAt) => ProductSortField.CreatedAt,
        _ => ProductSortField.Newest,
    };

    /// <summary>Rows are the same product when their ids are: the selection survives a reload.</summary>
    public static readonly IEqualityComparer<ProductRow> ById = EqualityComparer<ProductRow>.Create((a, b) => a?.Id == b?.Id, r => r.Id);
}
