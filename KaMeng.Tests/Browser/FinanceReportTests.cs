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
        // Three orders of a recognisable product: two delivered, one waiting for payment; each with its frozen price chain
        // (the selling station's cost 6.00 a card).
        var tag = "报表测试" + Guid.NewGuid().ToString("N")[..6];
        var numbers = new List<string>();
        await using (var db = fx.App.NewContext())
        {
            var product = await db.Products.OrderBy(p => p.Id).FirstAsync();
            for (var i = 0; i < 3; i++)
            {
                var now = DateTimeOffset.UtcNow.AddSeconds(i);
                var order = Order.Place("RPT" + Guid.NewGuid().ToString("N")[..12], Station.MainStationId, product, i + 1, Money.FromFen(1050), now, TimeSpan.FromMinutes(15));
                order.ProductName = tag + " " + product.Name;
                order.PriceChainJson = $$"""[{"StationId":{{Station.MainStationId}},"OwnerUserId":null,"CostFen":600,"PriceFen":1050}]""";
                if (i < 2) { order.MarkPaid(PaymentMethod.Balance, now); order.Deliver(now); }
                db.Orders.Add(order);
                numbers.Add(order.Number);
            }
            await db.SaveChangesAsync();
        }

        var page = await fx.NewPageAsync();
        await new LoginPage(page).LoginAsAsync("demo-finance", TestAccounts.DemoPassword, FinanceReportsPage.Path);
        var admin = new AdminPage(page);
        await admin.WaitForCircuitAsync();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("报表导出");
        var reports = new FinanceReportsPage(page);

        // The filtered orders are on screen, not only their count: with cost and profit.
        await reports.SearchAsync(tag);
        await Assertions.Expect(reports.OrderCount).ToHaveTextAsync("3");
        await Assertions.Expect(reports.OrderNumbers).ToHaveTextAsync(numbers.ToArray());
        var second = reports.OrderRow(numbers[1]);
        await Assertions.Expect(second.GetByTestId("order-total")).ToHaveTextAsync("¥21.00");
        await Assertions.Expect(second.GetByTestId("order-cost")).ToHaveTextAsync("¥12.00");
        await Assertions.Expect(second.GetByTestId("order-profit")).ToHaveTextAsync("¥9.00");

        await reports.SelectAsync("order-status", "已发货");
        await Assertions.Expect(reports.OrderCount).ToHaveTextAsync("2");
        await Assertions.Expect(reports.OrderNumbers).ToHaveTextAsync(numbers.Take(2).ToArray());
        await Assertions.Expect(reports.ExportOrders).ToHaveAttributeAsync("href", new System.Text.RegularExpressions.Regex("status=Delivered"));
        await BrowserFixture.ScreenshotsAsync(page, "finance-reports");

        // The download is exactly what is shown: the same two orders, with the same cost and profit.
        var download = await page.RunAndWaitForDownloadAsync(() => reports.ExportOrders.ClickAsync());
        Assert.Equal(ReportsSetup.FileName("订单", DateTimeOffset.UtcNow), download.SuggestedFilename);
        var path = Path.Combine(TestPaths.NewTempDir("download"), "orders.xlsx");
        await download.SaveAsAsync(path);

        using var book = new Workbook(await File.ReadAllBytesAsync(path));
        var rows = book.Rows(OrderExport.SheetName);
        Assert.Equal(numbers.Take(2), rows.Skip(1).Select(c => Workbook.Text(c[0])));
        Assert.All(rows.Skip(1), c => Assert.StartsWith(tag, Workbook.Text(c[2])));
        Assert.Equal(["成本", "利润"], rows[0].Skip(12).Select(Workbook.Text));
        Assert.Equal([(6.00m, 4.50m), (12.00m, 9.00m)], rows.Skip(1).Select(c => (Workbook.Number(Workbook.At(c, "M")), Workbook.Number(Workbook.At(c, "N")))));
        var total = book.Rows("汇总").Single(c => Workbook.Text(c[0]) == "合计");
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
