using KaMeng.Domain;
using MudBlazor;

namespace KaMeng.Web.Features.Admin.CardKeys;

/// <summary>The key table's toolbar filters, as the component holds them.</summary>
public sealed class CardKeyFilters
{
    public CardKeyStatus? Status { get; set; }
    public int? BatchId { get; set; }
}

/// <summary>Maps MudDataGrid's state to the service's own <see cref="CardKeyQuery"/>: the component's side of the border.</summary>
public static class CardKeyGrid
{
    public static CardKeyQuery ToQuery(GridState<CardKeyRow> state, CardKeyFilters filters)
    {
        var sort = state.SortDefinitions.OrderBy(s => s.Index).FirstOrDefault();
        var size = Math.Clamp(state.PageSize, 1, CardKeyInventoryService.MaxPageSize);
        return new CardKeyQuery(filters.Status, filters.BatchId, Math.Max(0, state.Page) * size, size,
            sort is null ? CardKeySort.Newest : SortField(sort.SortBy), sort?.Descending ?? false);
    }

    /// <summary>A column's property name to the sort the service knows; anything else sorts newest first.</summary>
    public static CardKeySort SortField(string? property) => property switch
    {
        nameof(CardKeyRow.Id) => CardKeySort.Id,
        nameof(CardKeyRow.Status) => CardKeySort.Status,
        nameof(CardKeyRow.BatchNumber) => CardKeySort.Batch,
        nameof(CardKeyRow.CreatedAt) => CardKeySort.CreatedAt,
        _ => CardKeySort.Newest,
    };

    /// <summary>Rows are the same key when their ids are: the selection survives a reload.</summary>
    public static readonly IEqualityComparer<CardKeyRow> ById = EqualityComparer<CardKeyRow>.Create((a, b) => a?.Id == b?.Id, r => r.Id.GetHashCode());

    public static Color StatusColor(CardKeyStatus status) => status switch
    {
        CardKeyStatus.Available => Color.Success,
        CardKeyStatus.Sold => Color.Info,
        CardKeyStatus.Refunded => Color.Warning,
        _ => Color.Default,
    };
}
