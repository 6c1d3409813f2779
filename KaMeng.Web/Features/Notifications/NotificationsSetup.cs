using KaMeng.Domain;
using KaMeng.Web.Features.Orders;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace KaMeng.Web.Features.Notifications;

public static class NotificationsSetup
{
    public static WebApplicationBuilder AddNotifications(this WebApplicationBuilder builder)
    {
        builder.Services.AddNotificationServices();
        builder.Services.AddHostedService<NotificationDispatcher>(sp => sp.GetRequiredService<NotificationDispatcher>());
        builder.Services.AddHostedService<OrderNotices>();
        return builder;
    }

    /// <summary>The notification services without the background workers (tests drive those themselves).</summary>
    public static IServiceCollection AddNotificationServices(this IServiceCollection services)
    {
        // Webhook URLs are typed by users: guarded (redirects too, each hop is checked).
        services.AddHttpClient("webhooks", c => c.Timeout = TimeSpan.FromSeconds(15)).AddOutboundGuard();
        services.AddSingleton<Notifier>();
        services.AddSingleton<NotificationWriter>();
        services.AddSingleton<NotificationCenter>();
        services.TryAddSingleton(new MailTransportOptions());
        services.AddSingleton<EmailSender>();
        services.AddSingleton<WebhookSender>();
        services.AddSingleton<NotificationDispatcher>();
        services.AddSingleton<NotificationSettingsService>();
        services.AddSingleton<GuestOrderMail>();
        return services;
    }
}

/// <summary>What order events tell people (after the order's own commit): 订单失败 to the station where the order was
/// placed; 游客发货邮件 to a gateway-paid guest whose order was delivered.</summary>
sealed class OrderNotices(OrderEvents events, Notifier notifier, GuestOrderMail guestMail) : IHostedService
{
    IDisposable? subscription;

    public Task StartAsync(CancellationToken ct)
    {
        subscription = events.Subscribe(e =>
        {
            guestMail.QueueIfDue(e);
            if (e.AwaitingDeposit)
            {
                notifier.Publish(new NotificationRequest(NotificationEvent.DepositShort, $"预存款不足：订单 {e.OrderNumber} 待发货",
                    $"买家已通过本站收款通道支付订单 {e.OrderNumber}（{e.Total}），但您的预存款不足以支付平台结算款，订单暂未发货。请充值预存款，充值后将按下单先后自动发货。",
                    "/admin/orders", StationId: e.StationId, Data: new { orderNumber = e.OrderNumber, total = e.Total.Fen }));
                return;
            }
            if (e.Kind != OrderEventKind.Failed) return;
            notifier.Publish(new NotificationRequest(NotificationEvent.OrderFailed, $"订单失败：{e.OrderNumber}",
                $"订单 {e.OrderNumber}（{e.Total}）处理失败，请查看并退款或重试。", "/admin/orders", StationId: e.StationId,
                Data: new { orderNumber = e.OrderNumber, total = e.Total.Fen }));
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken ct)
    {
        subscription?.Dispose();
        return Task.CompletedTask;
    }
}

