using Microsoft.Playwright;

namespace KaMeng.Tests.Infrastructure;

/// <summary>Page object: /admin/risk/blacklist (黑名单).</summary>
public sealed class BlacklistAdminPage(IPage page)
{
    public AdminPage Admin { get; } = new(page);

    public Task GotoAsync() => Admin.GotoAsync("/admin/risk/blacklist");

    /// <summary>The platform admin's choice of list: "平台黑名单" or a station's name.</summary>
    public Task ChooseListAsync(string text) => Selects.ChooseAsync(page, page.GetByTestId("blacklist-scope"), text);

    /// <summary>Fills the form (kind by its Chinese name: IP, IP 段, 联系方式, 邮箱域名, 设备, 用户) and submits it.</summary>
    public async Task AddAsync(string kind, string value, string? reason)
    {
        await Selects.ChooseAsync(page, page.GetByTestId("blacklist-kind"), kind);
        await page.FillAsync("#blacklist-value", value);
        await page.FillAsync("#blacklist-reason", reason ?? "");
        await page.GetByTestId("blacklist-add").ClickAsync();
    }

    public ILocator Error => page.GetByTestId("blacklist-error");

    public ILocator Values => page.GetByTestId("blacklist-row-value");

    public ILocator Row(string value) => page.GetByTestId("blacklist-table").Locator("tr").Filter(new() { Has = page.GetByTestId("blacklist-row-value").GetByText(value, new() { Exact = true }) });
}

/// <summary>The 账号状态 cell of one user on /admin/wallets (用户与余额): disable with a reason, enable.</summary>
public sealed class UserAccessCell(IPage page, string userName)
{
    ILocator Cell => page.Locator($"[data-testid=user-access][data-user=\"{userName}\"]");

    public ILocator Reason => Cell.GetByLabel("停用原因");
    public ILocator Disable => Cell.GetByTestId("user-disable");
    public ILocator Enable => Cell.GetByTestId("user-enable");
    public ILocator DisabledState => Cell.GetByTestId("user-disabled");
    public ILocator ReasonError => Cell.GetByText("请填写停用原因");
}
