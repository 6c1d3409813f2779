using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Marketing;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Stations;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Storefront;

/// <summary>A coupon's effect on one order line before payment: the priced line, or the Chinese reason it is refused.</summary>
public sealed record CouponQuote(PromotedPrice? Price, string? Error, CouponUse? Use)
{
    public bool Accepted => Price is not null && Error is null;
}

/// <summary>A coupon the buyer holds (我的优惠券): the grant with its coupon.</summary>
public sealed record HeldCoupon(CouponGrant Grant, Coupon Coupon)
{
    public DateTimeOffset? ExpiresAt => Grant.ExpiresAt ?? Coupon.ValidUntil;
    public bool Used => Grant.OrderId is not null;
    public bool UsableAt(DateTimeOffset now) => !Used && Coupon.IsValidAt(now, Grant.ExpiresAt);
    /// <summary>Not used and past its end (or disabled by the station): shown under 已过期.</summary>
    public bool ExpiredAt(DateTimeOffset now) => !Used && (Coupon.Disabled || ExpiresAt is { } end && now >= end);
}

/// <summary>
/// Prices a coupon on the product page before payment, by the same lookup and pricing checkout uses
/// (<see cref="CouponLookup.FindAsync"/> then <see cref="ProductDetail.PriceOf"/>), writing nothing: limits are only taken
/// by the order's transaction, so a preview can still be refused at payment (the last use went to someone else).
/// </summary>
public sealed class CouponPreview(IDbContextFactory<KaMengDbContext> dbFactory)
{
    public async Task<CouponQuote> QuoteAsync(StationInfo station, ProductDetail item, int quantity, string? code, long? grantId, string? buyerUserId,
        CancellationToken ct = default)
    {
        if (grantId is null && string.IsNullOrWhiteSpace(code)) return new(null, "请输入优惠码", null);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        // A chosen grant wins over a typed code, as checkout reads them.
        var input = new PurchaseInput(item.Product.Id, Math.Max(quantity, 1), "preview", buyerUserId, null, null, null,
            grantId is null ? code : null, grantId);
        var (use, refusal) = await CouponLookup.FindAsync(db, item.Pricing, station, item.Product, input, item.Terms, item.QuotedAt, ct);
        if (refusal is not null) return new(null, refusal.Message, null);
        try { return new(item.PriceOf(quantity, use!.Offer), null, use); }
        catch (CouponRefusedException e) { return new(null, e.Message, null); }
    }

    /// <summary>The buyer's coupons at the station, newest grant first.</summary>
    public async Task<List<HeldCoupon>> HeldAsync(int stationId, string buyerUserId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var grants = await db.CouponGrants.AsNoTracking().Where(g => g.UserId == buyerUserId && g.StationId == stationId)
            .OrderByDescending(g => g.GrantedAt).ThenByDescending(g => g.Id).Take(200).ToListAsync(ct);
        var ids = grants.Select(g => g.CouponId).Distinct().ToList();
        var coupons = await db.Coupons.AsNoTracking().Where(c => ids.Contains(c.Id)).ToDictionaryAsync(c => c.Id, ct);
        return [.. grants.Where(g => coupons.ContainsKey(g.CouponId)).Select(g => new HeldCoupon(g, coupons[g.CouponId]))];
    }

    /// <summary>The buyer's coupons usable on this product now (the product page's choice).</summary>
    public async Task<List<HeldCoupon>> UsableOnAsync(int stationId, string buyerUserId, Product product, DateTimeOffset now, CancellationToken ct = default) =>
        [.. (await HeldAsync(stationId, buyerUserId, ct)).Where(h => h.UsableAt(now) && h.Coupon.Covers(product.Id, product.CategoryId))];
}
