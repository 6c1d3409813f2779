using System.Collections.Concurrent;
using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Compliance;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Stations;
using KaMeng.Web.Features.Storefront;
using KaMeng.Web.Features.Substations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KaMeng.Tests.Compliance;

/// <summary>Compliance notices kept for assertions.</summary>
public sealed class RecordedComplianceNotices : IComplianceNotices
{
    public ConcurrentQueue<ComplianceNotice> Notices { get; } = new();
    public void Send(ComplianceNotice notice) => Notices.Enqueue(notice);
}

/// <summary>商品审核, 违禁词 and 站点处罚 through the services (issue 21 §5), on SQLite and PostgreSQL.</summary>
public class ComplianceServiceTests
{
    static readonly AuditActor Platform = new("admin-id", "admin", null);

    static async Task<(CommerceHarness H, RecordedComplianceNotices Notices)> CreateAsync(DatabaseProvider provider)
    {
        var notices = new RecordedComplianceNotices();
        var h = await CommerceHarness.CreateAsync(provider, s =>
        {
            s.AddSingleton<IComplianceNotices>(notices);
            s.AddComplianceServices();
            s.AddSingleton<StorefrontCatalog>();
            s.AddSingleton<KaMeng.Web.Features.Dashboard.StationRatingService>();
        });
        return (h, notices);
    }

    /// <summary>A product of the shop's own catalogue listed as an import lists it (the hook <see cref="SupplierService"/> calls).</summary>
    static async Task<Product> ListOwnProductAsync(CommerceHarness h, int stationId, string name, int keys = 5)
    {
        Product product;
        await using (var db = h.Db.NewContext())
        {
            var category = await db.Categories.Where(c => c.StationId == Station.MainStationId).OrderBy(c => c.Id).FirstAsync();
            product = new Product
            {
                StationId = stationId, CategoryId = category.Id, Name = name, DeliveryType = DeliveryType.CardKey,
                BasePrice = Money.FromFen(1000), CostPrice = Money.FromFen(800), MaxPerOrder = 10, CreatedAt = DateTimeOffset.UtcNow,
            };
            var notice = await h.Get<ComplianceService>().ReviewNewListingAsync(db, product);
            db.Products.Add(product);
            await db.SaveChangesAsync();
            h.Get<ComplianceService>().Send(notice);
        }
        await h.AddKeysAsync(product, keys);
        return product;
    }

    static Task<CheckoutResult> BuyAsync(CommerceHarness h, StationInfo station, int productId, string buyer) =>
        h.Checkout.PlaceBalanceOrderAsync(station, new CheckoutRequest(productId, 1, buyer, CheckoutRequest.NewIdempotencyKey()));

