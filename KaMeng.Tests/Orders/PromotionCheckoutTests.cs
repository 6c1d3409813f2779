using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Notifications;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Payments;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KaMeng.Tests.Orders;

/// <summary>Promotions on the money path (issue 20): limits taken inside the order transaction, never exceeded by racing
/// buyers, given back when an unpaid order closes; subsidies and refunds leave every party where it should be.</summary>
public class PromotionCheckoutTests
{
    static readonly AuditActor Staff = new("staff-id", "客服", null);

    static async Task<Coupon> AddCouponAsync(CommerceHarness h, Action<Coupon> configure)
    {
        await using var db = h.Db.NewContext();
        var coupon = new Coupon
        {
            StationId = Station.MainStationId, Name = "测试券", Kind = CouponKind.AmountOff, AmountOff = Money.FromFen(100),
            ValidUntil = DateTimeOffset.UtcNow.AddDays(7), CreatedAt = DateTimeOffset.UtcNow,
        };
        configure(coupon);
        db.Coupons.Add(coupon);
        await db.SaveChangesAsync();
        return coupon;
    }

    static async Task<FlashSale> AddFlashSaleAsync(CommerceHarness h, int stationId, Product product, long priceFen, int quota)
    {
        await using var db = h.Db.NewContext();
        var sale = new FlashSale
        {
            StationId = stationId, ProductId = product.Id, Title = "整点秒杀", Price = Money.FromFen(priceFen), Quota = quota,
            StartsAt = DateTimeOffset.UtcNow.AddHours(-1), EndsAt = DateTimeOffset.UtcNow.AddHours(1), CreatedAt = DateTimeOffset.UtcNow,
        };
        db.FlashSales.Add(sale);
        await db.SaveChangesAsync();
        h.Get<PriceResolver>().Invalidate();
        return sale;
    }

