using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Payments;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace KaMeng.Tests.Browser;

/// <summary>Issue 18 §2, "what buyers of 卡盟 shops expect", on a 390 px phone.</summary>
public class BuyerPhoneTests : IClassFixture<BrowserFixture>
{
    readonly BrowserFixture fx;

    public BuyerPhoneTests(BrowserFixture fx)
    {
        this.fx = fx;
        var error = fx.App.Services.GetRequiredService<GatewaySettingsService>().SaveAsync(new AuditActor("test", "test", null), Station.MainStationId,
            new GatewayForm { BaseUrl = fx.App.BaseUrl + "/pay/sandbox/", Pid = "1001", Key = "sandbox-key-0123456789", Channels = ["alipay", "wxpay", "qqpay"] }).GetAwaiter().GetResult();
        Assert.Null(error);
    }

    [Fact]
    public async Task A_buyer_searches_from_the_home_page_and_finds_the_product()
    {
        var page = await fx.NewPageAsync(mobile: true);
        var store = new BuyerPhonePage(page);
        await store.GotoAsync();
        await store.SearchAsync("steam");
        await page.WaitForURLAsync("**/search?q=steam");
        await Assertions.Expect(store.ProductCards).ToHaveCountAsync(1);
        await Assertions.Expect(store.ProductCards).ToContainTextAsync("Steam 钱包 50 元");
        await BrowserFixture.ScreenshotsAsync(page, "store-search");
    }

    [Fact]
    public async Task The_product_page_shows_the_total_for_the_quantity_and_pay_buttons_in_their_brand_colours()
    {
        var page = await fx.NewPageAsync(mobile: true);
        var store = new BuyerPhonePage(page);
        await store.GotoAsync();
        await store.ProductCards.Filter(new() { HasText = "王者荣耀 60 点券" }).ClickAsync();
        // Rendered by the server for the minimum quantity, then following the quantity typed.
        await Assertions.Expect(store.Total).ToHaveTextAsync("¥6.00");
        await store.Quantity.FillAsync("3");
        await Assertions.Expect(store.Total).ToHaveTextAsync("¥18.00");
        Assert.Equal("rgb(22, 119, 255)", await store.BackgroundOfAsync(store.PayButton("alipay")));
        Assert.Equal("rgb(7, 193, 96)", await store.BackgroundOfAsync(store.PayButton("wxpay")));
        Assert.Equal("rgb(18, 183, 245)", await store.BackgroundOfAsync(store.PayButton("qqpay")));
        await Assertions.Expect(store.PayButton("qqpay")).ToHaveTextAsync("QQ钱包支付");
        await BrowserFixture.ScreenshotsAsync(page, "store-product-total");
    }

    [Fact]
    public async Task Without_enough_balance_the_buyer_sees_the_balance_and_a_recharge_link_that_leads_back_to_the_product()
    {
        var page = await fx.NewPageAsync(mobile: true);
        await new LoginPage(page).LoginAsAsync("demo-buyer", TestAccounts.DemoPassword);
        long balance;
        await using (var db = fx.App.NewContext())
            balance = (await db.Wallets.SingleAsync(w => w.UserId == db.Users.Single(u => u.UserName == "demo-buyer").Id)).Balance.Fen;
        var store = new BuyerPhonePage(page);
        await store.GotoAsync();
        await store.ProductCards.Filter(new() { HasText = "办公软件 年度授权" }).ClickAsync();
        var quantity = (int)(balance / 9900) + 1;
        await store.Quantity.FillAsync(quantity.ToString());
        await store.Buy.ClickAsync();
        await Assertions.Expect(store.BalanceShort).ToBeVisibleAsync();
        await Assertions.Expect(store.CurrentBalance).ToHaveTextAsync(Money.FromFen(balance).ToString());
        // The server's total for the quantity asked, after the refusal too.
        await Assertions.Expect(store.Total).ToHaveTextAsync(Money.FromFen(9900L * quantity).ToString());
        await BrowserFixture.ScreenshotsAsync(page, "store-balance-short");
        await store.GoRecharge.ClickAsync();
        await page.WaitForURLAsync("**/my/wallet?returnUrl=*");
        await Assertions.Expect(store.BackToProduct).ToBeVisibleAsync();

        // Recharge what is missing at the gateway; its return page leads back to the product, where the order now goes through.
        await page.FillAsync("#recharge-amount", Money.FromFen(Math.Max(9900L * quantity - balance, EPayCheckout.MinRechargeFen)).ToDecimalString());
        await page.GetByTestId("recharge-alipay").ClickAsync();
        await page.GetByTestId("sandbox-pay").ClickAsync();
        await Assertions.Expect(page.GetByTestId("recharge-done")).ToBeVisibleAsync();
        await store.BackToProduct.ClickAsync();
        await Assertions.Expect(store.ProductName).ToHaveTextAsync("办公软件 年度授权");
        await store.Quantity.FillAsync(quantity.ToString());
        await store.Buy.ClickAsync();
        await Assertions.Expect(page.GetByTestId("order-status")).ToHaveTextAsync("已发货");
    }

