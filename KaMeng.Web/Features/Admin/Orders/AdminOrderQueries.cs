using System.Text.Json;
using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Orders;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Admin.Orders;

/// <summary>A row of the admin order grids (init properties, so EF can filter and sort on the projection).</summary>
public sealed record OrderRow
{
    public long Id { get; init; }
    public string Number { get; init; } = "";
    public int StationId { get; init; }
    public int ProductId { get; init; }
    public string ProductName { get; init; } = "";
    public int Quantity { get; init; }
    public Money Total { get; init; }
    public OrderStatus Status { get; init; }
    /// <summary>Held for the owner's 预存款 (<see cref="Order.AwaitingDeposit"/>).</summary>
    public bool AwaitingDeposit { get; init; }
    public string StatusText => Order.StaffStatusText(Status, AwaitingDeposit);
    public DeliveryType DeliveryType { get; init; }
    public string? BuyerName { get; init; }
    public string? Contact { get; init; }
    public string? InputsJson { get; init; }
    public string? DeliveryNote { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    /// <summary>How promotions priced the order (原价 → who funded what → 实付), frozen on it; null without promotions.</summary>
    public string? PromotionJson { get; init; }
    public string? PromotionText => KaMeng.Web.Features.Marketing.PromotionRecord.Read(PromotionJson)?.Explanation;
}

/// <summary>What the buyer filled in, under the product's own labels (手机号, not phone).</summary>
public sealed record OrderInput(string Label, string Value);

/// <summary>An order waiting for staff (直充, 人工发货) with its inputs labelled.</summary>
public sealed record ProcessingOrder(OrderRow Order, IReadOnlyList<OrderInput> Inputs);

public enum OrderSort { CreatedAt, Number, ProductName, Total, Status }

/// <summary>One page of the order list; the page maps its grid state to this.</summary>
public sealed record OrderPageQuery(string? Search, OrderStatus? Status, int? StationId, int Skip, int Take, OrderSort SortBy = OrderSort.CreatedAt, bool Descending = true);

public sealed record StationFilterChoice(int Id, string Text);

/// <summary>What the admin order pages (订单, 待处理) read, in the actor's station scope.</summary>
public sealed class AdminOrderQueries(IDbContextFactory<KaMengDbContext> dbFactory)
{
    /// <summary>Order rows of a context scoped to the actor (see <see cref="AuditActor.ScopedAsync"/>).</summary>
    public static IQueryable<OrderRow> Rows(KaMengDbContext db)
    {
        return from o in db.Orders
               join u in db.Users on o.BuyerUserId equals u.Id into buyers
               from u in buyers.DefaultIfEmpty()
               select new OrderRow
               {
                   Id = o.Id, Number = o.Number, StationId = o.StationId, ProductId = o.ProductId, ProductName = o.ProductName, Quantity = o.Quantity, Total = o.Total,
                   Status = o.Status, DeliveryType = o.DeliveryType, BuyerName = u != null ? u.UserName : o.Contact, Contact = o.Contact, InputsJson = o.InputsJson,
                   DeliveryNote = o.DeliveryNote, CreatedAt = o.CreatedAt, AwaitingDeposit = o.AwaitingDeposit, PromotionJson = o.PromotionJson,
               };
    }

    /// <summary>A page of orders the admin may see (the context is scoped to their station; only the platform filters by station).</summary>
    public async Task<(IReadOnlyList<OrderRow> Rows, int Total)> PageAsync(AuditActor actor, OrderPageQuery q, CancellationToken ct = default)
    {
        var platformWide = actor.StationId is null;
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var query = Rows(db);
        if (platformWide && q.StationId is int only) query = query.Where(o => o.StationId == only);
        if (q.Status is { } status) query = query.Where(o => o.Status == status);
        if (!string.IsNullOrWhiteSpace(q.Search))
        {
            var s = q.Search.Trim();
            query = query.Where(o => o.Number.Contains(s) || o.ProductName.Contains(s) || (o.BuyerName != null && o.BuyerName.Contains(s)));
        }
        var total = await query.CountAsync(ct);
        query = (q.SortBy, q.Descending) switch
        {
            (OrderSort.Number, false) => query.OrderBy(o => o.Number),
            (OrderSort.Number, true) => query.OrderByDescending(o => o.Number),
            (OrderSort.ProductName, false) => query.OrderBy(o => o.ProductName).ThenByDescending(o => o.Id),
            (OrderSort.ProductName, true) => query.OrderByDescending(o => o.ProductName).ThenByDescending(o => o.Id),
            (OrderSort.Total, false) => query.OrderBy(o => o.Total).ThenByDescending(o => o.Id),
            (OrderSort.Total, true) => query.OrderByDescending(o => o.Total).ThenByDescending(o => o.Id),
            (OrderSort.Status, false) => query.OrderBy(o => o.Status).ThenByDescending(o => o.Id),
            (OrderSort.Status, true) => query.OrderByDescending(o => o.Status).ThenByDescending(o => o.Id),
            (_, false) => query.OrderBy(o => o.CreatedAt).ThenBy(o => o.Id),
            _ => query.OrderByDescending(o => o.CreatedAt).ThenByDescending(o => o.Id),
        };
        var rows = await query.Skip(Math.Max(0, q.Skip)).Take(Math.Clamp(q.Take, 1, 200)).ToListAsync(ct);
        return (rows, total);
    }

    /// <summary>The stations the platform can filter by (an owner sees only their own scope).</summary>
    public async Task<List<StationFilterChoice>> StationChoicesAsync(AuditActor actor, CancellationToken ct = default)
    {
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        return await db.Stations.AsNoTracking().OrderBy(s => s.Id).Select(s => new StationFilterChoice(s.Id, s.Name + "（" + s.Code + "）")).ToListAsync(ct);
    }

    /// <summary>The processing queue (oldest first), each order's inputs under its product's field labels.</summary>
    public async Task<List<ProcessingOrder>> ProcessingAsync(AuditActor actor, int? stationId, CancellationToken ct = default)
    {
        var platformWide = actor.StationId is null;
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var query = Rows(db).Where(o => o.Status == OrderStatus.Processing);
        if (platformWide && stationId is int only) query = query.Where(o => o.StationId == only);
        var rows = await query.OrderBy(o => o.CreatedAt).Take(200).ToListAsync(ct);
        var productIds = rows.Select(o => o.ProductId).Distinct().ToList();
        var fields = (await db.Products.AsNoTracking().Where(p => productIds.Contains(p.Id)).Select(p => new { p.Id, p.InputFields }).ToListAsync(ct))
            .ToDictionary(p => p.Id, p => (IReadOnlyList<InputField>)p.InputFields);
        return rows.Select(o => new ProcessingOrder(o, LabelInputs(o.InputsJson, fields.GetValueOrDefault(o.ProductId) ?? []))).ToList();
    }

    /// <summary>The buyer's inputs in the product's field order, under their labels; a key the product no longer has keeps its key.</summary>
    public static IReadOnlyList<OrderInput> LabelInputs(string? inputsJson, IReadOnlyList<InputField> fields)
    {
        if (string.IsNullOrEmpty(inputsJson)) return [];
        var values = JsonSerializer.Deserialize<Dictionary<string, string>>(inputsJson) ?? [];
        var labelled = fields.Where(f => values.ContainsKey(f.Key)).Select(f => new OrderInput(f.Label, values[f.Key])).ToList();
        labelled.AddRange(values.Where(kv => fields.All(f => f.Key != kv.Key)).Select(kv => new OrderInput(kv.Key, kv.Value)));
        return labelled;
    }
}
