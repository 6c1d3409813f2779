namespace KaMeng.Domain;

public static class DisplayNames
{
    public static string Of(OrderStatus status) => status switch
    {
        OrderStatus.PendingPayment => "待支付",
        OrderStatus.Paid => "已支付",
        OrderStatus.Processing => "处理中",
        OrderStatus.Delivered => "已发货",
        OrderStatus.Failed => "失败",
        OrderStatus.Refunded => "已退款",
        OrderStatus.Cancelled => "已取消",
        _ => status.ToString(),
    };

    public static string Of(DeliveryType type) => type switch
    {
        DeliveryType.CardKey => "卡密",
        DeliveryType.DirectTopUp => "直充",
        DeliveryType.Manual => "人工发货",
        _ => type.ToString(),
    };

    public static string Of(PaymentMethod method) => method switch
    {
        PaymentMethod.Balance => "余额",
        PaymentMethod.EPay => "易支付",
        _ => method.ToString(),
    };
}