    static async Task<List<(string Buyer, CheckoutResult Result)>> RaceAsync(CommerceHarness h, IEnumerable<string> buyers, Func<string, CheckoutRequest> request)
    {
        using var start = new ManualResetEventSlim(false);
        var tasks = buyers.Select(buyer => Task.Run(async () =>
        {
            start.Wait();
            return (buyer, await h.Checkout.PlaceBalanceOrderAsync(CommerceHarness.Main, request(buyer)));
        })).ToList();
        start.Set();
        return [.. await Task.WhenAll(tasks)];
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [SqlServerData]
    public async Task The_last_use_of_a_coupon_goes_to_one_of_16_racing_buyers(DatabaseProvider provider)
    {
        await using var h = await CommerceHarness.CreateAsync(provider);
        var product = await h.AddCardKeyProductAsync(keys: 20, priceFen: 700);
        var coupon = await AddCouponAsync(h, c => { c.Code = "LAST1"; c.TotalLimit = 1; });
        var buyers = await h.AddBuyersAsync(16);

        var results = await RaceAsync(h, buyers, b => new CheckoutRequest(product.Id, 1, b, CheckoutRequest.NewIdempotencyKey(), CouponCode: "last1"));

        var won = Assert.Single(results, r => r.Result.Succeeded);
        Assert.All(results.Where(r => !r.Result.Succeeded), r => Assert.Equal("checkout.coupon", r.Result.ErrorCode));
        Assert.Equal(10000 - 600, await h.BalanceAsync(won.Buyer));
        foreach (var (buyer, _) in results.Where(r => !r.Result.Succeeded)) Assert.Equal(10000, await h.BalanceAsync(buyer));
        await using var db = h.Db.NewContext();
        Assert.Equal(1, (await db.Coupons.SingleAsync(c => c.Id == coupon.Id)).Taken);
        var redemption = await db.CouponRedemptions.SingleAsync();
        Assert.Equal(RedemptionStatus.Consumed, redemption.Status);
        Assert.Equal(100, redemption.Discount.Fen);
        Assert.Equal(1, await db.Orders.CountAsync());
        await h.AssertBooksAsync();
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [SqlServerData]
    public async Task A_flash_quota_is_never_oversold_when_buyers_race_and_then_the_normal_price_applies(DatabaseProvider provider)
    {
        await using var h = await CommerceHarness.CreateAsync(provider);
        var product = await h.AddCardKeyProductAsync(keys: 30, priceFen: 1000);
        var sale = await AddFlashSaleAsync(h, Station.MainStationId, product, priceFen: 600, quota: 5);
        var buyers = await h.AddBuyersAsync(16);

        var results = await RaceAsync(h, buyers, b => new CheckoutRequest(product.Id, 1, b, CheckoutRequest.NewIdempotencyKey()));

        // Five get the flash price; the others are refused (nothing charged) or, once the sale shows as sold out, pay the normal price.
        Assert.All(results.Where(r => !r.Result.Succeeded), r => Assert.Equal("checkout.flash_sold_out", r.Result.ErrorCode));
        await using (var db = h.Db.NewContext())
        {
            Assert.Equal(5, (await db.FlashSales.SingleAsync(f => f.Id == sale.Id)).Taken);
            var orders = await db.Orders.ToListAsync();
            Assert.Equal(5, orders.Count(o => o.FlashSaleId == sale.Id));
            Assert.All(orders, o => Assert.Equal(o.FlashSaleId == sale.Id ? 600 : 1000, o.Total.Fen));
            Assert.Equal(results.Count(r => r.Result.Succeeded), orders.Count);
        }
        foreach (var (buyer, result) in results.Where(r => !r.Result.Succeeded)) Assert.Equal(10000, await h.BalanceAsync(buyer));
        // Sold out: the next buyer is charged the normal price.
        var late = (await h.AddBuyersAsync(1))[0];
        var again = await h.Checkout.PlaceBalanceOrderAsync(CommerceHarness.Main, new CheckoutRequest(product.Id, 1, late, CheckoutRequest.NewIdempotencyKey()));
        Assert.True(again.Succeeded, again.Error);
        Assert.Equal(10000 - 1000, await h.BalanceAsync(late));
        await h.AssertBooksAsync();
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task An_unpaid_gateway_order_holds_its_coupon_and_flash_pieces_until_it_expires_and_then_gives_them_back(DatabaseProvider provider)
    {
        await using var h = await CommerceHarness.CreateAsync(provider, s => s.AddPaymentServices());
        Assert.Null(await h.Get<GatewaySettingsService>().SaveAsync(Staff, Station.MainStationId,
            new GatewayForm { BaseUrl = "https://pay.main.test", Pid = "1001", Key = "main-key-0123456789", Channels = ["alipay"] }));
        var product = await h.AddCardKeyProductAsync(keys: 5, priceFen: 1000);
        var sale = await AddFlashSaleAsync(h, Station.MainStationId, product, priceFen: 800, quota: 1);
        var coupon = await AddCouponAsync(h, c => { c.Code = "HOLD-1"; c.TotalLimit = 1; c.StacksWithFlash = true; });

        var redirect = await h.Get<EPayCheckout>().StartOrderAsync(CommerceHarness.Main, new GatewayCheckoutRequest(product.Id, 1, "alipay",
            CheckoutRequest.NewIdempotencyKey(), null, "guest@example.cn", "668899", CouponCode: "HOLD-1"), new SiteAddress("http://shop.test", ""));
        Assert.Null(redirect.Error);
        Assert.Contains("money=7.00", redirect.Url);   // ¥8 flash price, ¥1 coupon

        // While it waits for payment nobody else gets the coupon or the last flash piece.
        var buyer = (await h.AddBuyersAsync(1))[0];
        var refused = await h.Checkout.PlaceBalanceOrderAsync(CommerceHarness.Main, new CheckoutRequest(product.Id, 1, buyer, CheckoutRequest.NewIdempotencyKey(), CouponCode: "HOLD-1"));
        Assert.Equal("checkout.coupon", refused.ErrorCode);
        await using (var db = h.Db.NewContext())
        {
            Assert.Equal(RedemptionStatus.Reserved, (await db.CouponRedemptions.SingleAsync()).Status);
            await db.Orders.Where(o => o.Number == redirect.OutTradeNo).ExecuteUpdateAsync(s => s.SetProperty(o => o.ExpiresAt, DateTimeOffset.UtcNow.AddMinutes(-1)));
        }
        Assert.Equal(1, await h.Orders.ExpireUnpaidAsync());

        await using (var db = h.Db.NewContext())
        {
            Assert.Equal(0, (await db.FlashSales.SingleAsync(f => f.Id == sale.Id)).Taken);
            Assert.Equal(0, (await db.Coupons.SingleAsync(c => c.Id == coupon.Id)).Taken);
            Assert.Equal(RedemptionStatus.Released, (await db.CouponRedemptions.SingleAsync()).Status);
        }
        var now = await h.Checkout.PlaceBalanceOrderAsync(CommerceHarness.Main, new CheckoutRequest(product.Id, 1, buyer, CheckoutRequest.NewIdempotencyKey(), CouponCode: "HOLD-1"));
        Assert.True(now.Succeeded, now.Error);
        Assert.Equal(10000 - 700, await h.BalanceAsync(buyer));
        await h.AssertBooksAsync();
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task A_refund_of_a_discounted_subsidised_referred_order_returns_each_party_to_where_it_was(DatabaseProvider provider)
    {
        await using var h = await CommerceHarness.CreateAsync(provider, s => s.AddSingleton<KaMeng.Web.Features.Referrals.ReferralService>());
        var shop = await h.OpenSellingShopAsync(keys: 5);
        // The shop sells at ¥108 and runs ¥106 (its own ¥2); the platform gives ¥3 off on every substation (a subsidy); the shop
        // pays 10% of its margin to whoever invited the buyer.
        await AddFlashSaleAsync(h, shop.Shop.Id, shop.Product, priceFen: 10600, quota: 0);
        await AddCouponAsync(h, c => { c.Code = "PLAT3"; c.AmountOff = Money.FromFen(300); c.ForSubstations = true; c.StacksWithFlash = true; });
        var referrals = h.Get<KaMeng.Web.Features.Referrals.ReferralService>();
        Assert.Null(await referrals.SaveProgramAsync(new AuditActor(shop.Owner, "owner", shop.Shop.Id), shop.Shop.Id,
            new ReferralProgram { Enabled = true, Levels = 1, Level1BasisPoints = 1000 }));
        var users = await h.AddBuyersAsync(2, balanceFen: 50000);
        var (referrer, buyer) = (users[0], users[1]);
        Assert.True(await referrals.BindAsync(shop.Shop.Id, buyer, (await referrals.CodeForAsync(shop.Shop.Id, referrer, "r-device")).Code, "b-device"));
        var ownerEarningsBefore = await h.EarningsAsync(shop.Owner);

        var result = await h.Checkout.PlaceBalanceOrderAsync(shop.Shop, new CheckoutRequest(shop.Product.Id, 1, buyer, CheckoutRequest.NewIdempotencyKey(), CouponCode: "plat3"));
        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(50000 - 10300, await h.BalanceAsync(buyer));
        // The shop is credited as if it sold at its own (flash) price, less the referrer's 10% of that margin; the platform's
        // margin paid the ¥3.
        Assert.Equal(160, await h.EarningsAsync(referrer));
        Assert.Equal(ownerEarningsBefore + 1600 - 160, await h.EarningsAsync(shop.Owner));
        Order order;
        await using (var db = h.Db.NewContext())
        {
            order = await db.Orders.SingleAsync(o => o.Number == result.OrderNumber);
            Assert.Equal(300, order.CouponDiscount.Fen);
            Assert.Contains("总站补贴 ¥3.00", order.PromotionJson);
            Assert.Contains("一号小店让利 ¥2.00", order.PromotionJson);
        }
        await h.AssertBooksAsync();

        Assert.Null(await h.Orders.RefundAsync(order.Id, "买家误购", Staff));
        Assert.Equal(50000, await h.BalanceAsync(buyer));
        Assert.Equal(ownerEarningsBefore, await h.EarningsAsync(shop.Owner));
        Assert.Equal(0, await h.EarningsAsync(referrer));
        await using (var db = h.Db.NewContext())
            // Delivered before the refund: the coupon is not given back (and never paid out as money).
            Assert.Equal(RedemptionStatus.Consumed, (await db.CouponRedemptions.SingleAsync()).Status);
        await h.AssertEveryWalletEqualsItsLedgerAsync();
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task An_order_refunded_before_delivery_gives_a_still_valid_coupon_back(DatabaseProvider provider)
    {
        await using var h = await CommerceHarness.CreateAsync(provider);
        var product = await h.AddCardKeyProductAsync(keys: 0, priceFen: 1000, p => p.DeliveryType = DeliveryType.Manual);
        var coupon = await AddCouponAsync(h, c => { c.Code = "BACK-1"; c.TotalLimit = 1; c.PerBuyerLimit = 1; });
        var buyer = (await h.AddBuyersAsync(1))[0];

        var result = await h.Checkout.PlaceBalanceOrderAsync(CommerceHarness.Main, new CheckoutRequest(product.Id, 1, buyer, CheckoutRequest.NewIdempotencyKey(), CouponCode: "BACK-1"));
        Assert.True(result.Succeeded, result.Error);
        await using (var db = h.Db.NewContext())
        {
            var order = await db.Orders.SingleAsync();
            Assert.Equal(OrderStatus.Processing, order.Status);
            Assert.Null(await h.Orders.RefundAsync(order.Id, "缺货", Staff));
        }
        Assert.Equal(10000, await h.BalanceAsync(buyer));
        await using (var db = h.Db.NewContext())
        {
            Assert.Equal(0, (await db.Coupons.SingleAsync(c => c.Id == coupon.Id)).Taken);
            Assert.Equal(RedemptionStatus.Released, (await db.CouponRedemptions.SingleAsync()).Status);
        }
        // The buyer can use it again (the per-buyer limit counts only uses that stand).
        var again = await h.Checkout.PlaceBalanceOrderAsync(CommerceHarness.Main, new CheckoutRequest(product.Id, 1, buyer, CheckoutRequest.NewIdempotencyKey(), CouponCode: "BACK-1"));
        Assert.True(again.Succeeded, again.Error);
        Assert.Equal(10000 - 900, await h.BalanceAsync(buyer));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    public async Task A_refused_coupon_charges_nothing_and_says_why(DatabaseProvider provider)
    {
        await using var h = await CommerceHarness.CreateAsync(provider);
        var product = await h.AddCardKeyProductAsync(keys: 5, priceFen: 1000);
        var other = await h.AddCardKeyProductAsync(keys: 5, priceFen: 1000);
        await AddCouponAsync(h, c => { c.Code = "OLD-1"; c.ValidUntil = DateTimeOffset.UtcNow.AddMinutes(-1); });
        await AddCouponAsync(h, c => { c.Code = "ONLY-OTHER"; c.Scope = CouponScope.Products; c.ScopeIds = other.Id.ToString(); });
        await AddCouponAsync(h, c => { c.Code = "GONE-1"; c.TotalLimit = 1; c.Taken = 1; });
        await AddCouponAsync(h, c => { c.Code = "BIG-1"; c.Threshold = Money.FromFen(5000); c.AmountOff = Money.FromFen(500); });
        var buyer = (await h.AddBuyersAsync(1))[0];

        foreach (var (code, reason) in new[] { ("NOPE-1", "优惠码不存在"), ("OLD-1", "已过期"), ("ONLY-OTHER", "不适用于此商品"), ("GONE-1", "已被用完"), ("BIG-1", "未满 ¥50.00"), ("b@d!", "优惠码不存在") })
        {
            var r = await h.Checkout.PlaceBalanceOrderAsync(CommerceHarness.Main, new CheckoutRequest(product.Id, 1, buyer, CheckoutRequest.NewIdempotencyKey(), CouponCode: code));
            Assert.Equal("checkout.coupon", r.ErrorCode);
            Assert.Contains(reason, r.Error);
        }
        Assert.Equal(10000, await h.BalanceAsync(buyer));
        await using var db = h.Db.NewContext();
        Assert.Equal(0, await db.Orders.CountAsync());
        Assert.Equal(0, await db.CouponRedemptions.CountAsync());
    }

    [Fact]
    public async Task A_flash_sale_a_cost_rise_puts_below_cost_is_paused_and_the_owner_alerted()
    {
        await using var h = await CommerceHarness.CreateAsync(DatabaseProvider.Sqlite, s =>
        {
            s.AddNotificationServices();
            s.AddSingleton<KaMeng.Web.Features.Marketing.FlashSaleGuard>();
        });
        var shop = await h.OpenSellingShopAsync(keys: 5);
        var sale = await AddFlashSaleAsync(h, shop.Shop.Id, shop.Product, priceFen: 9500, quota: 0);   // the shop's cost is ¥90
        var guard = h.Get<KaMeng.Web.Features.Marketing.FlashSaleGuard>();
        Assert.Empty(await guard.PauseBelowCostAsync());

        // The platform's supplier raises the cost to ¥98: the shop now buys at ¥98 and ¥95 would be below it.
        await using (var db = h.Db.NewContext())
            await db.Products.Where(p => p.Id == shop.Product.Id).ExecuteUpdateAsync(u => u.SetProperty(p => p.CostPrice, Money.FromFen(9800)));
        var paused = Assert.Single(await guard.PauseBelowCostAsync());
        Assert.Equal(sale.Id, paused.Id);
        await using (var db = h.Db.NewContext())
        {
            var stored = await db.FlashSales.SingleAsync();
            Assert.True(stored.Paused);
            Assert.Contains("低于成本", stored.PauseReason);
        }
        await using (var db = h.Db.NewContext())
            Assert.Equal(shop.Shop.Id, (await db.AuditEntries.SingleAsync(a => a.Action == "flash.pause")).StationId);
        Assert.Empty(await guard.PauseBelowCostAsync());   // once

        // A buyer now pays the station's normal price.
        var buyer = (await h.AddBuyersAsync(1, balanceFen: 50000))[0];
        var result = await h.Checkout.PlaceBalanceOrderAsync(shop.Shop, new CheckoutRequest(shop.Product.Id, 1, buyer, CheckoutRequest.NewIdempotencyKey()));
        Assert.True(result.Succeeded, result.Error);
        await using (var db = h.Db.NewContext())
        {
            var order = await db.Orders.SingleAsync();
            Assert.Null(order.FlashSaleId);
            Assert.True(order.UnitPrice.Fen >= 9800);
        }
    }
}
