using Microsoft.Playwright;

namespace KaMeng.Tests.Infrastructure;

/// <summary>Page object: /admin/payments (支付设置).</summary>
public sealed class PaymentSettingsPage(IPage page)
{
    public async Task GotoAsync() => await new AdminPage(page).GotoAsync("/admin/payments");

    public ILocator BaseUrl => page.Locator("#gateway-base-url");
    public ILocator Pid => page.Locator("#gateway-pid");
    public ILocator Key => page.Locator("#gateway-key");
    public ILocator FeeNote => page.Locator("#gateway-fee");
    public ILocator Save => page.GetByTestId("gateway-save");
    public ILocator Form => page.GetByTestId("gateway-form");
    public ILocator ChannelError => page.GetByTestId("gateway-channel-error");
    public ILocator Channel(string name) => page.GetByTestId("gateway-channels").GetByLabel(name, new() { Exact = true });

    public ILocator RefundMethod(string label) => page.GetByTestId("refund-method-form").GetByText(label, new() { Exact = true });
    public ILocator SaveRefundMethod => page.GetByTestId("refund-method-save");
}

/// <summary>Page object: /admin/finance/payments (支付对账, with finance's refund tasks below it).</summary>
public sealed class PaymentIssuesPage(IPage page)
{
    public async Task GotoAsync() => await new AdminPage(page).GotoAsync("/admin/finance/payments");

    public ILocator Grid => page.GetByTestId("payment-issue-grid");
    public ILocator Reconcile => page.GetByTestId("reconcile");

    /// <summary>The issue of order <paramref name="outTradeNo"/> (a row at 1280 px, a labelled card on a phone).</summary>
    public ILocator Issue(string outTradeNo) => Grid.Locator("tr").Filter(new() { Has = page.GetByTestId("issue-order").GetByText(outTradeNo, new() { Exact = true }) });
    public ILocator IssueNote(string outTradeNo) => Issue(outTradeNo).GetByLabel("处理说明");
    public ILocator Resolve(string outTradeNo) => Issue(outTradeNo).GetByTestId("resolve-issue");

    public ILocator ManualRefunds => page.GetByTestId("manual-refund-grid");

    /// <summary>The 待人工退款 task of order <paramref name="orderNumber"/>.</summary>
    public ILocator ManualRefund(string orderNumber) => ManualRefunds.Locator("tr").Filter(new() { Has = page.GetByTestId("refund-order").GetByText(orderNumber, new() { Exact = true }) });
    public ILocator RefundContact(string orderNumber) => ManualRefund(orderNumber).GetByTestId("refund-contact");
    public ILocator RefundAmount(string orderNumber) => ManualRefund(orderNumber).GetByTestId("refund-amount");
    public ILocator RefundNote(string orderNumber) => ManualRefund(orderNumber).GetByLabel("退款方式与流水号");
    public ILocator CompleteRefund(string orderNumber) => ManualRefund(orderNumber).GetByTestId("complete-refund");
}

/// <summary>Page object: /admin/wallets (用户与余额).</summary>
public sealed class WalletListPage(IPage page)
{
    public async Task GotoAsync() => await new AdminPage(page).GotoAsync("/admin/wallets");

    public ILocator Grid => page.GetByTestId("wallet-grid");

    /// <summary>The user names in the grid.</summary>
    public ILocator Users => Grid.GetByTestId("wallet-user");

    /// <summary>Searches for one user and waits until the grid shows only them.</summary>
    public async Task SearchAsync(string userName)
    {
        await page.GetByLabel("搜索用户").FillAsync(userName);
        await page.GetByTestId("wallet-search-go").ClickAsync();
        await Assertions.Expect(Users).ToHaveCountAsync(1);
        await Assertions.Expect(Users).ToHaveTextAsync(userName);
    }

    public ILocator Row(string userName) => Grid.Locator("tr").Filter(new() { Has = page.GetByTestId("wallet-user").GetByText(userName, new() { Exact = true }) });
    public ILocator Balance(string userName) => Row(userName).GetByTestId("user-balance");
    public ILocator Amount(string userName) => Row(userName).GetByLabel("调整金额");
    public ILocator Reason(string userName) => Row(userName).GetByLabel("调整原因");
    public ILocator Adjust(string userName) => Row(userName).GetByTestId("wallet-adjust");
}

/// <summary>Page object: /admin/platform (平台设置).</summary>
public sealed class PlatformSettingsPage(IPage page)
{
    public async Task GotoAsync() => await new AdminPage(page).GotoAsync("/admin/platform");

    public ILocator WithdrawalMinimum => page.Locator("#withdraw-min");
    public ILocator Save => page.GetByTestId("platform-save");
    public ILocator LevelGrid => page.GetByTestId("level-grid");
    public ILocator AnnouncementSection => page.GetByTestId("main-announcement-section");
}
