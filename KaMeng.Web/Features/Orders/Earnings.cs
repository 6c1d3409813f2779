using KaMeng.Data;
using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Orders;

/// <summary>
/// When an order is delivered, every station on its frozen price chain earns its margin as a ledger entry in its
/// owner's wallet (分站收益): the selling station the paid price minus its cost, each parent its child's cost minus
/// its own, the main station the top substation's cost minus the product cost. Runs inside the order's transaction.
/// </summary>
public static class Earnings
{
    public static async Task PostAsync(KaMengDbContext db, Order order, DateTimeOffset now, CancellationToken ct)
    {
        var steps = PriceResolver.ReadSnapshot(order.PriceChainJson);
        for (var i = steps.Count - 1; i >= 0; i--)
        {
            var step = steps[i];
            var sellsAt = i == steps.Count - 1 ? order.UnitPrice.Fen : steps[i + 1].CostFen;
            var earning = Money.FromFen((sellsAt - step.CostFen) * order.Quantity);
            if (earning.Fen <= 0 || step.OwnerUserId is null) continue;
            await db.PostToUserAsync(step.OwnerUserId, LedgerEntryType.Earning, earning, now, orderId: order.Id, stationId: step.StationId,
                reason: $"订单 {order.Number} 收益", allowNegative: true, ct: ct);
        }
    }
}
