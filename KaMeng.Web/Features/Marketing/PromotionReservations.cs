using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Orders;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Marketing;

/// <summary>
/// The limits of promotions, taken inside the order's transaction with conditional updates (so two racing buyers for the
/// last coupon use or the last flash piece cannot both win), consumed on payment, and given back when an unpaid order closes.
/// A coupon also comes back when its order is refunded before delivery while the coupon is still valid; it is never paid out.
/// </summary>
public static class PromotionReservations
{
    /// <summary>Takes the coupon use and the flash quota of a written order (its Id is known). Null when taken, else the
    /// refusal; the caller rolls the whole transaction back then.</summary>
    public static async Task<PurchaseRefusal?> ReserveAsync(KaMengDbContext db, PricedOrder draft, bool paid, DateTimeOffset now, CancellationToken ct)
    {
        var order = draft.Order;
        if (draft.Flash is { } sale)
        {
            var q = order.Quantity;
            // The quota check and the take in one statement: concurrent takes queue on the row and re-check it.
            var taken = await db.FlashSales.Where(f => f.Id == sale.Id && !f.Paused && f.StartsAt <= now && f.EndsAt > now && (f.Quota == 0 || f.Taken + q <= f.Quota))
                .ExecuteUpdateAsync(u => u.SetProperty(f => f.Taken, f => f.Taken + q), ct);
            if (taken == 0)
            {
                draft.FlashSoldOut = true;
                return new("checkout.flash_sold_out", "秒杀名额已抢光，请刷新后按原价购买");
            }
            if (sale.Quota > 0) draft.FlashSoldOut = await db.FlashSales.Where(f => f.Id == sale.Id).Select(f => f.Taken).SingleAsync(ct) >= sale.Quota;
            if (sale.PerBuyerLimit > 0)
            {
                if (order.BuyerUserId is null) return new("checkout.flash_login", "该秒杀每人限购，请登录后购买");
                var bought = await db.Orders.Where(o => o.FlashSaleId == sale.Id && o.BuyerUserId == order.BuyerUserId && o.Id != order.Id
                        && o.Status != OrderStatus.Cancelled && o.Status != OrderStatus.Refunded && o.Status != OrderStatus.Failed)
                    .SumAsync(o => (int?)o.Quantity, ct) ?? 0;
                if (bought + q > sale.PerBuyerLimit) return new("checkout.flash_limit", $"该秒杀每人限购 {sale.PerBuyerLimit} 件，您已抢购 {bought} 件");
            }
        }
        if (draft.Coupon is { } use)
        {
            var coupon = use.Coupon;
            var took = await db.Coupons.Where(c => c.Id == coupon.Id && !c.Disabled && (c.TotalLimit == 0 || c.Taken < c.TotalLimit))
                .ExecuteUpdateAsync(u => u.SetProperty(c => c.Taken, c => c.Taken + 1), ct);
            if (took == 0) return new("checkout.coupon", "该优惠券已被用完");
            // The update above holds the coupon's row: a second order of the same buyer waits for this one and counts it.
            if (coupon.PerBuyerLimit > 0)
            {
                var used = await db.CouponRedemptions.CountAsync(r => r.CouponId == coupon.Id && r.BuyerUserId == order.BuyerUserId && r.Status != RedemptionStatus.Released, ct);
                if (used >= coupon.PerBuyerLimit) return new("checkout.coupon", $"该优惠券每人限用 {coupon.PerBuyerLimit} 次");
            }
            if (use.CodeId is long codeId
                && await db.CouponCodes.Where(c => c.Id == codeId && c.OrderId == null).ExecuteUpdateAsync(u => u.SetProperty(c => c.OrderId, order.Id), ct) == 0)
                return new("checkout.coupon", "该优惠码已被使用");
            if (use.GrantId is long grantId
                && await db.CouponGrants.Where(g => g.Id == grantId && g.OrderId == null).ExecuteUpdateAsync(u => u.SetProperty(g => g.OrderId, order.Id), ct) == 0)
                return new("checkout.coupon", "该优惠券已使用");
            db.CouponRedemptions.Add(new CouponRedemption
            {
                CouponId = coupon.Id, StationId = coupon.StationId, OrderStationId = order.StationId, OrderId = order.Id, BuyerUserId = order.BuyerUserId,
                CodeId = use.CodeId, GrantId = use.GrantId, Discount = use.Discount, OrderTotal = use.OrderTotal,
                Status = paid ? RedemptionStatus.Consumed : RedemptionStatus.Reserved, CreatedAt = now,
            });
            await db.SaveChangesAsync(ct);
        }
        return null;
    }

