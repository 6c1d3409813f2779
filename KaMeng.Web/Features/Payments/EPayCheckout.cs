using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Marketing;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Stations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace KaMeng.Web.Features.Payments;

/// <summary>What a buyer (signed in, or a guest with contact + query password) submits to pay an order at a gateway.</summary>
public sealed record GatewayCheckoutRequest(
    int ProductId,
    int Quantity,
    string Channel,
    string IdempotencyKey,
    string? BuyerUserId,
    string? Contact,
    string? QueryPassword,
    IReadOnlyDictionary<string, string?>? Inputs = null,
    string? CouponCode = null,
    long? CouponGrantId = null,
    Risk.ClientSignals? Signals = null,
    bool CaptchaPassed = false);

/// <summary>Where to send the buyer's browser: the gateway's submit.php with a signed query, or a Chinese error.</summary>
public sealed record GatewayRedirect(string? Url, string? OutTradeNo, string? Error)
{
    public static GatewayRedirect Refused(string error) => new(null, null, error);
}

/// <summary>Where the app is reached from the buyer's browser (notify and return URLs are built on it).</summary>
public sealed record SiteAddress(string Origin, string PathBase)
{
    public string NotifyUrl => Origin + "/pay/epay/notify";
    public string ReturnUrl(string outTradeNo) => Origin + PathBase + "/pay/result/" + outTradeNo;

    /// <summary>A page of this station to offer after the payment ("product/12", from 去充值), or null when it is anything else.</summary>
    public static string? LocalReturn(string? path) =>
        path is not null && System.Text.RegularExpressions.Regex.IsMatch(path, "^product/[0-9]{1,9}$") ? path : null;
    /// <summary>The station's storefront as the buyer reached it (links in the guest's mail).</summary>
    public string StoreUrl => (Origin + PathBase)[..Math.Min(300, Origin.Length + PathBase.Length)];

    /// <summary>
    /// Where links to this request's station go: the configured public base URL (<see cref="KaMengOptions.PublicBaseUrl"/>) with
    /// the station's path (/s/{code}), so a forged Host header never reaches a gateway, a mail or an API client; without that
    /// setting (Development), the request's own address.
    /// </summary>
    public static SiteAddress Of(HttpRequest request)
    {
        var configured = request.HttpContext.RequestServices.GetService<IOptions<KaMengOptions>>()?.Value.PublicBaseUrl;
        if (string.IsNullOrWhiteSpace(configured)) return new(request.Scheme + "://" + request.Host.Value, request.PathBase.Value ?? "");
        var current = request.HttpContext.RequestServices.GetService<CurrentStation>();
        var station = current is { IsResolved: true } ? current.Station : null;
        return new(configured.Trim().TrimEnd('/'), station is null || station.Id == Station.MainStationId ? "" : "/s/" + station.Code);
    }
}

