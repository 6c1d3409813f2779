using KaMeng.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace KaMeng.Tests.Browser;

/// <summary>Issue 16 §2 in Chromium: the owner binds a domain, sees it wait for verification with its token, cannot take a
/// name under the platform's root; the platform's admin confirms it after checking the TXT record.</summary>
public class DomainBindingBrowserTests(BrowserFixture fx) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task An_owner_binds_a_domain_that_waits_for_verification_and_the_platform_confirms_it()
    {
        var page = await fx.NewPageAsync();
        await new LoginPage(page).LoginAsAsync("demo-owner", TestAccounts.DemoPassword, "/admin");
        var station = new MyStationPage(page);
        await station.GotoAsync("域名");
        var admin = station.Admin;

        await station.BindHostAsync("other.localhost");
        await Assertions.Expect(admin.Notification("平台域名及其子域名不能绑定")).ToBeVisibleAsync();

        await station.BindHostAsync("shop.example.invalid");
        var bound = station.Host("shop.example.invalid");
        await Assertions.Expect(bound.GetByTestId("host-status")).ToHaveTextAsync("待验证");
        string token;
        await using (var db = fx.App.NewContext())
            token = (await db.StationHosts.SingleAsync(h => h.Host == "shop.example.invalid")).VerificationToken;
        await Assertions.Expect(bound.GetByTestId("host-token")).ToHaveTextAsync(token);
        await Assertions.Expect(bound).ToContainTextAsync("_kameng-verify.shop.example.invalid");
        await bound.GetByTestId("verify-host").ClickAsync();
        await Assertions.Expect(admin.Notification("验证未通过")).ToBeVisibleAsync();
        await Assertions.Expect(bound.GetByTestId("confirm-host")).ToHaveCountAsync(0); // only the platform confirms by hand
        await BrowserFixture.ScreenshotsAsync(page, "domain-pending");

        var platform = await fx.NewPageAsync();
        await new LoginPage(platform).LoginAsAsync("admin", TestAccounts.AdminPassword, "/admin");
        int demoId;
        await using (var db = fx.App.NewContext())
            demoId = (await db.Stations.SingleAsync(s => s.Code == "demo")).Id;
        var platformStation = new MyStationPage(platform);
        await platformStation.GotoAsync("域名", demoId);
        var row = platformStation.Host("shop.example.invalid");
        await row.GetByTestId("confirm-host").ClickAsync();
        await Assertions.Expect(row.GetByTestId("host-status")).ToHaveTextAsync("已生效");
        await BrowserFixture.ScreenshotsAsync(platform, "domain-confirmed");
    }
}
