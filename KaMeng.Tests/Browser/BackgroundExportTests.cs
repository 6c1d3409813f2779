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

        var page = await SearchAsFinanceAsync(tag, "order-count", rows);
        var export = await RunInBackgroundAsync(page, "background-orders", "订单", rows, "background-export");
        await Assertions.Expect(export.GetByTestId("export-progress")).ToContainTextAsync("100");
        var download = await DownloadAndCheckAsync(page, export, "订单", OrderExport.SheetName, rows, rows * 6.00m);

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

        // 更多报表 starts on 提现.
        var page = await SearchAsFinanceAsync(tag, "more-count", rows);
        var export = await RunInBackgroundAsync(page, "background-more", "提现", rows, "background-export-withdrawals");
        await DownloadAndCheckAsync(page, export, "提现", "提现", rows, rows * 12.34m);

        // The centre announces it too.
        await page.GetByTestId("notification-bell").ClickAsync();
        await new AdminPage(page).WaitForCircuitAsync();
        await Assertions.Expect(page.GetByTestId("notification").Filter(new() { HasText = "报表已生成：提现" })).ToContainTextAsync($"{rows} 行", new() { Timeout = 30_000 });
        // Leave the centre read: the other test of this class counts its own unread notification.
        await page.GetByTestId("mark-all-read").ClickAsync();
        await Assertions.Expect(page.GetByTestId("unread-count")).ToHaveCountAsync(0);
    }

    /// <summary>demo-finance on the reports page, searching for <paramref name="tag"/> until the count shows <paramref name="rows"/>.</summary>
    async Task<IPage> SearchAsFinanceAsync(string tag, string countTestId, int rows)
    {
        var page = await fx.NewPageAsync();
        await new LoginPage(page).LoginAsAsync("demo-finance", TestAccounts.DemoPassword, "/admin/finance/reports");
        await new AdminPage(page).WaitForCircuitAsync();
        await page.GetByLabel("搜索报表").FillAsync(tag);
        await page.GetByTestId("report-search").ClickAsync();
        await Assertions.Expect(page.GetByTestId(countTestId)).ToHaveTextAsync(rows.ToString());
        return page;
    }

    /// <summary>Starts a background export and follows its progress bar to the end.</summary>
    static async Task<ILocator> RunInBackgroundAsync(IPage page, string buttonTestId, string report, int rows, string screenshot)
    {
        await page.GetByTestId(buttonTestId).ClickAsync();
        var export = page.GetByTestId("background-export").Filter(new() { HasText = report + "：" }).First;
        await Assertions.Expect(export.GetByTestId("export-progress")).ToBeVisibleAsync();
        await Assertions.Expect(export).ToHaveAttributeAsync("data-state", "Done", new() { Timeout = 60_000 });
        await Assertions.Expect(export).ToContainTextAsync($"{rows} / {rows} 行");
        await BrowserFixture.ScreenshotsAsync(page, screenshot);
        return export;
    }

    /// <summary>Downloads the finished file and checks its rows and the 汇总 sheet's 合计 row.</summary>
    static async Task<IDownload> DownloadAndCheckAsync(IPage page, ILocator export, string report, string sheet, int rows, decimal total)
    {
        var download = await page.RunAndWaitForDownloadAsync(() => export.GetByTestId("export-download").ClickAsync());
        Assert.Equal(ReportsSetup.FileName(report, DateTimeOffset.UtcNow), download.SuggestedFilename);
        var path = Path.Combine(TestPaths.NewTempDir("download"), "background.xlsx");
        await download.SaveAsAsync(path);
        using var book = new Workbook(await File.ReadAllBytesAsync(path));
        Assert.Equal(rows + 1, book.Rows(sheet).Count);
        var sums = book.Rows("汇总").Single(c => Workbook.Text(c[0]) == "合计");
        Assert.Equal(rows, Workbook.Number(sums[1]));
        Assert.Equal(total, Workbook.Number(sums[2]));
        return download;
    }
}
