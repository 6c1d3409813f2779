namespace KaMeng.Domain;

public static partial class DisplayNames
{
    public static string Of(WalletBucket bucket) => bucket == WalletBucket.Earnings ? "收益" : "余额";

    public static string Of(OrderStatus status) => status switch
    {
        OrderStatus.PendingPayment => "待支付",
        OrderStatus.Paid => "已支付",
        OrderStatus.Processing => "处理中",
        OrderStatus.Delivered => "已发货",
        OrderStatus.Failed => "失败",
        OrderStatus.Refunded => "已退款",
        OrderStatus.Cancelled => "已取消",
        OrderStatus.Refunding => "退款中",
        OrderStatus.UnderReview => "待审核",
        _ => status.ToString(),
    };

    public static string Of(DeliveryType type) => type switch
    {
        DeliveryType.CardKey => "卡密",
        DeliveryType.DirectTopUp => "直充",
        DeliveryType.Manual => "人工发货",
        _ => type.ToString(),
    };

    public static string Of(InputFieldType type) => type switch
    {
        InputFieldType.Text => "文本",
        InputFieldType.Phone => "手机号",
        InputFieldType.QQ => "QQ 号",
        InputFieldType.GameAccount => "游戏账号",
        InputFieldType.Email => "邮箱",
        _ => type.ToString(),
    };

    public static string Of(PaymentMethod method) => method switch
    {
        PaymentMethod.Balance => "余额",
        PaymentMethod.EPay => "易支付",
        _ => method.ToString(),
    };

    public static string Of(RefundMethod method) => method switch
    {
        RefundMethod.Balance => "退回余额",
        RefundMethod.Gateway => "原路退回",
        RefundMethod.Manual => "人工退款",
        _ => method.ToString(),
    };

    public static string Of(RefundStatus status) => status switch
    {
        RefundStatus.Requested => "待上级审核",
        RefundStatus.Rejected => "已驳回",
        RefundStatus.Pending => "退款中",
        RefundStatus.Completed => "已退款",
        _ => status.ToString(),
    };

    public static string Of(WithdrawalStatus status) => status switch
    {
        WithdrawalStatus.Pending => "待审核",
        WithdrawalStatus.Approved => "已打款",
        WithdrawalStatus.Rejected => "已驳回",
        _ => status.ToString(),
    };

    public static string Of(StationStatus status) => status switch
    {
        StationStatus.Active => "正常",
        StationStatus.Suspended => "暂停",
        StationStatus.Closed => "关闭",
        _ => status.ToString(),
    };

    /// <summary>周一 … 周日.</summary>
    public static string Of(DayOfWeek day) => day switch
    {
        DayOfWeek.Monday => "周一",
        DayOfWeek.Tuesday => "周二",
        DayOfWeek.Wednesday => "周三",
        DayOfWeek.Thursday => "周四",
        DayOfWeek.Friday => "周五",
        DayOfWeek.Saturday => "周六",
        _ => "周日",
    };
}