    static async Task<List<int>> ListedAsync(CommerceHarness h, StationInfo station) =>
        [.. (await h.Get<StorefrontCatalog>().ProductsAsync(station)).Select(p => p.Id)];

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task A_substation_listing_waits_for_review_is_neither_listed_nor_sold_and_sells_once_approved(DatabaseProvider provider)
    {
        var (h, _) = await CreateAsync(provider);
        await using var _h = h;
        var shop = await h.OpenSellingShopAsync();
        var product = await ListOwnProductAsync(h, shop.Shop.Id, "自营点卡");
        var buyer = (await h.AddBuyersAsync(1, balanceFen: 100000))[0];

        Assert.Equal(ProductReview.Pending, product.Review);
        Assert.DoesNotContain(product.Id, await ListedAsync(h, shop.Shop));
        Assert.Null(await h.Get<StorefrontCatalog>().ProductAsync(shop.Shop, product.Id));
        var refused = await BuyAsync(h, shop.Shop, product.Id, buyer);
        Assert.Equal("checkout.off_shelf", refused.ErrorCode);

        var queue = await h.Get<ComplianceQueries>().QueueAsync(Platform);
        Assert.Contains(queue, r => r.ProductId == product.Id && r.StatusText == "待审核");
        // An owner cannot approve their own listing.
        Assert.Equal("只有平台管理员可以审核商品", await h.Get<ComplianceService>().ApproveAsync(new AuditActor(shop.Owner, "owner", shop.Shop.Id), product.Id, null));

        Assert.Null(await h.Get<ComplianceService>().ApproveAsync(Platform, product.Id, null));
        Assert.Contains(product.Id, await ListedAsync(h, shop.Shop));
        Assert.True((await BuyAsync(h, shop.Shop, product.Id, buyer)).Succeeded);
        await using var db = h.Db.NewContext();
        Assert.True(await db.AuditEntries.AnyAsync(a => a.Action == "compliance.approve" && a.StationId == shop.Shop.Id));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task A_trusted_level_skips_review_unless_a_term_hits(DatabaseProvider provider)
    {
        var (h, notices) = await CreateAsync(provider);
        await using var _h = h;
        var shop = await h.OpenSellingShopAsync();
        await using (var db = h.Db.NewContext())
            await db.StationLevels.Where(l => l.Id == shop.LevelId).ExecuteUpdateAsync(u => u.SetProperty(l => l.SkipProductReview, true));
        Assert.Null((await h.Get<ComplianceService>().SaveTermAsync(Platform, new(null, "赌博", "赌博", false, true))).Error);

        var clean = await ListOwnProductAsync(h, shop.Shop.Id, "信任店点卡");
        Assert.Equal(ProductReview.Approved, clean.Review);
        Assert.Contains(clean.Id, await ListedAsync(h, shop.Shop));

        var hit = await ListOwnProductAsync(h, shop.Shop.Id, "赌博筹码卡");
        Assert.Equal(ProductReview.Prohibited, hit.Review);
        Assert.DoesNotContain(hit.Id, await ListedAsync(h, shop.Shop));
        Assert.Contains(notices.Notices, n => n.StationId == shop.Shop.Id && n.Title.Contains("赌博筹码卡"));
        // Approving a hit needs a note; refused, nothing changes.
        Assert.StartsWith("该商品命中违禁词", await h.Get<ComplianceService>().ApproveAsync(Platform, hit.Id, ""));
        await using var check = h.Db.NewContext();
        Assert.Equal(ProductReview.Prohibited, (await check.Products.SingleAsync(p => p.Id == hit.Id)).Review);
        Assert.False(await check.AuditEntries.AnyAsync(a => a.Action == "compliance.approve"));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task A_rename_with_a_prohibited_term_takes_the_product_off_sale_at_that_station_with_audit_and_notice(DatabaseProvider provider)
    {
        var (h, notices) = await CreateAsync(provider);
        await using var _h = h;
        var shop = await h.OpenSellingShopAsync();
        Assert.Null((await h.Get<ComplianceService>().SaveTermAsync(Platform, new(null, "外挂", "外挂", false, true))).Error);
        var owner = new AuditActor(shop.Owner, "owner", shop.Shop.Id);
        Assert.Contains(shop.Product.Id, await ListedAsync(h, shop.Shop));

        Assert.Null(await h.Get<StationSettingsService>().SaveOverrideAsync(shop.Shop.Id, new(shop.Product.Id, false, "吃鸡外挂卡", null, null, false), owner));

        Assert.DoesNotContain(shop.Product.Id, await ListedAsync(h, shop.Shop));
        Assert.Contains(shop.Product.Id, await ListedAsync(h, CommerceHarness.Main));
        await using var db = h.Db.NewContext();
        var audit = await db.AuditEntries.SingleAsync(a => a.Action == "compliance.override_hidden");
        Assert.Equal(shop.Shop.Id, audit.StationId);
        Assert.Contains("外挂", audit.Detail);
        Assert.Contains(notices.Notices, n => n.StationId == shop.Shop.Id && n.Title.Contains("吃鸡外挂卡"));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Changing_the_list_rescans_everything_and_an_invalid_regex_is_refused_writing_nothing(DatabaseProvider provider)
    {
        var (h, notices) = await CreateAsync(provider);
        await using var _h = h;
        var compliance = h.Get<ComplianceService>();
        var product = await h.AddCardKeyProductAsync(3, configure: p => p.Name = "代充黑卡 888");
        var buyer = (await h.AddBuyersAsync(1, balanceFen: 100000))[0];

        var (invalid, _) = await compliance.SaveTermAsync(Platform, new(null, "欺诈", "代充(黑卡", true, true));
        Assert.StartsWith("正则表达式无效", invalid);
        await using (var db = h.Db.NewContext())
        {
            Assert.Equal(0, await db.ProhibitedTerms.CountAsync());
            Assert.False(await db.AuditEntries.AnyAsync(a => a.Action.StartsWith("compliance")));
        }

        var (error, rescan) = await compliance.SaveTermAsync(Platform, new(null, "欺诈", @"代充.{0,4}\d+", true, true));
        Assert.Null(error);
        Assert.Equal(1, rescan!.TakenOff);
        Assert.Equal("checkout.off_shelf", (await BuyAsync(h, CommerceHarness.Main, product.Id, buyer)).ErrorCode);
        Assert.DoesNotContain(product.Id, await ListedAsync(h, CommerceHarness.Main));
        Assert.Contains(notices.Notices, n => n.StationId == Station.MainStationId && n.Title.Contains("代充黑卡 888"));
        var row = Assert.Single(await h.Get<ComplianceQueries>().QueueAsync(Platform), r => r.ProductId == product.Id);
        Assert.Equal("代充黑卡 888", Assert.Single(row.NameRuns, r => r.Hit is not null).Text);

        // Disabling the term rescans again: the platform's own product goes back on sale.
        var term = (await h.Get<ComplianceQueries>().TermsAsync(Platform)).Single();
        var (_, again) = await compliance.SaveTermAsync(Platform, new(term.Id, term.Category, term.Text, term.IsRegex, false));
        Assert.Equal(1, again!.Cleared);
        Assert.True((await BuyAsync(h, CommerceHarness.Main, product.Id, buyer)).Succeeded);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Sanctions_are_honoured_until_their_end_and_no_new_listings_keeps_existing_goods_selling(DatabaseProvider provider)
    {
        var (h, notices) = await CreateAsync(provider);
        await using var _h = h;
        var shop = await h.OpenSellingShopAsync();
        var buyer = (await h.AddBuyersAsync(1, balanceFen: 100000))[0];
        var compliance = h.Get<ComplianceService>();
        var ends = DateTimeOffset.UtcNow.AddDays(3);

        Assert.Equal("请填写处罚原因", (await compliance.ImposeAsync(Platform, new(shop.Shop.Id, SanctionKind.NoNewListings, " ", null, ends))).Error);
        var (noNew, error) = await compliance.ImposeAsync(Platform, new(shop.Shop.Id, SanctionKind.NoNewListings, "售卖违规商品", null, ends));
        Assert.Null(error);
        var station = await h.StationAsync(shop.Shop.Id);
        Assert.True((await BuyAsync(h, station, shop.Product.Id, buyer)).Succeeded);
        await using (var db = h.Db.NewContext())
        {
            var refusal = await compliance.ListingRefusalAsync(db, shop.Shop.Id);
            Assert.Contains(BusinessTime.Format(ends, "yyyy-MM-dd HH:mm"), refusal);
            Assert.Contains("禁止上新", refusal);
        }
        Assert.Contains(notices.Notices, n => n.StationId == shop.Shop.Id && n.Title.Contains("禁止上新"));

        // 隐藏商品: no listing, no orders, the storefront itself stays; honoured until its end time.
        var (hidden, _) = await compliance.ImposeAsync(Platform, new(shop.Shop.Id, SanctionKind.ListingHidden, "整改", null, DateTimeOffset.UtcNow.AddHours(2)));
        station = await h.StationAsync(shop.Shop.Id);
        Assert.Empty(await ListedAsync(h, station));
        Assert.Equal("checkout.station_closed", (await BuyAsync(h, station, shop.Product.Id, buyer)).ErrorCode);
        Assert.True(station.IsOpenForBusiness(DateTimeOffset.UtcNow.AddHours(2).AddMinutes(1)));
        // Its end comes (moved into the past here): the listing is back without anyone lifting it.
        await using (var db = h.Db.NewContext())
            await db.StationSanctions.Where(s => s.Id == hidden).ExecuteUpdateAsync(u => u.SetProperty(s => s.EndsAt, DateTimeOffset.UtcNow.AddSeconds(-1)));
        station = await h.StationAsync(shop.Shop.Id);
        Assert.Contains(shop.Product.Id, await ListedAsync(h, station));
        Assert.True((await BuyAsync(h, station, shop.Product.Id, buyer)).Succeeded);

        // 关站 until lifted early.
        var (closed, _) = await compliance.ImposeAsync(Platform, new(shop.Shop.Id, SanctionKind.Closed, "严重违规", null, DateTimeOffset.UtcNow.AddDays(1)));
        station = await h.StationAsync(shop.Shop.Id);
        Assert.False(station.IsOpenForBusiness(DateTimeOffset.UtcNow));
        Assert.Null(await compliance.LiftAsync(Platform, closed!.Value));
        Assert.Equal("该处罚已结束", await compliance.LiftAsync(Platform, closed.Value));
        Assert.True((await h.StationAsync(shop.Shop.Id)).IsOpenForBusiness(DateTimeOffset.UtcNow));

        // The rating's compliance part counts them.
        var rating = await h.Get<KaMeng.Web.Features.Dashboard.StationRatingService>().ComputeAsync(shop.Shop.Id);
        var part = rating.Parts.Single(p => p.Name == "合规");
        Assert.Equal(0, part.Score);
        Assert.Equal("当前处罚中", part.Explanation);
        Assert.NotNull(noNew);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task A_listing_only_suspension_ends_at_its_end_time_and_then_takes_orders_again(DatabaseProvider provider)
    {
        var (h, _) = await CreateAsync(provider);
        await using var _h = h;
        var shop = await h.OpenSellingShopAsync();
        var buyer = (await h.AddBuyersAsync(1, balanceFen: 100000))[0];
        var until = DateTimeOffset.UtcNow.AddHours(1);
        Assert.Null(await h.Get<SubstationService>().SetStatusAsync(shop.Shop.Id, StationStatus.Suspended, listingOnly: true, "整改中", until, Platform));

        var station = await h.StationAsync(shop.Shop.Id);
        Assert.True(station.ListingSuspended);
        Assert.False(station.IsOpenForBusiness(DateTimeOffset.UtcNow));
        Assert.True(station.IsOpenForBusiness(until.AddSeconds(1)));
        Assert.Equal("checkout.station_closed", (await BuyAsync(h, station, shop.Product.Id, buyer)).ErrorCode);

        // The end time passes (moved into the past here): orders and the listing come back by themselves.
        await using (var db = h.Db.NewContext())
            await db.Stations.Where(s => s.Id == shop.Shop.Id).ExecuteUpdateAsync(u => u.SetProperty(s => s.ListingSuspendedUntil, DateTimeOffset.UtcNow.AddSeconds(-1)));
        station = await h.StationAsync(shop.Shop.Id);
        Assert.False(station.ListingSuspended);
        Assert.Contains(shop.Product.Id, await ListedAsync(h, station));
        Assert.True((await BuyAsync(h, station, shop.Product.Id, buyer)).Succeeded);
    }
}
