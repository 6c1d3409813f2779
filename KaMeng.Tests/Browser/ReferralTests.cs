using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace KaMeng.Tests.Browser;

/// <summary>分销 in the browser: the platform turns commissions on, a buyer shares their 推广中心 link on a phone, a friend comes
/// through it, registers and buys, and the buyer's 推广中心 shows the invitee and the pending commission.</summary>
public class ReferralTests(BrowserFixture fx) : IClassFixture<BrowserFixture>
{
    const string Office = "办公软件 年度授权";   // ¥99.00, cost ¥60.00: a ¥39.00 margin at the main station

    [Fact]
    public async Task A_friend_who_came_through_a_buyers_link_and_bought_earns_the_buyer_a_pending_commission()
    {
        // The platform admin turns the program on: 10% of the margin to the inviter.
        var admin = await fx.NewPageAsync();
        await new LoginPage(admin).LoginAsAsync("admin", TestAccounts.AdminPassword, "/admin/marketing/referral");
        await new AdminPage(admin).WaitForCircuitAsync();
        var settings = new ReferralAdminPage(admin);
        await admin.GetByText("开启推广佣金").ClickAsync();
        await Assertions.Expect(settings.Enabled).ToBeCheckedAsync();
        await settings.Rate(1).FillAsync("10");
        await settings.Save.ClickAsync();
        await Assertions.Expect(admin.GetByText("推广分销设置已保存")).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotsAsync(admin, "referral-program");

        // A bad rate is refused with its reason and nothing changes.
        await settings.Rate(1).FillAsync("120");
        await settings.Save.ClickAsync();
        await Assertions.Expect(settings.Error).ToContainTextAsync("1 级佣金比例须为 0.01–100");
        await using (var db = fx.App.NewContext())
            Assert.Equal(1000, (await db.ReferralPrograms.SingleAsync()).Level1BasisPoints);

        // The buyer's 推广中心 on a phone: the link and its QR code.
        var buyer = await fx.NewPageAsync(mobile: true);
        await new LoginPage(buyer).LoginAsAsync("demo-buyer", TestAccounts.DemoPassword, "/my/referral");
        var center = new ReferralCenterPage(buyer);
        await Assertions.Expect(center.Rates).ToContainTextAsync("1 级 10%");
        await Assertions.Expect(center.Qr).ToBeVisibleAsync();
        var link = await center.Link.InputValueAsync();
        Assert.Matches(@"/\?ref=[2-9A-Z]{8}$", link);
        await BrowserFixture.ScreenshotsAsync(buyer, "referral-center");

        // A friend opens the link on their phone, registers, and buys from a recharged balance.
        var friend = await fx.NewPageAsync(mobile: true);
        await friend.GotoAsync(new Uri(link).PathAndQuery);
        await friend.GotoAsync("/account/register");
        await friend.FillAsync("#username", "friend-1");
        await friend.FillAsync("#password", "friend-pass-1");
        await friend.FillAsync("#confirm", "friend-pass-1");
        await CaptchaSolver.SolveAsync(friend, fx.App);
        await friend.ClickAsync("button[type=submit]");
        await Assertions.Expect(friend.GetByTestId("logout")).ToContainTextAsync("friend-1");
        int productId;
        await using (var db = fx.App.NewContext())
        {
            var id = (await db.Users.SingleAsync(u => u.UserName == "friend-1")).Id;
            await db.PostToUserAsync(id, LedgerEntryType.Recharge, Money.FromYuan(200), DateTimeOffset.UtcNow, reason: "测试充值");
            productId = (await db.Products.SingleAsync(p => p.Name == Office)).Id;
        }
        var store = new MarketingStorePage(friend);
        await store.GotoAsync($"product/{productId}");
        await store.Buy.ClickAsync();
        await Assertions.Expect(store.OrderStatus).ToHaveTextAsync("已发货");

        await buyer.ReloadAsync();
        await Assertions.Expect(center.Clicks).ToHaveTextAsync("1");
        await Assertions.Expect(center.Invitees).ToHaveTextAsync("1");
        await Assertions.Expect(center.Pending).ToHaveTextAsync("¥3.90");
        await Assertions.Expect(center.Available).ToHaveTextAsync("¥0.00");
        await BrowserFixture.ScreenshotsAsync(buyer, "referral-center-earned");

        // The commission ledger of the program lists it.
        await admin.ReloadAsync();
        await Assertions.Expect(settings.Ledger).ToContainTextAsync("demo-buyer");
        await Assertions.Expect(settings.Ledger).ToContainTextAsync("¥3.90");
    }
}

public sealed class ReferralAdminPage(IPage page)
{
    public ILocator Enabled => page.GetByTestId("referral-enabled");
    public ILocator Rate(int level) => page.GetByTestId($"referral-rate-{level}");
    public ILocator Save => page.GetByTestId("referral-save");
    public ILocator Error => page.GetByTestId("referral-error");
    public ILocator Ledger => page.GetByTestId("commission-ledger");
}

public sealed class ReferralCenterPage(IPage page)
{
    public ILocator Link => page.GetByTestId("referral-link");
    public ILocator Qr => page.GetByTestId("referral-qr");
    public ILocator Rates => page.GetByTestId("referral-rates");
    public ILocator Clicks => page.GetByTestId("referral-clicks");
    public ILocator Invitees => page.GetByTestId("referral-invitees");
    public ILocator Pending => page.GetByTestId("referral-pending");
    public ILocator Available => page.GetByTestId("referral-available");
}
