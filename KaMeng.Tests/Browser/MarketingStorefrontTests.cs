using System.Text.RegularExpressions;
using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Orders;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace KaMeng.Tests.Browser;

/// <summary>Issue 20 on a 390 px phone: a coupon priced before payment and paid, a flash sale's countdown, 已抢 bar and 已抢光,
/// the wholesale table following the quantity, 我的优惠券. The promotions are written straight to the database (the admin pages
/// that make them have their own tests).</summary>
public class MarketingStorefrontTests(BrowserFixture fx) : IClassFixture<BrowserFixture>
{
    const string Office = "办公软件 年度授权";   // ¥99.00, cost ¥60.00
    const string Honor = "王者荣耀 60 点券";     // ¥6.00, cost ¥5.40

    async Task<int> ProductIdAsync(string name)
    {
        await using var db = fx.App.NewContext();
        return (await db.Products.SingleAsync(p => p.Name == name)).Id;
    }

    async Task<string> UserIdAsync(string userName)
    {
        await using var db = fx.App.NewContext();
        return await db.Users.Where(u => u.UserName == userName).Select(u => u.Id).SingleAsync();
    }

    async Task<long> BalanceAsync(string userId)
    {
        await using var db = fx.App.NewContext();
        return (await db.Wallets.SingleAsync(w => w.UserId == userId)).Balance.Fen;
    }

    static Coupon NewCoupon(string name, long offFen, string? code = null) => new()
    {
        StationId = Station.MainStationId, Name = name, Kind = CouponKind.AmountOff, AmountOff = Money.FromFen(offFen), Code = code,
        ValidUntil = DateTimeOffset.UtcNow.AddDays(30), CreatedAt = DateTimeOffset.UtcNow,
    };

    // The pricing context caches flash sales and tiers; the admin pages drop it after a change, as this does.
    void PricesChanged() => fx.App.Services.GetRequiredService<PriceResolver>().Invalidate();

    [Fact]
    public async Task A_signed_in_buyer_types_a_code_sees_the_discounted_total_and_pays_exactly_that_from_balance()
    {
        var productId = await ProductIdAsync(Office);
        await using (var db = fx.App.NewContext())
        {
            db.Coupons.Add(NewCoupon("新客立减10元", 1000, "WELCOME10"));
            await db.SaveChangesAsync();
        }
        var buyer = await UserIdAsync("demo-buyer");
        var before = await BalanceAsync(buyer);

        var page = await fx.NewPageAsync(mobile: true);
        await new LoginPage(page).LoginAsAsync("demo-buyer", TestAccounts.DemoPassword);
        var store = new MarketingStorePage(page);
        await store.GotoAsync($"product/{productId}");
        await Assertions.Expect(store.Total).ToHaveTextAsync("¥99.00");

        // A refused code: its reason, and the total unchanged.
        await store.ApplyCouponAsync("NOSUCH1");
        await Assertions.Expect(store.CouponError).ToHaveTextAsync("优惠码不存在");
        await Assertions.Expect(store.Total).ToHaveTextAsync("¥99.00");

        await store.ApplyCouponAsync("welcome10");
        await Assertions.Expect(store.CouponDiscount).ToHaveTextAsync("−¥10.00");
        await Assertions.Expect(store.Total).ToHaveTextAsync("¥89.00");
        await Assertions.Expect(store.Explanation).ToHaveTextAsync("原价 ¥99.00 → 本站让利 ¥10.00 → 实付 ¥89.00");
        await Assertions.Expect(store.CouponError).ToHaveCountAsync(0);
        await Assertions.Expect(store.CouponCode).ToHaveValueAsync("welcome10");
        await BrowserFixture.ScreenshotsAsync(page, "marketing-coupon-preview");

        // A new quantity is priced again by the server with the coupon, then back to one.
        await store.Quantity.FillAsync("2");
        await Assertions.Expect(store.Total).ToHaveTextAsync("¥188.00");
        await Assertions.Expect(store.CouponDiscount).ToHaveTextAsync("−¥10.00");
        await Assertions.Expect(store.Quantity).ToHaveValueAsync("2");
        await store.Quantity.FillAsync("1");
        await Assertions.Expect(store.Total).ToHaveTextAsync("¥89.00");
        await Assertions.Expect(store.Quantity).ToHaveValueAsync("1");

        await store.Buy.ClickAsync();
        await Assertions.Expect(store.OrderStatus).ToHaveTextAsync("已发货");
        await Assertions.Expect(store.OrderPaid).ToHaveTextAsync("¥89.00");
        await Assertions.Expect(store.OrderDiscount).ToContainTextAsync("−¥10.00");
        await Assertions.Expect(store.OrderExplanation).ToHaveTextAsync("原价 ¥99.00 → 本站让利 ¥10.00 → 实付 ¥89.00");
        Assert.Equal(before - 8900, await BalanceAsync(buyer));
        await BrowserFixture.ScreenshotsAsync(page, "marketing-coupon-order");
    }