    [Fact]
    public async Task My_orders_on_a_phone_are_cards_whose_lines_are_not_cut_off()
    {
        var page = await fx.NewPageAsync(mobile: true);
        await new LoginPage(page).LoginAsAsync("demo-buyer", TestAccounts.DemoPassword);
        var store = new StorefrontPage(page);
        await store.OpenProductAsync("王者荣耀 60 点券");
        await store.BuyAsync("1");
        await Assertions.Expect(store.OrderStatus).ToHaveTextAsync("已发货");
        var phone = new BuyerPhonePage(page);
        await phone.GotoAsync("my/orders");
        await Assertions.Expect(phone.MyOrderCards.First).ToContainTextAsync("王者荣耀 60 点券");
        // Nothing sticks out sideways, and no cell is squeezed to a column one character wide.
        Assert.True(await phone.MyOrders.EvaluateAsync<bool>("t => t.scrollWidth <= t.parentElement.clientWidth"));
        var narrowest = await phone.MyOrders.EvaluateAsync<double>("t => Math.min(...[...t.querySelectorAll('tbody td')].map(td => td.getBoundingClientRect().width))");
        Assert.True(narrowest > 250, $"narrowest cell {narrowest}px");
        await Assertions.Expect(phone.MyOrders.Locator("thead")).ToBeHiddenAsync();
        await BrowserFixture.ScreenshotsAsync(page, "store-my-orders");
    }

    [Fact]
    public async Task A_substations_404_and_hidden_product_pages_show_its_brand_and_link_to_its_own_home()
    {
        int hiddenId;
        await using (var db = fx.App.NewContext())
        {
            var demo = await db.Stations.SingleAsync(s => s.Code == "demo");
            hiddenId = (await db.Products.SingleAsync(p => p.Name == "Steam 钱包 50 元")).Id;
            db.StationProducts.Add(new StationProduct { StationId = demo.Id, ProductId = hiddenId, Hidden = true });
            await db.SaveChangesAsync();
        }
        var page = await fx.NewPageAsync(mobile: true);
        var store = new BuyerPhonePage(page, "/s/demo");
        foreach (var path in new[] { "no-such-page", $"product/{hiddenId}" })
        {
            var response = await page.GotoAsync("/s/demo/" + path);
            Assert.Equal(404, response!.Status);
            await Assertions.Expect(store.Brand).ToHaveTextAsync("演示分站");
            Assert.EndsWith("/s/demo/", await store.Brand.EvaluateAsync<string>("a => a.href"));
            Assert.EndsWith("/s/demo/", await page.GetByRole(AriaRole.Link, new() { Name = "返回首页" }).EvaluateAsync<string>("a => a.href"));
        }
        await BrowserFixture.ScreenshotsAsync(page, "store-substation-404");
    }

    [Fact]
    public async Task A_phone_has_a_bottom_tab_bar_and_a_service_button_with_the_stations_contacts()
    {
        var page = await fx.NewPageAsync(mobile: true);
        var store = new BuyerPhonePage(page, "/s/demo");
        await store.GotoAsync();
        await Assertions.Expect(store.TabBar).ToBeVisibleAsync();
        foreach (var tab in new[] { "首页", "分类", "查单", "我的" }) await Assertions.Expect(store.Tab(tab)).ToBeVisibleAsync();
        await Assertions.Expect(store.InAppHint).ToBeHiddenAsync();
        await store.ServiceButton.Locator("summary").ClickAsync();
        await Assertions.Expect(store.ServiceContacts).ToContainTextAsync("QQ：10000");
        await BrowserFixture.ScreenshotsAsync(page, "store-tab-bar");
        await page.SetViewportSizeAsync(390, 844);
        await store.Tab("分类").ClickAsync();
        await page.WaitForURLAsync("**/s/demo/categories");
        await page.GetByTestId("category-list").GetByRole(AriaRole.Link, new() { Name = "视频会员" }).ClickAsync();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("视频会员");
        await store.Tab("查单").ClickAsync();
        await page.WaitForURLAsync("**/s/demo/order/query");
        // At desktop width the header's menu is enough.
        await page.SetViewportSizeAsync(1280, 800);
        await Assertions.Expect(store.TabBar).ToBeHiddenAsync();
    }

