using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Orders;
using Microsoft.EntityFrameworkCore;
using Radzen;

namespace KaMeng.Web.Features.Admin.Orders;

/// <summary>A row of the admin order grids (init properties, so EF can filter and sort on the projection).</summary>
public sealed record OrderRow
{
    public long Id { get; init; }
    public string Number { get; init; } = "";
    public int StationId { get; init; }
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
}

/// <summary>A station in the platform's station filter: id and "名称（编号）".</summary>
public sealed record StationChoice(int Id, string Text);

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
                   Id = o.Id, Number = o.Number, StationId = o.StationId, ProductName = o.ProductName, Quantity = o.Quantity, Total = o.Total,
                   Status = o.Status, DeliveryType = o.DeliveryType, BuyerName = u != null ? u.UserName : o.Contact, Contact = o.Contact, InputsJson = o.InputsJson,
                   DeliveryNote = o.DeliveryNote, CreatedAt = o.CreatedAt, AwaitingDeposit = o.AwaitingDeposit,
               };
    }

    /// <summary>The stations the platform can filter by (an owner sees only their own scope).</summary>
    public async Task<List<StationChoice>> StationChoicesAsync(AuditActor actor, CancellationToken ct = default)
    {
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        return await db.Stations.AsNoTracking().OrderBy(s => s.Id).Select(s => new StationChoice(s.Id, s.Name + "（" + s.Code + "）")).ToListAsync(ct);
    }

    /// <summary>One page of the order grid and the count of all matching rows. The station filter applies to a
    /// platform-wide actor only (an owner is always scoped to their own station); <paramref name="orderBy"/> is the grid's
    /// sort expression, newest first when empty.</summary>
    public async Task<(List<OrderRow> Rows, int Count)> PageAsync(AuditActor actor, int? stationFilter, OrderStatus? status, string? search,
        string? orderBy, int skip, int take, CancellationToken ct = default)
    {
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var query = Rows(db);
        if (actor.StationId is null && stationFilter is int only) query = query.Where(o => o.StationId == only);
        if (status is not null) query = query.Where(o => o.Status == status);
        if (!string.IsNullOrWhiteSpace(search))
        {
            var s = search.Trim();
            query = query.Where(o => o.Number.Contains(s) || o.ProductName.Contains(s) || (o.BuyerName != null && o.BuyerName.Contains(s)));
        }
        var count = await query.CountAsync(ct);
        query = string.IsNullOrEmpty(orderBy) ? query.OrderByDescending(o => o.CreatedAt).ThenByDescending(o => o.Id) : query.OrderBy(orderBy);
        return (await query.Skip(skip).Take(take).ToListAsync(ct), count);
    }

    /// <summary>The 待处理 queue: orders waiting for manual delivery, oldest first (at most 200). The station filter applies
    /// to a platform-wide actor only.</summary>
    public async Task<List<OrderRow>> ProcessingAsync(AuditActor actor, int? stationFilter, CancellationToken ct = default)
    {
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var query = Rows(db);
        if (actor.StationId is null && stationFilter is int only) query = query.Where(o => o.StationId == only);
        return await query.Where(o => o.Status == OrderStatus.Processing).OrderBy(o => o.CreatedAt).Take(200).ToListAsync(ct);
    }
}
