using System.Net;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Notifications;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Payments;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace KaMeng.Tests.Payments;

/// <summary>The real app with its Development sandbox gateway: the notify over HTTP, the return page, 补单, and a guest
/// buying in Chromium.</summary>
public class EPayWebTests : IClassFixture<BrowserFixture>
{
    const string Key = "sandbox-key-0123456789";
    const string Product = "王者荣耀 60 点券";
    readonly BrowserFixture fx;

    public EPayWebTests(BrowserFixture fx)
    {
        this.fx = fx;
        var error = fx.App.Services.GetRequiredService<GatewaySettingsService>().SaveAsync(new AuditActor("test", "test", null), Station.MainStationId,
            new GatewayForm { BaseUrl = fx.App.BaseUrl + "/pay/sandbox/", Pid = "1001", Key = Key, Channels = ["alipay", "wxpay"], FeeNote = "沙箱网关，无手续费" }).GetAwaiter().GetResult();
        Assert.Null(error);
    }

    async Task<(GatewayRedirect Redirect, Order Order)> GuestOrderAsync(string contact = "guest@example.cn")
    {
        await using var db = fx.App.NewContext();
        var product = await db.Products.AsNoTracking().SingleAsync(p => p.Name == Product);
        var redirect = await fx.App.Services.GetRequiredService<EPayCheckout>().StartOrderAsync(
            (await fx.App.Services.GetRequiredService<KaMeng.Web.Features.Stations.StationDirectory>().ByIdAsync(Station.MainStationId))!,
            new GatewayCheckoutRequest(product.Id, 1, "alipay", Guid.NewGuid().ToString("N"), null, contact, "668899"),
            new SiteAddress(fx.App.BaseUrl, ""));
        Assert.Null(redirect.Error);
        return (redirect, await db.Orders.AsNoTracking().SingleAsync(o => o.Number == redirect.OutTradeNo));
    }

    async Task<OrderStatus> StatusAsync(Order order)
    {
        await using var db = fx.App.NewContext();
        return await db.Orders.Where(o => o.Id == order.Id).Select(o => o.Status).SingleAsync();
    }

    /// <summary>The cookie the checkout sets in the guest's browser (PaymentResults.RememberGuestPayment), as a Cookie header.</summary>
    string GuestCookie(Order order) =>
        $"km_pay_{order.Number}=" + fx.App.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("KaMeng.Payments.GuestAccess.v1").Protect(order.Number);

    [Fact]
    public async Task A_guest_buys_with_the_sandbox_gateway_and_sees_the_key()
    {
        // The platform's SMTP server is a real one on loopback: the guest's keys also arrive by mail.
        await using var smtp = await SmtpServer.StartAsync();
        Assert.Null(await fx.App.Services.GetRequiredService<NotificationSettingsService>().SaveSmtpAsync(
            new SmtpSettings { Host = "127.0.0.1", Port = smtp.Port, From = "shop@example.test" }));
        var page = await fx.NewPageAsync();
        var store = new StorefrontPage(page);
        await store.OpenProductAsync(Product);
        await page.FillAsync("#quantity", "1");
        await page.FillAsync("#contact", "guest-buyer@example.cn");
        await page.FillAsync("#query-password", "246813");
        await CaptchaSolver.SolveAsync(page, fx.App);
        await BrowserFixture.ScreenshotsAsync(page, "epay-guest-product");
        await page.GetByTestId("pay-alipay").ClickAsync();

        // The sandbox gateway's cashier: the order number and amount came through the signed redirect.
        await Assertions.Expect(page.GetByTestId("sandbox-money")).ToHaveTextAsync("¥6.00");
        var number = (await page.GetByTestId("sandbox-order").InnerTextAsync()).Trim();
        await BrowserFixture.ScreenshotsAsync(page, "epay-sandbox-cashier");
        await page.GetByTestId("sandbox-pay").ClickAsync();

        // Back on the store: the page shows what the notify did, never what the browser's query says.
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("购买成功");
        await Assertions.Expect(store.OrderNumber).ToHaveTextAsync(number);
        await Assertions.Expect(store.OrderStatus).ToHaveTextAsync("已发货");
        await Assertions.Expect(store.Keys).ToHaveCountAsync(1);
        var key = await store.Keys.First.InnerTextAsync();
        Assert.StartsWith("DEMO-", key);
        await Assertions.Expect(page.GetByTestId("guest-mail-note")).ToContainTextAsync("guest-buyer@example.cn");
        await BrowserFixture.ScreenshotsAsync(page, "epay-guest-result");

        var mail = await smtp.WaitForMessageToAsync("guest-buyer@example.cn");
        Assert.Equal($"卡盟总站：订单 {number} 已发货", SmtpServer.Subject(mail));
        var body = SmtpServer.Body(mail);
        Assert.Contains($"订单号：{number}", body);
        Assert.Contains($"商品：{Product} ×1", body);
        Assert.Contains(key, body);

        // Another browser without the checkout's cookie sees nothing; 查单 with contact + password finds the same key.
        var other = await fx.NewPageAsync(mobile: true);
        var response = await other.GotoAsync($"/pay/result/{number}");
        Assert.Equal(404, response!.Status);
        var otherStore = new StorefrontPage(other);
        await otherStore.QueryOrderAsync(number, "guest-buyer@example.cn", "246813");
        await Assertions.Expect(other.GetByTestId("query-result").Locator("code")).ToHaveTextAsync(key);
    }

