using System.Text.RegularExpressions;
using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Tests.Reports;
using KaMeng.Web.Features.Admin.Reports;
using KaMeng.Web.Features.Orders;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace KaMeng.Tests.Web;

/// <summary>Changing the process time zone would disturb every test running beside these: they run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessTimeZoneCollection
{
    public const string Name = "Process time zone";
}

/// <summary>
/// Issue 18 §1: one clock. A buyer who pays at 03:08 Beijing time (19:08 UTC the day before) sees 03:08, and finance's
/// report "for today" (a Beijing day) holds the order, whether the server process runs in UTC or in Asia/Shanghai: the
/// whole purchase-to-report flow gives the same screens and files in both.
/// </summary>
[Collection(ProcessTimeZoneCollection.Name)]
public class ProcessTimeZoneTests
{
    static readonly DateTimeOffset PaidAt = new(2026, 12, 3, 19, 8, 0, TimeSpan.Zero); // 2026-12-04 03:08 in Beijing

    sealed class ClockedApp(TimeProvider clock, string? businessZone) : KaMengApp
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            if (businessZone is not null) builder.UseSetting("KaMeng:BusinessTimeZone", businessZone);
            builder.ConfigureTestServices(s => s.AddSingleton(clock));
        }
    }

    sealed record Seen(string OrderPageTime, bool MyOrdersShowsTime, bool TodayHoldsOrder, bool YesterdayHoldsOrder, string ExcelTime);

    [Fact]
    public async Task A_purchase_shows_and_reports_the_same_in_a_utc_process_and_a_beijing_process()
    {
        var original = Environment.GetEnvironmentVariable("TZ");
        try
        {
            var utc = await RunInZoneAsync("UTC", TimeSpan.Zero);
            var beijing = await RunInZoneAsync("Asia/Shanghai", TimeSpan.FromHours(8));

            Assert.Equal(new Seen("2026-12-04 03:08:00", true, true, false, "2026-12-04 03:08:00"), utc);
            Assert.Equal(utc, beijing);
        }
        finally
        {
            Environment.SetEnvironmentVariable("TZ", original);
            TimeZoneInfo.ClearCachedData();
        }
    }

    [Fact]
    public async Task A_configured_business_zone_moves_every_screen_and_file_by_its_offset_whatever_the_process_zone()
    {
        var original = Environment.GetEnvironmentVariable("TZ");
        try
        {
            // Tokyo is an hour ahead of Beijing: 04:08 on the same day, and its "today" holds the order.
            var seen = await RunInZoneAsync("UTC", TimeSpan.Zero, "Asia/Tokyo", "2026-12-04 04:08");
            Assert.Equal(new Seen("2026-12-04 04:08:00", true, true, false, "2026-12-04 04:08:00"), seen);
            Assert.Equal("UTC+09:00", BusinessTime.DisplayName);
        }
        finally
        {
            Environment.SetEnvironmentVariable("TZ", original);
            TimeZoneInfo.ClearCachedData();
            BusinessTime.Use(null);
        }
    }

    static async Task<Seen> RunInZoneAsync(string zone, TimeSpan expectedOffset, string? businessZone = null, string listed = "2026-12-04 03:08")
    {
        Environment.SetEnvironmentVariable("TZ", zone);
        TimeZoneInfo.ClearCachedData();
        Assert.Equal(expectedOffset, TimeZoneInfo.Local.GetUtcOffset(PaidAt));

        var app = new ClockedApp(new FakeTimeProvider(PaidAt), businessZone);
        await ((IAsyncLifetime)app).InitializeAsync();
        try
        {
            string buyerId;
            int productId;
            await using (var db = app.NewContext())
            {
                buyerId = await db.Users.Where(u => u.UserName == "demo-buyer").Select(u => u.Id).SingleAsync();
                productId = await db.CardKeys.Where(k => k.StationId == Station.MainStationId && k.Status == CardKeyStatus.Available)
                    .OrderBy(k => k.ProductId).Select(k => k.ProductId).FirstAsync();
            }
            var placed = await app.Services.GetRequiredService<CheckoutService>()
                .PlaceBalanceOrderAsync(CommerceHarness.Main, new CheckoutRequest(productId, 1, buyerId, Guid.NewGuid().ToString("N")));
            Assert.True(placed.Succeeded, placed.Error);
            var number = placed.OrderNumber!;

            using var buyer = await SignedInHttp.SignInAsync(app, "demo-buyer", TestAccounts.DemoPassword);
            var (_, orderPage) = await buyer.GetAsync($"/order/{number}");
            var shown = Regex.Match(orderPage, @"下单时间</dt>\s*<dd>([^<]+)</dd>").Groups[1].Value;
            var (_, myOrders) = await buyer.GetAsync("/my/orders");

            using var finance = await SignedInHttp.SignInAsync(app, "demo-finance", TestAccounts.DemoPassword);
            var (today, excelTime) = await OrderInReportAsync(finance, number, "2026-12-04");
            var (yesterday, _) = await OrderInReportAsync(finance, number, "2026-12-03");
            return new Seen(shown, myOrders.Contains(listed), today, yesterday, excelTime);
        }
        finally
        {
            await ((IAsyncLifetime)app).DisposeAsync();
        }
    }

    /// <summary>Whether the order export for one Beijing day holds the order, and the order's time as Excel shows it.</summary>
    static async Task<(bool Holds, string Time)> OrderInReportAsync(SignedInHttp finance, string number, string day)
    {
        var response = await finance.Client.GetAsync($"/admin/finance/reports/orders.xlsx?from={day}&to={day}");
        response.EnsureSuccessStatusCode();
        using var book = new Workbook(await response.Content.ReadAsByteArrayAsync());
        var rows = book.Rows(OrderExport.SheetName);
        var header = rows[0].Select(Workbook.Text).ToList();
        var row = rows.Skip(1).FirstOrDefault(cells => cells.Any(c => Workbook.Text(c) == number));
        if (row is null) return (false, "");
        var time = row[header.IndexOf("下单时间")];
        return (true, DateTime.FromOADate((double)Workbook.Number(time)).ToString("yyyy-MM-dd HH:mm:ss"));
    }
}
