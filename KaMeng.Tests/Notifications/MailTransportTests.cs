using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Notifications;
using KaMeng.Web.Features.Orders;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KaMeng.Tests.Notifications;

/// <summary>
/// Mail over MailKit against a real SMTP server on loopback (python3-aiosmtpd) that speaks implicit TLS or STARTTLS
/// with a self-signed certificate and wants a login. Only these tests trust that certificate, through
/// <see cref="MailTransportOptions.CertificateValidationForTests"/>; the app leaves it unset.
/// </summary>
public class MailTransportTests : IAsyncLifetime
{
    const string User = "kameng@example.test";
    const string Password = "授权码-abc123";
    static readonly TimeSpan ShortTimeout = TimeSpan.FromSeconds(3);

    readonly TestCertificate certificate = new();
    TestDatabase db = default!;

    public async Task InitializeAsync() =>
        db = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite, s => s.AddCommerceServices().AddNotificationServices()
            .AddSingleton(new MailTransportOptions { Timeout = ShortTimeout, CertificateValidationForTests = certificate.TrustOnlyThis() }));

    public async Task DisposeAsync() => await db.DisposeAsync();

    NotificationSettingsService Settings => db.Services.GetRequiredService<NotificationSettingsService>();

    Task<string?> SaveAsync(int port, SmtpSecurity security, string? password = Password) =>
        Settings.SaveSmtpAsync(new SmtpSettings { Host = "127.0.0.1", Port = port, From = User, UserName = User, Password = password }, security);

    [Fact]
    public async Task A_mail_over_implicit_tls_arrives_with_its_chinese_subject_and_body_and_so_does_a_queued_notification()
    {
        await using var smtp = await SmtpServer.StartAsync(SmtpServerTls.Implicit, certificate, User, Password);
        Assert.Null(await SaveAsync(smtp.Port, SmtpSecurity.SslOnConnect));

        Assert.Null(await Settings.SendTestAsync("admin@example.test"));
        var test = await smtp.WaitForMessageToAsync("admin@example.test");
        Assert.Equal("[KaMeng] 测试邮件", SmtpServer.Subject(test));
        Assert.Contains("这是一封来自 KaMeng 卡盟后台的测试邮件", SmtpServer.Body(test));

        // The dispatcher sends through the same settings: the delivery row is marked sent.
        await db.Services.GetRequiredService<NotificationWriter>().WriteAsync(new NotificationRequest(
            NotificationEvent.GuestOrderDelivered, "订单 T1 已发货", "卡密：甲乙丙-123", EmailTo: "guest@example.test"));
        Assert.Equal(1, await db.Services.GetRequiredService<NotificationDispatcher>().DeliverDueAsync());
        var mail = await smtp.WaitForMessageToAsync("guest@example.test");
        Assert.Equal("[KaMeng] 订单 T1 已发货", SmtpServer.Subject(mail));
        Assert.Contains("卡密：甲乙丙-123", SmtpServer.Body(mail));
        await using var ctx = db.NewContext();
        Assert.Equal(DeliveryStatus.Sent, (await ctx.NotificationDeliveries.SingleAsync()).Status);
    }

    [Fact]
    public async Task Auto_upgrades_to_starttls_when_the_server_offers_it_and_the_mail_arrives()
    {
        // This server refuses any mail, and any login, before STARTTLS: the mail arriving proves the upgrade.
        await using var smtp = await SmtpServer.StartAsync(SmtpServerTls.StartTls, certificate, User, Password);
        Assert.Null(await SaveAsync(smtp.Port, SmtpSecurity.Auto));
        Assert.Equal(SmtpSecurity.Auto, (await Settings.GetSmtpAsync()).Security);

        Assert.Null(await Settings.SendTestAsync("admin@example.test"));
        var mail = await smtp.WaitForMessageToAsync("admin@example.test");
        Assert.Equal("[KaMeng] 测试邮件", SmtpServer.Subject(mail));
    }

    [Fact]
    public async Task A_refused_login_is_explained_in_chinese_by_the_test_send_and_changes_nothing()
    {
        await using var smtp = await SmtpServer.StartAsync(SmtpServerTls.Implicit, certificate, User, Password);
        Assert.Null(await SaveAsync(smtp.Port, SmtpSecurity.SslOnConnect, password: "wrong-password"));
        var saved = await Settings.GetSmtpAsync();

        var error = await Settings.SendTestAsync("admin@example.test");
        Assert.Equal("发送失败：SMTP 登录失败：用户名或密码错误（QQ 邮箱、163 邮箱请填写授权码，而不是邮箱的登录密码）", error);
        Assert.DoesNotContain("wrong-password", error);

        var after = await Settings.GetSmtpAsync();
        Assert.Equal((saved.Host, saved.Port, saved.Security, saved.UserName, saved.Password, saved.From),
            (after.Host, after.Port, after.Security, after.UserName, after.Password, after.From));
        await using var ctx = db.NewContext();
        Assert.False(await ctx.NotificationDeliveries.AnyAsync());
        Assert.Empty(smtp.Messages());
    }

    [Fact]
    public async Task A_queued_mail_refused_at_login_stays_pending_for_a_retry_with_the_chinese_reason()
    {
        await using var smtp = await SmtpServer.StartAsync(SmtpServerTls.Implicit, certificate, User, Password);
        Assert.Null(await SaveAsync(smtp.Port, SmtpSecurity.SslOnConnect, password: "wrong-password"));
        await db.Services.GetRequiredService<NotificationWriter>().WriteAsync(new NotificationRequest(
            NotificationEvent.GuestOrderDelivered, "订单 T2 已发货", "正文", EmailTo: "guest@example.test"));

        Assert.Equal(1, await db.Services.GetRequiredService<NotificationDispatcher>().DeliverDueAsync());

        await using var ctx = db.NewContext();
        var delivery = await ctx.NotificationDeliveries.SingleAsync();
        Assert.Equal(DeliveryStatus.Pending, delivery.Status);
        Assert.Equal(1, delivery.Attempts);
        Assert.StartsWith("SMTP 登录失败", delivery.LastError);
        Assert.Empty(smtp.Messages());
    }

    [Fact]
    public async Task Without_the_test_hook_a_self_signed_certificate_is_refused_and_nothing_is_sent()
    {
        await using var smtp = await SmtpServer.StartAsync(SmtpServerTls.Implicit, certificate, User, Password);
        var production = new EmailSender(new MailTransportOptions());
        var settings = new SmtpSettings { Host = "127.0.0.1", Port = smtp.Port, Security = SmtpSecurity.SslOnConnect, From = User, UserName = User, Password = Password };
        Assert.Equal(SmtpSecurity.SslOnConnect, settings.Security);

        var e = await Assert.ThrowsAsync<EmailSendException>(() => production.SendAsync(settings, "admin@example.test", "主题", "正文"));
        Assert.StartsWith($"无法与 SMTP 服务器 127.0.0.1:{smtp.Port} 建立加密连接：服务器证书不受信任", e.Message);
        Assert.Empty(smtp.Messages());
    }

    [Fact]
    public async Task A_server_that_never_answers_fails_within_the_timeout_with_a_chinese_message()
    {
        // Connections are accepted (by the kernel) but nothing is ever said: the client waits for a greeting.
        var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        try
        {
            var port = ((IPEndPoint)silent.LocalEndpoint).Port;
            Assert.Null(await SaveAsync(port, SmtpSecurity.Auto));
            var clock = Stopwatch.StartNew();
            var error = await Settings.SendTestAsync("admin@example.test");
            Assert.Equal($"发送失败：SMTP 服务器 127.0.0.1:{port} 在 3 秒内没有响应（请检查服务器地址和端口；若该端口是 SSL/TLS 端口，加密方式请选「SSL/TLS」）", error);
            Assert.True(clock.Elapsed < ShortTimeout + TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
        }
        finally { silent.Stop(); }
    }

    [Fact]
    public async Task Auto_on_a_port_other_than_465_against_an_implicit_tls_server_times_out_instead_of_hanging()
    {
        // The trap System.Net.Mail fell into on 465: the client waits for a greeting, the server for a TLS hello.
        await using var smtp = await SmtpServer.StartAsync(SmtpServerTls.Implicit, certificate, User, Password);
        Assert.Null(await SaveAsync(smtp.Port, SmtpSecurity.Auto));
        var error = await Settings.SendTestAsync("admin@example.test");
        Assert.StartsWith($"发送失败：SMTP 服务器 127.0.0.1:{smtp.Port} 在 3 秒内没有响应", error);
        Assert.Empty(smtp.Messages());
    }

    [Theory]
    [InlineData(SmtpSecurity.Auto, 465)]
    [InlineData(SmtpSecurity.Auto, 25)]
    [InlineData(SmtpSecurity.SslOnConnect, 465)]
    [InlineData(SmtpSecurity.SslOnConnect, 994)]
    [InlineData(SmtpSecurity.StartTls, 587)]
    [InlineData(SmtpSecurity.StartTls, 2587)]
    [InlineData(SmtpSecurity.None, 25)]
    [InlineData(SmtpSecurity.None, 1025)]
    public async Task Each_security_choice_is_stored_as_chosen_on_any_port(SmtpSecurity security, int port)
    {
        Assert.Null(await SaveAsync(port, security));
        var stored = await Settings.GetSmtpAsync();
        Assert.Equal((security, port), (stored.Security, stored.Port));
    }

    [Fact]
    public async Task Starttls_required_against_a_server_without_it_sends_nothing_and_says_why()
    {
        await using var smtp = await SmtpServer.StartAsync();
        Assert.Null(await SaveAsync(smtp.Port, SmtpSecurity.StartTls));
        var refused = await Settings.SendTestAsync("admin@example.test");
        Assert.Contains("不支持 STARTTLS：请改选「SSL/TLS」或换用该服务商的加密端口", refused);
        Assert.Empty(smtp.Messages());
    }
}
