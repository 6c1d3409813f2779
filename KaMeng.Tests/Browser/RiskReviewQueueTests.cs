using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Risk;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace KaMeng.Tests.Browser;

/// <summary>异常订单二次审核 in the browser: orders a rule held wait in the platform's queue with the rule they hit; the buyer
/// sees 订单审核中 on a phone; staff approve one (delivered, keys shown) and reject another (refunded).</summary>
public class RiskReviewQueueTests(BrowserFixture fx) : IClassFixture<BrowserFixture>
{
    const string Honor = "王者荣耀 60 点券";   // ¥6.00

    [Fact]
    public async Task Staff_approve_one_held_order_and_reject_another_and_the_buyer_sees_each_outcome()
    {
        var services = fx.App.Services;
        Assert.Null(await services.GetRequiredService<RiskReviewService>().SaveRuleAsync(new AuditActor("admin-id", "admin", null),
            new RiskRule { Kind = RiskRuleKind.LargeAmount, Threshold = 600, Action = RiskAction.Review }));
        string buyerId;
        int productId;
        await using (var db = fx.App.NewContext())
        {
            buyerId = await db.Users.Where(u => u.UserName == "demo-buyer").Select(u => u.Id).SingleAsync();
            productId = (await db.Products.SingleAsync(p => p.Name == Honor)).Id;
        }
        var checkout = services.GetRequiredService<CheckoutService>();
        var numbers = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            var r = await checkout.PlaceBalanceOrderAsync((await services.GetRequiredService<KaMeng.Web.Features.Stations.StationDirectory>().MainAsync()),
                new CheckoutRequest(productId, 1, buyerId, CheckoutRequest.NewIdempotencyKey()));
            Assert.True(r.Succeeded, r.Error);
            numbers.Add(r.OrderNumber!);
        }

        // The buyer, on a phone: paid, 订单审核中, no key yet.
        var buyer = await fx.NewPageAsync(mobile: true);
        await new LoginPage(buyer).LoginAsAsync("demo-buyer", TestAccounts.DemoPassword, $"/order/{numbers[0]}");
        await Assertions.Expect(buyer.GetByTestId("order-status")).ToHaveTextAsync("订单审核中");
        await Assertions.Expect(buyer.GetByTestId("order-review")).ToContainTextAsync("正在进行安全审核");
        await BrowserFixture.ScreenshotsAsync(buyer, "risk-order-held");

        var admin = await fx.NewPageAsync();
        await new LoginPage(admin).LoginAsAsync("admin", TestAccounts.AdminPassword, "/admin/risk/review");
        await new AdminPage(admin).WaitForCircuitAsync();
        var queue = new ReviewQueuePage(admin);
        await Assertions.Expect(queue.Held).ToHaveCountAsync(2);
        await Assertions.Expect(queue.Order(numbers[0]).GetByTestId("held-hit").First).ToContainTextAsync("单笔金额 ≥ ¥6.00");
        await Assertions.Expect(queue.Stats).ToContainTextAsync("待审核 2");
        await BrowserFixture.ScreenshotsAsync(admin, "risk-review-queue");

        // Reject without a reason: refused, nothing changes. Then with one.
        await queue.Order(numbers[1]).GetByTestId("review-reject").ClickAsync();
        await Assertions.Expect(queue.Error).ToHaveTextAsync("请填写驳回原因");
        await queue.Order(numbers[1]).GetByTestId("review-note").FillAsync("同设备多账号，疑似盗刷");
        await queue.Order(numbers[1]).GetByTestId("review-reject").ClickAsync();
        await Assertions.Expect(queue.Held).ToHaveCountAsync(1);
        await queue.Order(numbers[0]).GetByTestId("review-approve").ClickAsync();
        await Assertions.Expect(queue.Held).ToHaveCountAsync(0);
        await Assertions.Expect(queue.Stats).ToContainTextAsync("已通过 1");
        await Assertions.Expect(queue.Stats).ToContainTextAsync("已驳回 1");

        // The platform dashboard counts them too: none held now, one approved, one rejected, both by the amount rule.
        await admin.GotoAsync("/admin");
        await new AdminPage(admin).WaitForCircuitAsync();
        await Assertions.Expect(admin.GetByTestId("risk-held")).ToHaveTextAsync("待审核 0");
        await Assertions.Expect(admin.GetByTestId("risk-decided")).ToHaveTextAsync("已通过 1 · 已驳回 1");
        await Assertions.Expect(admin.GetByTestId("risk-by-rule")).ToContainTextAsync("单笔金额");
        await Assertions.Expect(admin.GetByTestId("risk-by-rule")).ToContainTextAsync("：2");
        await admin.GetByTestId("risk-review-card").ScrollIntoViewIfNeededAsync();
        await BrowserFixture.ScreenshotsAsync(admin, "risk-dashboard-card");

        await buyer.ReloadAsync();
        await Assertions.Expect(buyer.GetByTestId("order-status")).ToHaveTextAsync("已发货");
        await buyer.GotoAsync($"/order/{numbers[1]}");
        await Assertions.Expect(buyer.GetByTestId("order-status")).ToHaveTextAsync("已退款");
        await BrowserFixture.ScreenshotsAsync(buyer, "risk-order-rejected");
    }
}

public sealed class ReviewQueuePage(IPage page)
{
    public ILocator Held => page.GetByTestId("held-order");
    public ILocator Order(string number) => Held.Filter(new() { HasText = number });
    public ILocator Stats => page.GetByTestId("review-stats");
    public ILocator Error => page.GetByTestId("review-error");
}
