using KaMeng.Data;
using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Orders;

/// <summary>What became of a paid order handed to <see cref="Fulfilment.ReleaseAsync"/>.</summary>
public enum ReleaseOutcome
{
    /// <summary>Card keys taken, delivered, margins booked.</summary>
    Delivered,
    /// <summary>A top-up or manual order (or an imported product's procurement) waits for staff or the upstream.</summary>
    Queued,
    /// <summary>Too few card keys: nothing taken; the order waits in the processing queue for a restock.</summary>
    OutOfStock,
    /// <summary>Paid into the owner's own gateway, and the owner's 预存款 does not cover the platform's share: held, nothing delivered.</summary>
    AwaitingDeposit,
    /// <summary>The risk rules held it (待审核): keys claimed but not shown, nothing booked, until the risk staff decide.</summary>
    HeldForReview,
}

/// <summary>
/// The one path from a paid order to its goods and its money, whatever paid it (balance, the platform's gateway, a
/// station's own gateway, the Open API, a procurement or staff completing it later). Runs inside the caller's
/// transaction. Two rules live here and nowhere else:
/// <list type="bullet">
/// <item>Settlement (decision 0019): an order whose money went to the selling station's own gateway first takes the
/// platform's share — the station's chain cost, which holds every upstream margin — from the owner's 预存款. Not enough:
/// the order is held (<see cref="Order.AwaitingDeposit"/>). Nothing is delivered on credit.</item>
/// <item>Margins: on delivery every station on the frozen chain earns its share (the split of
/// <see cref="PriceQuote.Split"/>, read back from the snapshot). The selling station's own margin is not booked when its
/// owner collected the money: they already hold it.</item>
/// </list>
/// </summary>
public static class Fulfilment
{
    /// <summary>
    /// A paid order (status Paid) goes on: settled when the owner collected, then its card keys delivered, or queued for
    /// staff / the upstream. Keys are taken all or nothing; when too few are left the order waits in the processing queue.
    /// </summary>
    public static async Task<ReleaseOutcome> ReleaseAsync(KaMengDbContext db, Order order, DateTimeOffset now, CancellationToken ct)
    {
        if (!await SettleAsync(db, order, now, ct)) return ReleaseOutcome.AwaitingDeposit;
        // Held for the risk staff: a card-key order takes its keys first (so they are never sold to anyone else) and shows none.
        var held = order.RiskAction == RiskAction.Review && order.Status == OrderStatus.Paid;
        if (order.DeliveryType == DeliveryType.CardKey)
        {
            var reusable = await db.Products.Where(p => p.Id == order.ProductId).Select(p => p.ReusableKey).SingleAsync(ct);
            if (!await TakeKeysAsync(db, order, reusable, now, ct))
            {
                order.StartProcessing();
                order.DeliveryNote = "已支付，库存不足，等待补货后发货";
                return ReleaseOutcome.OutOfStock;
            }
        }
        if (held)
        {
            // The review window runs from the payment, as long as the rules set it at placement.
            order.Hold(now + (order.ReviewDeadline is { } d ? d - order.CreatedAt : TimeSpan.FromHours(1)));
            return ReleaseOutcome.HeldForReview;
        }
        if (order.DeliveryType != DeliveryType.CardKey)
        {
            order.StartProcessing();
            await Docking.ProcurementProcessor.EnqueueIfSuppliedAsync(db, order, now, ct);
            return ReleaseOutcome.Queued;
        }
        await DeliverAsync(db, order, now, null, ct);
        return ReleaseOutcome.Delivered;
    }

    /// <summary>Takes the order's card keys, all or nothing: a 循环卡密 product's one reusable key, or <see cref="Order.Quantity"/>
    /// keys through <see cref="CardKeyClaim"/> (a partial claim is given back). False when too few are available.</summary>
    public static async Task<bool> TakeKeysAsync(KaMengDbContext db, Order order, bool reusable, DateTimeOffset now, CancellationToken ct)
    {
        if (reusable)
        {
            order.ReusableKeyId = await db.CardKeys.Where(k => k.ProductId == order.ProductId && k.Status == CardKeyStatus.Available)
                .OrderBy(k => k.Id).Select(k => (long?)k.Id).FirstOrDefaultAsync(ct);
            return order.ReusableKeyId is not null;
        }
        var taken = await CardKeyClaim.ClaimAsync(db, order.ProductId, order.Id, order.Quantity, now, ct);
        if (taken == order.Quantity) return true;
        if (taken > 0)
        {
            await db.CardKeys.Where(k => k.OrderId == order.Id).ExecuteUpdateAsync(s => s
                .SetProperty(k => k.Status, CardKeyStatus.Available).SetProperty(k => k.OrderId, (long?)null).SetProperty(k => k.SoldAt, (DateTimeOffset?)null), ct);
        }
        return false;
    }

