using KaMeng.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
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

        // A Radzen DataGrid responds: sorting by 编号 descending puts "main" first.
        var grid = page.GetByTestId("station-grid");
        await grid.Locator("th", new() { HasText = "编号" }).ClickAsync();
        await grid.Locator("th", new() { HasText = "编号" }).ClickAsync();
        await Assertions.Expect(grid.Locator("tbody tr").First).ToContainTextAsync("main");

        // A click changes server state: the announcement is saved and the storefront shows it.
        var text = "双十二大促，全场自动发货 " + Guid.NewGuid().ToString("N")[..6];
        await page.GetByLabel("总站公告").FillAsync(text);
        await page.GetByTestId("save-announcement").ClickAsync();
        Assert.Contains("已保存", await admin.NotificationTextAsync());
        await using (var db = fx.App.NewContext())
            Assert.Equal(text, (await db.Stations.SingleAsync(s => s.Id == KaMeng.Domain.Station.MainStationId)).Announcement);

        await BrowserFixture.ScreenshotsAsync(page, "admin-home");
        await page.GotoAsync("/");
        await Assertions.Expect(page.GetByTestId("announcement")).ToContainTextAsync(text);
        await BrowserFixture.ScreenshotsAsync(page, "storefront-home");
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
