using Microsoft.Playwright;

namespace KaMeng.Tests.Infrastructure;

/// <summary>Page object: /admin/system/backups (数据备份) and the dashboard's 最近备份 card.</summary>
public sealed class BackupsAdminPage(IPage page)
{
    public Task GotoAsync() => new AdminPage(page).GotoAsync("/admin/system/backups");

    public ILocator BackupNow => page.GetByTestId("backup-now");
    public ILocator Rows => page.GetByTestId("backup-grid").Locator("tbody tr").Filter(new() { Has = page.GetByTestId("backup-result") });
    public ILocator NewestRow => Rows.First;

    public ILocator LatestCard => page.GetByTestId("latest-backup");
}
