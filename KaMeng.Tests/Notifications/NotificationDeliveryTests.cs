using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Notifications;
using KaMeng.Web.Features.Orders;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KaMeng.Tests.Notifications;

/// <summary>Email to a real SMTP server on loopback (Debian's python3-aiosmtpd) and webhooks to a real HTTP receiver.</summary>
public class NotificationDeliveryTests : IAsyncLifetime
{
    TestDatabase db = default!;
    string ownerId = default!;

    public async Task InitializeAsync()
    {
        db = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite, s => s.AddCommerceServices().AddNotificationServices());
        await using var ctx = db.NewContext();
        var owner = await ctx.Users.SingleAsync(u => u.UserName == "demo-owner");
        owner.Email = "owner@example.test";
        await ctx.SaveChangesAsync();
        ownerId = owner.Id;
    }

    public async Task DisposeAsync() => await db.DisposeAsync();

    T Get<T>() where T : notnull => db.Services.GetRequiredService<T>();

    static int FreePort() => SmtpServer.FreePort();

    static Task WaitForAsync(Func<bool> condition, string what) => Poll.UntilAsync(condition, what, 60);

    async Task SaveSmtpAsync(int port) =>
        Assert.Null(await Get<NotificationSettingsService>().SaveSmtpAsync(new SmtpSettings { Host = "127.0.0.1", Port = port, From = "kameng@example.test" }));

    [Fact]
    public async Task Test_send_and_an_email_notification_reach_a_real_smtp_server()
    {
        await using var smtp = await SmtpServer.StartAsync();
        await SaveSmtpAsync(smtp.Port);
        Assert.Null(await Get<NotificationSettingsService>().SendTestAsync("admin@example.test"));
        await WaitForAsync(() => smtp.Messages().Length == 1, "the test mail");
        Assert.Equal("[KaMeng] 测试邮件", SmtpServer.Subject(smtp.Messages()[0]));
        Assert.Contains("这是一封来自 KaMeng 卡盟后台的测试邮件，收到即表示 SMTP 设置正确。", SmtpServer.Body(smtp.Messages()[0]));
        Assert.Contains("To: admin@example.test", smtp.Messages()[0]);

        // The owner asked for low-stock alerts by email as well as in the centre.
        await Get<NotificationSettingsService>().SavePreferencesAsync(ownerId, new Dictionary<NotificationEvent, NotificationChannels>
        { [NotificationEvent.LowStock] = NotificationChannels.InApp | NotificationChannels.Email });
        await Get<NotificationWriter>().WriteAsync(new NotificationRequest(NotificationEvent.LowStock, "补货提醒：测试商品 库存仅剩 1", "请补货", UserIds: [ownerId]));
        Assert.Equal(1, await Get<NotificationDispatcher>().DeliverDueAsync());
        await WaitForAsync(() => smtp.Messages().Length == 2, "the notification mail");
        var mail = smtp.Messages().Single(m => m.Contains("owner@example.test"));
        Assert.Equal("[KaMeng] 补货提醒：测试商品 库存仅剩 1", SmtpServer.Subject(mail));
        Assert.Contains("请补货", SmtpServer.Body(mail));

        await using var ctx = db.NewContext();
        var delivery = await ctx.NotificationDeliveries.SingleAsync();
        Assert.Equal(DeliveryStatus.Sent, delivery.Status);
        Assert.Equal(1, await ctx.Notifications.CountAsync(n => n.UserId == ownerId));
    }

    [Fact]
    public async Task A_refused_email_is_logged_and_retried_later_never_thrown()
    {
        var port = FreePort(); // nothing listens there
        await SaveSmtpAsync(port);
        Assert.Equal($"发送失败：无法连接 SMTP 服务器 127.0.0.1:{port}：连接被拒绝，请检查端口",
            await Get<NotificationSettingsService>().SendTestAsync("admin@example.test"));
        await Get<NotificationSettingsService>().SavePreferencesAsync(ownerId, new Dictionary<NotificationEvent, NotificationChannels>
        { [NotificationEvent.OrderFailed] = NotificationChannels.Email });
        await Get<NotificationWriter>().WriteAsync(new NotificationRequest(NotificationEvent.OrderFailed, "订单失败：X1", UserIds: [ownerId]));
        var before = DateTimeOffset.UtcNow;
        Assert.Equal(1, await Get<NotificationDispatcher>().DeliverDueAsync());
        await using var ctx = db.NewContext();
        var d = await ctx.NotificationDeliveries.SingleAsync();
        Assert.Equal(DeliveryStatus.Pending, d.Status);
        Assert.Equal(1, d.Attempts);
        Assert.StartsWith("无法连接 SMTP 服务器", d.LastError);
        Assert.True(d.NextAttemptAt >= before.AddSeconds(29));
        Assert.Equal(0, await Get<NotificationDispatcher>().DeliverDueAsync()); // not due yet: backoff
        Assert.Equal(0, await ctx.Notifications.CountAsync()); // email only: nothing in the centre
    }

    [Fact]
    public async Task Webhook_is_signed_so_the_receiver_can_verify_it_and_a_failure_is_retried()
    {
        var port = FreePort();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/hook/");
        listener.Start();
        var received = new List<(string Body, string? Signature, string? Event)>();
        var calls = 0;
        var serving = Task.Run(async () =>
        {
            while (listener.IsListening)
            {
                HttpListenerContext c;
                try { c = await listener.GetContextAsync(); } catch { return; }
                using var reader = new StreamReader(c.Request.InputStream, Encoding.UTF8);
                var body = await reader.ReadToEndAsync();
                // The first call fails: the sender must retry.
                c.Response.StatusCode = Interlocked.Increment(ref calls) == 1 ? 500 : 204;
                lock (received) received.Add((body, c.Request.Headers[WebhookSender.SignatureHeader], c.Request.Headers[WebhookSender.EventHeader]));
                c.Response.Close();
            }
        });

        var settings = Get<NotificationSettingsService>();
        Assert.NotNull(await settings.SaveWebhookAsync(ownerId, "ftp://example.test/"));
        Assert.Null(await settings.SaveWebhookAsync(ownerId, $"http://127.0.0.1:{port}/hook/"));
        var secret = (await settings.GetWebhookAsync(ownerId))!.Secret;
        await settings.SavePreferencesAsync(ownerId, new Dictionary<NotificationEvent, NotificationChannels>
        { [NotificationEvent.WithdrawalDecided] = NotificationChannels.Webhook | NotificationChannels.InApp });

        await Get<NotificationWriter>().WriteAsync(new NotificationRequest(NotificationEvent.WithdrawalDecided, "提现已通过", "¥100.00 已打款",
            UserIds: [ownerId], Data: new { amount = 10000 }));
        var dispatcher = Get<NotificationDispatcher>();
        await dispatcher.DeliverDueAsync();
        await using (var ctx = db.NewContext())
        {
            var d = await ctx.NotificationDeliveries.SingleAsync();
            Assert.Equal(DeliveryStatus.Pending, d.Status);
            Assert.Equal("HTTP 500", d.LastError);
            d.NextAttemptAt = DateTimeOffset.UtcNow.AddSeconds(-1); // the backoff has passed
            await ctx.SaveChangesAsync();
        }
        await dispatcher.DeliverDueAsync();
        await using (var ctx = db.NewContext())
        {
            var d = await ctx.NotificationDeliveries.SingleAsync();
            Assert.Equal(DeliveryStatus.Sent, d.Status);
            Assert.Equal(2, d.Attempts);
        }
        listener.Stop();
        await serving;

        Assert.Equal(2, received.Count);
        var (body, signature, eventName) = received[1];
        // The receiver's own check: HMAC-SHA256 of the raw body under the shared secret.
        var expected = "sha256=" + Convert.ToHexString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(body))).ToLowerInvariant();
        Assert.Equal(expected, signature);
        Assert.Equal("WithdrawalDecided", eventName);
        Assert.False(WebhookSender.Verify(secret, body.Replace("100", "999"), signature)); // tampering is detected
        using var json = JsonDocument.Parse(body);
        Assert.Equal("提现已通过", json.RootElement.GetProperty("title").GetString());
        Assert.Equal(10000, json.RootElement.GetProperty("data").GetProperty("amount").GetInt32());
    }
}