    [Fact]
    public async Task A_flash_sale_shows_its_countdown_and_taken_bar_and_after_its_quota_is_taken_shows_sold_out()
    {
        var productId = await ProductIdAsync(Honor);
        int saleId;
        await using (var db = fx.App.NewContext())
        {
            var sale = new FlashSale
            {
                StationId = Station.MainStationId, ProductId = productId, Title = "午间秒杀", Price = Money.FromFen(550),
                StartsAt = DateTimeOffset.UtcNow.AddMinutes(-5), EndsAt = DateTimeOffset.UtcNow.AddHours(2), Quota = 10, Taken = 3, CreatedAt = DateTimeOffset.UtcNow,
            };
            db.FlashSales.Add(sale);
            await db.SaveChangesAsync();
            saleId = sale.Id;
        }
        PricesChanged();

        var page = await fx.NewPageAsync(mobile: true);
        var store = new MarketingStorePage(page);
        await store.GotoAsync();
        var card = store.Card(Honor);
        await Assertions.Expect(card.GetByTestId("flash-tag")).ToHaveTextAsync("秒杀");
        await Assertions.Expect(card.GetByTestId("was-price")).ToHaveTextAsync("¥6.00");
        await card.ClickAsync();

        await Assertions.Expect(store.ProductPrice).ToHaveTextAsync("¥5.50");
        await Assertions.Expect(store.ListPrice).ToHaveTextAsync("¥6.00");
        await Assertions.Expect(store.Total).ToHaveTextAsync("¥5.50");
        await Assertions.Expect(store.FlashCountdown).ToHaveTextAsync(new Regex(@"^距结束 0[12]:\d\d:\d\d$"));
        // It counts down in the browser.
        var shown = await store.FlashCountdown.TextContentAsync();
        await Assertions.Expect(store.FlashCountdown).Not.ToHaveTextAsync(shown!);
        await Assertions.Expect(store.FlashProgress).ToContainTextAsync("已抢 30%");
        await Assertions.Expect(store.FlashSoldOut).ToHaveCountAsync(0);
        await BrowserFixture.ScreenshotsAsync(page, "marketing-flash-sale");

        await using (var db = fx.App.NewContext())
            await db.FlashSales.Where(f => f.Id == saleId).ExecuteUpdateAsync(u => u.SetProperty(f => f.Taken, 10));
        PricesChanged();
        await page.ReloadAsync();
        await Assertions.Expect(store.FlashSoldOut).ToHaveTextAsync("已抢光");
        await Assertions.Expect(store.FlashProgress).ToContainTextAsync("已抢 100%");
        await Assertions.Expect(store.ProductPrice).ToHaveTextAsync("¥6.00");
        await Assertions.Expect(store.Total).ToHaveTextAsync("¥6.00");
        await BrowserFixture.ScreenshotsAsync(page, "marketing-flash-sold-out");
    }

