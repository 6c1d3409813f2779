using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace KaMeng.Tests.Browser;

public class SubstationFlowTests(BrowserFixture fx) : IClassFixture<BrowserFixture>
{
    const string Product = "王者荣耀 60 点券"; // base ¥6.00; a 普通 substation buys at 95% = ¥5.70

    [Fact]
    public async Task A_buyer_opens_a_substation_prices_it_sells_earns_and_is_paid_out()
    {
        // A new user registers and is given ¥100 (a recharge) to open a shop with.
        var ownerPage = await fx.NewPageAsync();
        await ownerPage.GotoAsync("/account/register");
        await ownerPage.FillAsync("#username", "owner-x");
        await ownerPage.FillAsync("#password", "owner-pass-1");
        await ownerPage.FillAsync("#confirm", "owner-pass-1");
        await CaptchaSolver.SolveAsync(ownerPage, fx.App);
        await ownerPage.ClickAsync("button[type=submit]");
        await Assertions.Expect(ownerPage.GetByTestId("logout")).ToContainTextAsync("owner-x");
        await using (var db = fx.App.NewContext())
        {
            var id = (await db.Users.SingleAsync(u => u.UserName == "owner-x")).Id;
            await db.PostToUserAsync(id, LedgerEntryType.Recharge, Money.FromYuan(100), DateTimeOffset.UtcNow, reason: "测试充值");
        }

        // 开通分站 at the 普通 level (¥50).
        await ownerPage.GetByTestId("open-link").ClickAsync();
        await ownerPage.Locator(".level-option", new() { HasTextString = "普通" }).ClickAsync();
        await ownerPage.FillAsync("#open-code", "shop-x");
        await ownerPage.FillAsync("#open-name", "小X的店");
        await BrowserFixture.ScreenshotsAsync(ownerPage, "open-substation");
        await ownerPage.GetByTestId("open-submit").ClickAsync();
        await ownerPage.WaitForURLAsync("**/s/shop-x/?opened=1");
        await Assertions.Expect(ownerPage.Locator(".store-brand")).ToHaveTextAsync("小X的店");

        // +20% on the 游戏点卡 category: ¥5.70 × 1.2 = ¥6.84, explained along the chain.
        var station = new MyStationPage(ownerPage);
        await station.GotoAsync();
        await station.AddRuleAsync("分类", "游戏点卡", "进价 + 百分比", "20");
        // ¥6.84 is above the card's face value (¥6.00): the owner is warned, with the product, before it is saved (issue 17 §3).
        await Assertions.Expect(station.Admin.Confirmation).ToContainTextAsync("售价高于面值");
        await Assertions.Expect(station.Admin.Confirmation).ToContainTextAsync($"「{Product}」面值 ¥6.00，售价 ¥6.84");
        await Assertions.Expect(station.FaceValueWarning).ToContainTextAsync(Product);
        await BrowserFixture.ScreenshotsAsync(ownerPage, "substation-rule-above-face-value");
        await station.Admin.ConfirmAsync();
        await Assertions.Expect(station.Admin.Notification("规则已保存")).ToBeVisibleAsync();
        await Assertions.Expect(station.RuleGrid).ToContainTextAsync("成本 +20%");
        await Assertions.Expect(station.FaceValueWarning).ToHaveCountAsync(0);
        var explained = station.ExplainRow(Product);
        await Assertions.Expect(explained.GetByTestId("explained-price")).ToHaveTextAsync("¥6.84");
        await Assertions.Expect(explained).ToContainTextAsync("进价 ¥5.70");
        await Assertions.Expect(explained.GetByTestId("above-face-chip")).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotsAsync(ownerPage, "substation-prices");

        // A second buyer buys there at ¥6.84.
        var buyerPage = await fx.NewPageAsync(mobile: true);
        await new LoginPage(buyerPage, "/s/shop-x").LoginAsAsync("demo-buyer", TestAccounts.DemoPassword);
        var store = new StorefrontPage(buyerPage, "/s/shop-x");
        await store.OpenProductAsync(Product);
        await Assertions.Expect(buyerPage.GetByTestId("product-price")).ToHaveTextAsync("¥6.84");
        await store.BuyAsync("1");
        await Assertions.Expect(store.OrderStatus).ToHaveTextAsync("已发货");
        await BrowserFixture.ScreenshotsAsync(buyerPage, "substation-order");

        // The owner sees the margin (¥1.14) as 待结算 收益; 余额 stays 100 − 50, and a recharge is never withdrawable.
        await station.GotoAsync("收益与提现");
        await Assertions.Expect(station.Balance).ToHaveTextAsync("¥50.00");
        await Assertions.Expect(station.Pending).ToHaveTextAsync("¥1.14");
        await Assertions.Expect(station.Available).ToHaveTextAsync("¥0.00");
        await Assertions.Expect(station.Ledger).ToContainTextAsync("分站收益");
        await Assertions.Expect(station.Ledger).ToContainTextAsync("¥1.14");
        await station.RequestWithdrawalAsync("10", "支付宝 owner-x@example.cn");
        await Assertions.Expect(station.Admin.Notification("可提现收益不足：待结算 ¥1.14 将于")).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotsAsync(ownerPage, "withdrawal-refused-pending");

        // The hold ends (and an earlier, settled month of ¥10 margins): ¥11.14 可提现; the owner withdraws ¥10 (+¥0.10 fee).
        await using (var db = fx.App.NewContext())
        {
            var id = (await db.Users.SingleAsync(u => u.UserName == "owner-x")).Id;
            await db.LedgerEntries.Where(e => e.Bucket == WalletBucket.Earnings && db.Wallets.Any(w => w.Id == e.WalletId && w.UserId == id))
                .ExecuteUpdateAsync(u => u.SetProperty(e => e.AvailableAt, (DateTimeOffset?)null));
            await db.PostToUserAsync(id, LedgerEntryType.Earning, Money.FromYuan(10), DateTimeOffset.UtcNow, reason: "上月收益（已结算）", bucket: WalletBucket.Earnings);
        }
        await station.GotoAsync("收益与提现");
        await Assertions.Expect(station.Available).ToHaveTextAsync("¥11.14");
        await station.RequestWithdrawalAsync("10", "支付宝 owner-x@example.cn");
        await Assertions.Expect(station.WithdrawalStatus).ToHaveTextAsync("待审核");
        await Assertions.Expect(station.Available).ToHaveTextAsync("¥1.04");
        await Assertions.Expect(station.Balance).ToHaveTextAsync("¥50.00");

        // 可提现 moves into 余额, one way.
        await station.TransferToBalanceAsync("1");
        await Assertions.Expect(station.Balance).ToHaveTextAsync("¥51.00");
        await Assertions.Expect(station.Available).ToHaveTextAsync("¥0.04");
        await BrowserFixture.ScreenshotsAsync(ownerPage, "owner-earnings");

        // Finance pays it out with a reference.
        var financePage = await fx.NewPageAsync();
        await new LoginPage(financePage).LoginAsAsync("demo-finance", TestAccounts.DemoPassword, "/admin/finance/withdrawals");
        var finance = new AdminPage(financePage);
        await finance.WaitForCircuitAsync();
        var review = new WithdrawalReviewPage(financePage);
        await review.Reference("owner-x").FillAsync("ALIPAY-20261122-01");
        await review.Approve("owner-x").ClickAsync();
        await Assertions.Expect(finance.Confirmation).ToContainTextAsync("支付宝 owner-x@example.cn");
        await finance.ConfirmAsync();
        await Assertions.Expect(finance.Notification("已确认打款")).ToBeVisibleAsync();
        await Assertions.Expect(review.Row("owner-x")).ToHaveCountAsync(0);
        await BrowserFixture.ScreenshotsAsync(financePage, "finance-withdrawals");

        await station.GotoAsync("收益与提现");
        await Assertions.Expect(station.WithdrawalStatus).ToHaveTextAsync("已打款（ALIPAY-20261122-01）");
        await using (var db = fx.App.NewContext())
            await LedgerBooks.AssertWalletsEqualTheirLedgersAsync(db);

        // The same storefront as {code}.localhost.
        var hostPage = await fx.NewPageAsync();
        await hostPage.GotoAsync($"http://shop-x.localhost:{fx.App.Port}/");
        await Assertions.Expect(hostPage.Locator(".store-brand")).ToHaveTextAsync("小X的店");
        await hostPage.GetByTestId("product-card").Filter(new() { HasTextString = Product }).ClickAsync();
        await Assertions.Expect(hostPage.GetByTestId("product-price")).ToHaveTextAsync("¥6.84");
    }
}
