using System.Text.RegularExpressions;
using KaMeng.Tests.Infrastructure;
using Microsoft.Playwright;

namespace KaMeng.Tests.Browser;

/// <summary>A fresh production install in the browser: the first-run page creates the platform admin, who then signs in.</summary>
public class FirstRunTests(FreshProductionBrowserFixture fx) : IClassFixture<FreshProductionBrowserFixture>
{
    [Fact]
    public async Task The_first_visit_creates_the_platform_admin_who_then_signs_in_and_setup_is_gone()
    {
        var page = await fx.NewPageAsync();
        // Any page leads to the first-run page while there is no admin.
        await page.GotoAsync("/admin");
        await page.WaitForURLAsync(new Regex("/setup$"));
        var setup = new SetupPage(page);
        await Assertions.Expect(setup.Form).ToContainTextAsync("创建平台管理员");
        await BrowserFixture.ScreenshotsAsync(page, "first-run-setup");

        // Passwords that differ are refused in Chinese, and nothing is created.
        await setup.FillAsync("boss", "Boss-pass-123", "Boss-pass-321");
        await setup.SubmitAsync();
        await Assertions.Expect(setup.Form).ToContainTextAsync("两次输入的密码不一致");

        await setup.FillAsync("boss", "Boss-pass-123", "Boss-pass-123");
        await setup.SubmitAsync();
        await page.WaitForURLAsync(new Regex("/admin$"));
        var admin = new AdminPage(page);
        await admin.WaitForCircuitAsync();
        await Assertions.Expect(admin.SignedInUser).ToHaveTextAsync("boss");

        // Signed out, the new admin signs in with the chosen password; the first-run page no longer exists.
        var fresh = await fx.NewPageAsync(mobile: true);
        var response = await fresh.GotoAsync("/setup");
        Assert.Equal(404, response!.Status);
        await new LoginPage(fresh).LoginAsAsync("boss", "Boss-pass-123", "/admin");
        await new AdminPage(fresh).WaitForCircuitAsync();
        await Assertions.Expect(new AdminPage(fresh).SignedInUser).ToHaveTextAsync("boss");
    }
}
