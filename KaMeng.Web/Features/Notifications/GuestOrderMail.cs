using System.Text;
using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Orders;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Notifications;

/// <summary>
/// 游客发货邮件: a guest who paid at a gateway with an email address as contact gets the order number, product and card
/// keys (or the order page for other delivery types) by mail. Queued through <see cref="Notifier"/> after the delivery's
/// commit, so it never delays or rolls back the delivery; sent, retried and logged by the dispatcher like every mail.
/// The row keeps only the order id: the keys are read (decrypted) when the mail is composed for sending.
/// </summary>
public sealed class GuestOrderMail(Notifier notifier, IDbContextFactory<KaMengDbContext> dbFactory, OrderService orders)
{
    /// <summary>Queues the mail for a delivered order whose event names a guest's address (see <see cref="Order.GuestMailAddress"/>).</summary>
    public void QueueIfDue(OrderEvent e)
    {
        if (e.Status != OrderStatus.Delivered || e.GuestEmail is not { } to) return;
        notifier.Publish(new NotificationRequest(NotificationEvent.GuestOrderDelivered, $"订单 {e.OrderNumber} 已发货",
            "（正文与卡密在发送时从订单读取，不保存在此）", OrderId: e.OrderId, EmailTo: to));
    }

    /// <summary>The subject and body, composed now from the order (its keys decrypted only for this mail).</summary>
    public async Task<(string Subject, string Body)> ComposeAsync(long orderId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var order = await db.Orders.AsNoTracking().SingleAsync(o => o.Id == orderId, ct);
        var stationName = await db.Stations.Where(s => s.Id == order.StationId).Select(s => s.Name).SingleAsync(ct);
        var storeUrl = await db.GatewayPayments.Where(p => p.OrderId == orderId).Select(p => p.StoreUrl).FirstOrDefaultAsync(ct);
        var keys = await orders.KeysOfAsync(db, order, ct);

        var body = new StringBuilder();
        body.AppendLine("您好！").AppendLine();
        body.AppendLine($"您在「{stationName}」购买的商品已发货。").AppendLine();
        body.AppendLine($"订单号：{order.Number}");
        body.AppendLine($"商品：{order.ProductName} ×{order.Quantity}");
        body.AppendLine($"金额：{order.Total}");
        if (keys.Count > 0)
        {
            body.AppendLine().AppendLine("卡密：");
            foreach (var key in keys) body.AppendLine(key);
            body.AppendLine().AppendLine("请妥善保存卡密，不要转发本邮件。");
        }
        else if (!string.IsNullOrEmpty(order.DeliveryNote))
        {
            body.AppendLine().AppendLine("发货内容：").AppendLine(order.DeliveryNote);
        }
        var queryPage = storeUrl is null ? "本站的「查单」页面" : storeUrl + "/order/query";
        body.AppendLine().AppendLine($"订单详情：{queryPage}（凭订单号、联系方式和查单密码查看）");
        body.AppendLine().AppendLine("本邮件由系统自动发送，请勿回复。");
        return ($"{stationName}：订单 {order.Number} 已发货", body.ToString());
    }
}
