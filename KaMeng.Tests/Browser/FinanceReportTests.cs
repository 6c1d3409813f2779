using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Tests.Reports;
using KaMeng.Web.Features.Admin.Reports;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace KaMeng.Tests.Browser;

public class FinanceReportTests(BrowserFixture fx) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task Finance_filters_the_reports_page_exports_orders_and_the_download_is_a_workbook_of_those_rows()
    {
        // Three orders of a recognisable product: two delivered, one waiting for payment.
        var tag = "报表测试" + Guid.NewGuid().ToString("N")[..6];
        await using (var db = fx.App.NewContext())
        {
            var product = await db.Products.OrderBy(p => p.Id).FirstAsync();
            for (var i = 0; i < 3; i++)
            {
                var now = DateTimeOffset.UtcNow;
                var order = Order.Place("RPT" + Guid.NewGuid().ToString("N")[..12], Station.MainStationId, product, i + 1, Money.FromFen(1050), now, TimeSpan.FromMinutes(15));
                order.ProductName = tag + " " + product.Name;
                if (i < 2) { order.MarkPaid(PaymentMethod.Balance, now); order.Deliver(now); }
                db.Orders.Add(order);
            }
            await db.SaveChangesAsync();
        }

        var page = await fx.NewPageAsync();
        await new LoginPage(page).LoginAsAsync("demo-finance", TestAccounts.DemoPassword, "/admin/finance/reports");
        var admin = new AdminPage(page);
        await admin.WaitForCircuitAsync();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("报表导出");

        await page.GetByLabel("搜索报表").FillAsync(tag);
        await page.GetByTestId("report-search").ClickAsync();
        await Assertions.Expect(page.GetByTestId("order-count")).ToHaveTextAsync("3");
        await RadzenUi.SelectAsync(page, "订单状态", "已发货");
        await Assertions.Expect(page.GetByTestId("order-count")).ToHaveTextAsync("2");
        await Assertions.Expect(page.GetByTestId("export-orders")).ToHaveAttributeAsync("href", new System.Text.RegularExpressions.Regex("status=Delivered"));
        await BrowserFixture.ScreenshotsAsync(page, "finance-reports");

        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("export-orders").ClickAsync());
        Assert.Equal(ReportsSetup.FileName("订单", DateTimeOffset.UtcNow), download.SuggestedFilename);
        var path = Path.Combine(TestPaths.NewTempDir("download"), "orders.xlsx");
        await download.SaveAsAsync(path);

        using var book = new Workbook(await File.ReadAllBytesAsync(path));
        var rows = book.Rows(OrderExport.SheetName);
        Assert.Equal(3, rows.Count); // header + the two delivered orders
        Assert.All(rows.Skip(1), r => Assert.StartsWith(tag, Workbook.Text(r.Elements<DocumentFormat.OpenXml.Spreadsheet.Cell>().ElementAt(2))));
        var total = book.Rows("汇总").Select(r => r.Elements<DocumentFormat.OpenXml.Spreadsheet.Cell>().ToList()).Single(c => Workbook.Text(c[0]) == "合计");
        Assert.Equal(2m, Workbook.Number(total[1]));
        Assert.Equal((1 + 2) * 10.50m, Workbook.Number(total[2]));

        // The ledger export downloads too.
        var ledger = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("export-ledger").ClickAsync());
        Assert.Equal(ReportsSetup.FileName("资金流水", DateTimeOffset.UtcNow), ledger.SuggestedFilename);
    }

    [Fact]
    public async Task A_buyer_cannot_download_an_export()
    {
        var page = await fx.NewPageAsync();
        await new LoginPage(page).LoginAsAsync("demo-buyer", TestAccounts.DemoPassword);
        var response = await page.APIRequest.GetAsync(ReportsSetup.OrdersPath, new() { MaxRedirects = 0 });
        Assert.NotEqual(200, response.Status);
    }
}
