using System.Text.Json;
using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Marketing;
using KaMeng.Web.Features.Stations;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Orders;

/// <summary>What a buyer asks to buy, whatever pays for it (balance or a gateway). Never a price.</summary>
public sealed record PurchaseInput(
    int ProductId,
    int Quantity,
    string IdempotencyKey,
    string? BuyerUserId,
    string? Contact,
    string? QueryPassword,
    IReadOnlyDictionary<string, string?>? Inputs,
    string? CouponCode = null,
    long? CouponGrantId = null,
    Risk.ClientSignals? Signals = null,
    bool CaptchaPassed = false);

/// <summary>A refusal of a purchase: a stable code for APIs and tests, a Chinese message for the buyer.</summary>
public sealed record PurchaseRefusal(string Code, string Message);

/// <summary>An order validated and priced, not written yet, with the product it was priced from and the promotions it takes
/// inside its transaction (<see cref="PromotionReservations"/>).</summary>
public sealed record PricedOrder(Product Product, Order Order, PromotedPrice Price, CouponUse? Coupon = null, FlashSale? Flash = null)
{
    /// <summary>Set by the reservation when this order took the flash sale's last pieces (or found none): the prices that still
    /// show the flash price are dropped after the commit.</summary>
    public bool FlashSoldOut { get; set; }
}

/// <summary>
/// The one "validate and price" step of every checkout (balance and gateway): the form, the station, the product and its
/// visibility, shelf and quantity limits, the top-up inputs, the query password, member pricing and self-dealing, and the
/// order built from it (PendingPayment, price chain frozen). What a payment method adds (stock, gateway rules) is its own.
/// </summary>
public static class OrderDraft
{
    static readonly PasswordHasher<Order> QueryPasswordHasher = new();

    // Every checkout reads its product; compiled once (one per provider: a compiled query binds to the first model it runs with).
    static readonly Func<KaMengDbContext, int, Task<Product?>>[] ProductByIdByProvider =
        [.. Enum.GetValues<DatabaseProvider>().Select(_ => EF.CompileAsyncQuery((KaMengDbContext db, int id) =>
            db.Products.AsNoTracking().SingleOrDefault(p => p.Id == id && !p.Deleted)))];

    static Task<Product?> ProductById(KaMengDbContext db, int id) => ProductByIdByProvider[(int)db.Provider](db, id);

    /// <summary>A query password (查单密码) has at least this many characters: with 查单 throttled, 6 keep guessing hopeless.</summary>
    public const int MinQueryPassword = 6;