    [Fact]
    public async Task A_guest_is_told_to_sign_in_for_a_members_only_flash_price_and_a_coming_sale_counts_down_to_its_start()
    {
        var vip = await ProductIdAsync("爱奇艺黄金会员 月卡"); // ¥19.80, cost ¥15.00
        var later = await ProductIdAsync("代办服务（人工发货）");
        await using (var db = fx.App.NewContext())
        {
            db.FlashSales.AddRange(
                new FlashSale
                {
                    StationId = Station.MainStationId, ProductId = vip, Title = "会员专享", PercentOff = 20, LoginRequired = true,
                    StartsAt = DateTimeOffset.UtcNow.AddMinutes(-5), EndsAt = DateTimeOffset.UtcNow.AddDays(2), CreatedAt = DateTimeOffset.UtcNow,
                },
                new FlashSale
                {
                    StationId = Station.MainStationId, ProductId = later, Title = "晚间秒杀", Price = Money.FromFen(1500),
                    StartsAt = DateTimeOffset.UtcNow.AddHours(3), EndsAt = DateTimeOffset.UtcNow.AddHours(4), Quota = 5, CreatedAt = DateTimeOffset.UtcNow,
                });
            await db.SaveChangesAsync();
        }
        PricesChanged();

        var page = await fx.NewPageAsync(mobile: true);
        var store = new MarketingStorePage(page);
        await store.GotoAsync($"product/{vip}");
        // A timed discount with no quota: no bar; the guest pays the list price and is told how to get the flash price.
        await Assertions.Expect(store.FlashLogin).ToHaveTextAsync("登录后享秒杀价");
        await Assertions.Expect(page.GetByTestId("flash-price")).ToHaveTextAsync("¥15.84");
        await Assertions.Expect(store.ProductPrice).ToHaveTextAsync("¥19.80");
        await Assertions.Expect(store.FlashCountdown).ToHaveTextAsync(new Regex(@"^距结束 1天 23:\d\d:\d\d$"));
        await Assertions.Expect(store.FlashProgress).ToHaveCountAsync(0);
        await BrowserFixture.ScreenshotsAsync(page, "marketing-flash-login");

        await store.GotoAsync($"product/{later}");
        await Assertions.Expect(page.GetByTestId("flash-upcoming")).ToContainTextAsync("晚间秒杀");
        await Assertions.Expect(store.FlashCountdown).ToHaveTextAsync(new Regex(@"^距开始 0[23]:\d\d:\d\d$"));
        await Assertions.Expect(store.ProductPrice).ToHaveTextAsync("¥20.00");

        // Signed in, the flash price is theirs.
        await new LoginPage(page).LoginAsAsync("demo-buyer", TestAccounts.DemoPassword, $"/product/{vip}");
        await Assertions.Expect(store.ProductPrice).ToHaveTextAsync("¥15.84");
        await Assertions.Expect(store.FlashLogin).ToHaveCountAsync(0);
        await Assertions.Expect(store.Total).ToHaveTextAsync("¥15.84");
    }

    [Fact]
    public async Task The_wholesale_table_highlights_the_tier_of_the_quantity_and_the_total_follows_it()
    {
        const string name = "Steam 钱包 50 元";
        var productId = await ProductIdAsync(name);
        long price;
        await using (var db = fx.App.NewContext())
        {
            var product = await db.Products.SingleAsync(p => p.Id == productId);
            price = product.BasePrice.Fen;
            // A tier between price and cost: from 3 pieces one fen less each.
            db.WholesaleTiers.Add(new WholesaleTier { StationId = Station.MainStationId, ProductId = productId, MinQuantity = 3, UnitPrice = Money.FromFen(price - 1) });
            await db.SaveChangesAsync();
        }
        PricesChanged();

        var page = await fx.NewPageAsync(mobile: true);
        var store = new MarketingStorePage(page);
        await store.GotoAsync($"product/{productId}");
        await Assertions.Expect(store.WholesaleTable).ToBeVisibleAsync();
        await Assertions.Expect(store.ActiveTier).ToHaveAttributeAsync("data-min", "1");
        await store.Quantity.FillAsync("3");
        await Assertions.Expect(store.Total).ToHaveTextAsync(Money.FromFen((price - 1) * 3).ToString());
        await Assertions.Expect(store.ActiveTier).ToHaveAttributeAsync("data-min", "3");
        await store.Quantity.FillAsync("2");
        await Assertions.Expect(store.Total).ToHaveTextAsync(Money.FromFen(price * 2).ToString());
        await BrowserFixture.ScreenshotsAsync(page, "marketing-wholesale");
    }

