using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Tests.Marketing;
using KaMeng.Tests.Reports;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace KaMeng.Tests.Browser;

/// <summary>营销 in the admin, as the demo station's owner: coupons, flash sales, wholesale tiers; each bad input refused
/// in Chinese with nothing written. The demo station (高级, buys at 90%) sells 办公软件 年度授权 at ¥99.00 with a cost of ¥89.10.</summary>
public class MarketingAdminTests(BrowserFixture fx) : IClassFixture<BrowserFixture>
{
    const string Product = "办公软件 年度授权";

    async Task<IPage> SignedInOwnerAsync(string path)
    {
        var page = await fx.NewPageAsync();
        await new LoginPage(page).LoginAsAsync("demo-owner", TestAccounts.DemoPassword, path);
        await new AdminPage(page).WaitForCircuitAsync();
        return page;
    }

    async Task<int> DemoStationAsync()
    {
        await using var db = fx.App.NewContext();
        return await db.Stations.Where(s => s.Code == "demo").Select(s => s.Id).SingleAsync();
    }

    [Fact]
    public async Task An_owner_creates_a_public_coupon_is_refused_a_bad_percent_and_exports_a_batch_of_codes()
    {
        var page = await SignedInOwnerAsync("/admin");
        var coupons = new CouponAdminPage(page);
        await coupons.OpenFromMenuAsync();
        var suffix = Guid.NewGuid().ToString("N")[..6].ToUpperInvariant();

        await coupons.NewAsync();
        await coupons.FillAsync("满50减5", threshold: "50", amountOff: "5", code: "save5-" + suffix);
        await coupons.SaveAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/admin/marketing/coupons$"));
        var row = coupons.Row("满50减5");
        await Assertions.Expect(row.GetByTestId("coupon-code")).ToHaveTextAsync("SAVE5-" + suffix);
        await Assertions.Expect(row.GetByTestId("coupon-rule")).ToHaveTextAsync("满50减5");
        await Assertions.Expect(row.GetByTestId("coupon-issued")).ToHaveTextAsync("公开");
        await Assertions.Expect(row.GetByTestId("coupon-used")).ToHaveTextAsync("0");

        // 折扣 of 100%: refused where the form is, nothing saved.
        await coupons.NewAsync();
        await coupons.FillAsync("全免券", percent: "100");
        await coupons.SaveAsync();
        await Assertions.Expect(coupons.Error).ToHaveTextAsync("折扣必须是 1–99 之间的整数（如 10 表示九折）");
        await BrowserFixture.ScreenshotsAsync(page, "admin-marketing-coupon-refused");
        await using (var db = fx.App.NewContext())
            Assert.False(await db.Coupons.AnyAsync(c => c.Name == "全免券"));

        // A coupon given by one-time codes: a batch of 5, downloaded as .xlsx.
        await coupons.FillAsync("满100减10", threshold: "100", amountOff: "10");
        await coupons.SaveAsync();
        await Assertions.Expect(coupons.Row("满100减10")).ToBeVisibleAsync();
        await coupons.EditAsync("满100减10");
        await coupons.GenerateCodesAsync(5);
        await Assertions.Expect(coupons.Batches).ToHaveCountAsync(1);
        await Assertions.Expect(coupons.Batches.First.GetByTestId("batch-size")).ToHaveTextAsync("5");
        var batchNo = await coupons.Batches.First.GetByTestId("batch-no").InnerTextAsync();
        Assert.Equal($"B{BusinessTime.Format(DateTimeOffset.UtcNow, "yyyyMMdd")}-1", batchNo);
        var (path, fileName) = await coupons.DownloadNewestBatchAsync();
        Assert.Equal($"优惠券码_{batchNo}.xlsx", fileName);
        List<string> stored;
        var station = await DemoStationAsync();
        await using (var db = fx.App.NewContext())
            stored = await db.CouponCodes.Where(c => c.StationId == station && c.BatchNo == batchNo).Select(c => c.Code).ToListAsync();
        using (var book = new Workbook(await File.ReadAllBytesAsync(path)))
        {
            var codes = book.Rows("券码").Skip(1).Select(r => Workbook.Text(r[0])).ToList();
            Assert.Equal(5, codes.Count);
            Assert.Equal(stored.Order(), codes.Order());
        }
        await BrowserFixture.ScreenshotsAsync(page, "admin-marketing-coupon-codes");

        await coupons.GotoAsync();
        await Assertions.Expect(coupons.Row("满100减10").GetByTestId("coupon-issued")).ToHaveTextAsync("5");
        await BrowserFixture.ScreenshotsAsync(page, "admin-marketing-coupons");
        await page.SetViewportSizeAsync(390, 844);
        await Assertions.Expect(coupons.Row("满50减5")).ToBeVisibleAsync();
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= 390"), "the coupon list is wider than a 390 px phone");
        await page.SetViewportSizeAsync(1280, 800);
    }

