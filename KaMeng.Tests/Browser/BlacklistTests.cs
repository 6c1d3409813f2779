using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Risk;
using KaMeng.Web.Features.Risk.Blacklists;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
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
        var list = new BlacklistAdminPage(page);
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
        var own = new BlacklistAdminPage(owner);
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

    [Fact]
    public async Task A_withdrawal_from_a_blocked_device_in_the_admin_is_refused_and_a_disabled_users_open_admin_signs_out()
    {
        // demo-owner, with ¥20 of 可提现 收益, on 收益与提现.
        await using (var db = fx.App.NewContext())
        {
            var id = (await db.Users.SingleAsync(u => u.UserName == "demo-owner")).Id;
            await db.PostToUserAsync(id, LedgerEntryType.Earning, Money.FromYuan(20), DateTimeOffset.UtcNow, reason: "测试收益", bucket: WalletBucket.Earnings);
        }
        var ownerPage = await fx.NewPageAsync();
        await new LoginPage(ownerPage).LoginAsAsync("demo-owner", TestAccounts.DemoPassword, "/admin/station");
        var station = new MyStationPage(ownerPage);
        await station.Admin.WaitForCircuitAsync();
        await station.OpenTabAsync("收益与提现");
        var device = (await ownerPage.Context.CookiesAsync()).Single(c => c.Name == ClientSignals.DeviceCookie).Value;

        var platform = new AuditActor("platform", "平台管理员", null);
        var blacklists = fx.App.Services.GetRequiredService<BlacklistService>();
        var (entry, error) = await blacklists.AddAsync(null, new(BlacklistKind.Device, device, "盗号设备", null), platform);
        Assert.Null(error);
        await station.RequestWithdrawalAsync("10", "支付宝 owner@example.cn");
        await Assertions.Expect(station.Admin.Notification($"未提交：{BlacklistGate.Message}")).ToBeVisibleAsync();
        await Assertions.Expect(station.Available).ToHaveTextAsync("¥20.00");

        Assert.Null(await blacklists.RemoveAsync(entry!.Value, platform));
        await station.RequestWithdrawalAsync("10", "支付宝 owner@example.cn");
        await Assertions.Expect(station.WithdrawalStatus).ToHaveTextAsync("待审核");
        await using (var db = fx.App.NewContext())
            Assert.Equal(device, (await db.RiskSignals.SingleAsync(s => s.Kind == RiskSignalKind.Withdrawal)).DeviceId);

        // A finance clerk is on the admin; the platform admin disables them on 用户与余额: their open page signs out.
        await using (var scope = fx.App.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            var clerk = new AppUser { UserName = "bl-clerk", DisplayName = "临时财务", CreatedAt = DateTimeOffset.UtcNow };
            Assert.True((await users.CreateAsync(clerk, "lan-tian-7788")).Succeeded);
            Assert.True((await users.AddToRoleAsync(clerk, Roles.Finance)).Succeeded);
        }
        var clerkPage = await fx.NewPageAsync();
        await new LoginPage(clerkPage).LoginAsAsync("bl-clerk", "lan-tian-7788", "/admin/finance/withdrawals");
        await new AdminPage(clerkPage).WaitForCircuitAsync();

        var adminPage = await fx.NewPageAsync();
        await new LoginPage(adminPage).LoginAsAsync("admin", TestAccounts.AdminPassword, "/admin/wallets");
        var admin = new AdminPage(adminPage);
        await admin.WaitForCircuitAsync();
        await new WalletListPage(adminPage).SearchAsync("bl-clerk");
        var access = new UserAccessCell(adminPage, "bl-clerk");
        await access.Disable.ClickAsync();
        await Assertions.Expect(access.ReasonError).ToBeVisibleAsync();
        await access.Reason.FillAsync("离职");
        await access.Disable.ClickAsync();
        await Assertions.Expect(admin.Confirmation).ToContainTextAsync("停用 bl-clerk");
        await admin.ConfirmAsync();
        await Assertions.Expect(access.DisabledState).ToHaveTextAsync("已停用：离职");
        await BrowserFixture.ScreenshotsAsync(adminPage, "user-disabled");

        await clerkPage.WaitForURLAsync(url => url.Contains("/account/login"), new() { Timeout = 30_000 });
        await new LoginPage(clerkPage).SubmitAsync("bl-clerk", "lan-tian-7788");
        await Assertions.Expect(new LoginPage(clerkPage).Error).ToHaveTextAsync(UserAccessService.DisabledMessage);
    }
}
