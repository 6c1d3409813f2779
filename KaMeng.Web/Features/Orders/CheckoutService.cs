using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Stations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace KaMeng.Web.Features.Orders;

/// <summary>What a buyer submits at checkout. The price is never part of it: the server decides.</summary>
public sealed record CheckoutRequest(
    int ProductId,
    int Quantity,
    string BuyerUserId,
    string IdempotencyKey,
    IReadOnlyDictionary<string, string?>? Inputs = null,
    string? Contact = null,
    string? QueryPassword = null,
    string? CouponCode = null,
    long? CouponGrantId = null,
    Risk.ClientSignals? Signals = null,
    bool CaptchaPassed = false)
{
    /// <summary>
    /// The key a checkout form carries. Time-ordered (UUIDv7, still 74 random bits): the unique index on it then grows
    /// at its right edge like the other order indexes, instead of taking a random page per purchase; in SQLite's WAL
    /// every such page is one more page written per commit, and the random ones spread wider as the table grows.
    /// </summary>
    public static string NewIdempotencyKey() => Guid.CreateVersion7().ToString("N");
}

public sealed record CheckoutResult(string? OrderNumber, string? Error, string? ErrorCode)
{
    public bool Succeeded => OrderNumber is not null && Error is null;
    public static CheckoutResult Ok(string number) => new(number, null, null);
    public static CheckoutResult Refused(string code, string message) => new(null, message, code);
}

