using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;
using KaMeng.Domain;

namespace KaMeng.Web.Features.Marketing;

/// <summary>A funder's share of an order's discounts as frozen on the order.</summary>
public sealed record FundingRecord(int StationId, string StationName, long Fen, bool Subsidy);

/// <summary>
/// How an order's price came about, frozen on it (<see cref="Order.PromotionJson"/>): the list price, the promotions applied,
/// the coupon and who funded each part. The explanation grid and the order page read it back.
/// </summary>
public sealed record PromotionRecord(long ListUnitFen, IReadOnlyList<string> Applied, int? CouponId, string? CouponName, string? CouponCode,
    long CouponDiscountFen, IReadOnlyList<FundingRecord> Funders, string Explanation)
{
    // Chinese kept readable in the column (finance reads it in database tools too).
    static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.Create(UnicodeRanges.All) };

    public static string Of(PromotedPrice price, CouponUse? coupon) => JsonSerializer.Serialize(new PromotionRecord(
        price.ListUnit.Fen, price.Applied, coupon?.Coupon.Id, coupon?.Coupon.Name, coupon?.Code, price.CouponDiscount.Fen,
        [.. price.Funders.Select(f => new FundingRecord(f.StationId, f.StationName, f.Amount.Fen, f.Subsidy))], price.Explain()), Json);

    public static PromotionRecord? Read(string? json) => string.IsNullOrEmpty(json) ? null : JsonSerializer.Deserialize<PromotionRecord>(json);
}
