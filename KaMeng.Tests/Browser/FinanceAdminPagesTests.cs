using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace KaMeng.Tests.Browser;

/// <summary>用户与余额 and 平台设置 on MudBlazor: their journeys, confirmations and phone layouts (issue 17).</summary>
public class FinanceAdminPagesTests(BrowserFixture fx) : IClassFixture<BrowserFixture>
{
    async Task<Money> BalanceAsync(string userName)
    {
        await using var db = fx.App.NewContext();
        return await (from u in db.Users join w in db.Wallets on u.Id equals w.UserId where u.UserName == userName select w.Balance).SingleAsync();
    }

    [Fact]
    public async Task Finance_adjusts_a_balance_after_a_confirmation_that_repeats_user_and_amount()
    {
        var before = await BalanceAsync("demo-buyer");
        var page = await fx.NewPageAsync();
        await new LoginPage(page).LoginAsAsync("admin", TestAccounts.AdminPassword, "/admin/wallets");
        var admin = new AdminPage(page);
        await admin.WaitForCircuitAsync();
        var wallets = new WalletListPage(page);
        await Assertions.Expect(wallets.Row("admin")).ToBeVisibleAsync(); // every user before the search
        await wallets.SearchAsync("demo-buyer");
        await Assertions.Expect(wallets.Balance("demo-buyer")).ToHaveTextAsync(before.ToString());

        // Missing amount and reason are answered at the fields; nothing is asked or posted.
        await wallets.Adjust("demo-buyer").ClickAsync();
        await Assertions.Expect(wallets.Row("demo-buyer")).ToContainTextAsync("请输入正确的金额");
        await Assertions.Expect(wallets.Row("demo-buyer")).ToContainTextAsync("请填写调整原因");
        await Assertions.Expect(admin.Confirmation).ToHaveCountAsync(0);

        await wallets.Amount("demo-buyer").FillAsync("12.5");
        await wallets.Reason("demo-buyer").FillAsync("充值补偿");
        await wallets.Adjust("demo-buyer").ClickAsync();
        await Assertions.Expect(admin.Confirmation).ToContainTextAsync("demo-buyer");
        await Assertions.Expect(admin.Confirmation).ToContainTextAsync("¥12.50");
        await Assertions.Expect(admin.Confirmation).ToContainTextAsync("充值补偿");
        await admin.CancelConfirmationAsync();
        await Assertions.Expect(admin.Confirmation).ToHaveCountAsync(0);
        Assert.Equal(before, await BalanceAsync("demo-buyer"));

        await wallets.Adjust("demo-buyer").ClickAsync();
        await admin.ConfirmAsync();
        await Assertions.Expect(admin.Notification("已调整")).ToBeVisibleAsync();
        var after = before + Money.FromFen(1250);
        await Assertions.Expect(wallets.Balance("demo-buyer")).ToHaveTextAsync(after.ToString());
        Assert.Equal(after, await BalanceAsync("demo-buyer"));
        await BrowserFixture.ScreenshotsAsync(page, "admin-wallets");

        await page.SetViewportSizeAsync(390, 844);
        await Assertions.Expect(wallets.Balance("demo-buyer")).ToBeVisibleAsync();
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= 390"), "the wallets page is wider than a 390 px phone");
    }

    [Fact]
    public async Task Admin_saves_platform_settings_and_a_wrong_minimum_is_refused_in_chinese()
    {
        var page = await fx.NewPageAsync();
        await new LoginPage(page).LoginAsAsync("admin", TestAccounts.AdminPassword, "/admin/platform");
        var admin = new AdminPage(page);
        await admin.WaitForCircuitAsync();
        var platform = new PlatformSettingsPage(page);
        await Assertions.Expect(platform.LevelGrid).ToBeVisibleAsync();
        await Assertions.Expect(platform.AnnouncementSection).ToContainTextAsync("总站公告");

        await platform.WithdrawalMinimum.FillAsync("abc");
        await platform.Save.ClickAsync();
        await Assertions.Expect(admin.Notification("最低提现金额须大于 0")).ToBeVisibleAsync();

        await platform.WithdrawalMinimum.FillAsync("25");
        await platform.Save.ClickAsync();
        await Assertions.Expect(admin.Notification("平台设置已保存")).ToBeVisibleAsync();
        await using (var db = fx.App.NewContext())
            Assert.Equal(Money.FromYuan(25), (await db.PlatformSettings.SingleAsync()).WithdrawalMinimum);
        // Nothing of the levels table is cut off at 1280 px: its last column (保存) lies inside the table's box.
        await page.SetViewportSizeAsync(1280, 800);
        var widths = await platform.LevelGrid.EvaluateAsync<int[]>(
            "g => { const t = g.querySelector('table'); return [t.scrollWidth, t.parentElement.clientWidth, ...[...t.querySelectorAll('thead th')].map(th => th.offsetWidth)]; }");
        Assert.True(widths[0] <= widths[1] + 1, $"the levels table is wider than its card at 1280 px: {string.Join(", ", widths)}");
        await BrowserFixture.ScreenshotsAsync(page, "admin-platform");
    }
}
