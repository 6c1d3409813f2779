using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace KaMeng.Tests.Browser;

public class NotificationSettingsTests(BrowserFixture fx) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task Owner_chooses_channels_per_event_saves_and_sees_them_after_reload_and_a_bad_webhook_url_is_refused()
    {
        var page = await fx.NewPageAsync();
        await new LoginPage(page).LoginAsAsync("demo-owner", TestAccounts.DemoPassword, "/admin/notifications/settings");
        var admin = new AdminPage(page);
        await admin.WaitForCircuitAsync();
        var lowStockEmail = Preference(page, NotificationEvent.LowStock, NotificationChannels.Email);
        var withdrawalInApp = Preference(page, NotificationEvent.WithdrawalDecided, NotificationChannels.InApp);
        var withdrawalWebhook = Preference(page, NotificationEvent.WithdrawalDecided, NotificationChannels.Webhook);
        await Assertions.Expect(lowStockEmail).Not.ToBeCheckedAsync();
        await Assertions.Expect(withdrawalInApp).ToBeCheckedAsync();

        await lowStockEmail.CheckAsync();
        await withdrawalWebhook.CheckAsync();
        await withdrawalInApp.UncheckAsync();
        await page.GetByTestId("save-prefs").ClickAsync();
        await Assertions.Expect(admin.Notification("通知偏好已更新")).ToBeVisibleAsync();

        // A webhook URL that is not http(s) is explained in Chinese and nothing is stored.
        var url = page.Locator("input[name=webhook-url]");
        await url.FillAsync("ftp://example.test/hook");
        await url.PressAsync("Tab");
        await page.GetByTestId("save-webhook").ClickAsync();
        await Assertions.Expect(admin.Notification("Webhook 地址必须是 http:// 或 https:// 开头的完整网址")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("webhook-secret")).ToHaveCountAsync(0);
        await BrowserFixture.ScreenshotsAsync(page, "notification-settings");

        await page.ReloadAsync();
        await admin.WaitForCircuitAsync();
        await Assertions.Expect(lowStockEmail).ToBeCheckedAsync();
        await Assertions.Expect(withdrawalWebhook).ToBeCheckedAsync();
        await Assertions.Expect(withdrawalInApp).Not.ToBeCheckedAsync();
        await Assertions.Expect(Preference(page, NotificationEvent.LowStock, NotificationChannels.InApp)).ToBeCheckedAsync();

        await using var db = fx.App.NewContext();
        var owner = await db.Users.Where(u => u.UserName == "demo-owner").Select(u => u.Id).SingleAsync();
        var saved = await db.NotificationPreferences.Where(p => p.UserId == owner).ToDictionaryAsync(p => p.Event, p => p.Channels);
        Assert.Equal(NotificationChannels.InApp | NotificationChannels.Email, saved[NotificationEvent.LowStock]);
        Assert.Equal(NotificationChannels.Webhook, saved[NotificationEvent.WithdrawalDecided]);
        Assert.False(await db.WebhookEndpoints.AnyAsync(w => w.UserId == owner));
    }

    [Fact]
    public async Task Admin_saves_the_smtp_server_and_the_test_mail_arrives_a_bad_host_or_port_is_refused_unsaved_and_starttls_without_support_says_why()
    {
        await using var smtp = await SmtpServer.StartAsync();
        var page = await fx.NewPageAsync();
        await new LoginPage(page).LoginAsAsync("admin", TestAccounts.AdminPassword, "/admin/notifications/settings");
        var admin = new AdminPage(page);
        await admin.WaitForCircuitAsync();

        async Task FillAsync(string name, string value)
        {
            var input = page.Locator($"input[name={name}]");
            await input.FillAsync(value);
            await input.PressAsync("Tab");
        }

        // A fresh form: 465 with 自动, what QQ and 163 mail take.
        var security = page.GetByTestId("smtp-security");
        var securityShown = page.GetByRole(AriaRole.Combobox, new() { Name = "加密方式" });
        await Assertions.Expect(page.Locator("input[name=smtp-port]")).ToHaveValueAsync("465");
        await Assertions.Expect(securityShown).ToHaveValueAsync("自动");

        await FillAsync("smtp-host", "not a host");
        await FillAsync("smtp-port", smtp.Port.ToString());
        await FillAsync("smtp-from", "kameng@example.test");
        await page.GetByTestId("save-smtp").ClickAsync();
        await Assertions.Expect(admin.Notification("SMTP 服务器地址无效")).ToBeVisibleAsync();
        await FillAsync("smtp-host", "127.0.0.1");
        await FillAsync("smtp-port", "70000");
        await page.GetByTestId("save-smtp").ClickAsync();
        await Assertions.Expect(admin.Notification("端口应在 1–65535 之间")).ToBeVisibleAsync();
        await FillAsync("smtp-port", smtp.Port.ToString());
        await using (var db = fx.App.NewContext())
            Assert.False(await db.SmtpSettings.AnyAsync(), "a refused SMTP setting must not be stored");


        // The local test server speaks no TLS: 自动 sends in the clear when STARTTLS is not offered.
        await admin.CloseNotificationsAsync();
        await Selects.ChooseAsync(page, security, "自动");
        await Assertions.Expect(securityShown).ToHaveValueAsync("自动");
        await page.GetByTestId("save-smtp").ClickAsync();
        await Assertions.Expect(admin.Notification("SMTP 设置已更新")).ToBeVisibleAsync();
        await FillAsync("smtp-test-to", "finance@example.test");
        await page.GetByTestId("send-test").ClickAsync();
        await Assertions.Expect(admin.Notification("测试邮件已发送到 finance@example.test")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Poll.UntilAsync(() => smtp.Messages().Length == 1, "the test mail reaches the SMTP server", 60);
        var message = smtp.Messages().Single();
        Assert.Contains("finance@example.test", message);
        Assert.Contains("kameng@example.test", message);
        await BrowserFixture.ScreenshotsAsync(page, "notification-settings-smtp");

        await page.ReloadAsync();
        await admin.WaitForCircuitAsync();
        await Assertions.Expect(page.Locator("input[name=smtp-host]")).ToHaveValueAsync("127.0.0.1");
        await Assertions.Expect(securityShown).ToHaveValueAsync("自动");
        await using (var db = fx.App.NewContext())
            Assert.Equal(SmtpSecurity.Auto, (await db.SmtpSettings.SingleAsync()).Security);

        // STARTTLS required, against a server that offers none: saved as chosen, and the test send says why nothing went.
        await Selects.ChooseAsync(page, security, "STARTTLS");
        await Assertions.Expect(securityShown).ToHaveValueAsync("STARTTLS");
        await page.GetByTestId("save-smtp").ClickAsync();
        await Assertions.Expect(admin.Notification("SMTP 设置已更新")).ToBeVisibleAsync();
        await FillAsync("smtp-test-to", "finance@example.test");
        await page.GetByTestId("send-test").ClickAsync();
        await Assertions.Expect(admin.Notification("不支持 STARTTLS")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        Assert.Single(smtp.Messages());
        await using (var db = fx.App.NewContext())
            Assert.Equal(SmtpSecurity.StartTls, (await db.SmtpSettings.SingleAsync()).Security);
    }

    /// <summary>The check box of one event and channel (the test id sits on the box or around it).</summary>
    static ILocator Preference(IPage page, NotificationEvent e, NotificationChannels channel) =>
        page.Locator($"input[type=checkbox][data-testid='pref-{e}-{channel}'], [data-testid='pref-{e}-{channel}'] input[type=checkbox]");
}
