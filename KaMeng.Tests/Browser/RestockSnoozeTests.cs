using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace KaMeng.Tests.Browser;

public class RestockSnoozeTests(BrowserFixture fx) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task Owner_sees_the_low_stock_alert_in_the_notification_centre_and_snoozes_it_for_seven_days()
    {
        int stationId, productId;
        string productName;
        await using (var db = fx.App.NewContext())
        {
            stationId = await db.Stations.Where(s => s.Code == "demo").Select(s => s.Id).SingleAsync();
            var product = await db.Products.OrderBy(p => p.Id).FirstAsync();
            (productId, productName) = (product.Id, product.Name);
            // What the restock job records when the demo station's stock of this product crossed under its threshold.
            db.RestockAlerts.Add(new RestockAlert { StationId = stationId, ProductId = productId, Alerted = true, AlertedAt = DateTimeOffset.UtcNow, LastStock = 2, CheckedAt = DateTimeOffset.UtcNow });
            await db.SaveChangesAsync();
        }

        var page = await fx.NewPageAsync();
        await new LoginPage(page).LoginAsAsync("demo-owner", TestAccounts.DemoPassword, "/admin/notifications");
        await new AdminPage(page).WaitForCircuitAsync();
        var alert = page.GetByTestId("restock-alert").Filter(new() { HasText = productName });
        await Assertions.Expect(alert).ToContainTextAsync("可用卡密 2 张");
        await Assertions.Expect(alert.GetByTestId("restock-snoozed")).ToHaveCountAsync(0);

        await alert.GetByTestId("restock-snooze-7").ClickAsync();
        await Assertions.Expect(new AdminPage(page).Notification("已暂停提醒")).ToBeVisibleAsync();
        var until = BusinessTime.ToBusiness(DateTimeOffset.UtcNow.AddDays(7));
        await Assertions.Expect(alert.GetByTestId("restock-snoozed")).ToContainTextAsync($"已暂停提醒至 {until:yyyy-MM-dd}");
        await BrowserFixture.ScreenshotsAsync(page, "restock-snooze");

        await using (var db = fx.App.NewContext())
        {
            var snoozed = await db.RestockAlerts.SingleAsync(a => a.StationId == stationId && a.ProductId == productId);
            Assert.InRange(snoozed.SnoozedUntil!.Value, DateTimeOffset.UtcNow.AddDays(7).AddMinutes(-10), DateTimeOffset.UtcNow.AddDays(7).AddMinutes(1));
            // The snooze holds the next crossing back: stock recovers, falls again, and no alert is due until it ends.
            Assert.False(snoozed.Observe(100, 5, DateTimeOffset.UtcNow));
            Assert.False(snoozed.Observe(1, 5, DateTimeOffset.UtcNow.AddDays(1)));
            Assert.True(snoozed.Observe(1, 5, DateTimeOffset.UtcNow.AddDays(8)));
        }

        // The platform's 补货提醒 of another station is not shown to this owner.
        await using (var db = fx.App.NewContext())
        {
            db.RestockAlerts.Add(new RestockAlert { StationId = Station.MainStationId, ProductId = productId, Alerted = true, LastStock = 0, CheckedAt = DateTimeOffset.UtcNow });
            await db.SaveChangesAsync();
        }
        await page.ReloadAsync();
        await new AdminPage(page).WaitForCircuitAsync();
        await Assertions.Expect(page.GetByTestId("restock-alert")).ToHaveCountAsync(1);
        await Assertions.Expect(page.GetByTestId("restock-alert").GetByTestId("restock-snoozed")).ToBeVisibleAsync();
    }
}