/// <summary>
/// Places and pays an order from the buyer's balance and delivers it, as one transaction: the order row,
/// the wallet debit with its ledger entry and the card keys taken either all happen or none does.
/// </summary>
public sealed class CheckoutService(
    IDbContextFactory<KaMengDbContext> dbFactory,
    PriceResolver prices,
    TimeProvider clock,
    IOptions<KaMengOptions> options,
    OrderEvents events,
    Telemetry.KaMengMetrics metrics,
    Risk.RiskEvaluator? risk = null,
    Risk.Blacklists.BlacklistGate? blacklist = null)
{
    // Looked up only when the insert met an order with the same idempotency key. A compiled query binds to the first
    // model it runs with, so there is one per provider.
    static readonly Func<KaMengDbContext, string, Task<ExistingOrder?>>[] OrderByIdempotencyKeyByProvider =
        [.. Enum.GetValues<DatabaseProvider>().Select(_ => EF.CompileAsyncQuery((KaMengDbContext db, string key) =>
            db.Orders.AsNoTracking().Where(o => o.IdempotencyKey == key).Select(o => new ExistingOrder(o.Number, o.BuyerUserId)).SingleOrDefault()))];

    sealed record ExistingOrder(string Number, string? BuyerUserId);

    /// <summary>A second submit of a form: the buyer's first order stands; a key that is not this buyer's (or no order) is a stale form.</summary>
    static CheckoutResult FirstOrderStands(ExistingOrder? existing, string? buyerUserId) =>
        existing is not null && existing.BuyerUserId == buyerUserId
            ? CheckoutResult.Ok(existing.Number)
            : CheckoutResult.Refused("checkout.bad_form", "下单表单已失效，请刷新页面后重试");

    public async Task<CheckoutResult> PlaceBalanceOrderAsync(StationInfo station, CheckoutRequest request, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        var input = new PurchaseInput(request.ProductId, request.Quantity, request.IdempotencyKey, request.BuyerUserId, request.Contact, request.QueryPassword, request.Inputs,
            request.CouponCode, request.CouponGrantId, request.Signals, request.CaptchaPassed);
        if (OrderDraft.CheckForm(station, input, now) is { } formRefusal) return CheckoutResult.Refused(formRefusal.Code, formRefusal.Message);

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        // One connection for the whole purchase instead of an open/close per query (it is pooled, but each open still costs).
        await db.Database.OpenConnectionAsync(ct);
        // Any failed SaveChanges below ends in a rollback of the whole purchase, so EF's automatic savepoint around each
        // SaveChanges (a SAVEPOINT and a RELEASE statement) buys nothing here.
        db.Database.AutoSavepointsEnabled = false;
        var (draft, refusal) = await OrderDraft.PrepareAsync(db, prices, station, input, now, TimeSpan.FromMinutes(options.Value.PaymentWindowMinutes), ct, risk, blacklist);
        if (refusal is not null) return CheckoutResult.Refused(refusal.Code, refusal.Message);
        var order = draft!.Order;

        // Everything above only read; the writes run as one business transaction (on SQLite, group-committed with
        // other purchases, each in its own savepoint), on the context the transaction hands over.
        var result = await db.RunBusinessTransactionAsync((tx, ct) => PayAndDeliverAsync(tx, station, draft, now, metrics, ct), ct);
        if (result is null)
        {
            // The insert met an order with the same idempotency key (a double submit, or its racing twin): the first order stands.
            return FirstOrderStands(await OrderByIdempotencyKeyByProvider[(int)db.Provider](db, request.IdempotencyKey), request.BuyerUserId);
        }
        if (result.OrderNumber == order.Number)
        {
            metrics.OrderCreated(PaymentMethod.Balance);
            metrics.OrderPaid(PaymentMethod.Balance, order.Status);
            events.Publish(OrderEvent.Of(OrderEventKind.Paid, order));
        }
        // The last flash pieces are gone: every surface stops showing the flash price.
        if (draft.FlashSoldOut) prices.Invalidate();
        return result;
    }

    /// <summary>
    /// The transaction of a purchase. The order row is written once, already in its final state, then the debit with its
    /// ledger entry, then the keys; a refusal at any step rolls all of it back. Null when the insert met an order with the
    /// same idempotency key: a double-submitted form, caught by the unique index rather than a lookup in every purchase (on
    /// PostgreSQL the transaction is unusable then; the caller looks the first order up).
    /// </summary>
    static async Task<BusinessOutcome<CheckoutResult?>> PayAndDeliverAsync(KaMengDbContext db, StationInfo station, PricedOrder draft, DateTimeOffset now, Telemetry.KaMengMetrics metrics, CancellationToken ct)
    {
        var (product, order) = (draft.Product, draft.Order);
        static BusinessOutcome<CheckoutResult?> Refuse(string code, string message) => BusinessOutcome.Rollback<CheckoutResult?>(CheckoutResult.Refused(code, message));

        if (product.PerBuyerLimit > 0)
        {
            var bought = await db.Orders.Where(o => o.ProductId == product.Id && o.BuyerUserId == order.BuyerUserId
                    && o.Status != OrderStatus.Cancelled && o.Status != OrderStatus.Refunded && o.Status != OrderStatus.Failed)
                .SumAsync(o => (int?)o.Quantity, ct) ?? 0;
            if (bought + order.Quantity > product.PerBuyerLimit)
                return Refuse("checkout.buyer_limit", $"该商品每人限购 {product.PerBuyerLimit} 件，您已购买 {bought} 件");
        }

        var stockRefusal = order.Quantity == 1 ? "库存不足，未扣款，请稍后再试或联系客服" : $"库存不足 {order.Quantity} 件，未扣款，请减少数量后重试";
        if (product.DeliveryType == DeliveryType.CardKey && product.ReusableKey)
        {
            var keyId = await db.CardKeys.Where(k => k.ProductId == product.Id && k.Status == CardKeyStatus.Available)
                .OrderBy(k => k.Id).Select(k => (long?)k.Id).FirstOrDefaultAsync(ct);
            if (keyId is null) return Refuse("checkout.stock", "库存不足，未扣款，请稍后再试或联系客服");
            order.ReusableKeyId = keyId;
        }

        // The state the order has if every step below succeeds; if one refuses, the row is rolled back with the rest.
        order.MarkPaid(PaymentMethod.Balance, now);
        // Held for the risk staff (待审核): paid, keys claimed below but not shown, nothing booked until approved.
        if (order.RiskAction == RiskAction.Review) order.Hold(order.ReviewDeadline!.Value);
        else if (product.DeliveryType == DeliveryType.CardKey) order.Deliver(now);
        else order.StartProcessing();
        try
        {
            await db.InsertAsync(order, ct);
        }
        catch (DbUpdateException e) when (e.IsUniqueViolation())
        {
            return BusinessOutcome.Rollback<CheckoutResult?>(null);
        }
        // The coupon use and flash quota, taken with conditional updates (paid at once: the coupon is consumed).
        if ((draft.Coupon is not null || draft.Flash is not null) && await Marketing.PromotionReservations.ReserveAsync(db, draft, paid: true, now, ct) is { } promotionRefusal)
            return Refuse(promotionRefusal.Code, promotionRefusal.Message);

        // The buyer's wallet is found by the debit itself (no lookup before the transaction); with the PostgreSQL
        // ledger entry in the same statement.
        var debit = await db.PostToUserAsync(order.BuyerUserId!, LedgerEntryType.Purchase, -order.Total, now, orderId: order.Id, stationId: station.Id, reason: $"购买 {product.Name} ×{order.Quantity}", ct: ct);
        if (debit is null) return Refuse("checkout.balance", $"余额不足：需支付 {order.Total}，请先充值");

        if (product.DeliveryType == DeliveryType.CardKey)
        {
            if (!product.ReusableKey)
            {
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                var taken = await CardKeyClaim.ClaimAsync(db, product.Id, order.Id, order.Quantity, now, ct);
                metrics.ClaimTook(System.Diagnostics.Stopwatch.GetElapsedTime(started));
                if (taken != order.Quantity) return Refuse("checkout.stock", stockRefusal);
            }
            if (order.Status == OrderStatus.Delivered) await Fulfilment.BookMarginsAsync(db, order, now, ct);
        }
        else if (order.Status == OrderStatus.Processing)
        {
            // An imported product: queue its procurement in this transaction; the upstream call happens later, outside it.
            await Docking.ProcurementProcessor.EnqueueIfSuppliedAsync(db, order, now, ct);
            if (db.ChangeTracker.HasChanges()) await db.SaveChangesAsync(ct);
        }
        return BusinessOutcome.Commit<CheckoutResult?>(CheckoutResult.Ok(order.Number));
    }
}
