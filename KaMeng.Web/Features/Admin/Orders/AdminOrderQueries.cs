using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Orders;

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

public static class AdminOrderQueries
{
    /// <summary>Order rows of a context scoped to the actor (see <see cref="CurrentAdmin.CreateDbContextAsync"/>).</summary>
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
}
