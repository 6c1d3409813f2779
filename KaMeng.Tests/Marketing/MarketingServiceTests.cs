using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Tests.Reports;
using KaMeng.Web.Features.Admin.Marketing;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Substations;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Tests.Marketing;

/// <summary>The 营销 admin service against a real database of each provider: every refusal writes nothing, each station sees
/// and changes only its own promotions.</summary>
public class MarketingServiceTests
{
    /// <summary>Two substations: "shop1" sells the ¥100 card (cost ¥80 at the platform) at ¥108, buying it at ¥90; "shop2"
    /// belongs to another owner.</summary>
    sealed record World(CommerceHarness H, MarketingService Marketing, CommerceHarness.SellingShop Shop, AuditActor Owner, int Shop2, AuditActor Owner2) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => H.DisposeAsync();

        public async Task<(int Coupons, int Codes, int Grants, int Sales, int Tiers, int Audits)> CountsAsync()
        {
            await using var db = H.Db.NewContext();
            return (await db.Coupons.CountAsync(), await db.CouponCodes.CountAsync(), await db.CouponGrants.CountAsync(), await db.FlashSales.CountAsync(),
                await db.WholesaleTiers.CountAsync(), await db.AuditEntries.CountAsync());
        }
    }

    static async Task<World> WorldAsync(DatabaseProvider provider)
    {
        var h = await CommerceHarness.CreateAsync(provider, s => s.AddMarketingAdminServices());
        var shop = await h.OpenSellingShopAsync();
        var owner2 = (await h.AddBuyersAsync(1, balanceFen: 50000))[0];
        var (shop2, error) = await h.Get<SubstationService>().OpenAsync(Station.MainStationId, owner2, new OpenSubstationRequest("shop2", "二号小店", shop.LevelId));
        Assert.Null(error);
        return new World(h, h.Get<MarketingService>(), shop, new AuditActor(shop.Owner, "owner1", shop.Shop.Id), shop2!.Value, new AuditActor(owner2, "owner2", shop2));
    }

    static CouponForm FiftyLessFive(string? code = "save5") => new()
    {
        Name = "满50减5", Kind = CouponKind.AmountOff, Threshold = "50", AmountOff = "5", ValidUntil = DateTime.Today.AddDays(30), Code = code,
    };

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [SqlServerData]
    public async Task A_coupon_is_saved_with_its_code_in_upper_case_and_an_audit_entry(DatabaseProvider provider)
    {
        await using var w = await WorldAsync(provider);
        var form = FiftyLessFive();
        Assert.Null(await w.Marketing.SaveCouponAsync(w.Owner, form));
        await using var db = w.H.Db.NewContext();
        var coupon = await db.Coupons.SingleAsync(c => c.Id == form.Id);
        Assert.Equal((w.Shop.Shop.Id, "SAVE5", 500L, 5000L, CouponKind.AmountOff), (coupon.StationId, coupon.Code, coupon.AmountOff.Fen, coupon.Threshold.Fen, coupon.Kind));
        Assert.True(await db.AuditEntries.AnyAsync(a => a.Action == "coupon.create" && a.Target == $"coupon:{coupon.Id}" && a.StationId == w.Shop.Shop.Id && a.UserName == "owner1"));

        // Editing keeps what the form does not own.
        form.Name = "满50减6";
        form.AmountOff = "6";
        Assert.Null(await w.Marketing.SaveCouponAsync(w.Owner, form));
        await using var after = w.H.Db.NewContext();
        var edited = await after.Coupons.SingleAsync(c => c.Id == form.Id);
        Assert.Equal(("满50减6", 600L, coupon.CreatedAt), (edited.Name, edited.AmountOff.Fen, edited.CreatedAt));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [SqlServerData]
    public async Task Bad_coupons_are_refused_in_chinese_and_write_nothing(DatabaseProvider provider)
    {
        await using var w = await WorldAsync(provider);
        Assert.Null(await w.Marketing.SaveCouponAsync(w.Owner, FiftyLessFive("SAVE5")));
        string? batch = null;
        var batchCoupon = FiftyLessFive(null);
        Assert.Null(await w.Marketing.SaveCouponAsync(w.Owner, batchCoupon));
        Assert.Null(await w.Marketing.GenerateCodesAsync(w.Owner, batchCoupon.Id!.Value, 3, b => batch = b));
        string oneTimeCode;
        await using (var db = w.H.Db.NewContext())
            oneTimeCode = await db.CouponCodes.Where(c => c.BatchNo == batch).Select(c => c.Code).FirstAsync();
        int otherStationsProduct;
        await using (var db = w.H.Db.NewContext())
        {
            var product = new Product { StationId = w.Shop2, CategoryId = w.Shop.Product.CategoryId, Name = "二号店自有商品", BasePrice = Money.FromFen(1000), CreatedAt = DateTimeOffset.UtcNow };
            db.Products.Add(product);
            await db.SaveChangesAsync();
            otherStationsProduct = product.Id;
        }
        var before = await w.CountsAsync();

        async Task RefusedAsync(string expected, Action<CouponForm> change)
        {
            var form = FiftyLessFive(null);
            change(form);
            var error = await w.Marketing.SaveCouponAsync(w.Owner, form);
            Assert.NotNull(error);
            Assert.Contains(expected, error);
        }
        await RefusedAsync("折扣必须是 1–99 之间的整数", f => { f.Kind = CouponKind.PercentOff; f.PercentOff = "0"; });
        await RefusedAsync("折扣必须是 1–99 之间的整数", f => { f.Kind = CouponKind.PercentOff; f.PercentOff = "100"; });
        await RefusedAsync("折扣必须是 1–99 之间的整数", f => { f.Kind = CouponKind.PercentOff; f.PercentOff = "9.5"; });
        await RefusedAsync("减免金额 ¥50.00 必须低于使用门槛 ¥50.00", f => f.AmountOff = "50");
        await RefusedAsync("结束时间必须晚于开始时间", f => { f.ValidFrom = DateTime.Today.AddDays(3); f.ValidUntil = DateTime.Today.AddDays(2); });
        await RefusedAsync("券码只能由 4–32 位字母、数字或 - 组成", f => f.Code = "ab1");
        await RefusedAsync("券码只能由 4–32 位字母、数字或 - 组成", f => f.Code = "满减券码");
        await RefusedAsync("券码「SAVE5」已被本站其他优惠券使用", f => f.Code = " save5 ");
        await RefusedAsync($"券码「{oneTimeCode}」已被本站其他优惠券使用", f => f.Code = oneTimeCode.ToLowerInvariant());
        await RefusedAsync("所选商品不存在或不属于本站", f => { f.Scope = CouponScope.Products; f.ScopeIds = [otherStationsProduct]; });
        await RefusedAsync("所选分类不存在或不属于本站", f => { f.Scope = CouponScope.Categories; f.ScopeIds = [999_999]; });
        await RefusedAsync("不是有效金额", f => f.Threshold = "5o");
        await RefusedAsync("请选择适用商品", f => f.Scope = CouponScope.Products);
        Assert.Equal(before, await w.CountsAsync());

        // The same code at another station is that station's own business.
        Assert.Null(await w.Marketing.SaveCouponAsync(w.Owner2, FiftyLessFive("SAVE5")));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [SqlServerData]
    public async Task An_owner_cannot_touch_another_stations_coupon_and_the_report_shows_only_their_own(DatabaseProvider provider)
    {
        await using var w = await WorldAsync(provider);
        var mine = FiftyLessFive();
        Assert.Null(await w.Marketing.SaveCouponAsync(w.Owner, mine));
        var theirs = FiftyLessFive("THEIRS");
        theirs.Name = "二号店券";
        Assert.Null(await w.Marketing.SaveCouponAsync(w.Owner2, theirs));
        var before = await w.CountsAsync();

        var hijack = FiftyLessFive("HIJACK");
        hijack.Id = mine.Id;
        Assert.Equal("优惠券不存在", await w.Marketing.SaveCouponAsync(w.Owner2, hijack));
        Assert.Equal("优惠券不存在", await w.Marketing.SetCouponDisabledAsync(w.Owner2, mine.Id!.Value, true));
        Assert.Equal("优惠券不存在", await w.Marketing.GenerateCodesAsync(w.Owner2, mine.Id.Value, 5));
        Assert.Equal("优惠券不存在", await w.Marketing.GrantAsync(w.Owner2, mine.Id.Value, "admin"));
        Assert.Equal(("优惠券不存在", (string?)null), await w.Marketing.ExportBatchAsync(w.Owner2, mine.Id.Value, "B1"));
        Assert.Null(await w.Marketing.CouponFormAsync(w.Owner2, mine.Id.Value));
        Assert.Equal(before, await w.CountsAsync());

        Assert.Equal(["二号店券"], (await w.Marketing.CouponReportAsync(w.Owner2)).Select(r => r.Name));
        Assert.Equal(["满50减5"], (await w.Marketing.CouponReportAsync(w.Owner)).Select(r => r.Name));
        // An owner without a station has nothing, and the platform acts for the main station only.
        Assert.Empty(await w.Marketing.CouponReportAsync(new AuditActor("nobody", "nobody", -1)));
        Assert.Equal(MarketingService.NoStation, await w.Marketing.SaveCouponAsync(new AuditActor("nobody", "nobody", -1), FiftyLessFive("NOBODY")));
        Assert.Empty(await w.Marketing.CouponReportAsync(new AuditActor("admin-id", "admin", null)));

        Assert.Null(await w.Marketing.SetCouponDisabledAsync(w.Owner, mine.Id.Value, true));
        Assert.True((await w.Marketing.CouponReportAsync(w.Owner)).Single().Disabled);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [SqlServerData]
    public async Task Code_batches_are_unique_numbered_by_day_and_export_to_xlsx_for_their_maker_only(DatabaseProvider provider)
    {
        await using var w = await WorldAsync(provider);
        var form = FiftyLessFive(null);
        Assert.Null(await w.Marketing.SaveCouponAsync(w.Owner, form));
        var id = form.Id!.Value;
        Assert.Equal("每批生成 1–10000 个券码", await w.Marketing.GenerateCodesAsync(w.Owner, id, 0));
        Assert.Equal("每批生成 1–10000 个券码", await w.Marketing.GenerateCodesAsync(w.Owner, id, 10_001));
        string? first = null, second = null;
        Assert.Null(await w.Marketing.GenerateCodesAsync(w.Owner, id, 5, b => first = b));
        Assert.Null(await w.Marketing.GenerateCodesAsync(w.Owner, id, 200, b => second = b));
        var day = BusinessTime.Format(DateTimeOffset.UtcNow, "yyyyMMdd");
        Assert.Equal(($"B{day}-1", $"B{day}-2"), (first, second));

        List<string> codes;
        await using (var db = w.H.Db.NewContext())
        {
            codes = await db.CouponCodes.Where(c => c.CouponId == id).Select(c => c.Code).ToListAsync();
            Assert.Equal(205, codes.Distinct().Count());
            Assert.All(codes, c => Assert.Matches("^[2-9A-HJKMNP-Z]{10}$", c));
            Assert.All(codes, c => Assert.Equal(c, Coupon.NormalizeCode(c)));
        }
        var batches = await w.Marketing.BatchesAsync(w.Owner, id);
        Assert.Equal([(second!, 200), (first!, 5)], batches.Select(b => (b.BatchNo, b.Count)));

        var (error, url) = await w.Marketing.ExportBatchAsync(w.Owner, id, first!);
        Assert.Null(error);
        var fileId = url!.Split('/')[^1];
        var path = Path.Combine(w.H.Db.DataDir, "exports", fileId + ".xlsx");
        using (var book = new Workbook(await File.ReadAllBytesAsync(path)))
        {
            var rows = book.Rows("券码");
            Assert.Equal("券码", Workbook.Text(rows[0][0]));
            var exported = rows.Skip(1).Select(r => Workbook.Text(r[0])).ToList();
            Assert.Equal(5, exported.Count);
            Assert.All(exported, c => Assert.Contains(c, codes));
        }
        // The reports' download endpoint serves it to the users its meta names: the owner who exported it.
        var meta = await File.ReadAllTextAsync(Path.ChangeExtension(path, ".json"));
        Assert.Contains(w.Owner.UserId, meta);
        Assert.DoesNotContain(w.Owner2.UserId, meta);
        Assert.Contains($"优惠券码_{first}.xlsx", System.Text.RegularExpressions.Regex.Unescape(meta));
        await using var ctx = w.H.Db.NewContext();
        Assert.True(await ctx.AuditEntries.AnyAsync(a => a.Action == "coupon.codes.export" && a.Target == $"coupon:{id}"));

        // A coupon with a public code has no one-time codes.
        var open = FiftyLessFive("OPEN-50");
        Assert.Null(await w.Marketing.SaveCouponAsync(w.Owner, open));
        Assert.Equal("该优惠券使用公开券码，任何人都可输入，不需要再发放", await w.Marketing.GenerateCodesAsync(w.Owner, open.Id!.Value, 5));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [SqlServerData]
    public async Task Grants_go_to_named_buyers_with_their_expiry_and_an_unknown_name_refuses_the_list(DatabaseProvider provider)
    {
        await using var w = await WorldAsync(provider);
        var buyers = await w.H.AddBuyersAsync(2);
        List<string> names;
        await using (var db = w.H.Db.NewContext())
            names = await db.Users.Where(u => buyers.Contains(u.Id)).Select(u => u.UserName!).ToListAsync();
        var form = FiftyLessFive(null);
        form.ValidDays = 7;
        Assert.Null(await w.Marketing.SaveCouponAsync(w.Owner, form));
        var before = await w.CountsAsync();

        Assert.Equal("找不到用户：no-such-buyer", await w.Marketing.GrantAsync(w.Owner, form.Id!.Value, $"{names[0]}\nno-such-buyer"));
        Assert.Equal("请填写要发放的用户名或邮箱", await w.Marketing.GrantAsync(w.Owner, form.Id.Value, " \n "));
        Assert.Equal(before, await w.CountsAsync());

        Assert.Null(await w.Marketing.GrantAsync(w.Owner, form.Id.Value, $"{names[0]}，{names[1].ToUpperInvariant()}\n{names[0]}"));
        await using var ctx = w.H.Db.NewContext();
        var grants = await ctx.CouponGrants.Where(g => g.CouponId == form.Id).ToListAsync();
        Assert.Equal(buyers.Order(), grants.Select(g => g.UserId).Order());
        Assert.All(grants, g =>
        {
            Assert.Equal(("发放", w.Shop.Shop.Id), (g.Source, g.StationId));
            Assert.InRange(g.ExpiresAt!.Value - g.GrantedAt, TimeSpan.FromDays(7) - TimeSpan.FromSeconds(1), TimeSpan.FromDays(7) + TimeSpan.FromSeconds(1));
        });
        Assert.Equal(before.Audits + 1, await ctx.AuditEntries.CountAsync());
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [SqlServerData]
    public async Task The_report_counts_consumed_uses_discount_paid_gmv_and_the_30_day_repurchase_rate(DatabaseProvider provider)
    {
        await using var w = await WorldAsync(provider);
        var amount = FiftyLessFive(null);
        Assert.Null(await w.Marketing.SaveCouponAsync(w.Owner, amount));
        Assert.Null(await w.Marketing.GenerateCodesAsync(w.Owner, amount.Id!.Value, 4));
        var percent = new CouponForm { Name = "9折", Kind = CouponKind.PercentOff, PercentOff = "10", ValidUntil = DateTime.Today.AddDays(30), Code = "NINE" };
        Assert.Null(await w.Marketing.SaveCouponAsync(w.Owner, percent));

        // Buyer A uses 满50减5 and buys again; buyer B uses it once; buyer C's use was released (an unpaid order closed).
        var buyers = await w.H.AddBuyersAsync(3, balanceFen: 100000);
        async Task<Order> BuyAsync(string buyer)
        {
            var r = await w.H.Checkout.PlaceBalanceOrderAsync(w.Shop.Shop, new CheckoutRequest(w.Shop.Product.Id, 1, buyer, Guid.NewGuid().ToString("N")));
            Assert.True(r.Succeeded, r.Error);
            await using var db = w.H.Db.NewContext();
            return await db.Orders.SingleAsync(o => o.Number == r.OrderNumber);
        }
        var a1 = await BuyAsync(buyers[0]);
        var b1 = await BuyAsync(buyers[1]);
        var c1 = await BuyAsync(buyers[2]);
        await BuyAsync(buyers[0]);
        await using (var db = w.H.Db.NewContext())
        {
            CouponRedemption Use(int couponId, Order o, RedemptionStatus status, long discount) => new()
            {
                CouponId = couponId, StationId = w.Shop.Shop.Id, OrderStationId = o.StationId, OrderId = o.Id, BuyerUserId = o.BuyerUserId,
                Discount = Money.FromFen(discount), OrderTotal = o.Total, Status = status, CreatedAt = o.CreatedAt,
            };
            db.CouponRedemptions.AddRange(Use(amount.Id.Value, a1, RedemptionStatus.Consumed, 500), Use(amount.Id.Value, b1, RedemptionStatus.Consumed, 500),
                Use(amount.Id.Value, c1, RedemptionStatus.Released, 500));
            await db.SaveChangesAsync();
        }

        var report = await w.Marketing.CouponReportAsync(w.Owner);
        var row = report.Single(r => r.Id == amount.Id);
        Assert.Equal((4, "4", 2, 1000L, 2 * (10800L - 500), "50.0%"), (row.Issued, row.IssuedText, row.Used, row.Discount.Fen, row.Gmv.Fen, row.RepurchaseText));
        var nine = report.Single(r => r.Id == percent.Id);
        Assert.Equal(("公开", 0, "—", "9折"), (nine.IssuedText, nine.Used, nine.RepurchaseText, nine.Rule));
        // The other station's report knows nothing of these.
        Assert.Empty(await w.Marketing.CouponReportAsync(w.Owner2));
    }

    static FlashSaleForm Flash(int productId, string price = "95", int startInHours = 1, int hours = 24) => new()
    {
        ProductId = productId, Title = "限时秒杀", FixedPrice = true, Price = price,
        StartsAt = BusinessTime.ToBusinessDateTime(DateTimeOffset.UtcNow.AddHours(startInHours)), EndsAt = BusinessTime.ToBusinessDateTime(DateTimeOffset.UtcNow.AddHours(startInHours + hours)),
        Quota = 10, PerBuyerLimit = 1,
    };

    static FlashSaleForm Off(FlashSaleForm form, string percent)
    {
        form.FixedPrice = false;
        form.PercentOff = percent;
        return form;
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [SqlServerData]
    public async Task Flash_sales_are_checked_against_the_stations_cost_and_never_overlap(DatabaseProvider provider)
    {
        await using var w = await WorldAsync(provider);
        var product = w.Shop.Product.Id;
        var invalidations = 0;
        var prices = w.H.Get<PriceResolver>();
        prices.Invalidated += () => invalidations++;
        var before = await w.CountsAsync();

        Assert.Equal("活动价 ¥89.99 低于本站成本价 ¥90.00，不能亏本出售", await w.Marketing.SaveFlashSaleAsync(w.Owner, Flash(product, "89.99")));
        Assert.Equal("活动价 ¥108.00 不低于本站售价 ¥108.00", await w.Marketing.SaveFlashSaleAsync(w.Owner, Flash(product, "108")));
        Assert.Equal("结束时间必须晚于开始时间", await w.Marketing.SaveFlashSaleAsync(w.Owner, Flash(product, hours: -2)));
        Assert.Equal("折扣必须是 1–99 之间的整数（如 10 表示九折）", await w.Marketing.SaveFlashSaleAsync(w.Owner, Off(Flash(product), "0")));
        // 10% off ¥108 is ¥97.20: fine; 20% off is ¥86.40, below the ¥90 cost.
        Assert.Equal("活动价 ¥86.40 低于本站成本价 ¥90.00，不能亏本出售", await w.Marketing.SaveFlashSaleAsync(w.Owner, Off(Flash(product), "20")));
        Assert.Equal("请选择商品", await w.Marketing.SaveFlashSaleAsync(w.Owner, new FlashSaleForm { Title = "x", Price = "95", StartsAt = DateTime.Today, EndsAt = DateTime.Today.AddDays(1) }));
        Assert.Equal(before, await w.CountsAsync());
        Assert.Equal(0, invalidations);

        var sale = Flash(product);
        Assert.Null(await w.Marketing.SaveFlashSaleAsync(w.Owner, sale));
        Assert.Equal(1, invalidations);
        Assert.StartsWith("该商品在", await w.Marketing.SaveFlashSaleAsync(w.Owner, Flash(product, startInHours: 12)));
        Assert.Null(await w.Marketing.SaveFlashSaleAsync(w.Owner, Flash(product, startInHours: 25)));
        // Another station's sale on the same product is its own.
        Assert.Null(await w.Marketing.SaveFlashSaleAsync(w.Owner2, Flash(product, startInHours: 12)));

        var rows = await w.Marketing.FlashSalesAsync(w.Owner);
        Assert.Equal(2, rows.Count);
        var row = rows.Single(r => r.Id == sale.Id);
        Assert.Equal(("0/10", "未开始", "秒杀价 ¥95.00", false), (row.TakenText, row.StatusText(DateTimeOffset.UtcNow), row.Offer, row.Used));

        // Tenancy: the other owner can neither pause, edit nor delete it.
        Assert.Equal("活动不存在", await w.Marketing.SetFlashSalePausedAsync(w.Owner2, sale.Id!.Value, true));
        Assert.Equal("活动不存在", await w.Marketing.DeleteFlashSaleAsync(w.Owner2, sale.Id.Value));
        var hijack = Flash(product, startInHours: 100);
        hijack.Id = sale.Id;
        Assert.Equal("活动不存在", await w.Marketing.SaveFlashSaleAsync(w.Owner2, hijack));

        Assert.Null(await w.Marketing.SetFlashSalePausedAsync(w.Owner, sale.Id.Value, true));
        Assert.Equal("已暂停", (await w.Marketing.FlashSalesAsync(w.Owner)).Single(r => r.Id == sale.Id).StatusText(DateTimeOffset.UtcNow));
        Assert.Null(await w.Marketing.SetFlashSalePausedAsync(w.Owner, sale.Id.Value, false));
        Assert.Null(await w.Marketing.DeleteFlashSaleAsync(w.Owner, sale.Id.Value));
        Assert.Single(await w.Marketing.FlashSalesAsync(w.Owner));
        await using var db = w.H.Db.NewContext();
        Assert.Equal(["flash.create", "flash.create", "flash.pause", "flash.resume", "flash.delete"],
            await db.AuditEntries.Where(a => a.StationId == w.Shop.Shop.Id && a.Action.StartsWith("flash.")).OrderBy(a => a.Id).Select(a => a.Action).ToListAsync());
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [SqlServerData]
    public async Task A_used_flash_sale_cannot_be_deleted_and_a_product_not_sold_here_is_refused(DatabaseProvider provider)
    {
        await using var w = await WorldAsync(provider);
        var sale = Flash(w.Shop.Product.Id);
        Assert.Null(await w.Marketing.SaveFlashSaleAsync(w.Owner, sale));
        await using (var db = w.H.Db.NewContext())
        {
            await db.FlashSales.Where(f => f.Id == sale.Id).ExecuteUpdateAsync(s => s.SetProperty(f => f.Taken, 3));
            db.Products.Add(new Product { StationId = w.Shop2, CategoryId = w.Shop.Product.CategoryId, Name = "二号店自有商品", BasePrice = Money.FromFen(1000), CreatedAt = DateTimeOffset.UtcNow });
            await db.SaveChangesAsync();
        }
        Assert.Equal("活动已有订单，不能删除，可以暂停", await w.Marketing.DeleteFlashSaleAsync(w.Owner, sale.Id!.Value));
        Assert.Equal("名额不能少于已抢的 3 件", await w.Marketing.SaveFlashSaleAsync(w.Owner, new FlashSaleForm
        {
            Id = sale.Id, ProductId = sale.ProductId, Title = sale.Title, Price = sale.Price, StartsAt = sale.StartsAt, EndsAt = sale.EndsAt, Quota = 2,
        }));
        Assert.Equal("3/10", (await w.Marketing.FlashSalesAsync(w.Owner)).Single().TakenText);
        int foreign;
        await using (var db = w.H.Db.NewContext())
            foreign = await db.Products.Where(p => p.StationId == w.Shop2).Select(p => p.Id).SingleAsync();
        Assert.Equal("商品不存在或本站不销售该商品", await w.Marketing.SaveFlashSaleAsync(w.Owner, Flash(foreign)));
        Assert.Equal("商品不存在或本站不销售该商品", await w.Marketing.SaveTiersAsync(w.Owner, foreign, [new WholesaleTierForm { MinQuantity = 5, UnitPrice = "9" }]));
        Assert.DoesNotContain(await w.Marketing.ProductsAsync(w.Owner), p => p.Id == foreign);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [SqlServerData]
    public async Task Wholesale_tiers_are_checked_and_replace_the_products_tiers_at_once(DatabaseProvider provider)
    {
        await using var w = await WorldAsync(provider);
        var product = w.Shop.Product.Id;
        var before = await w.CountsAsync();
        Assert.Equal("满 10 件：批发价 ¥89.00 低于本站成本价 ¥90.00，不能亏本出售",
            await w.Marketing.SaveTiersAsync(w.Owner, product, [new WholesaleTierForm { MinQuantity = 10, UnitPrice = "89" }]));
        Assert.Equal("起批数量 10 重复，每档的起批数量不能相同", await w.Marketing.SaveTiersAsync(w.Owner, product,
            [new WholesaleTierForm { MinQuantity = 10, UnitPrice = "100" }, new WholesaleTierForm { MinQuantity = 10, FixedPrice = false, PercentOff = "5" }]));
        Assert.Equal("满 1 件：起批数量至少为 2 件", await w.Marketing.SaveTiersAsync(w.Owner, product, [new WholesaleTierForm { MinQuantity = 1, UnitPrice = "100" }]));
        Assert.Equal("满 5 件：折扣必须是 1–99 之间的整数（如 10 表示九折）",
            await w.Marketing.SaveTiersAsync(w.Owner, product, [new WholesaleTierForm { MinQuantity = 5, FixedPrice = false, PercentOff = "150" }]));
        Assert.Equal(before, await w.CountsAsync());

        Assert.Null(await w.Marketing.SaveTiersAsync(w.Owner, product,
            [new WholesaleTierForm { MinQuantity = 20, FixedPrice = false, PercentOff = "10" }, new WholesaleTierForm { MinQuantity = 5, UnitPrice = "105" }]));
        Assert.Null(await w.Marketing.SaveTiersAsync(w.Owner2, product, [new WholesaleTierForm { MinQuantity = 5, UnitPrice = "100" }]));
        var tiers = await w.Marketing.TiersAsync(w.Owner, product);
        Assert.Equal([(5, true, "105.00", (string?)null), (20, false, null, "10")], tiers.Select(t => (t.MinQuantity, t.FixedPrice, t.UnitPrice, t.PercentOff)));
        Assert.Equal("满 5 件 单价 ¥105.00；满 20 件 9 折", (await w.Marketing.WholesaleOverviewAsync(w.Owner)).Single().Tiers);

        // Saving again replaces (reusing a minimum quantity), and an empty table clears the product's tiers.
        Assert.Null(await w.Marketing.SaveTiersAsync(w.Owner, product, [new WholesaleTierForm { MinQuantity = 5, UnitPrice = "104" }]));
        Assert.Equal([(5, "104.00")], (await w.Marketing.TiersAsync(w.Owner, product)).Select(t => (t.MinQuantity, t.UnitPrice)));
        Assert.Null(await w.Marketing.SaveTiersAsync(w.Owner, product, []));
        Assert.Empty(await w.Marketing.TiersAsync(w.Owner, product));
        Assert.Single(await w.Marketing.TiersAsync(w.Owner2, product));
    }
}
