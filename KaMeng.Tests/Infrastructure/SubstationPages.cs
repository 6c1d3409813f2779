using Microsoft.Playwright;

namespace KaMeng.Tests.Infrastructure;

/// <summary>Page object: the owner's /admin/station page (我的分站), one tab per part.</summary>
public sealed class MyStationPage(IPage page)
{
    public AdminPage Admin { get; } = new(page);

    public async Task GotoAsync(string? tab = null, int? stationId = null)
    {
        await Admin.GotoAsync(stationId is int id ? $"/admin/station?id={id}" : "/admin/station");
        if (tab is not null) await OpenTabAsync(tab);
    }

    public async Task OpenTabAsync(string tab)
    {
        var header = page.GetByRole(AriaRole.Tab, new() { Name = tab, Exact = true });
        await header.ClickAsync();
        await Assertions.Expect(header).ToHaveAttributeAsync("aria-selected", "true");
    }

    // 售价规则
    public ILocator RuleGrid => page.GetByTestId("rule-grid");

    /// <summary>Fills the rule form and clicks 保存规则 (a rule above face value then asks first: see <see cref="FaceValueWarning"/>).</summary>
    public async Task AddRuleAsync(string scope, string? category, string kind, string value)
    {
        await Selects.ChooseAsync(page, page.GetByTestId("rule-scope"), scope);
        if (category is not null) await Selects.ChooseAsync(page, page.GetByTestId("rule-category"), category);
        await Selects.ChooseAsync(page, page.GetByTestId("rule-kind"), kind);
        await page.GetByTestId("rule-value").FillAsync(value);
        await page.GetByTestId("save-rule").ClickAsync();
    }

    /// <summary>The warning beside the rule form listing the products a rule would sell above their face value.</summary>
    public ILocator FaceValueWarning => page.GetByTestId("face-value-warning");

    public ILocator ExplainRow(string product) =>
        page.GetByTestId("explain-grid").Locator("tr").Filter(new() { Has = page.GetByTestId("explained-name").GetByText(product, new() { Exact = true }) });

    // 域名
    public ILocator Host(string host) => page.GetByTestId("bound-host").Filter(new() { HasText = host });

    public async Task BindHostAsync(string host)
    {
        await page.GetByTestId("new-host").FillAsync(host);
        await page.GetByTestId("bind-host").ClickAsync();
    }

    // 收益与提现
    public ILocator Balance => page.GetByTestId("owner-balance");
    public ILocator Available => page.GetByTestId("owner-available");
    public ILocator Pending => page.GetByTestId("owner-pending");
    public ILocator Ledger => page.GetByTestId("owner-ledger");
    public ILocator WithdrawalStatus => page.GetByTestId("withdrawal-status");

    public async Task RequestWithdrawalAsync(string amount, string account)
    {
        await page.GetByTestId("withdraw-amount").FillAsync(amount);
        await page.GetByTestId("withdraw-account").FillAsync(account);
        await page.GetByTestId("request-withdrawal").ClickAsync();
    }

    public async Task TransferToBalanceAsync(string amount)
    {
        await page.GetByTestId("transfer-amount").FillAsync(amount);
        await page.GetByTestId("transfer-earnings").ClickAsync();
    }
}

/// <summary>Page object: /admin/substations (分站管理, the platform's list of substations).</summary>
public sealed class SubstationListPage(IPage page)
{
    public AdminPage Admin { get; } = new(page);

    public Task GotoAsync() => Admin.GotoAsync("/admin/substations");

    public ILocator Grid => page.GetByTestId("substation-grid");

    /// <summary>The substation named <paramref name="name"/> (a row at 1280 px, a labelled card on a phone).</summary>
    public ILocator Row(string name) => Grid.Locator("tr").Filter(new() { Has = page.GetByTestId("substation-name").GetByText(name, new() { Exact = true }) });

    public ILocator Status(string name) => Row(name).GetByTestId("substation-status");

    public async Task SuspendAsync(string name, string reason)
    {
        await Row(name).GetByTestId("suspend-reason").FillAsync(reason);
        await Row(name).GetByTestId("suspend").ClickAsync();
    }

    public Task ResumeAsync(string name) => Row(name).GetByTestId("resume").ClickAsync();
}

/// <summary>Page object: /admin/children (下级分站, read-only).</summary>
public sealed class ChildStationsPage(IPage page)
{
    public Task GotoAsync() => new AdminPage(page).GotoAsync("/admin/children");

    public ILocator Grid => page.GetByTestId("children-grid");
}