    [Fact]
    public async Task My_coupons_lists_a_granted_coupon_and_the_product_page_offers_it()
    {
        var buyer = await UserIdAsync("demo-buyer");
        var productId = await ProductIdAsync(Office);
        await using (var db = fx.App.NewContext())
        {
            var welcome = NewCoupon("新人立减券", 500);
            welcome.ValidUntil = null;
            welcome.ValidDays = 7;
            var old = NewCoupon("过期券", 300);
            db.Coupons.AddRange(welcome, old);
            await db.SaveChangesAsync();
            db.CouponGrants.AddRange(
                new CouponGrant { CouponId = welcome.Id, StationId = Station.MainStationId, UserId = buyer, GrantedAt = DateTimeOffset.UtcNow, ExpiresAt = DateTimeOffset.UtcNow.AddDays(7), Source = "新人礼包" },
                new CouponGrant { CouponId = old.Id, StationId = Station.MainStationId, UserId = buyer, GrantedAt = DateTimeOffset.UtcNow.AddDays(-10), ExpiresAt = DateTimeOffset.UtcNow.AddDays(-1), Source = "发放" });
            await db.SaveChangesAsync();
        }

        var page = await fx.NewPageAsync(mobile: true);
        await new LoginPage(page).LoginAsAsync("demo-buyer", TestAccounts.DemoPassword);
        var store = new MarketingStorePage(page);
        await store.GotoAsync("my/orders");
        await page.GetByTestId("orders-coupons-link").ClickAsync();
        await page.WaitForURLAsync("**/my/coupons");
        var gift = store.MyCoupons.Filter(new() { HasText = "新人立减券" });
        await Assertions.Expect(gift).ToContainTextAsync("无门槛减5");
        await Assertions.Expect(gift).ToContainTextAsync("新人礼包");
        await Assertions.Expect(gift.GetByTestId("coupon-use")).ToBeVisibleAsync();
        await Assertions.Expect(store.CouponTab("expired")).ToContainTextAsync("已过期（1）");
        await BrowserFixture.ScreenshotsAsync(page, "marketing-my-coupons");
        await store.CouponTab("expired").ClickAsync();
        await Assertions.Expect(store.MyCoupons.Filter(new() { HasText = "过期券" })).ToBeVisibleAsync();

        // On a product it covers, the grant is one of 我的优惠券 to choose, priced before payment.
        await store.GotoAsync($"product/{productId}");
        var choice = store.Grants.Filter(new() { HasText = "新人立减券" });
        await choice.Locator("input[type=radio]").CheckAsync();
        await Assertions.Expect(store.CouponDiscount).ToHaveTextAsync("−¥5.00");
        await Assertions.Expect(store.Total).ToHaveTextAsync("¥94.00");
        await Assertions.Expect(store.Grants.Filter(new() { HasText = "新人立减券" }).Locator("input[type=radio]")).ToBeCheckedAsync();
        await Assertions.Expect(store.Grants.Filter(new() { HasText = "过期券" })).ToHaveCountAsync(0);
        await BrowserFixture.ScreenshotsAsync(page, "marketing-grant-preview");
        // 不使用: back to the price without a coupon.
        await store.Grants.Page.Locator("input[name='Form.CouponGrantId'][value='']").CheckAsync();
        await Assertions.Expect(store.CouponDiscount).ToHaveCountAsync(0);
        await Assertions.Expect(store.Total).ToHaveTextAsync("¥99.00");
        await Assertions.Expect(store.CouponError).ToHaveCountAsync(0);
    }
}
