using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Notifications;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Payments;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Tests.Payments;

/// <summary>游客发货邮件: a gateway-paid guest with an email contact is mailed the keys through a real SMTP server
/// (python3-aiosmtpd on loopback), by the same dispatcher as every notification, after the delivery's commit.</summary>
public sealed class GuestOrderMailTests : IAsyncLifetime
{
    const string Key = "main-key-0123456789";
    static readonly AuditActor Platform = new("test-admin", "admin", null);
    CommerceHarness h = default!;
    IDisposable subscription = default!;
    NotificationDispatcher dispatcher = default!;

    public async Task InitializeAsync()
    {
        h = await CommerceHarness.CreateAsync(DatabaseProvider.Sqlite, s => s.AddPaymentServices().AddNotificationServices());
        Assert.Null(await h.Get<GatewaySettingsService>().SaveAsync(Platform, Station.MainStationId,
            new GatewayForm { BaseUrl = "https://pay.main.test", Pid = "1001", Key = Key, Channels = ["alipay"] }));
        // What the app's OrderNotices does, and its dispatcher running in the background as in the app.
        subscription = h.Get<OrderEvents>().Subscribe(h.Get<GuestOrderMail>().QueueIfDue);
        dispatcher = h.Get<NotificationDispatcher>();
        await dispatcher.StartAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await dispatcher.StopAsync(CancellationToken.None);
        subscription.Dispose();
        await h.DisposeAsync();
    }

    async Task SaveSmtpAsync(int port) =>
        Assert.Null(await h.Get<NotificationSettingsService>().SaveSmtpAsync(new SmtpSettings { Host = "127.0.0.1", Port = port, From = "shop@example.test" }));

    async Task<Order> PaidGuestOrderAsync(Product product, string contact, int quantity = 1)
    {
        var redirect = await h.Get<EPayCheckout>().StartOrderAsync(CommerceHarness.Main,
            new GatewayCheckoutRequest(product.Id, quantity, "alipay", Guid.NewGuid().ToString("N"), null, contact, "668899"), new SiteAddress("http://shop.test", ""));
        Assert.Null(redirect.Error);
        var money = (product.BasePrice * quantity).ToDecimalString();
        var notify = SignedNotify.Parameters(redirect.OutTradeNo!, money, Key, "GW-" + redirect.OutTradeNo);
        Assert.Equal(PaymentOutcome.Accepted, await h.Get<EPayNotifications>().HandleAsync(notify));
        await using var db = h.Db.NewContext();
        return await db.Orders.AsNoTracking().SingleAsync(o => o.Number == redirect.OutTradeNo);
    }

    async Task<List<NotificationDelivery>> DeliveriesAsync(long orderId)
    {
        await using var db = h.Db.NewContext();
        return await db.NotificationDeliveries.AsNoTracking().Where(d => d.OrderId == orderId).ToListAsync();
    }

    async Task<IReadOnlyList<string>> KeysAsync(Order order)
    {
        await using var db = h.Db.NewContext();
        return await h.Orders.KeysOfAsync(db, order, CancellationToken.None);
    }

    [Fact]
    public async Task A_guest_paying_at_the_gateway_gets_a_chinese_mail_with_the_order_number_product_and_keys()
    {
        await using var smtp = await SmtpServer.StartAsync();
        await SaveSmtpAsync(smtp.Port);
        var product = await h.AddCardKeyProductAsync(3, priceFen: 1000);
        var order = await PaidGuestOrderAsync(product, "guest-mail@example.cn", quantity: 2);
        Assert.Equal(OrderStatus.Delivered, order.Status);
        var keys = await KeysAsync(order);
        Assert.Equal(2, keys.Count);

        var mail = await smtp.WaitForMessageToAsync("guest-mail@example.cn");
        var body = SmtpServer.Body(mail);
        Assert.Equal($"卡盟总站：订单 {order.Number} 已发货", SmtpServer.Subject(mail));
        Assert.Contains($"订单号：{order.Number}", body);
        Assert.Contains($"商品：{product.Name} ×2", body);
        Assert.Contains("金额：¥20.00", body);
        foreach (var key in keys) Assert.Contains(key, body);
        Assert.Contains("http://shop.test/order/query", body);

        // Logged like every delivery; the stored row never holds a key in clear.
        var delivery = Assert.Single(await DeliveriesAsync(order.Id));
        await Poll.UntilAsync(async () => (await DeliveriesAsync(order.Id)).Single().Status == DeliveryStatus.Sent, "the delivery to be marked sent", 60);
        Assert.Null(delivery.UserId);
        Assert.Equal(NotificationEvent.GuestOrderDelivered, delivery.Event);
        Assert.DoesNotContain(keys[0], delivery.Payload + delivery.Title);
    }

    [Fact]
    public async Task A_dead_smtp_server_never_touches_the_delivery_and_the_mail_is_retried_later()
    {
        await SaveSmtpAsync(SmtpServer.FreePort()); // nothing listens there
        var product = await h.AddCardKeyProductAsync(1, priceFen: 500);
        var order = await PaidGuestOrderAsync(product, "unlucky@example.cn");
        Assert.Equal(OrderStatus.Delivered, order.Status);
        Assert.Single(await KeysAsync(order));
        await Poll.UntilAsync(async () => (await DeliveriesAsync(order.Id)).SingleOrDefault() is { Attempts: 1 }, "the first failed attempt", 60);
        var delivery = (await DeliveriesAsync(order.Id)).Single();
        Assert.Equal(DeliveryStatus.Pending, delivery.Status);
        Assert.NotNull(delivery.LastError);
        Assert.True(delivery.NextAttemptAt > DateTimeOffset.UtcNow.AddSeconds(20), "retried with backoff");
    }

    [Fact]
    public async Task A_phone_or_qq_contact_gets_no_mail_and_a_staff_completed_top_up_is_mailed_when_delivered()
    {
        await using var smtp = await SmtpServer.StartAsync();
        await SaveSmtpAsync(smtp.Port);
        var keyProduct = await h.AddCardKeyProductAsync(2, priceFen: 500);
        var byPhone = await PaidGuestOrderAsync(keyProduct, "13800138000");
        Assert.Equal(OrderStatus.Delivered, byPhone.Status);
        Assert.Null(byPhone.GuestMailAddress());

        // A manual product waits for staff; the mail goes when they deliver it, with the delivery text and the order page.
        var manual = await h.AddCardKeyProductAsync(0, priceFen: 800, p => p.DeliveryType = DeliveryType.Manual);
        var order = await PaidGuestOrderAsync(manual, "topup@example.cn");
        Assert.Equal(OrderStatus.Processing, order.Status);
        Assert.Empty(await DeliveriesAsync(order.Id));
        Assert.Null(await h.Orders.CompleteAsync(order.Id, "已充值到账户 game-001", Platform));
        var mail = await smtp.WaitForMessageToAsync("topup@example.cn");
        Assert.Contains("已充值到账户 game-001", SmtpServer.Body(mail));
        Assert.Contains("http://shop.test/order/query", SmtpServer.Body(mail));
        Assert.Empty(await DeliveriesAsync(byPhone.Id));
        Assert.Single(smtp.Messages());
    }
}
