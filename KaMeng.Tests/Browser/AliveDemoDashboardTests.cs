using KaMeng.Tests.Infrastructure;
using Microsoft.Playwright;

namespace KaMeng.Tests.Browser;

/// <summary>`dotnet run` on a fresh machine: the dashboards of the demo's first run have something to say (issue 18 §3).</summary>
public class AliveDemoDashboardTests(DemoHistoryBrowserFixture fx) : IClassFixture<DemoHistoryBrowserFixture>
{
    [Fact]
    public async Task The_admin_dashboard_of_a_fresh_demo_shows_thirty_days_of_sales_refunds_peak_hours_segments_and_substations()
    {
        var page = await fx.NewPageAsync();
        await new LoginPage(page).LoginAsAsync("admin", TestAccounts.AdminPassword, "/admin");
        await new AdminPage(page).WaitForCircuitAsync();
        await page.GetByTestId("range-picker").GetByText("近 30 天").ClickAsync();

        // At least 100 orders in 30 days (three digits or more): waited for, since the 30-day figures replace the default range's.
        await Assertions.Expect(page.GetByTestId("kpi-orders")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\s*[1-9][\d,]{2,}\s*$"));
        await Assertions.Expect(page.GetByTestId("kpi-refunds")).Not.ToContainTextAsync("0 笔");
        await Assertions.Expect(page.GetByTestId("heatmap-peak")).ToContainTextAsync("高峰");
        foreach (var segment in new[] { "New", "Active", "HighValue", "Dormant" })
            await Assertions.Expect(page.GetByTestId($"segment-{segment}").Locator(".seg-count")).Not.ToHaveTextAsync("0");
        await Assertions.Expect(page.GetByTestId("leaderboard")).ToContainTextAsync("演示下级分站");
        await BrowserFixture.ScreenshotsAsync(page, "demo-dashboard-30-days");
    }
}
