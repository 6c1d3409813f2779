namespace KaMeng.Domain;

public enum OrderStatus { PendingPayment = 0, Paid = 1, Processing = 2, Delivered = 3, Failed = 4, Refunded = 5, Cancelled = 6,
    /// <summary>退款中: the whole amount is booked as refunded but a gateway refund has not reached the buyer yet.</summary>
    Refunding = 7,
    /// <summary>待审核: paid and its keys claimed, but held for the platform's risk staff (issue 21 §3); nothing is shown or
    /// booked until they approve (→ delivered / processing) or reject (→ refunded).</summary>
    UnderReview = 8 }

public enum PaymentMethod { Balance = 0, EPay = 1 }

/// <summary>订单.</summary>
public class Order
{
    public long Id { get; set; }
    public required string Number { get; set; }
    public int StationId { get; set; }
    public string? BuyerUserId { get; set; }
    public string? Contact { get; set; }
    public string? QueryPasswordHash { get; set; }
    public int ProductId { get; set; }
    public required string ProductName { get; set; }
    public DeliveryType DeliveryType { get; set; }
    public int Quantity { get; set; }
    public Money UnitPrice { get; set; }
    /// <summary>What the buyer pays: <see cref="UnitPrice"/> × <see cref="Quantity"/> − <see cref="CouponDiscount"/>.</summary>
    public Money Total { get; set; }
    /// <summary>The coupon's discount on the order total (0 without one); its funder is in the frozen chain.</summary>
    public Money CouponDiscount { get; set; }
    /// <summary>The flash sale whose price and quota this order took (given back when it closes unpaid).</summary>
    public int? FlashSaleId { get; set; }
    /// <summary>How the price came about, frozen (原价, each promotion, who funds it), JSON; null without promotions.</summary>
    public string? PromotionJson { get; set; }
    /// <summary>Who earns a referral commission on this order and at what share of the seller's margin, frozen at order time
    /// (JSON); booked on delivery. Null when the station runs no 分销 program or the buyer was invited by nobody who may earn.</summary>
    public string? CommissionJson { get; set; }
    /// <summary>The client's signals when the order was placed (issue 21 §1), kept 30 days: address, device cookie, region.</summary>
    public string? ClientIp { get; set; }
    public string? DeviceId { get; set; }
    public string? Region { get; set; }
    /// <summary>The risk decision and the rules the order hit (JSON of <see cref="RiskHit"/>), frozen at placement.</summary>
    public RiskAction RiskAction { get; set; }
    public string? RiskHitsJson { get; set; }
    /// <summary>When a held order is released or refunded by the scheduler if nobody reviewed it.</summary>
    public DateTimeOffset? ReviewDeadline { get; set; }
    /// <summary>The price chain frozen at order time: each station's cost, JSON.</summary>
    public string? PriceChainJson { get; set; }
    public PaymentMethod PaymentMethod { get; set; }
    public OrderStatus Status { get; set; }
    /// <summary>Buyer inputs for DirectTopUp, JSON object key → value.</summary>
    public string? InputsJson { get; set; }
    /// <summary>Text the staff wrote when completing a Manual/DirectTopUp order, or why it failed.</summary>
    public string? DeliveryNote { get; set; }
    public string? IdempotencyKey { get; set; }
    public string? GatewayTradeNo { get; set; }
    /// <summary>Paid into the selling station's own gateway (分站独立收款): the money is the owner's, and the platform's share
    /// (the station's chain cost) is settled from the owner's 预存款 before anything is delivered.</summary>
    public bool OwnerCollected { get; set; }
    /// <summary>Paid, but held: the owner's 预存款 did not cover the platform's share. Nothing is delivered on credit; a top-up
    /// releases waiting orders oldest first.</summary>
    public bool AwaitingDeposit { get; set; }
    /// <summary>For a 循环卡密 product: the one reusable key every order of it delivers.</summary>
    public long? ReusableKeyId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? PaidAt { get; set; }
    public DateTimeOffset? DeliveredAt { get; set; }
    public DateTimeOffset? ClosedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }

    public static Order Place(string number, int stationId, Product product, int quantity, Money unitPrice, DateTimeOffset now, TimeSpan paymentWindow) => new()
    {
        Number = number,
        StationId = stationId,
        ProductId = product.Id,
        ProductName = product.Name,
        DeliveryType = product.DeliveryType,
        Quantity = quantity,
        UnitPrice = unitPrice,
        Total = unitPrice * quantity,
        Status = OrderStatus.PendingPayment,
        CreatedAt = now,
        ExpiresAt = now + paymentWindow,
    };

    public void MarkPaid(PaymentMethod method, DateTimeOffset now)
    {
        if (Status != OrderStatus.PendingPayment) throw new DomainException("order.not_pending", "订单状态已变化，不能重复支付");
        PaymentMethod = method;
        Status = OrderStatus.Paid;
        PaidAt = now;
    }

    /// <summary>Card keys handed over: Paid (or approved from 待审核) → Delivered.</summary>
    public void Deliver(DateTimeOffset now, string? note = null)
    {
        if (Status is not (OrderStatus.Paid or OrderStatus.Processing or OrderStatus.UnderReview)) throw new DomainException("order.not_paid", "订单未支付，不能发货");
        Status = OrderStatus.Delivered;
        DeliveredAt = now;
        if (note is not null) DeliveryNote = note;
    }

    /// <summary>DirectTopUp and Manual orders wait for staff: Paid → Processing.</summary>
    public void StartProcessing()
    {
        if (Status is not (OrderStatus.Paid or OrderStatus.UnderReview)) throw new DomainException("order.not_paid", "订单未支付");
        Status = OrderStatus.Processing;
    }

    /// <summary>Paid → 待审核: held for the platform's risk staff until <paramref name="deadline"/>.</summary>
    public void Hold(DateTimeOffset deadline)
    {
        if (Status != OrderStatus.Paid) throw new DomainException("order.not_paid", "订单未支付");
        Status = OrderStatus.UnderReview;
        ReviewDeadline = deadline;
    }

    public void Fail(string reason, DateTimeOffset now)
    {
        if (Status is not (OrderStatus.Paid or OrderStatus.Processing)) throw new DomainException("order.cannot_fail", "当前状态不能标记失败");
        Status = OrderStatus.Failed;
        DeliveryNote = reason;
        ClosedAt = now;
    }

    /// <summary>The status as the buyer reads it: an order held for the owner's 预存款 is simply being processed.</summary>
    public string BuyerStatusText => AwaitingDeposit && Status == OrderStatus.Paid ? "处理中" : Status == OrderStatus.UnderReview ? "订单审核中" : DisplayNames.Of(Status);

    /// <summary>The status as staff read it: the hold is named.</summary>
    public static string StaffStatusText(OrderStatus status, bool awaitingDeposit) =>
        awaitingDeposit && status == OrderStatus.Paid ? "站长预存款不足" : DisplayNames.Of(status);

    public bool CanRefund => Status is OrderStatus.Paid or OrderStatus.Processing or OrderStatus.Delivered or OrderStatus.Failed or OrderStatus.UnderReview;

    public void Refund(DateTimeOffset now)
    {
        if (!CanRefund) throw new DomainException("order.cannot_refund", "当前订单状态不能退款");
        Status = OrderStatus.Refunded;
        ClosedAt = now;
    }

    /// <summary>The whole amount is booked as refunded but a gateway or manual refund has not reached the buyer yet.</summary>
    public void StartRefunding()
    {
        if (!CanRefund) throw new DomainException("order.cannot_refund", "当前订单状态不能退款");
        Status = OrderStatus.Refunding;
    }

    /// <summary>退款中 → 已退款, when the last pending refund reached the buyer.</summary>
    public void FinishRefunding(DateTimeOffset now)
    {
        if (Status != OrderStatus.Refunding) throw new DomainException("order.not_refunding", "订单不在退款中");
        Status = OrderStatus.Refunded;
        ClosedAt = now;
    }

    public void Cancel(DateTimeOffset now)
    {
        if (Status != OrderStatus.PendingPayment) throw new DomainException("order.cannot_cancel", "只有待支付订单可以取消");
        Status = OrderStatus.Cancelled;
        ClosedAt = now;
    }

    public bool IsExpired(DateTimeOffset now) => Status == OrderStatus.PendingPayment && now >= ExpiresAt;

    /// <summary>Where the delivery mail of a guest who paid at a gateway goes: the contact, when it is a plain email
    /// address. Null for buyers with an account and for a phone/QQ contact (their keys are shown on the page only).</summary>
    public string? GuestMailAddress() => BuyerUserId is null && PaymentMethod == PaymentMethod.EPay && IsEmailAddress(Contact) ? Contact : null;

    /// <summary>A plain email address (not a phone or QQ number, not the "Name &lt;a@b&gt;" form).</summary>
    public static bool IsEmailAddress(string? contact) =>
        contact is { Length: > 0 } && System.Net.Mail.MailAddress.TryCreate(contact, out var address) && address.Address == contact;
}
