using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace KaMeng.Tests.Browser;

public class PurchaseTests(BrowserFixture fx) : IClassFixture<BrowserFixture>
{
    const string Product = "王者荣耀 60 点券";

    [Fact]
    public async Task Demo_buyer_buys_a_key_sees_it_and_finds_it_again_by_order_query_and_admin_sees_the_order()
    {
        var page = await fx.NewPageAsync();
        await new LoginPage(page).LoginAsAsync("demo-buyer", TestAccounts.DemoPassword);
        var store = new StorefrontPage(page);
        long balanceBefore;
        await using (var db = fx.App.NewContext())
            balanceBefore = (await db.Wallets.SingleAsync(w => w.UserId == db.Users.Single(u => u.UserName == "demo-buyer").Id)).Balance.Fen;
        await store.OpenProductAsync(Product);
        await BrowserFixture.ScreenshotsAsync(page, "product-page");
        await store.BuyAsync("1", contact: "buyer@example.cn", queryPassword: "668899");

        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("购买成功");
        await Assertions.Expect(store.OrderStatus).ToHaveTextAsync("已发货");
        await Assertions.Expect(store.Keys).ToHaveCountAsync(1);
        var key = await store.Keys.First.InnerTextAsync();
        Assert.StartsWith("DEMO-", key);
        var number = (await store.OrderNumber.InnerTextAsync()).Trim();
        await BrowserFixture.ScreenshotsAsync(page, "order-result");

        await page.GotoAsync("/my/wallet");
        await Assertions.Expect(page.GetByTestId("balance")).ToHaveTextAsync(Money.FromFen(balanceBefore - 600).ToString());
        await Assertions.Expect(page.GetByTestId("ledger")).ToContainTextAsync("消费");

        // 查单 from a guest browser finds the same key.
        var guest = await fx.NewPageAsync(mobile: true);
        var guestStore = new StorefrontPage(guest);
        await guestStore.QueryOrderAsync(number, "buyer@example.cn", "wrong");
        await Assertions.Expect(guest.GetByTestId("query-error")).ToBeVisibleAsync();
        await guestStore.QueryOrderAsync(number, "buyer@example.cn", "668899");
        await Assertions.Expect(guest.GetByTestId("query-result").Locator("code")).ToHaveTextAsync(key);
        await BrowserFixture.ScreenshotsAsync(guest, "order-query");

        // The admin sees the order.
        var adminPage = await fx.NewPageAsync();
        await new LoginPage(adminPage).LoginAsAsync("admin", TestAccounts.AdminPassword, "/admin/orders");
        var admin = new AdminPage(adminPage);
        await admin.WaitForCircuitAsync();
        await adminPage.GetByLabel("搜索订单").FillAsync(number);
        await adminPage.GetByTestId("order-search").ClickAsync();
        var row = adminPage.GetByTestId("order-grid").Locator("tbody tr").Filter(new() { HasText = number });
        await Assertions.Expect(row).ToContainTextAsync("已发货");
        await Assertions.Expect(row).ToContainTextAsync("demo-buyer");
        // At 1280 px every column header stays on one line (not "金 / 额", "状 / 态").
        await adminPage.SetViewportSizeAsync(1280, 800);
        Assert.Empty(await adminPage.GetByTestId("order-grid").EvaluateAsync<string[]>(
            "g => [...g.querySelectorAll('thead th')].filter(th => th.innerText.trim() && getComputedStyle(th).whiteSpace !== 'nowrap').map(th => th.innerText)"));
        await BrowserFixture.ScreenshotsAsync(adminPage, "admin-orders");
    }

    [Fact]
    public async Task A_fractional_quantity_gets_a_chinese_message_and_nothing_is_charged()
    {
        var page = await fx.NewPageAsync();
        await new LoginPage(page).LoginAsAsync("demo-buyer", TestAccounts.DemoPassword);
        var store = new StorefrontPage(page);
        await store.OpenProductAsync("爱奇艺黄金会员 月卡");
        int ordersBefore;
        await using (var db = fx.App.NewContext()) ordersBefore = await db.Orders.CountAsync();
        // Remove the browser's own number checks so the server's rule is what answers.
        await page.EvalOnSelectorAsync("#quantity", "e => { e.type = 'text'; e.removeAttribute('min'); e.removeAttribute('step'); }");
        await store.BuyAsync("1.5");
        await Assertions.Expect(store.CheckoutError).ToHaveTextAsync("购买数量必须是大于 0 的整数");
        await using (var db = fx.App.NewContext()) Assert.Equal(ordersBefore, await db.Orders.CountAsync());
    }

    [Fact]
    public async Task A_guest_is_asked_to_sign_in_before_buying()
    {
        var page = await fx.NewPageAsync();
        var store = new StorefrontPage(page, "/s/demo");
        await store.OpenProductAsync(Product);
        await page.GetByTestId("login-to-buy").ClickAsync();
        await page.WaitForURLAsync("**/s/demo/account/login?**");
        await new LoginPage(page, "/s/demo").SubmitAsync("demo-buyer", TestAccounts.DemoPassword);
        await Assertions.Expect(page.GetByTestId("product-name")).ToHaveTextAsync(Product);
        Assert.Contains("/s/demo/product/", page.Url);
    }

