using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Orders;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Tests.Infrastructure;

/// <summary>
/// The platform's books, order by order: what the buyer paid equals what the stations earned, plus what an owner kept from
/// their own gateway, plus the platform's margin and the product's cost — with the earnings and the settlement read from the
/// ledger, so a margin booked twice (or not at all) or a share not settled breaks it.
/// </summary>
public static class LedgerBooks
{
    /// <summary>Each bucket of each wallet equals the sum of its entries; 余额 is never below zero (收益 may be, after a refund
    /// took back an earning already available).</summary>
    public static async Task AssertWalletsEqualTheirLedgersAsync(KaMengDbContext db)
    {
        var wallets = await db.Wallets.AsNoTracking().ToListAsync();
        var sums = (await db.LedgerEntries.AsNoTracking().Select(e => new { e.WalletId, e.Bucket, e.Amount }).ToListAsync())
            .GroupBy(e => (e.WalletId, e.Bucket)).ToDictionary(g => g.Key, g => g.Sum(e => e.Amount.Fen));
        foreach (var w in wallets)
        {
            Assert.True(sums.GetValueOrDefault((w.Id, WalletBucket.Balance)) == w.Balance.Fen, $"wallet {w.Id}: 余额 {w.Balance.Fen} ≠ its entries {sums.GetValueOrDefault((w.Id, WalletBucket.Balance))}");
            Assert.True(sums.GetValueOrDefault((w.Id, WalletBucket.Earnings)) == w.Earnings.Fen, $"wallet {w.Id}: 收益 {w.Earnings.Fen} ≠ its entries {sums.GetValueOrDefault((w.Id, WalletBucket.Earnings))}");
            Assert.True(w.Balance.Fen >= 0, $"wallet {w.Id}: 余额 is negative");
        }
    }

    public static async Task AssertDeliveredOrdersBalanceAsync(KaMengDbContext db)
    {
        // Orders with a refund are checked by their refund tests (who bore what depends on who agreed, decision 0021).
        var orders = await db.Orders.IgnoreQueryFilters().AsNoTracking()
            .Where(o => o.Status == OrderStatus.Delivered && !db.Refunds.Any(r => r.OrderId == o.Id)).ToListAsync();
        var entries = (await db.LedgerEntries.AsNoTracking().Where(e => e.OrderId != null).ToListAsync()).ToLookup(e => e.OrderId!.Value);
        foreach (var order in orders)
        {
            var steps = PriceResolver.ReadSnapshot(order.PriceChainJson);
            var mine = entries[order.Id].ToList();
            var earned = mine.Where(e => e.Type == LedgerEntryType.Earning).Sum(e => e.Amount.Fen);
            var settled = -mine.Where(e => e.Type == LedgerEntryType.Settlement).Sum(e => e.Amount.Fen);
            var paidFromBalance = -mine.Where(e => e.Type == LedgerEntryType.Purchase).Sum(e => e.Amount.Fen);
            var seller = steps[^1];
            // The platform's own share (no wallet, decision 0004): the top substation's cost (or the price, at the main station) minus the product cost.
            var platformSells = steps.Count > 1 ? steps[1].CostFen : order.UnitPrice.Fen;
            // Less what the main station funds of the order's discounts (issue 20: a coupon or subsidy comes out of its issuer's margin).
            var platformMargin = (platformSells - steps[0].CostFen) * order.Quantity - steps[0].FundsFen;
            var productCost = steps[0].CostFen * order.Quantity;
            var ownerKept = order.OwnerCollected ? (order.UnitPrice.Fen - seller.CostFen) * order.Quantity - seller.FundsFen : 0;
            Assert.True(order.Total.Fen == earned + ownerKept + platformMargin + productCost,
                $"order {order.Number}: paid {order.Total.Fen} ≠ earned {earned} + kept by owner {ownerKept} + platform {platformMargin} + cost {productCost}");
            if (order.OwnerCollected)
            {
                Assert.True(settled == seller.CostFen * order.Quantity, $"order {order.Number}: settled {settled} from the owner's deposit, expected {seller.CostFen * order.Quantity}");
                Assert.True(paidFromBalance == 0, $"order {order.Number} was paid to the owner's gateway but debited a balance");
            }
            else
            {
                Assert.True(settled == 0, $"order {order.Number}: a settlement on an order the platform collected");
                if (order.PaymentMethod == PaymentMethod.Balance)
                    Assert.True(paidFromBalance == order.Total.Fen, $"order {order.Number}: balance debited {paidFromBalance}, total {order.Total.Fen}");
            }
        }
    }
}
