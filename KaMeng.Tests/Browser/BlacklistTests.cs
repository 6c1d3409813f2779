using KaMeng.Tests.Infrastructure;
using Microsoft.Playwright;

namespace KaMeng.Tests.Browser;

/// <summary>黑名单 in the admin (issue 21 §4): the platform admin adds entries with a reason (and is refused without one) and
/// sees them listed in full; a station owner keeps their own list and sees its addresses masked.</summary>
public class BlacklistTests(BrowserFixture fx) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task The_platform_adds_a_device_and_an_ip_with_a_reason_and_an_owner_sees_addresses_masked()
    {
        var page = await fx.NewPageAsync();
        await new LoginPage(page).LoginAsAsync("admin", TestAccounts.AdminPassword, "/admin/risk/blacklist");
        var list = new BlacklistPage(page);
        await list.Admin.WaitForCircuitAsync();

        await list.AddAsync("设备", "0A1B2C3D4E5F60718293A4B5C6D7E8F9", null);
        await Assertions.Expect(list.Error).ToHaveTextAsync("请填写拉黑原因");
        await Assertions.Expect(list.Values).ToHaveCountAsync(0);

        await page.FillAsync("#blacklist-reason", "盗号设备");
        await page.GetByTestId("blacklist-add").ClickAsync();
        await Assertions.Expect(list.Row("0A1B2C3D4E5F60718293A4B5C6D7E8F9")).ToContainTextAsync("盗号设备");
        await Assertions.Expect(list.Error).ToHaveCountAsync(0);

        await list.AddAsync("IP 段", "10.0.0.0/7", "整段拉黑");
        await Assertions.Expect(list.Error).ToHaveTextAsync("IP 段范围过大：IPv4 最宽 /8，IPv6 最宽 /32");
        await list.AddAsync("IP", "198.51.100.23", "恶意刷单");
        await Assertions.Expect(list.Row("198.51.100.23")).ToContainTextAsync("恶意刷单");
        await BrowserFixture.ScreenshotsAsync(page, "blacklist-platform");

        // The owner of 演示分站 blocks an address on their own storefront: listed masked, never the platform's entries.
        var owner = await fx.NewPageAsync();
        await new LoginPage(owner).LoginAsAsync("demo-owner", TestAccounts.DemoPassword, "/admin/risk/blacklist");
        var own = new BlacklistPage(owner);
        await own.Admin.WaitForCircuitAsync();
        await Assertions.Expect(owner.GetByTestId("blacklist-scope")).ToHaveCountAsync(0);
        await Assertions.Expect(own.Values).ToHaveCountAsync(0);
        await own.AddAsync("IP", "203.0.113.77", "恶意退款");
        await Assertions.Expect(own.Row("203.0.113.*")).ToContainTextAsync("恶意退款");
        await Assertions.Expect(owner.GetByText("203.0.113.77")).ToHaveCountAsync(0);
        await BrowserFixture.ScreenshotsAsync(owner, "blacklist-owner");

        // The platform opens that station's list and sees the address in full.
        await list.ChooseListAsync("演示分站");
        await Assertions.Expect(list.Row("203.0.113.77")).ToContainTextAsync("恶意退款");
    }
}