    /// <summary>The order was paid: its reserved coupon is used.</summary>
    public static async Task ConsumeAsync(KaMengDbContext db, Order order, CancellationToken ct)
    {
        if (order.CouponDiscount.Fen == 0) return;
        await db.CouponRedemptions.Where(r => r.OrderId == order.Id && r.Status == RedemptionStatus.Reserved)
            .ExecuteUpdateAsync(u => u.SetProperty(r => r.Status, RedemptionStatus.Consumed), ct);
    }

    /// <summary>An unpaid order closed (expired or cancelled): its flash quota and coupon go back.</summary>
    public static async Task ReleaseUnpaidAsync(KaMengDbContext db, Order order, CancellationToken ct)
    {
        if (order.FlashSaleId is int saleId)
        {
            var q = order.Quantity;
            await db.FlashSales.Where(f => f.Id == saleId && f.Taken >= q).ExecuteUpdateAsync(u => u.SetProperty(f => f.Taken, f => f.Taken - q), ct);
        }
        await GiveCouponBackAsync(db, order, RedemptionStatus.Reserved, ct);
    }

    /// <summary>An order refunded in whole before delivery: its coupon comes back if it is still valid (never as money).
    /// True when it came back.</summary>
    public static async Task<bool> ReturnOnRefundAsync(KaMengDbContext db, Order order, DateTimeOffset now, CancellationToken ct)
    {
        if (order.CouponDiscount.Fen == 0 || order.DeliveredAt is not null) return false;
        var redemption = await db.CouponRedemptions.AsNoTracking().SingleOrDefaultAsync(r => r.OrderId == order.Id && r.Status == RedemptionStatus.Consumed, ct);
        if (redemption is null) return false;
        var coupon = await db.Coupons.AsNoTracking().SingleAsync(c => c.Id == redemption.CouponId, ct);
        DateTimeOffset? grantExpires = redemption.GrantId is long g
            ? await db.CouponGrants.Where(x => x.Id == g).Select(x => x.ExpiresAt).SingleAsync(ct) : null;
        if (!coupon.IsValidAt(now, grantExpires)) return false;
        return await GiveCouponBackAsync(db, order, RedemptionStatus.Consumed, ct);
    }

    static async Task<bool> GiveCouponBackAsync(KaMengDbContext db, Order order, RedemptionStatus from, CancellationToken ct)
    {
        if (order.CouponDiscount.Fen == 0) return false;
        var redemption = await db.CouponRedemptions.SingleOrDefaultAsync(r => r.OrderId == order.Id && r.Status == from, ct);
        if (redemption is null) return false;
        // Conditional on the status it was read in: a racing release cannot give the same use back twice.
        if (await db.CouponRedemptions.Where(r => r.Id == redemption.Id && r.Status == from)
                .ExecuteUpdateAsync(u => u.SetProperty(r => r.Status, RedemptionStatus.Released), ct) == 0) return false;
        await db.Coupons.Where(c => c.Id == redemption.CouponId && c.Taken > 0).ExecuteUpdateAsync(u => u.SetProperty(c => c.Taken, c => c.Taken - 1), ct);
        if (redemption.CodeId is long codeId)
            await db.CouponCodes.Where(c => c.Id == codeId && c.OrderId == order.Id).ExecuteUpdateAsync(u => u.SetProperty(c => c.OrderId, (long?)null), ct);
        if (redemption.GrantId is long grantId)
            await db.CouponGrants.Where(c => c.Id == grantId && c.OrderId == order.Id).ExecuteUpdateAsync(u => u.SetProperty(c => c.OrderId, (long?)null), ct);
        db.Entry(redemption).State = EntityState.Detached;
        return true;
    }
}