    /// <summary>The checks that need no database: a form that is no longer valid, a quantity, a closed station, a query password.</summary>
    public static PurchaseRefusal? CheckForm(StationInfo station, PurchaseInput input, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(input.IdempotencyKey) || input.IdempotencyKey.Length > 64)
            return new("checkout.bad_form", "下单表单已失效，请刷新页面后重试");
        if (input.Quantity <= 0)
            return new("checkout.quantity", "购买数量必须是大于 0 的整数");
        if (!station.IsOpenForBusiness(now))
            return new("checkout.station_closed", "本站暂停营业，暂时不能下单");
        if (!string.IsNullOrEmpty(input.QueryPassword) && input.QueryPassword.Length is < MinQueryPassword or > 32)
            return new("checkout.query_password", "查单密码长度为 6–32 位");
        return null;
    }

    /// <summary>
    /// Validates the purchase against its product and prices it for the buyer at <paramref name="station"/>. The order is
    /// built but neither added to the context nor saved. The caller has run <see cref="CheckForm"/> already (before opening
    /// a context: a stale form costs no database work).
    /// </summary>
    public static async Task<(PricedOrder? Draft, PurchaseRefusal? Refusal)> PrepareAsync(KaMengDbContext db, PriceResolver prices,
        StationInfo station, PurchaseInput input, DateTimeOffset now, TimeSpan paymentWindow, CancellationToken ct, Risk.RiskEvaluator? risk = null,
        Risk.Blacklists.BlacklistGate? blacklist = null)
    {
        // Blacklisted (platform-wide or at this station): a neutral refusal that names no rule.
        if (blacklist is not null && await blacklist.CheckAsync(db, station.Id, input.BuyerUserId, input.Contact, null, input.Signals ?? Risk.ClientSignals.None, ct))
            return (null, new("checkout.blocked", Risk.Blacklists.BlacklistGate.Message));
        var product = await ProductById(db, input.ProductId);
        if (product is null || !PriceResolver.IsVisibleTo(station, product))
            return (null, new("checkout.no_product", "商品不存在"));
        if (!product.IsOnSale(now))
            return (null, new("checkout.off_shelf", "商品已下架，暂时不能购买"));
        if (input.Quantity < product.MinPerOrder)
            return (null, new("checkout.quantity_min", $"每单至少购买 {product.MinPerOrder} 件"));
        if (input.Quantity > product.MaxPerOrder)
            return (null, new("checkout.quantity_max", $"每单最多购买 {product.MaxPerOrder} 件"));

        string? inputsJson = null;
        if (product.DeliveryType == DeliveryType.DirectTopUp)
        {
            var values = new Dictionary<string, string>();
            foreach (var field in product.InputFields)
            {
                var value = input.Inputs?.GetValueOrDefault(field.Key)?.Trim();
                if (field.Validate(value) is { } problem) return (null, new("checkout.input", problem));
                if (!string.IsNullOrEmpty(value)) values[field.Key] = value;
            }
            inputsJson = JsonSerializer.Serialize(values);
        }

        var pricing = await prices.ForStationAsync(station.Id);
        var terms = await prices.TermsForAsync(db, station, input.BuyerUserId, ct);
        CouponUse? coupon = null;
        if (!string.IsNullOrWhiteSpace(input.CouponCode) || input.CouponGrantId is not null)
        {
            var (use, couponRefusal) = await CouponLookup.FindAsync(db, pricing, station, product, input, terms, now, ct);
            if (couponRefusal is not null) return (null, couponRefusal);
            coupon = use;
        }
        // Self-dealing: an owner buying on their own substation pays its cost and earns no margin on themselves (no promotion).
        PromotedPrice price;
        try { price = pricing.Promote(product, input.Quantity, terms, now, coupon?.Offer); }
        catch (CouponRefusedException e) { return (null, new("checkout.coupon", e.Message)); }
        var flash = price.Flash is { } offer ? pricing.FlashFor(product.Id, now) : null;

        var order = Order.Place(OrderNumber.New(now), station.Id, product, input.Quantity, price.Unit, now, paymentWindow);
        order.CouponDiscount = price.CouponDiscount;
        order.Total = price.Paid;
        order.FlashSaleId = flash?.Id;
        if (price.Funders.Count > 0) order.PromotionJson = PromotionRecord.Of(price, coupon);
        order.BuyerUserId = input.BuyerUserId;
        order.IdempotencyKey = input.IdempotencyKey;
        order.InputsJson = inputsJson;
        var contact = input.Contact?.Trim();
        order.Contact = string.IsNullOrEmpty(contact) ? null : contact[..Math.Min(128, contact.Length)];
        if (!string.IsNullOrEmpty(input.QueryPassword)) order.QueryPasswordHash = QueryPasswordHasher.HashPassword(order, input.QueryPassword);
        order.PriceChainJson = PriceResolver.Snapshot(price);
        var signals = input.Signals ?? Risk.ClientSignals.None;
        (order.ClientIp, order.DeviceId, order.Region) = (signals.Ip, signals.DeviceId, signals.Region);
        if (risk is not null)
        {
            // The risk decision, recorded on the order with the rules it hit: refused, asked to prove a person, held, or let through.
            var decision = await risk.EvaluateAsync(db, station.Id, [.. pricing.Path.Select(p => p.OwnerUserId)], order, signals, now, ct);
            order.RiskAction = decision.Action;
            order.RiskHitsJson = Risk.RiskEvaluator.HitsJson(decision);
            if (decision.Action == RiskAction.Reject) return (null, new("checkout.risk", Risk.RiskEvaluator.NeutralRefusal));
            if (decision.Action == RiskAction.Captcha && !input.CaptchaPassed) return (null, new("checkout.captcha", "为保障交易安全，请完成验证码后再下单"));
            if (decision.Action == RiskAction.Review) order.ReviewDeadline = now + await risk.ReviewWindowAsync(ct);
        }
        // Referral commissions, frozen now and booked on delivery (an owner buying at cost earns nobody a commission).
        if (pricing.Referral is { } program && input.BuyerUserId is { } buyer && !terms.AtCost)
            order.CommissionJson = Referrals.CommissionPlan.Write(
                await Referrals.CommissionPlan.ForAsync(db, program, station.Id, buyer, [.. pricing.Path.Select(p => p.OwnerUserId)], ct));
        return (new PricedOrder(product, order, price, coupon is null ? null : coupon with { Discount = price.CouponDiscount, OrderTotal = price.Total }, flash), null);
    }

    /// <summary>A query password given at checkout, checked without revealing whether the order exists.</summary>
    public static bool VerifyQueryPassword(Order order, string? password) =>
        order.QueryPasswordHash is not null && !string.IsNullOrEmpty(password)
        && QueryPasswordHasher.VerifyHashedPassword(order, order.QueryPasswordHash, password) != PasswordVerificationResult.Failed;
}