    [Fact]
    public async Task A_flash_sale_below_the_stations_cost_is_refused_and_a_valid_one_is_listed()
    {
        var page = await SignedInOwnerAsync("/admin/marketing/flash-sales");
        var flash = new FlashSaleAdminPage(page);
        await flash.FillAsync(Product, "周末秒杀", price: "50");
        await Assertions.Expect(flash.Hint).ToHaveTextAsync("本站成本 ¥89.10，当前售价 ¥99.00。活动价须不低于成本、低于售价。");
        await flash.SaveAsync();
        await Assertions.Expect(flash.Error).ToHaveTextAsync("活动价 ¥50.00 低于本站成本价 ¥89.10，不能亏本出售");
        var station = await DemoStationAsync();
        await using (var db = fx.App.NewContext())
            Assert.False(await db.FlashSales.AnyAsync(f => f.StationId == station));
        await BrowserFixture.ScreenshotsAsync(page, "admin-marketing-flash-refused");

        await page.GetByTestId("flash-price").FillAsync("95");
        await flash.SaveAsync();
        await Assertions.Expect(flash.Row("周末秒杀")).ToBeVisibleAsync();
        await Assertions.Expect(flash.Taken("周末秒杀")).ToHaveTextAsync("0/10");
        await Assertions.Expect(flash.Row("周末秒杀").GetByTestId("flash-row-offer")).ToHaveTextAsync("秒杀价 ¥95.00");
        await Assertions.Expect(flash.Error).Not.ToBeVisibleAsync();
        await using (var db = fx.App.NewContext())
        {
            var sale = await db.FlashSales.SingleAsync(f => f.StationId == station);
            Assert.Equal((9500L, 10), (sale.Price!.Value.Fen, sale.Quota));
            Assert.True(await db.AuditEntries.AnyAsync(a => a.Action == "flash.create" && a.Target == $"flash:{sale.Id}" && a.UserName == "demo-owner"));
        }
        await BrowserFixture.ScreenshotsAsync(page, "admin-marketing-flash-sales");
    }

    [Fact]
    public async Task An_owner_edits_a_products_wholesale_tiers()
    {
        var page = await SignedInOwnerAsync("/admin/marketing/wholesale");
        var wholesale = new WholesaleAdminPage(page);
        await wholesale.ChooseProductAsync(Product);
        await wholesale.AddPercentTierAsync(10, "50");
        await wholesale.SaveAsync();
        await Assertions.Expect(wholesale.Error).ToHaveTextAsync("满 10 件：批发价 ¥49.50 低于本站成本价 ¥89.10，不能亏本出售");

        await wholesale.SetPercentAsync(0, "5");
        await wholesale.AddPercentTierAsync(20, "8");
        await wholesale.SaveAsync();
        await Assertions.Expect(wholesale.Summary(Product)).ToHaveTextAsync("满 10 件 9.5 折；满 20 件 9.2 折");
        await Assertions.Expect(wholesale.Error).Not.ToBeVisibleAsync();
        var station = await DemoStationAsync();
        await using (var db = fx.App.NewContext())
            Assert.Equal([(10, 5), (20, 8)], await db.WholesaleTiers.Where(t => t.StationId == station).OrderBy(t => t.MinQuantity)
                .Select(t => new ValueTuple<int, int>(t.MinQuantity, t.PercentOff)).ToListAsync());
        await BrowserFixture.ScreenshotsAsync(page, "admin-marketing-wholesale");
    }
}