    [Theory]
    [InlineData("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN")]
    [InlineData("Mozilla/5.0 (Linux; Android 13; V2055A) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/109.0 MQQBrowser/6.2 TBS/046805 Mobile Safari/537.36 V1_AND_SQ_8.9.80_4614_YYB_D QQ/8.9.80.12440 NetType/WIFI")]
    public async Task Inside_wechat_or_qq_the_page_hints_to_open_it_in_the_browser(string userAgent)
    {
        var context = await fx.Browser.NewContextAsync(new()
        {
            BaseURL = fx.App.BaseUrl, Locale = "zh-CN", UserAgent = userAgent,
            ViewportSize = new ViewportSize { Width = 390, Height = 844 }, IsMobile = true, HasTouch = true,
        });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/s/demo/");
        await Assertions.Expect(new BuyerPhonePage(page).InAppHint).ToBeVisibleAsync();
        await Assertions.Expect(new BuyerPhonePage(page).InAppHint).ToContainTextAsync("在浏览器打开");
        await context.CloseAsync();
    }

    [Fact]
    public async Task A_guest_whose_payment_failed_pays_again_another_way_and_without_mail_is_told_to_keep_number_and_password()
    {
        var page = await fx.NewPageAsync(mobile: true);
        var store = new BuyerPhonePage(page);
        await store.GotoAsync();
        await store.ProductCards.Filter(new() { HasText = "王者荣耀 60 点券" }).ClickAsync();
        await store.Quantity.FillAsync("1");
        await page.FillAsync("#contact", "13800138000");
        await page.FillAsync("#query-password", "246813");
        await CaptchaSolver.SolveAsync(page, fx.App);
        await store.PayButton("alipay").ClickAsync();

        // The cashier shows the product's name; the order number travels as out_trade_no.
        var number = (await page.GetByTestId("sandbox-order").InnerTextAsync()).Trim();
        await Assertions.Expect(page.Locator("body")).ToContainTextAsync("王者荣耀 60 点券");
        await page.GetByTestId("sandbox-fail").ClickAsync();

        // Back on the store, not a dead end: pay again, or another way.
        await page.WaitForURLAsync($"**/pay/result/{number}");
        await Assertions.Expect(store.RetryButton("alipay")).ToHaveTextAsync("重新支付（支付宝）");
        await Assertions.Expect(store.RetryButton("wxpay")).ToHaveTextAsync("改用微信支付");
        // This app sends no mail: keep the order number and the query password, one button copies both.
        await Assertions.Expect(store.GuestNote).ToContainTextAsync("不会通过邮件发送");
        await Assertions.Expect(store.KeepNumber).ToHaveTextAsync(number);
        await Assertions.Expect(store.KeepPassword).ToHaveTextAsync("246813");
        var copied = await store.CopyOrderInfo.GetAttributeAsync("data-copy");
        Assert.Contains(number, copied);
        Assert.Contains("246813", copied);
        await BrowserFixture.ScreenshotsAsync(page, "store-payment-retry");

        await store.RetryButton("wxpay").ClickAsync();
        await Assertions.Expect(page.GetByTestId("sandbox-order")).ToHaveTextAsync(number);
        await page.GetByTestId("sandbox-pay").ClickAsync();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("购买成功");
        await Assertions.Expect(page.GetByTestId("order-keys").Locator("code")).ToHaveCountAsync(1);
        await using var db = fx.App.NewContext();
        Assert.Equal("wxpay", (await db.GatewayPayments.SingleAsync(p => p.OutTradeNo == number)).Channel);
    }

