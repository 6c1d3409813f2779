using KaMeng.Tests.Infrastructure;
using Microsoft.Playwright;

namespace KaMeng.Tests.Backups;

public sealed class BackupBrowserFixture() : BrowserFixture(new BackupApp());

public class BackupsPageTests(BackupBrowserFixture fx) : IClassFixture<BackupBrowserFixture>
{
    [Fact]
    public async Task Platform_admin_backs_up_now_and_sees_the_new_row_and_the_dashboard_card()
    {
        var page = await fx.NewPageAsync();
        await new LoginPage(page).LoginAsAsync("admin", TestAccounts.AdminPassword, "/admin");
        var admin = new AdminPage(page);
        await admin.WaitForCircuitAsync();
        var backups = new BackupsAdminPage(page);
        // Before any backup the dashboard warns.
        await Assertions.Expect(backups.LatestCard.GetByTestId("latest-backup-warning")).ToHaveTextAsync("还没有成功的备份");

        await page.GetByRole(AriaRole.Link, new() { Name = "数据备份" }).ClickAsync();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("数据备份");
        await Assertions.Expect(backups.Rows).ToHaveCountAsync(0);

        await backups.BackupNow.ClickAsync();
        await Assertions.Expect(admin.Notification("备份完成")).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await Assertions.Expect(backups.Rows).ToHaveCountAsync(1);
        await Assertions.Expect(backups.NewestRow.GetByTestId("backup-trigger")).ToHaveTextAsync("立即备份");
        await Assertions.Expect(backups.NewestRow.GetByTestId("backup-result")).ToHaveTextAsync("成功");
        await Assertions.Expect(backups.NewestRow.GetByTestId("backup-file")).ToContainTextAsync(".kmbak");
        await Assertions.Expect(backups.NewestRow.GetByTestId("backup-size")).ToContainTextAsync("KB");
        await Assertions.Expect(backups.BackupNow).ToBeEnabledAsync();
        await BrowserFixture.ScreenshotsAsync(page, "backups");

        await admin.GotoAsync("/admin");
        await Assertions.Expect(backups.LatestCard.GetByTestId("latest-backup-summary")).ToContainTextAsync("成功");
        await Assertions.Expect(backups.LatestCard.GetByTestId("latest-backup-warning")).ToHaveCountAsync(0);
        await BrowserFixture.ScreenshotsAsync(page, "dashboard-latest-backup");
    }

    [Fact]
    public async Task A_station_owner_has_neither_the_menu_entry_nor_the_page()
    {
        var page = await fx.NewPageAsync();
        await new LoginPage(page).LoginAsAsync("demo-owner", TestAccounts.DemoPassword, "/admin");
        await new AdminPage(page).WaitForCircuitAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "数据备份" })).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByTestId("latest-backup")).ToHaveCountAsync(0);
        await page.GotoAsync("/admin/system/backups");
        await Assertions.Expect(page.GetByTestId("backup-now")).ToHaveCountAsync(0);
    }
}
