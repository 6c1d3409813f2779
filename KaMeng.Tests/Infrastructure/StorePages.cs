using Microsoft.Playwright;

namespace KaMeng.Tests.Infrastructure;

/// <summary>Page object: what a buyer on a phone uses around the storefront (issue 18 §2): search, the product page's total
/// and pay buttons, 去充值, 我的订单 cards, the tab bar, 客服 and the in-app browser hint.</summary>
public sealed class BuyerPhonePage(IPage page, string basePath = "")
{
    public Task GotoAsync(string path = "") => page.GotoAsync(basePath + "/" + path);

    public async Task SearchAsync(string words)
    {
        await page.GetByTestId("search-box").Locator("input[name=q]").FillAsync(words);
        await page.GetByTestId("search-go").ClickAsync();
    }

    public ILocator ProductCards => page.GetByTestId("product-card");
    public ILocator ProductName => page.GetByTestId("product-name");
    public ILocator Quantity => page.Locator("#quantity");
    public ILocator Total => page.GetByTestId("order-total");
    public ILocator PayButton(string channel) => page.GetByTestId("pay-" + channel);
    public ILocator Buy => page.GetByTestId("buy");
    public ILocator BalanceShort => page.GetByTestId("balance-short");
    public ILocator CurrentBalance => page.GetByTestId("current-balance");
    public ILocator GoRecharge => page.GetByTestId("go-recharge");
    public ILocator BackToProduct => page.GetByTestId("back-to-product");
    public ILocator MyOrders => page.GetByTestId("my-orders");
    public ILocator MyOrderCards => page.GetByTestId("my-order");
    public ILocator Brand => page.Locator(".store-brand");
    public ILocator TabBar => page.GetByTestId("tab-bar");
    public ILocator Tab(string name) => TabBar.GetByRole(AriaRole.Link, new() { Name = name, Exact = true });
    public ILocator ServiceButton => page.GetByTestId("cs-button");
    public ILocator ServiceContacts => page.GetByTestId("cs-contacts");
    public ILocator InAppHint => page.GetByTestId("inapp-hint");

    public ILocator PurchaseNotice => page.GetByTestId("purchase-notice");
    public ILocator RetryButton(string channel) => page.GetByTestId("retry-" + channel);
    public ILocator GuestNote => page.GetByTestId("guest-mail-note");
    public ILocator KeepNumber => page.GetByTestId("keep-number");
    public ILocator KeepPassword => page.GetByTestId("keep-password");
    public ILocator CopyOrderInfo => page.GetByTestId("copy-order-info");

    public Task<string> BackgroundOfAsync(ILocator locator) => locator.EvaluateAsync<string>("e => getComputedStyle(e).backgroundColor");
}
