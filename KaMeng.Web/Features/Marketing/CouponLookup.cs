using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Stations;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Marketing;

/// <summary>A coupon a checkout uses: the coupon, how the buyer holds it (a public code, a one-time code, a grant), and once
/// priced, its discount and the order total it came off.</summary>
public sealed record CouponUse(Coupon Coupon, long? CodeId, long? GrantId, string? Code, Money Discount = default, Money OrderTotal = default)
{
    public CouponOffer Offer => Coupon.Offer();
}

/// <summary>
/// Finds the coupon a buyer gives at checkout and checks everything that needs no transaction: that it exists on this
/// station's chain (its own, or an upstream station's offered to substations), is enabled and inside its window, covers the
/// product and admits this buyer. Limits are taken later, inside the order transaction (<see cref="PromotionReservations"/>).
/// </summary>
public static class CouponLookup
{
    public static async Task<(CouponUse? Use, PurchaseRefusal? Refusal)> FindAsync(KaMengDbContext db, StationPricing pricing, StationInfo station,
        Product product, PurchaseInput input, BuyerTerms terms, DateTimeOffset now, CancellationToken ct)
    {
        static (CouponUse?, PurchaseRefusal?) Refuse(string message) => (null, new("checkout.coupon", message));
        var chain = pricing.Path.Select(s => s.StationId).ToList();
        Coupon? coupon = null;
        long? codeId = null, grantId = null;
        DateTimeOffset? grantExpires = null;
        string? code = null;

        if (input.CouponGrantId is long id)
        {
            if (input.BuyerUserId is null) return Refuse("请先登录再使用优惠券");
            var grant = await db.CouponGrants.AsNoTracking().SingleOrDefaultAsync(g => g.Id == id && g.UserId == input.BuyerUserId, ct);
            if (grant is null) return Refuse("优惠券不存在");
            if (grant.OrderId is not null) return Refuse("该优惠券已使用");
            coupon = await db.Coupons.AsNoTracking().SingleOrDefaultAsync(c => c.Id == grant.CouponId, ct);
            grantId = grant.Id;
            grantExpires = grant.ExpiresAt;
        }
        else
        {
            code = Coupon.NormalizeCode(input.CouponCode);
            if (code is null) return Refuse("优惠码不存在");
            // The nearest station's code wins when a station and an upstream one happen to use the same text.
            var publics = await db.Coupons.AsNoTracking().Where(c => c.Code == code && chain.Contains(c.StationId)).ToListAsync(ct);
            coupon = publics.OrderByDescending(c => chain.IndexOf(c.StationId)).FirstOrDefault();
            if (coupon is null)
            {
                var oneTime = (await db.CouponCodes.AsNoTracking().Where(c => c.Code == code && chain.Contains(c.StationId)).ToListAsync(ct))
                    .OrderByDescending(c => chain.IndexOf(c.StationId)).FirstOrDefault();
                if (oneTime is not null)
                {
                    if (oneTime.OrderId is not null) return Refuse("该优惠码已被使用");
                    coupon = await db.Coupons.AsNoTracking().SingleOrDefaultAsync(c => c.Id == oneTime.CouponId, ct);
                    codeId = oneTime.Id;
                }
            }
        }
        if (coupon is null) return Refuse("优惠码不存在");
        // Usable where it was issued, and on substations below only when the issuer offers it to them (and pays for it).
        if (coupon.StationId != station.Id && !(coupon.ForSubstations && chain.Contains(coupon.StationId))) return Refuse("该优惠券不能在本站使用");
        if (coupon.Disabled) return Refuse("该优惠券已停用");
        if (coupon.ValidFrom is { } from && now < from) return Refuse($"该优惠券 {BusinessTime.ToBusiness(from):yyyy-MM-dd HH:mm} 起可用");
        if (!coupon.IsValidAt(now, grantExpires)) return Refuse("该优惠券已过期");
        if (!coupon.Covers(product.Id, product.CategoryId)) return Refuse("该优惠券不适用于此商品");
        if (coupon.TotalLimit > 0 && coupon.Taken >= coupon.TotalLimit) return Refuse("该优惠券已被用完");
        if (input.BuyerUserId is null && (coupon.Audience != CouponAudience.Anyone || coupon.PerBuyerLimit > 0))
            return Refuse("请先登录再使用该优惠券");
        switch (coupon.Audience)
        {
            case CouponAudience.NewBuyers:
                if (await db.Orders.AnyAsync(o => o.StationId == station.Id && o.BuyerUserId == input.BuyerUserId
                        && o.Status != OrderStatus.Cancelled && o.Status != OrderStatus.PendingPayment, ct))
                    return Refuse("该优惠券仅限新用户首单使用");
                break;
            case CouponAudience.MemberLevels:
                if (terms.MemberLevelId is not int level || !coupon.MemberLevelIdList.Contains(level)) return Refuse("您的会员等级不能使用该优惠券");
                break;
        }
        return (new CouponUse(coupon, codeId, grantId, code), null);
    }
}