    [Fact]
    public async Task Order_query_lists_a_signed_in_buyers_orders_and_a_guests_orders_by_contact_and_query_password()
    {
        // A guest's two orders, left with one contact and query password.
        var contact = $"q-{Guid.NewGuid():N}"[..12] + "@example.cn";
        var numbers = new List<string>();
        int productId;
        await using (var db = fx.App.NewContext())
            productId = await db.Products.Where(p => p.Name == "爱奇艺黄金会员 月卡").Select(p => p.Id).SingleAsync();
        var main = (await fx.App.Services.GetRequiredService<KaMeng.Web.Features.Stations.StationDirectory>().ByIdAsync(Station.MainStationId))!;
        for (var i = 0; i < 2; i++)
        {
            var redirect = await fx.App.Services.GetRequiredService<EPayCheckout>().StartOrderAsync(main,
                new GatewayCheckoutRequest(productId, 1, "alipay", Guid.NewGuid().ToString("N"), null, contact, "135790"), new SiteAddress(fx.App.BaseUrl, ""));
            Assert.Null(redirect.Error);
            numbers.Add(redirect.OutTradeNo!);
        }
        var guest = await fx.NewPageAsync(mobile: true);
        var query = new StorefrontPage(guest);
        await query.QueryOrderAsync("", contact, "135790");
        var results = guest.GetByTestId("query-result");
        await Assertions.Expect(results).ToHaveCountAsync(2);
        foreach (var number in numbers) await Assertions.Expect(results.Filter(new() { HasText = number })).ToHaveCountAsync(1);
        await BrowserFixture.ScreenshotsAsync(guest, "store-order-query-by-contact");

        // A signed-in buyer's 查单 starts with their own orders at this station.
        var page = await fx.NewPageAsync(mobile: true);
        await new LoginPage(page).LoginAsAsync("demo-buyer", TestAccounts.DemoPassword);
        var store = new StorefrontPage(page);
        await store.OpenProductAsync("王者荣耀 60 点券");
        await store.BuyAsync("1");
        var bought = (await store.OrderNumber.InnerTextAsync()).Trim();
        await new BuyerPhonePage(page).Tab("查单").ClickAsync();
        await Assertions.Expect(page.GetByTestId("my-station-orders")).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotsAsync(page, "store-order-query-signed-in");
        await page.SetViewportSizeAsync(390, 844);
        await page.GetByTestId("my-station-order").GetByRole(AriaRole.Link).Filter(new() { HasText = "王者荣耀 60 点券" }).First.ClickAsync();
        await Assertions.Expect(store.OrderNumber).ToHaveTextAsync(bought);
    }

    [Fact]
    public async Task A_product_with_purchase_notes_shows_them_next_to_the_pay_buttons()
    {
        await using (var db = fx.App.NewContext())
        {
            var product = await db.Products.SingleAsync(p => p.Name == "代办服务（人工发货）");
            product.DescriptionMarkdown = "下单后客服人工处理。\n\n## 购买须知\n\n- 虚拟商品，售出不退不换\n- 工作时间 9:00–22:00 处理\n\n## 处理时效\n\n一般 1 小时内。";
            await db.SaveChangesAsync();
        }
        var page = await fx.NewPageAsync(mobile: true);
        var store = new BuyerPhonePage(page);
        await store.GotoAsync();
        await store.ProductCards.Filter(new() { HasText = "代办服务（人工发货）" }).ClickAsync();
        await Assertions.Expect(store.PurchaseNotice).ToContainTextAsync("售出不退不换");
        await Assertions.Expect(store.PurchaseNotice).Not.ToContainTextAsync("一般 1 小时内");
        await Assertions.Expect(page.GetByTestId("product-description")).ToContainTextAsync("一般 1 小时内");
        await Assertions.Expect(page.GetByTestId("product-description")).Not.ToContainTextAsync("售出不退不换");
        // Read before paying: above the pay buttons.
        var noticeTop = await store.PurchaseNotice.EvaluateAsync<double>("e => e.getBoundingClientRect().top");
        var payTop = await store.PayButton("alipay").EvaluateAsync<double>("e => e.getBoundingClientRect().top");
        Assert.True(noticeTop < payTop);
        await BrowserFixture.ScreenshotsAsync(page, "store-purchase-notice");

        // Without such a section nothing is shown.
        await store.GotoAsync();
        await store.ProductCards.Filter(new() { HasText = "Steam 钱包 50 元" }).ClickAsync();
        await Assertions.Expect(store.ProductName).ToHaveTextAsync("Steam 钱包 50 元");
        await Assertions.Expect(store.PurchaseNotice).ToHaveCountAsync(0);

        // A product's own 购买须知 field is shown the same way, and its description stays whole.
        await using (var db = fx.App.NewContext())
        {
            var product = await db.Products.SingleAsync(p => p.Name == "Steam 钱包 50 元");
            product.PurchaseNotice = "**充值前请确认账号所在区服**";
            await db.SaveChangesAsync();
        }
        await page.ReloadAsync();
        await Assertions.Expect(store.PurchaseNotice.Locator("strong")).ToHaveTextAsync("充值前请确认账号所在区服");
    }
}