/// <summary>
/// Gateway checkout: places the order PendingPayment (or a recharge) with its <see cref="GatewayPayment"/> in one
/// transaction, and builds the signed redirect to {gateway}/submit.php. Nothing is paid here: only the verified notify
/// (or the reconciliation's query of the gateway) marks a payment paid.
/// </summary>
public sealed class EPayCheckout(
    IDbContextFactory<KaMengDbContext> dbFactory,
    GatewaySettingsService gateways,
    GatewayKeys keys,
    PriceResolver prices,
    TimeProvider clock,
    IOptions<KaMengOptions> options,
    Telemetry.KaMengMetrics metrics,
    Risk.RiskEvaluator? risk = null,
    Risk.Blacklists.BlacklistGate? blacklist = null)
{
    public const long MinRechargeFen = 100, MaxRechargeFen = 5_000_000;

    public async Task<GatewayRedirect> StartOrderAsync(StationInfo station, GatewayCheckoutRequest request, SiteAddress site, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        var input = new PurchaseInput(request.ProductId, request.Quantity, request.IdempotencyKey, request.BuyerUserId, request.Contact, request.QueryPassword, request.Inputs,
            request.CouponCode, request.CouponGrantId, request.Signals, request.CaptchaPassed);
        if (OrderDraft.CheckForm(station, input, now) is { } formRefusal) return GatewayRedirect.Refused(formRefusal.Message);
        var gateway = await gateways.ForStationAsync(station.Id, ct);
        if (gateway is null) return GatewayRedirect.Refused("本站暂未开通在线支付");
        if (!gateway.ChannelList.Contains(request.Channel)) return GatewayRedirect.Refused("请选择可用的支付方式");

        var contact = request.Contact?.Trim();
        if (request.BuyerUserId is null)
        {
            // A guest can only find the order again with these two.
            if (string.IsNullOrEmpty(contact)) return GatewayRedirect.Refused("游客购买请填写联系方式（邮箱/QQ/手机），用于查单");
            if (string.IsNullOrEmpty(request.QueryPassword)) return GatewayRedirect.Refused("游客购买请设置查单密码（6–32 位）");
        }
        if (contact?.Length > 128) return GatewayRedirect.Refused("联系方式不能超过 128 个字符");

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var (draft, refusal) = await OrderDraft.PrepareAsync(db, prices, station, input, now, TimeSpan.FromMinutes(options.Value.PaymentWindowMinutes), ct, risk, blacklist);
        if (refusal is not null) return GatewayRedirect.Refused(refusal.Message);
        var (product, order) = (draft!.Product, draft.Order);
        if (request.BuyerUserId is null && product.PerBuyerLimit > 0) return GatewayRedirect.Refused("该商品限购，请登录后购买");
        if (product.DeliveryType == DeliveryType.CardKey)
        {
            // No reservation: a key is taken when the payment arrives. Refusing here spares buyers a payment for nothing.
            var stock = await db.CardKeys.CountAsync(k => k.ProductId == product.Id && k.Status == CardKeyStatus.Available, ct);
            if (stock == 0 || (!product.ReusableKey && stock < request.Quantity)) return GatewayRedirect.Refused("库存不足，请减少数量或稍后再试");
        }
        if (order.Total.Fen <= 0) return GatewayRedirect.Refused("该商品不能在线支付");
        order.PaymentMethod = PaymentMethod.EPay;

        await using (var tx = await db.BeginBusinessTransactionAsync(ct))
        {
            // A double-submitted form: the first order's payment stands.
            var existing = await db.Orders.AsNoTracking().Where(o => o.IdempotencyKey == request.IdempotencyKey)
                .Select(o => new { o.Id, o.Number, o.BuyerUserId, o.Status, o.ProductName }).SingleOrDefaultAsync(ct);
            if (existing is not null)
            {
                var payment = await db.GatewayPayments.AsNoTracking().SingleOrDefaultAsync(p => p.OrderId == existing.Id, ct);
                if (payment is null || existing.BuyerUserId != request.BuyerUserId || existing.Status != OrderStatus.PendingPayment)
                    return GatewayRedirect.Refused("下单表单已失效，请刷新页面后重试");
                var existingGateway = await db.PaymentGateways.AsNoTracking().SingleAsync(g => g.Id == payment.GatewayId, ct);
                return new GatewayRedirect(SubmitUrl(existingGateway, payment, site, existing.ProductName), payment.OutTradeNo, null);
            }
            db.Orders.Add(order);
            await db.SaveChangesAsync(ct);
            // Reserved until the payment arrives; an order that closes unpaid gives them back.
            if ((draft.Coupon is not null || draft.Flash is not null) && await PromotionReservations.ReserveAsync(db, draft, paid: false, now, ct) is { } promotionRefusal)
            {
                if (draft.FlashSoldOut) prices.Invalidate();
                return GatewayRedirect.Refused(promotionRefusal.Message);
            }
            var created = new GatewayPayment
            {
                OutTradeNo = order.Number, StationId = station.Id, GatewayId = gateway.Id, Channel = request.Channel,
                Kind = GatewayPaymentKind.Order, OrderId = order.Id, UserId = request.BuyerUserId, Amount = order.Total, CreatedAt = now,
                StoreUrl = site.StoreUrl,
            };
            db.GatewayPayments.Add(created);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            metrics.OrderCreated(PaymentMethod.EPay);
            if (draft.FlashSoldOut) prices.Invalidate();
            return new GatewayRedirect(SubmitUrl(gateway, created, site, order.ProductName), created.OutTradeNo, null);
        }
    }

    /// <summary>
    /// 重新支付: the buyer came back from the gateway without paying (or gave up there). While the order still waits for
    /// payment, the same payment goes to the gateway again, in the channel the buyer picks now (the payment's channel follows,
    /// so the notify matches it). <paramref name="payment"/> is one the caller already showed to this viewer.
    /// </summary>
    public async Task<GatewayRedirect> RetryAsync(GatewayPayment payment, string channel, SiteAddress site, CancellationToken ct = default)
    {
        if (payment.Kind != GatewayPaymentKind.Order || payment.OrderId is not long orderId) return GatewayRedirect.Refused("该支付不能重新发起");
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var order = await db.Orders.AsNoTracking().SingleAsync(o => o.Id == orderId, ct);
        if (order.Status != OrderStatus.PendingPayment || order.IsExpired(clock.GetUtcNow())) return GatewayRedirect.Refused("订单已关闭或已支付，不能重新支付");
        var gateway = await db.PaymentGateways.AsNoTracking().SingleAsync(g => g.Id == payment.GatewayId, ct);
        if (!gateway.Enabled || !gateway.ChannelList.Contains(channel)) return GatewayRedirect.Refused("请选择可用的支付方式");
        var row = await db.GatewayPayments.SingleOrDefaultAsync(p => p.Id == payment.Id && p.Status == GatewayPaymentStatus.Pending, ct);
        if (row is null) return GatewayRedirect.Refused("订单已支付，请刷新页面");
        row.Channel = channel;
        await db.SaveChangesAsync(ct);
        return new GatewayRedirect(SubmitUrl(gateway, row, site, order.ProductName), row.OutTradeNo, null);
    }

    /// <summary>The channels the payment's own gateway offers now (null when it is gone or switched off).</summary>
    public async Task<IReadOnlyList<string>?> ChannelsOfAsync(GatewayPayment payment, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var gateway = await db.PaymentGateways.AsNoTracking().SingleOrDefaultAsync(g => g.Id == payment.GatewayId, ct);
        return gateway is { Enabled: true } ? gateway.ChannelList : null;
    }

    /// <summary>在线充值: a signed-in user tops up their balance through the station's gateway.</summary>
    /// <param name="back">去充值 came from this product page ("product/{id}"): the return page links back to it.</param>
    public async Task<GatewayRedirect> StartRechargeAsync(StationInfo station, string userId, string? amountText, string channel, SiteAddress site, CancellationToken ct = default, string? back = null)
    {
        if (!Money.TryParseYuan(amountText, out var amount) || amount.Fen < MinRechargeFen || amount.Fen > MaxRechargeFen)
            return GatewayRedirect.Refused($"充值金额应为 {Money.FromFen(MinRechargeFen)}–{Money.FromFen(MaxRechargeFen)}，最多两位小数");
        // Balance is platform money: it is only ever paid to the platform's merchant account, on every station (decision 0019).
        var gateway = await gateways.PlatformAsync(ct);
        if (gateway is null) return GatewayRedirect.Refused("本站暂未开通在线支付");
        if (!gateway.ChannelList.Contains(channel)) return GatewayRedirect.Refused("请选择可用的支付方式");
        var now = clock.GetUtcNow();
        var payment = new GatewayPayment
        {
            // R + the order-number form: never collides with an order's number, and as unguessable.
            OutTradeNo = "R" + OrderNumber.New(now)[1..], StationId = station.Id, GatewayId = gateway.Id, Channel = channel,
            Kind = GatewayPaymentKind.Recharge, UserId = userId, Amount = amount, CreatedAt = now,
        };
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        db.GatewayPayments.Add(payment);
        await db.SaveChangesAsync(ct);
        return new GatewayRedirect(SubmitUrl(gateway, payment, site, "余额充值", SiteAddress.LocalReturn(back)), payment.OutTradeNo, null);
    }

    /// <summary>{gateway}/submit.php?… with the parameters of the protocol, signed with the gateway's key. <paramref name="itemName"/>
    /// is what the buyer's cashier shows as 商品名称 (the product's name at this station, issue 18 §2); the order number
    /// travels in out_trade_no.</summary>
    public string SubmitUrl(PaymentGateway gateway, GatewayPayment payment, SiteAddress site, string? itemName = null, string? back = null)
    {
        var parameters = new Dictionary<string, string?>
        {
            ["pid"] = gateway.Pid,
            ["type"] = payment.Channel,
            ["out_trade_no"] = payment.OutTradeNo,
            ["notify_url"] = site.NotifyUrl,
            ["return_url"] = site.ReturnUrl(payment.OutTradeNo) + (back is null ? "" : "?back=" + Uri.EscapeDataString(back)),
            ["name"] = GatewayItemName(itemName) ?? payment.OutTradeNo,
            ["money"] = payment.Amount.ToDecimalString(),
        };
        return gateway.BaseUrl + "submit.php?" + EPaySignature.SignedQuery(parameters, keys.Unprotect(gateway.KeyCipher));
    }

    /// <summary>The product name as a gateway takes it: one line, no characters the EPay query or signature trips on, at most 64.</summary>
    public static string? GatewayItemName(string? name)
    {
        if (string.IsNullOrWhiteSpace(name)) return null;
        var clean = new string(name.Where(c => !char.IsControl(c) && c is not ('&' or '=' or '+' or '#' or '%' or '<' or '>' or '"' or '\'')).ToArray()).Trim();
        if (clean.Length == 0) return null;
        return clean.Length <= 64 ? clean : clean[..64];
    }
}