    /// <summary>Paid or Processing → Delivered, and every margin on the chain booked.</summary>
    public static async Task DeliverAsync(KaMengDbContext db, Order order, DateTimeOffset now, string? note, CancellationToken ct)
    {
        order.Deliver(now, note);
        await db.SaveChangesAsync(ct);
        await BookMarginsAsync(db, order, now, ct);
    }

    /// <summary>
    /// The platform's share of an order the owner collected: the selling station's cost × quantity, debited from the owner's
    /// 预存款 (never below zero). True when settled (or nothing to settle); false when held for the deposit.
    /// </summary>
    public static async Task<bool> SettleAsync(KaMengDbContext db, Order order, DateTimeOffset now, CancellationToken ct)
    {
        if (!order.OwnerCollected) return true;
        var steps = PriceResolver.ReadSnapshot(order.PriceChainJson);
        var seller = steps[^1];
        // The seller's cost, less what upstream stations subsidise (the buyer paid that much less into the owner's gateway), plus
        // the referral commissions the platform pays out of the seller's margin on its behalf.
        var commissions = Referrals.CommissionPlan.Read(order.CommissionJson)?.TotalOn(SellerMargin(order, seller)) ?? Money.Zero;
        var share = Money.FromFen(seller.CostFen * order.Quantity - steps.Take(steps.Count - 1).Sum(s => s.FundsFen)) + commissions;
        order.AwaitingDeposit = false;
        if (share.Fen > 0)
        {
            var owner = seller.OwnerUserId ?? throw new InvalidOperationException($"Order {order.Number} was collected by a station without an owner.");
            var debit = await db.PostToUserAsync(owner, LedgerEntryType.Settlement, -share, now, orderId: order.Id, stationId: seller.StationId,
                reason: $"订单 {order.Number} 平台结算（分站独立收款）", ct: ct);
            if (debit is null)
            {
                order.AwaitingDeposit = true;
                return false;
            }
        }
        return true;
    }

    /// <summary>The margin rule: each station on the frozen chain earns what it sold at minus its cost, times the quantity, as a
    /// ledger entry in its owner's wallet; the platform's own margin is in no wallet (decision 0004). When the owner collected
    /// the money through their own gateway, their own margin is theirs already and is not booked again.</summary>
    public static async Task BookMarginsAsync(KaMengDbContext db, Order order, DateTimeOffset now, CancellationToken ct)
    {
        var steps = PriceResolver.ReadSnapshot(order.PriceChainJson);
        Dictionary<int, DateTimeOffset?>? holds = null;
        // Referral commissions come out of the selling station's margin.
        var plan = Referrals.CommissionPlan.Read(order.CommissionJson);
        var sellerMargin = SellerMargin(order, steps[^1]);
        var referralTaken = Money.Zero;
        if (plan is not null)
        {
            holds = await db.EarningHoldsAsync([.. steps.Select(s => s.StationId)], now, ct);
            referralTaken = await Referrals.Commissions.BookAsync(db, order, plan, sellerMargin, steps[^1].StationId, holds.GetValueOrDefault(steps[^1].StationId), now, ct);
        }
        for (var i = steps.Count - 1; i >= 0; i--)
        {
            if (i == steps.Count - 1 && order.OwnerCollected) continue;
            var step = steps[i];
            var sellsAt = i == steps.Count - 1 ? order.UnitPrice.Fen : steps[i + 1].CostFen;
            // Less what the station funds of the order's discounts (its own coupon, or a subsidy of a coupon it issued).
            var earning = Money.FromFen((sellsAt - step.CostFen) * order.Quantity - step.FundsFen);
            if (i == steps.Count - 1) earning -= referralTaken;
            if (earning.Fen <= 0 || step.OwnerUserId is null) continue;
            // Read once per order, only when someone earns.
            holds ??= await db.EarningHoldsAsync([.. steps.Select(s => s.StationId)], now, ct);
            // 收益, 待结算 for the hold: a refund in that time takes it back before anyone could withdraw it (decision 0023).
            await db.PostToUserAsync(step.OwnerUserId, LedgerEntryType.Earning, earning, now, orderId: order.Id, stationId: step.StationId,
                reason: $"订单 {order.Number} 收益", allowNegative: true, bucket: WalletBucket.Earnings,
                availableAt: holds.GetValueOrDefault(step.StationId), ct: ct);
        }
    }

    /// <summary>The selling station's margin on the order: its price over its cost, less what it funds of the discounts.</summary>
    static Money SellerMargin(Order order, ChainSnapshotStep seller) =>
        Money.FromFen((order.UnitPrice.Fen - seller.CostFen) * order.Quantity - seller.FundsFen);
}
