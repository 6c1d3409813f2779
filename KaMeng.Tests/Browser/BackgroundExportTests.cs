using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Tests.Reports;
using KaMeng.Web.Features.Admin.Reports;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace KaMeng.Tests.Browser;

public class BackgroundExportTests(BrowserFixture fx) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task Finance_exports_filtered_orders_in_the_background_sees_progress_and_downloads_from_the_page_and_the_centre()
    {
        var tag = "后台导出" + Guid.NewGuid().ToString("N")[..6];
        const int rows = 2500;
        await using (var db = fx.App.NewContext())
        {
            var product = await db.Products.OrderBy(p => p.Id).FirstAsync();
            var now = DateTimeOffset.UtcNow;
            for (var i = 0; i < rows; i++)
            {
                var order = Order.Place("BG" + Guid.NewGuid().ToString("N")[..14], Station.MainStationId, product, 1, Money.FromFen(600), now, TimeSpan.FromMinutes(15));
                order.ProductName = tag + " " + product.Name;
                order.MarkPaid(PaymentMethod.Balance, now);
                order.Deliver(now);
                db.Orders.Add(order);
            }
            await db.SaveChangesAsync();
        }

        var page = await fx.NewPageAsync();
        await new LoginPage(page).LoginAsAsync("demo-finance", TestAccounts.DemoPassword, "/admin/finance/reports");
        await new AdminPage(page).WaitForCircuitAsync();
        await page.GetByLabel("搜索报表").FillAsync(tag);
        await page.GetByTestId("report-search").ClickAsync();
        await Assertions.Expect(page.GetByTestId("order-count")).ToHaveTextAsync(rows.ToString());

        await page.GetByTestId("background-orders").ClickAsync();
        var export = page.GetByTestId("background-export").First;
        await Assertions.Expect(export.GetByTestId("export-progress")).ToBeVisibleAsync();
        await Assertions.Expect(export).ToHaveAttributeAsync("data-state", "Done", new() { Timeout = 60_000 });
        await Assertions.Expect(export).ToContainTextAsync($"{rows} / {rows} 行");
        await Assertions.Expect(export.GetByTestId("export-progress")).ToContainTextAsync("100");
        await BrowserFixture.ScreenshotsAsync(page, "background-export");

        var download = await page.RunAndWaitForDownloadAsync(() => export.GetByTestId("export-download").ClickAsync());
        Assert.Equal(ReportsSetup.FileName("订单", DateTimeOffset.UtcNow), download.SuggestedFilename);
        var path = Path.Combine(TestPaths.NewTempDir("download"), "bg.xlsx");
        await download.SaveAsAsync(path);
        using (var book = new Workbook(await File.ReadAllBytesAsync(path)))
        {
            Assert.Equal(rows + 1, book.Rows(OrderExport.SheetName).Count);
            var total = book.Rows("汇总").Select(r => r.Elements<DocumentFormat.OpenXml.Spreadsheet.Cell>().ToList()).Single(c => Workbook.Text(c[0]) == "合计");
            Assert.Equal(rows, Workbook.Number(total[1]));
            Assert.Equal(rows * 6.00m, Workbook.Number(total[2]));
        }

        var href = (await export.GetByTestId("export-download").GetAttributeAsync("href"))!;

        // The notification centre has the same file.
        await Assertions.Expect(page.GetByTestId("unread-count")).ToHaveTextAsync("1", new() { Timeout = 30_000 });
        await page.GetByTestId("notification-bell").ClickAsync();
        await new AdminPage(page).WaitForCircuitAsync();
        var note = page.GetByTestId("notification").Filter(new() { HasText = "报表已生成：订单" });
        await Assertions.Expect(note).ToContainTextAsync($"{rows} 行");
        var again = await page.RunAndWaitForDownloadAsync(() => note.GetByTestId("notification-link").ClickAsync());
        Assert.Equal(download.SuggestedFilename, again.SuggestedFilename);

        // Another user cannot fetch it.
        using var other = fx.App.NewHttpClient();
        var anonymous = await other.GetAsync(href);
        Assert.NotEqual(System.Net.HttpStatusCode.OK, anonymous.StatusCode);
    }

    [Fact]
    public async Task Finance_exports_filtered_withdrawals_in_the_background_with_progress_and_download()
    {
        var tag = "提现后台" + Guid.NewGuid().ToString("N")[..6];
        const int rows = 1500;
        await using (var db = fx.App.NewContext())
        {
            var user = await db.Users.Where(u => u.UserName == "demo-owner").Select(u => u.Id).SingleAsync();
            var now = DateTimeOffset.UtcNow;
            for (var i = 0; i < rows; i++)
                db.Withdrawals.Add(new Withdrawal { UserId = user, Amount = Money.FromFen(1234), Fee = Money.Zero, PayoutAccount = $"支付宝 {tag} {i}", CreatedAt = now });
            await db.SaveChangesAsync();
        }

        var page = await fx.NewPageAsync();
        await new LoginPage(page).LoginAsAsync("demo-finance", TestAccounts.DemoPassword, "/admin/finance/reports");
        await new AdminPage(page).WaitForCircuitAsync();
        await page.GetByLabel("搜索报表").FillAsync(tag);
        await page.GetByTestId("report-search").ClickAsync();
        // 更多报表 starts on 提现.
        await Assertions.Expect(page.GetByTestId("more-count")).ToHaveTextAsync(rows.ToString());

        await page.GetByTestId("background-more").ClickAsync();
        var export = page.GetByTestId("background-export").Filter(new() { HasText = "提现" }).First;
        await Assertions.Expect(export.GetByTestId("export-progress")).ToBeVisibleAsync();
        await Assertions.Expect(export).ToHaveAttributeAsync("data-state", "Done", new() { Timeout = 60_000 });
        await Assertions.Expect(export).ToContainTextAsync($"{rows} / {rows} 行");
        await BrowserFixture.ScreenshotsAsync(page, "background-export-withdrawals");

        var download = await page.RunAndWaitForDownloadAsync(() => export.GetByTestId("export-download").ClickAsync());
        Assert.Equal(ReportsSetup.FileName("提现", DateTimeOffset.UtcNow), download.SuggestedFilename);
        var path = Path.Combine(TestPaths.NewTempDir("download"), "withdrawals.xlsx");
        await download.SaveAsAsync(path);
        using var book = new Workbook(await File.ReadAllBytesAsync(path));
        Assert.Equal(rows + 1, book.Rows("提现").Count);
        var total = book.Rows("汇总").Select(r => r.Elements<DocumentFormat.OpenXml.Spreadsheet.Cell>().ToList()).Single(c => Workbook.Text(c[0]) == "合计");
        Assert.Equal(rows, Workbook.Number(total[1]));
        Assert.Equal(rows * 12.34m, Workbook.Number(total[2]));

        // The centre announces it too.
        await page.GetByTestId("notification-bell").ClickAsync();
        await new AdminPage(page).WaitForCircuitAsync();
        await Assertions.Expect(page.GetByTestId("notification").Filter(new() { HasText = "报表已生成：提现" })).ToContainTextAsync($"{rows} 行", new() { Timeout = 30_000 });
        // Leave the centre read: the other test of this class counts its own unread notification.
        await page.GetByTestId("mark-all-read").ClickAsync();
        await Assertions.Expect(page.GetByTestId("unread-count")).ToHaveCountAsync(0);
    }
}