    [Fact]
    public async Task The_return_url_without_a_notify_shows_the_real_status_and_polls()
    {
        var (redirect, order) = await GuestOrderAsync();
        using var client = fx.App.NewHttpClient();
        // What a forger's browser would bring back: a "successful" query string.
        var url = $"/pay/result/{order.Number}?" + SignedNotify.Query(order.Number, "6.00", "FORGED", "guess");
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(url)).StatusCode);

        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Add("Cookie", GuestCookie(order));
        using var response = await client.SendAsync(request);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("等待支付结果", html);
        Assert.Contains("http-equiv=\"refresh\"", html);
        Assert.Contains("待支付", html);
        Assert.Equal(OrderStatus.PendingPayment, await StatusAsync(order));
    }

    [Fact]
    public async Task A_guest_who_left_a_phone_number_is_told_the_keys_are_shown_on_this_page_only()
    {
        var (_, order) = await GuestOrderAsync("13800138000");
        using var client = fx.App.NewHttpClient();
        Assert.Equal("success", await client.GetStringAsync("/pay/epay/notify?" + SignedNotify.Query(order.Number, "6.00", "GW-PHONE-" + order.Number, Key)));
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/pay/result/{order.Number}");
        request.Headers.Add("Cookie", GuestCookie(order));
        var html = await (await client.SendAsync(request)).Content.ReadAsStringAsync();
        Assert.Contains("购买成功", html);
        Assert.Contains("卡密只在本页显示", html);
        await using var db = fx.App.NewContext();
        Assert.False(await db.NotificationDeliveries.AnyAsync(d => d.OrderId == order.Id));
    }

    [Fact]
    public async Task The_notify_endpoint_answers_plain_success_only_for_a_payment_it_accepted()
    {
        var (_, order) = await GuestOrderAsync();
        using var client = fx.App.NewHttpClient();
        var forged = await client.GetAsync("/pay/epay/notify?" + SignedNotify.Query(order.Number, "6.00", "GW-1", "not-the-key"));
        Assert.Equal("fail", await forged.Content.ReadAsStringAsync());
        var first = await client.GetAsync("/pay/epay/notify?" + SignedNotify.Query(order.Number, "6.00", "GW-1", Key));
        Assert.Equal("success", await first.Content.ReadAsStringAsync());
        Assert.Equal("text/plain", first.Content.Headers.ContentType?.MediaType);
        Assert.Equal(OrderStatus.Delivered, await StatusAsync(order));
        Assert.Equal("success", await (await client.GetAsync("/pay/epay/notify?" + SignedNotify.Query(order.Number, "6.00", "GW-1", Key))).Content.ReadAsStringAsync());
        Assert.Equal("fail", await (await client.GetAsync("/pay/epay/notify?" + SignedNotify.Query(order.Number, "6.00", "GW-2", Key))).Content.ReadAsStringAsync());
        await using var db = fx.App.NewContext();
        Assert.Equal(1, await db.CardKeys.CountAsync(k => k.OrderId == order.Id));
        Assert.Equal(PaymentIssueKind.DifferentTradeNo, (await db.PaymentIssues.SingleAsync(i => i.OutTradeNo == order.Number)).Kind);
    }

    [Fact]
    public async Task Reconciliation_completes_an_order_the_gateway_reports_paid_when_the_notify_never_came()
    {
        var (redirect, order) = await GuestOrderAsync();
        var submit = new Uri(redirect.Url!);
        var fields = QueryHelpers.ParseQuery(submit.Query).ToDictionary(kv => kv.Key, kv => kv.Value.ToString());
        using var client = fx.App.NewHttpClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(submit.PathAndQuery)).StatusCode);
        fields["action"] = "silent"; // paid at the gateway, notify lost
        var paid = await client.PostAsync(submit.AbsolutePath, new FormUrlEncodedContent(fields));
        Assert.Equal(HttpStatusCode.Redirect, paid.StatusCode);
        Assert.Equal(OrderStatus.PendingPayment, await StatusAsync(order));

        var result = await fx.App.Services.GetRequiredService<EPayReconciliation>().ReconcileAsync();
        Assert.True(result.Completed >= 1, $"completed {result.Completed} of {result.Checked}");
        Assert.Equal(OrderStatus.Delivered, await StatusAsync(order));
        // Running it again finds nothing more to do for this order.
        await fx.App.Services.GetRequiredService<EPayReconciliation>().ReconcileAsync();
        await using var db = fx.App.NewContext();
        Assert.Equal(1, await db.CardKeys.CountAsync(k => k.OrderId == order.Id));
    }

    [Fact]
    public async Task Admin_saves_the_gateway_and_finance_resolves_a_double_payment_alert()
    {
        var page = await fx.NewPageAsync();
        await new LoginPage(page).LoginAsAsync("admin", TestAccounts.AdminPassword, "/admin/payments");
        var admin = new AdminPage(page);
        await admin.WaitForCircuitAsync();
        var settings = new PaymentSettingsPage(page);
        var baseUrl = settings.BaseUrl;
        await Assertions.Expect(baseUrl).ToHaveValueAsync(fx.App.BaseUrl + "/pay/sandbox/");
        await baseUrl.FillAsync("https://pay.example.com/submit.php");
        await settings.Save.ClickAsync();
        await Assertions.Expect(admin.Notification("submit.php")).ToBeVisibleAsync();
        await using (var db = fx.App.NewContext())
            Assert.Equal(fx.App.BaseUrl + "/pay/sandbox/", (await db.PaymentGateways.SingleAsync(g => g.StationId == Station.MainStationId)).BaseUrl);

        // A blank key keeps the stored (encrypted) one.
        await baseUrl.FillAsync(fx.App.BaseUrl + "/pay/sandbox");
        await settings.FeeNote.FillAsync("支付宝费率 0.6%");
        await settings.Save.ClickAsync();
        await Assertions.Expect(admin.Notification("已保存")).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotsAsync(page, "epay-admin-settings");
        await using (var db = fx.App.NewContext())
        {
            var g = await db.PaymentGateways.SingleAsync(x => x.StationId == Station.MainStationId);
            Assert.Equal("支付宝费率 0.6%", g.FeeNote);
            Assert.DoesNotContain(Key, g.KeyCipher);
            Assert.Equal(Key, fx.App.Services.GetRequiredService<GatewayKeys>().Unprotect(g.KeyCipher));
        }

        // A second payment of the same order with another trade number becomes an alert for finance.
        var (_, order) = await GuestOrderAsync();
        using var client = fx.App.NewHttpClient();
        Assert.Equal("success", await (await client.GetAsync("/pay/epay/notify?" + SignedNotify.Query(order.Number, "6.00", "GW-X1", Key))).Content.ReadAsStringAsync());
        Assert.Equal("fail", await (await client.GetAsync("/pay/epay/notify?" + SignedNotify.Query(order.Number, "6.00", "GW-X2", Key))).Content.ReadAsStringAsync());

        var issues = new PaymentIssuesPage(page);
        await issues.GotoAsync();
        await admin.WaitForCircuitAsync();
        var row = issues.Issue(order.Number);
        await Assertions.Expect(row).ToContainTextAsync("重复支付");
        await Assertions.Expect(row.GetByTestId("issue-trade-no")).ToHaveTextAsync("GW-X2");
        await BrowserFixture.ScreenshotsAsync(page, "epay-admin-issues");
        // 已处理 without a note is answered at the field, and nothing is marked.
        await issues.Resolve(order.Number).ClickAsync();
        await Assertions.Expect(row).ToContainTextAsync("请填写处理说明");
        await issues.IssueNote(order.Number).FillAsync("已原路退款 GW-X2");
        await Assertions.Expect(row).Not.ToContainTextAsync("请填写处理说明");
        await issues.Resolve(order.Number).ClickAsync();
        await Assertions.Expect(admin.Notification("已标记处理")).ToBeVisibleAsync();
        await Assertions.Expect(row).ToHaveCountAsync(0);
        await using (var db = fx.App.NewContext())
            Assert.Contains("已原路退款", (await db.PaymentIssues.SingleAsync(i => i.OutTradeNo == order.Number)).ResolvedBy);
    }

    [Fact]
    public async Task Finance_sees_a_manual_refund_task_for_a_guest_order_and_completes_it()
    {
        var (_, order) = await GuestOrderAsync("guest-refund@example.cn");
        using (var client = fx.App.NewHttpClient())
            Assert.Equal("success", await client.GetStringAsync("/pay/epay/notify?" + SignedNotify.Query(order.Number, "6.00", "GW-MANUAL-" + order.Number, Key)));
        var staff = new AuditActor("test", "admin", null);
        var refunds = fx.App.Services.GetRequiredService<RefundService>();
        var outcome = await refunds.RefundAsync(new RefundRequest(order.Id, "游客要求退款，网关退款不可用", Method: RefundMethod.Manual), staff);
        Assert.Null(outcome.Error);
        Assert.Equal(OrderStatus.Refunding, await StatusAsync(order));

        var page = await fx.NewPageAsync();
        await new LoginPage(page).LoginAsAsync("admin", TestAccounts.AdminPassword, "/admin/finance/payments");
        var admin = new AdminPage(page);
        await admin.WaitForCircuitAsync();
        var tasks = new PaymentIssuesPage(page);
        var row = tasks.ManualRefund(order.Number);
        await Assertions.Expect(tasks.RefundContact(order.Number)).ToHaveTextAsync("guest-refund@example.cn");
        await Assertions.Expect(tasks.RefundAmount(order.Number)).ToHaveTextAsync("¥6.00");
        await BrowserFixture.ScreenshotsAsync(page, "refund-manual-task"); // 1280 and 390 px
        // 已退款 without how it was paid is answered at the field.
        await tasks.CompleteRefund(order.Number).ClickAsync();
        await Assertions.Expect(row).ToContainTextAsync("请填写退款方式和流水号");
        await Assertions.Expect(admin.Confirmation).ToHaveCountAsync(0);
        await tasks.RefundNote(order.Number).FillAsync("支付宝转账 20261203001");
        // 已退款 asks first, repeating the amount, the order and where the money went; cancelling changes nothing.
        await tasks.CompleteRefund(order.Number).ClickAsync();
        await Assertions.Expect(admin.Confirmation).ToContainTextAsync("¥6.00");
        await Assertions.Expect(admin.Confirmation).ToContainTextAsync(order.Number);
        await Assertions.Expect(admin.Confirmation).ToContainTextAsync("guest-refund@example.cn");
        await Assertions.Expect(admin.Confirmation).ToContainTextAsync("支付宝转账 20261203001");
        await BrowserFixture.ScreenshotsAsync(page, "refund-manual-confirm");
        await admin.CancelConfirmationAsync();
        await Assertions.Expect(admin.Confirmation).ToHaveCountAsync(0);
        await Assertions.Expect(row).ToHaveCountAsync(1);
        Assert.Equal(OrderStatus.Refunding, await StatusAsync(order));
        await tasks.CompleteRefund(order.Number).ClickAsync();
        await admin.ConfirmAsync();
        await Assertions.Expect(admin.Notification("已标记退款完成")).ToBeVisibleAsync();
        await Assertions.Expect(row).ToHaveCountAsync(0);
        await BrowserFixture.ScreenshotsAsync(page, "refund-manual-done");
        Assert.Equal(OrderStatus.Refunded, await StatusAsync(order));
        await using var db = fx.App.NewContext();
        var refund = await db.Refunds.SingleAsync(r => r.OrderId == order.Id);
        Assert.Equal((RefundStatus.Completed, "支付宝转账 20261203001"), (refund.Status, refund.Note));
    }

    [Fact]
    public async Task The_sandbox_refunds_a_guest_order_through_the_gateway_once()
    {
        var (_, order) = await GuestOrderAsync();
        using (var client = fx.App.NewHttpClient())
            Assert.Equal("success", await client.GetStringAsync("/pay/epay/notify?" + SignedNotify.Query(order.Number, "6.00", "GW-REFUND-" + order.Number, Key)));
        var refunds = fx.App.Services.GetRequiredService<RefundService>();
        var outcome = await refunds.RefundAsync(new RefundRequest(order.Id, "缺货退款", "2.50"), new AuditActor("test", "admin", null));
        Assert.Null(outcome.Error);
        Assert.Equal(RefundStatus.Completed, outcome.Status);
        // The same refund asked again is answered again, never paid twice; more than what remains is refused by the sandbox.
        Assert.Null(await refunds.TryGatewayAsync(outcome.RefundId!.Value));
        await using var db = fx.App.NewContext();
        var refund = await db.Refunds.SingleAsync(r => r.OrderId == order.Id);
        Assert.StartsWith("SBXR", refund.GatewayReference);
        Assert.Equal(OrderStatus.Delivered, await StatusAsync(order)); // a partial refund leaves the order delivered
    }

    [Fact]
    public async Task The_sandbox_refuses_a_redirect_whose_amount_was_tampered_with()
    {
        var (redirect, _) = await GuestOrderAsync();
        using var client = fx.App.NewHttpClient();
        var tampered = redirect.Url!.Replace("money=6.00", "money=0.01");
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync(new Uri(tampered).PathAndQuery)).StatusCode);
    }
}

/// <summary>The app as deployed: the sandbox gateway does not exist.</summary>
public sealed class ProductionKaMengApp : KaMengApp
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseEnvironment("Production");
    }
}

public class EPaySandboxProductionTests(ProductionKaMengApp app) : IClassFixture<ProductionKaMengApp>
{
    [Theory]
    [InlineData("/pay/sandbox/submit.php?pid=1001&out_trade_no=1&money=1.00&sign=x")]
    [InlineData("/pay/sandbox/api.php?act=order&pid=1001&key=x&out_trade_no=1")]
    public async Task The_sandbox_gateway_is_unreachable_in_production(string path)
    {
        using var client = app.NewHttpClient();
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(path)).StatusCode);
        Assert.Equal("fail", await (await client.GetAsync("/pay/epay/notify")).Content.ReadAsStringAsync());
    }
}