    [Fact]
    public async Task A_top_up_order_is_completed_by_staff_and_the_buyer_sees_the_delivery()
    {
        var page = await fx.NewPageAsync();
        await new LoginPage(page).LoginAsAsync("demo-buyer", TestAccounts.DemoPassword);
        var store = new StorefrontPage(page);
        await store.OpenProductAsync("移动话费 50 元 直充");
        await store.BuyAsync("1", inputs: new Dictionary<string, string> { ["phone"] = "1380013800" });
        await Assertions.Expect(store.CheckoutError).ToHaveTextAsync("手机号格式不正确");
        await page.FillAsync("#input-phone", "13800138000");
        await page.GetByTestId("buy").ClickAsync();
        await Assertions.Expect(store.OrderStatus).ToHaveTextAsync("处理中");
        var number = (await store.OrderNumber.InnerTextAsync()).Trim();

        var adminPage = await fx.NewPageAsync();
        await new LoginPage(adminPage).LoginAsAsync("admin", TestAccounts.AdminPassword, "/admin/orders/processing");
        await new AdminPage(adminPage).WaitForCircuitAsync();
        var card = adminPage.GetByTestId("processing-order").Filter(new() { HasText = number });
        await Assertions.Expect(card).ToContainTextAsync("13800138000");
        // The product's field label, not the input's key (issue 17 §3).
        await Assertions.Expect(card.GetByTestId("order-input-label")).ToHaveTextAsync(["手机号"]);
        await BrowserFixture.ScreenshotsAsync(adminPage, "admin-processing-queue");
        await card.GetByTestId("complete").ClickAsync();
        await adminPage.GetByTestId("confirm-complete").ClickAsync();
        await Assertions.Expect(adminPage.GetByText("请填写发货内容")).ToBeVisibleAsync();
        await adminPage.GetByLabel("发货内容").FillAsync("已充值成功，运营商流水 8899");
        await adminPage.GetByTestId("confirm-complete").ClickAsync();
        await Assertions.Expect(new AdminPage(adminPage).Notification($"已发货：{number}")).ToBeVisibleAsync();
        await Assertions.Expect(card).ToHaveCountAsync(0);

        await page.GotoAsync($"/order/{number}");
        await Assertions.Expect(store.OrderStatus).ToHaveTextAsync("已发货");
        await Assertions.Expect(page.Locator(".delivery-note")).ToContainTextAsync("运营商流水 8899");
        await using var db = fx.App.NewContext();
        Assert.Equal(OrderStatus.Delivered, (await db.Orders.SingleAsync(o => o.Number == number)).Status);
    }

    [Fact]
    public async Task A_price_sent_by_the_client_is_ignored_and_a_double_click_makes_one_order()
    {
        var page = await fx.NewPageAsync();
        await new LoginPage(page).LoginAsAsync("demo-buyer", TestAccounts.DemoPassword);
        var store = new StorefrontPage(page);
        await store.OpenProductAsync("Steam 钱包 50 元");
        string buyerId;
        long balanceBefore;
        await using (var db = fx.App.NewContext())
        {
            buyerId = (await db.Users.SingleAsync(u => u.UserName == "demo-buyer")).Id;
            // The class's tests share the demo buyer's ¥100: top up so their order does not matter.
            await db.PostToUserAsync(buyerId, LedgerEntryType.Recharge, Money.FromYuan(100), DateTimeOffset.UtcNow, reason: "测试充值");
            balanceBefore = (await db.Wallets.SingleAsync(w => w.UserId == buyerId)).Balance.Fen;
        }
        // A forged form: extra price fields, and the once-guard removed so both clicks reach the server.
        await page.EvalOnSelectorAsync("form.checkout-form", """
            f => {
              for (const [n, v] of [['Form.UnitPrice', '1'], ['Form.Total', '1'], ['Form.Price', '1']]) {
                const i = document.createElement('input'); i.type = 'hidden'; i.name = n; i.value = v; f.appendChild(i);
              }
              f.removeAttribute('data-once');
            }
            """);
        await page.FillAsync("#quantity", "1");
        await page.GetByTestId("buy").DblClickAsync();
        await Assertions.Expect(store.OrderStatus).ToHaveTextAsync("已发货");

        await using var check = fx.App.NewContext();
        var orders = await check.Orders.Where(o => o.BuyerUserId == buyerId && o.ProductName == "Steam 钱包 50 元").ToListAsync();
        Assert.Single(orders);
        Assert.Equal(5000, orders[0].Total.Fen);
        Assert.Equal(balanceBefore - 5000, (await check.Wallets.SingleAsync(w => w.UserId == buyerId)).Balance.Fen);
    }
}
