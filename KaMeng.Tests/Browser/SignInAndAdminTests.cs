using KaMeng.Tests.Infrastructure;
using Microsoft.Playwright;

namespace KaMeng.Tests.Browser;

public class SignInAndAdminTests(BrowserFixture fx) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task Wrong_password_shows_a_chinese_message()
    {
        var page = await fx.NewPageAsync();
        var login = new LoginPage(page);
        await login.GotoAsync();
        await login.SubmitAsync("admin", "wrong-password-1");
        Assert.Equal("用户名或密码错误，或尝试过于频繁，请稍后再试", (await login.Error.InnerTextAsync()).Trim());
    }

    [Fact]
    public async Task Admin_signs_in_and_an_interactive_page_changes_server_state()
    {
        var page = await fx.NewPageAsync();
        await new LoginPage(page).LoginAsAsync("admin", TestAccounts.AdminPassword, "/admin");
        var admin = new AdminPage(page);
        await admin.WaitForCircuitAsync();
        Assert.Equal("admin", (await admin.SignedInUser.InnerTextAsync()).Trim());

        // A click changes server state, after a confirmation: the statistics are rebuilt from the orders.
        // (The station list's paging and 总站公告, now a part of the platform settings, are covered with bUnit.)
        await Assertions.Expect(page.GetByTestId("station-grid")).ToContainTextAsync("main");
        await page.GetByTestId("rebuild-stats").ClickAsync();
        await Assertions.Expect(admin.Confirmation).ToContainTextAsync("重新计算");
        await admin.ConfirmAsync();
        await Assertions.Expect(admin.Notification("重新计算统计")).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotsAsync(page, "admin-home");
    }

    [Fact]
    public async Task Demo_owner_signs_in_on_the_substation_path_and_reaches_the_admin()
    {
        var page = await fx.NewPageAsync(mobile: true);
        await new LoginPage(page, "/s/demo").LoginAsAsync("demo-owner", TestAccounts.DemoPassword);
        Assert.EndsWith("/s/demo/", page.Url);
        await Assertions.Expect(page.GetByTestId("logout")).ToContainTextAsync("demo-owner");
        await BrowserFixture.ScreenshotsAsync(page, "substation-home");
        var admin = new AdminPage(page);
        await admin.GotoAsync();
        Assert.Equal("demo-owner", (await admin.SignedInUser.InnerTextAsync()).Trim());
    }

    [Fact]
    public async Task A_buyer_is_kept_out_of_the_admin()
    {
        var page = await fx.NewPageAsync();
        await new LoginPage(page).LoginAsAsync("demo-buyer", TestAccounts.DemoPassword);
        await page.GotoAsync("/admin");
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("无权访问");
    }

    [Fact]
    public async Task A_new_buyer_registers_in_chinese_and_is_signed_in()
    {
        var page = await fx.NewPageAsync();
        await page.GotoAsync("/account/register");
        await page.FillAsync("#username", "new-buyer-1");
        await page.FillAsync("#password", "short");
        await page.FillAsync("#confirm", "short");
        await page.ClickAsync("button[type=submit]");
        await Assertions.Expect(page.Locator(".validation-message").First).ToContainTextAsync("密码至少 8 位");

        await page.FillAsync("#password", "buyer-pass-1");
        await page.FillAsync("#confirm", "buyer-pass-1");
        await CaptchaSolver.SolveAsync(page, fx.App);
        await page.ClickAsync("button[type=submit]");
        await Assertions.Expect(page.GetByTestId("logout")).ToContainTextAsync("new-buyer-1");
    }
}
