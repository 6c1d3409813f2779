using Microsoft.Playwright;

namespace KaMeng.Tests.Infrastructure;

/// <summary>Page object: /admin/finance/withdrawals (提现审核).</summary>
public sealed class WithdrawalReviewPage(IPage page)
{
    public async Task GotoAsync() => await new AdminPage(page).GotoAsync("/admin/finance/withdrawals");

    public ILocator Grid => page.GetByTestId("withdrawal-grid");

    /// <summary>The request of <paramref name="userName"/> (a row at 1280 px, a labelled card on a phone).</summary>
    public ILocator Row(string userName) => Grid.Locator("tr").Filter(new() { Has = page.GetByTestId("withdrawal-user").GetByText(userName, new() { Exact = true }) });

    public ILocator Account(string userName) => Row(userName).GetByTestId("withdrawal-account");
    public ILocator CopyAccount(string userName) => Row(userName).GetByTestId("withdrawal-account-copy");
    public ILocator Amount(string userName) => Row(userName).GetByTestId("withdrawal-amount");
    public ILocator Reference(string userName) => Row(userName).GetByLabel("打款流水号");
    public ILocator Reason(string userName) => Row(userName).GetByLabel("驳回原因");
    public ILocator Approve(string userName) => Row(userName).GetByTestId("approve-withdrawal");
    public ILocator Reject(string userName) => Row(userName).GetByTestId("reject-withdrawal");
    public ILocator Result(string userName) => Row(userName).GetByTestId("withdrawal-result");

    /// <summary>Shows every request, decided or not.</summary>
    public async Task ShowAllAsync()
    {
        await page.GetByTestId("withdrawal-status-filter").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "全部", Exact = true }).ClickAsync();
    }
}
