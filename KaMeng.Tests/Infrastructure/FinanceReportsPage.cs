using Microsoft.Playwright;

namespace KaMeng.Tests.Infrastructure;

/// <summary>Page object: /admin/finance/reports, the filter, the order grid and the downloads.</summary>
public sealed class FinanceReportsPage(IPage page)
{
    public const string Path = "/admin/finance/reports";

    public ILocator SearchBox => page.GetByLabel("搜索报表");

    public async Task SearchAsync(string text)
    {
        await SearchBox.FillAsync(text);
        await page.GetByTestId("report-search").ClickAsync();
    }

    /// <summary>Chooses an entry of one of the page's selects (order-status, ledger-type, more-kind, more-status).</summary>
    public async Task SelectAsync(string selectTestId, string option)
    {
        await page.GetByTestId(selectTestId).ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = option, Exact = true }).ClickAsync();
    }

    public ILocator OrderCount => page.GetByTestId("order-count");

    public ILocator OrderGrid => page.GetByTestId("order-grid");

    /// <summary>The order numbers the grid shows, top to bottom.</summary>
    public ILocator OrderNumbers => OrderGrid.GetByTestId("order-number");

    /// <summary>The grid row of an order (its number, product, amount, cost, profit…).</summary>
    public ILocator OrderRow(string number) => OrderGrid.Locator("tr").Filter(new() { Has = page.GetByTestId("order-number").GetByText(number, new() { Exact = true }) });

    public ILocator ExportOrders => page.GetByTestId("export-orders");
}
