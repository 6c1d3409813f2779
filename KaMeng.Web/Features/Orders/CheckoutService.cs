using System.Text.Json;
using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Stations;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace KaMeng.Web.Features.Orders;

/// <summary>What a buyer submits at checkout. The price is never part of it: the server decides.</summary>
public sealed record CheckoutRequest(
    int ProductId,
    int Quantity,
    string BuyerUserId,
    string IdempotencyKey,
    IReadOnlyDictionary<string, string?>? Inputs = null,
    string? Contact = null,
    string? QueryPassword = null);

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
    OrderEvents events)
{
    static readonly PasswordHasher<Order> QueryPasswordHasher = new();

    // The queries every purchase runs, compiled once (EF otherwise rebuilds, funcletizes and hashes the LINQ tree per call).
    // A compiled query binds to the first model it runs with, so there is one per provider.
    static readonly Func<KaMengDbContext, int, Task<Product?>>[] ProductByIdByProvider =
        [.. Enum.GetValues<DatabaseProvider>().Select(_ => EF.CompileAsyncQuery((KaMengDbContext db, int id) =>
            db.Products.AsNoTracking().SingleOrDefault(p => p.Id == id && !p.Deleted)))];

    static readonly Func<KaMengDbContext, string, Task<ExistingOrder?>>[] OrderByIdempotencyKeyByProvider =
        [.. Enum.GetValues<DatabaseProvider>().Select(_ => EF.CompileAsyncQuery((KaMengDbContext db, string key) =>
            db.Orders.AsNoTracking().Where(o => o.IdempotencyKey == key).Select(o => new ExistingOrder(o.Number, o.BuyerUserId)).SingleOrDefault()))];

    static Task<Product?> ProductById(KaMengDbContext db, int id) => ProductByIdByProvider[(int)db.Provider](db, id);

    static Task<ExistingOrder?> OrderByIdempotencyKey(KaMengDbContext db, string key)
    {
        if (db.Provider != DatabaseProvider.Sqlite) return OrderByIdempotencyKeyByProvider[(int)db.Provider](db, key);
        // Prepared on SQLite: it runs in every purchase inside the writer's serial section.
        return Task.FromResult(SqlitePrepared.Run(db, """SELECT "Number", "BuyerUserId" FROM "Orders" WHERE "IdempotencyKey" = $p0""", [key], command =>
        {
            using var reader = command.ExecuteReader();
            return reader.Read() ? new ExistingOrder(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1)) : null;
        }));
    }

    sealed record ExistingOrder(string Number, string? BuyerUserId);

    /// <summary>A second submit of a form: the buyer's first order stands; a key that is not this buyer's (or no order) is a stale form.</summary>
    static CheckoutResult FirstOrderStands(ExistingOrder? existing, string? buyerUserId) =>
        existing is not null && existing.BuyerUserId == buyerUserId
            ? CheckoutResult.Ok(existing.Number)
            : CheckoutResult.Refused("checkout.bad_form", "下单表单已失效，请刷新页面后重试");

    public async Task<CheckoutResult> PlaceBalanceOrderAsync(StationInfo station, CheckoutRequest request, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(request.IdempotencyKey) || request.IdempotencyKey.Length > 64)
            return CheckoutResult.Refused("checkout.bad_form", "下单表单已失效，请刷新页面后重试");
        if (request.Quantity <= 0)
            return CheckoutResult.Refused("checkout.quantity", "购买数量必须是大于 0 的整数");
        if (!station.IsOpenForBusiness(clock.GetUtcNow()))
            return CheckoutResult.Refused("checkout.station_closed", "本站暂停营业，暂时不能下单");

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        // One connection for the whole purchase instead of an open/close per query (it is pooled, but each open still costs).
        await db.Database.OpenConnectionAsync(ct);
        // Any failed SaveChanges below ends in a rollback of the whole purchase, so EF's automatic savepoint around each
        // SaveChanges (a SAVEPOINT and a RELEASE statement, three times per purchase) buys nothing here.
        db.Database.AutoSavepointsEnabled = false;
        var product = await ProductById(db, request.ProductId);
        var now = clock.GetUtcNow();
        if (product is null || !PriceResolver.IsVisibleTo(station, product))
            return CheckoutResult.Refused("checkout.no_product", "商品不存在");
        if (!product.IsOnSale(now))
            return CheckoutResult.Refused("checkout.off_shelf", "商品已下架，暂时不能购买");
        if (request.Quantity < product.MinPerOrder)
            return CheckoutResult.Refused("checkout.quantity_min", $"每单至少购买 {product.MinPerOrder} 件");
        if (request.Quantity > product.MaxPerOrder)
            return CheckoutResult.Refused("checkout.quantity_max", $"每单最多购买 {product.MaxPerOrder} 件");

        string? inputsJson = null;
        if (product.DeliveryType == DeliveryType.DirectTopUp)
        {
            var values = new Dictionary<string, string>();
            foreach (var field in product.InputFields)
            {
                var value = request.Inputs?.GetValueOrDefault(field.Key)?.Trim();
                if (field.Validate(value) is { } problem) return CheckoutResult.Refused("checkout.input", problem);
                if (!string.IsNullOrEmpty(value)) values[field.Key] = value;
            }
            inputsJson = JsonSerializer.Serialize(values);
        }
        if (!string.IsNullOrEmpty(request.QueryPassword) && (request.QueryPassword.Length < 4 || request.QueryPassword.Length > 32))
            return CheckoutResult.Refused("checkout.query_password", "查单密码长度为 4–32 位");

        var pricing = await prices.ForStationAsync(station.Id);
        var memberDiscount = pricing.MemberLevels.Count == 0 ? 0 : pricing.MemberDiscountFor(await SpendAsync(db, station.Id, request.BuyerUserId, ct));
        var quote = pricing.Quote(product, memberDiscount);
        // Self-dealing: an owner buying on their own substation pays its cost and earns no margin on themselves.
        var unitPrice = station.ParentId is not null && pricing.Station.OwnerUserId == request.BuyerUserId ? quote.Cost : quote.Price;
        var order = Order.Place(OrderNumber.New(now), station.Id, product, request.Quantity, unitPrice, now, TimeSpan.FromMinutes(options.Value.PaymentWindowMinutes));
        order.BuyerUserId = request.BuyerUserId;
        order.IdempotencyKey = request.IdempotencyKey;
        order.InputsJson = inputsJson;
        order.Contact = string.IsNullOrWhiteSpace(request.Contact) ? null : request.Contact.Trim()[..Math.Min(128, request.Contact.Trim().Length)];
        if (!string.IsNullOrEmpty(request.QueryPassword)) order.QueryPasswordHash = QueryPasswordHasher.HashPassword(order, request.QueryPassword);
        order.PriceChainJson = PriceResolver.Snapshot(quote);

        var wallet = await db.EnsureWalletAsync(request.BuyerUserId, ct);

        // Everything above only read; the writes run as one business transaction (on SQLite, group-committed with
        // other purchases, each in its own savepoint), on the context the transaction hands over.
        var result = await db.RunBusinessTransactionAsync((tx, ct) => PayAndDeliverAsync(tx, station, product, order, wallet.Id, now, ct), ct);
        if (result is null)
        {
            // Raced with the same form's other submit (PostgreSQL has no writer gate): the first order stands.
            return FirstOrderStands(await OrderByIdempotencyKey(db, request.IdempotencyKey), request.BuyerUserId);
        }
        if (result.OrderNumber == order.Number)
            events.Publish(new OrderEvent(OrderEventKind.Paid, order.Id, order.Number, station.Id, order.ProductId, order.Total, order.Status));
        return result;
    }

    /// <summary>
    /// The transaction of a purchase. The order row is written once, already in its final state, then the debit with its
    /// ledger entry, then the keys; a refusal at any step rolls all of it back. Null when the insert met an order with the
    /// same idempotency key (on PostgreSQL the transaction is unusable then; the caller looks the first order up).
    /// </summary>
    static async Task<BusinessOutcome<CheckoutResult?>> PayAndDeliverAsync(KaMengDbContext db, StationInfo station, Product product, Order order, int walletId, DateTimeOffset now, CancellationToken ct)
    {
        static BusinessOutcome<CheckoutResult?> Refuse(string code, string message) => BusinessOutcome.Rollback<CheckoutResult?>(CheckoutResult.Refused(code, message));

        // A double-submitted form: the first order stands, the second submit sees it.
        var existing = await OrderByIdempotencyKey(db, order.IdempotencyKey!);
        if (existing is not null) return BusinessOutcome.Rollback<CheckoutResult?>(FirstOrderStands(existing, order.BuyerUserId));

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
        if (product.DeliveryType == DeliveryType.CardKey) order.Deliver(now);
        else order.StartProcessing();
        try
        {
            await db.InsertAsync(order, ct);
        }
        catch (DbUpdateException e) when (IsUniqueViolation(e))
        {
            return BusinessOutcome.Rollback<CheckoutResult?>(null);
        }

        var debit = await db.PostAsync(walletId, LedgerEntryType.Purchase, -order.Total, now, orderId: order.Id, stationId: station.Id, reason: $"购买 {product.Name} ×{order.Quantity}", ct: ct);
        if (debit is null) return Refuse("checkout.balance", $"余额不足：需支付 {order.Total}，请先充值");

        if (product.DeliveryType == DeliveryType.CardKey)
        {
            if (!product.ReusableKey && await CardKeyClaim.ClaimAsync(db, product.Id, order.Id, order.Quantity, now, ct) != order.Quantity)
                return Refuse("checkout.stock", stockRefusal);
            await Earnings.PostAsync(db, order, now, ct);
        }
        else
        {
            // An imported product: queue its procurement in this transaction; the upstream call happens later, outside it.
            await Docking.ProcurementProcessor.EnqueueIfSuppliedAsync(db, order, now, ct);
            if (db.ChangeTracker.HasChanges()) await db.SaveChangesAsync(ct);
        }
        return BusinessOutcome.Commit<CheckoutResult?>(CheckoutResult.Ok(order.Number));
    }

    /// <summary>What a buyer has spent at a station (delivered orders), for member levels.</summary>
    static async Task<Money> SpendAsync(KaMengDbContext db, int stationId, string buyerUserId, CancellationToken ct)
    {
        var totals = await db.Orders.Where(o => o.StationId == stationId && o.BuyerUserId == buyerUserId && o.Status == OrderStatus.Delivered)
            .Select(o => o.Total).ToListAsync(ct);
        return Money.FromFen(totals.Sum(t => t.Fen));
    }

    /// <summary>A query password given at checkout, checked without revealing whether the order exists.</summary>
    public static bool VerifyQueryPassword(Order order, string? password) =>
        order.QueryPasswordHash is not null && !string.IsNullOrEmpty(password)
        && QueryPasswordHasher.VerifyHashedPassword(order, order.QueryPasswordHash, password) != PasswordVerificationResult.Failed;

    static bool IsUniqueViolation(DbUpdateException e) =>
        e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation }
        || e.InnerException is Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 19 };
}
