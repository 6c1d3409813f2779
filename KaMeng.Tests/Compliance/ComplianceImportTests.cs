using KaMeng.Domain;
using KaMeng.Tests.Docking;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Compliance;
using KaMeng.Web.Features.Docking;
using KaMeng.Web.Features.OpenApi;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Stations;
using KaMeng.Web.Features.Storefront;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KaMeng.Tests.Compliance;

/// <summary>
/// 商品审核 on the real import and sync (issue 21 §5): the demo substation of a downstream KaMeng imports from an upstream
/// KaMeng over the signed Open API, both on loopback.
/// </summary>
public abstract class ComplianceImportTests<TPair>(TPair pair) where TPair : DockingPair
{
    static readonly AuditActor Platform = new("test", "test", null);
    static string Unique(string prefix) => prefix + Guid.NewGuid().ToString("N")[..6];

    T Down<T>() where T : notnull => pair.Downstream.Services.GetRequiredService<T>();

    async Task<(AuditActor Owner, StationInfo Demo, Supplier Supplier)> DemoSupplierAsync()
    {
        var demo = (await Down<StationDirectory>().ByCodeAsync("demo"))!;
        var owner = new AuditActor(demo.OwnerUserId!, "demo-owner", demo.Id);
        var credentials = pair.Upstream.Services.GetRequiredService<ApiCredentialService>();
        var (issued, error) = await credentials.RequestAsync(await DockingPair.BuyerIdAsync(pair.Upstream), Station.MainStationId, "演示分站进货");
        Assert.Null(error);
        Assert.Null(await credentials.ApproveAsync(Platform, issued!.Id));
        var (supplier, addError) = await pair.Suppliers.AddAsync(owner, demo.Id, Unique("上游-"), pair.Upstream.BaseUrl, issued.KeyId, issued.Secret);
        Assert.Null(addError);
        return (owner, demo, supplier!);
    }

    Task<(int? ProductId, string? Error)> ImportAsync(AuditActor owner, Supplier supplier, int upstreamId, int categoryId) =>
        pair.Suppliers.ImportAsync(owner, new ImportRequest(supplier.Id, upstreamId, categoryId, MarkupKind.PlusPercent, "20", PriceRounding.Jiao));

    async Task<Product> ProductAsync(int id)
    {
        await using var db = pair.Downstream.NewContext();
        return await db.Products.AsNoTracking().SingleAsync(p => p.Id == id);
    }

    async Task SetTrustedAsync(int stationId, bool trusted)
    {
        await using var db = pair.Downstream.NewContext();
        var levelId = await db.Stations.Where(s => s.Id == stationId).Select(s => s.LevelId).SingleAsync();
        await db.StationLevels.Where(l => l.Id == levelId).ExecuteUpdateAsync(u => u.SetProperty(l => l.SkipProductReview, trusted));
    }

    [Fact]
    public async Task A_substation_import_waits_for_review_is_not_sold_until_approved_a_trusted_level_skips_it_and_a_sanction_refuses_imports()
    {
        var (owner, demo, supplier) = await DemoSupplierAsync();
        var category = await pair.DownstreamCategoryAsync();
        var upId = await pair.CreateUpstreamProductAsync(Unique("月卡-"), 500, Unique("K-"), Unique("K-"));
        var (productId, error) = await ImportAsync(owner, supplier, upId, category);
        Assert.Null(error);

        Assert.Equal(ProductReview.Pending, (await ProductAsync(productId!.Value)).Review);
        Assert.Equal("待审核", (await pair.Suppliers.LinksAsync(owner)).Single(l => l.Link.ProductId == productId).ReviewText);
        Assert.DoesNotContain(await Down<StorefrontCatalog>().ProductsAsync(demo), p => p.Id == productId);
        var buyer = await DockingPair.BuyerIdAsync(pair.Downstream);
        var checkout = Down<CheckoutService>();
        var refused = await checkout.PlaceBalanceOrderAsync(demo, new CheckoutRequest(productId.Value, 1, buyer, CheckoutRequest.NewIdempotencyKey()));
        Assert.Equal("checkout.off_shelf", refused.ErrorCode);

        Assert.Null(await Down<ComplianceService>().ApproveAsync(Platform, productId.Value, null));
        Assert.Contains(await Down<StorefrontCatalog>().ProductsAsync(demo), p => p.Id == productId);
        Assert.True((await checkout.PlaceBalanceOrderAsync(demo, new CheckoutRequest(productId.Value, 1, buyer, CheckoutRequest.NewIdempotencyKey()))).Succeeded);

        // A trusted level goes on sale at once.
        await SetTrustedAsync(demo.Id, true);
        try
        {
            var trustedUp = await pair.CreateUpstreamProductAsync(Unique("季卡-"), 600, Unique("K-"));
            var (trusted, trustedError) = await ImportAsync(owner, supplier, trustedUp, category);
            Assert.Null(trustedError);
            Assert.Equal(ProductReview.Approved, (await ProductAsync(trusted!.Value)).Review);
        }
        finally { await SetTrustedAsync(demo.Id, false); }

        // 禁止上新: an import is refused with the end date, and nothing is written.
        var ends = DateTimeOffset.UtcNow.AddDays(5);
        var (sanction, sanctionError) = await Down<ComplianceService>().ImposeAsync(Platform, new(demo.Id, SanctionKind.NoNewListings, "售卖违规商品", null, ends));
        Assert.Null(sanctionError);
        try
        {
            var blockedUp = await pair.CreateUpstreamProductAsync(Unique("年卡-"), 700, Unique("K-"));
            await using var before = pair.Downstream.NewContext();
            var products = await before.Products.CountAsync();
            var (none, refusal) = await ImportAsync(owner, supplier, blockedUp, category);
            Assert.Null(none);
            Assert.Contains(BusinessTime.Format(ends, "yyyy-MM-dd HH:mm"), refusal);
            Assert.Contains("不能导入", refusal);
            await using var after = pair.Downstream.NewContext();
            Assert.Equal(products, await after.Products.CountAsync());
            Assert.False(await after.SupplierProducts.AnyAsync(l => l.UpstreamProductId == blockedUp && l.SupplierId == supplier.Id));
            // Existing goods keep selling.
            Assert.True((await checkout.PlaceBalanceOrderAsync((await Down<StationDirectory>().ByIdAsync(demo.Id))!,
                new CheckoutRequest(productId.Value, 1, buyer, CheckoutRequest.NewIdempotencyKey()))).Succeeded);
        }
        finally { Assert.Null(await Down<ComplianceService>().LiftAsync(Platform, sanction!.Value)); }
    }

    [Fact]
    public async Task An_upstream_rename_to_a_prohibited_term_takes_the_product_off_sale_with_audit_and_a_notice_to_the_owner()
    {
        var (owner, demo, supplier) = await DemoSupplierAsync();
        var name = Unique("点券-");
        var upId = await pair.CreateUpstreamProductAsync(name, 500, Unique("K-"));
        var (productId, error) = await ImportAsync(owner, supplier, upId, await pair.DownstreamCategoryAsync());
        Assert.Null(error);
        Assert.Null(await Down<ComplianceService>().ApproveAsync(Platform, productId!.Value, null));
        var term = Unique("禁词");
        var (termError, _) = await Down<ComplianceService>().SaveTermAsync(Platform, new(null, "测试", term, false, true));
        Assert.Null(termError);
        Assert.Equal(ProductReview.Approved, (await ProductAsync(productId.Value)).Review);

        await using (var up = pair.Upstream.NewContext())
            await up.Products.Where(p => p.Id == upId).ExecuteUpdateAsync(u => u.SetProperty(p => p.Name, name + term));
        await Down<SupplierSync>().SyncAsync();

        var product = await ProductAsync(productId.Value);
        Assert.Equal(name + term, product.Name);
        Assert.Equal(ProductReview.Prohibited, product.Review);
        Assert.Contains(term, product.ReviewReason);
        Assert.DoesNotContain(await Down<StorefrontCatalog>().ProductsAsync(demo), p => p.Id == productId);
        await using var db = pair.Downstream.NewContext();
        Assert.True(await db.AuditEntries.AnyAsync(a => a.Action == "supplier.rename" && a.StationId == demo.Id));
        Assert.True(await db.AuditEntries.AnyAsync(a => a.Action == "compliance.prohibited" && a.StationId == demo.Id && a.Target == name + term));
        await Poll.UntilAsync(async () =>
        {
            await using var n = pair.Downstream.NewContext();
            return await n.Notifications.AnyAsync(x => x.UserId == demo.OwnerUserId && x.Title.Contains(name + term));
        }, "the owner's notice", 20);
        // The term goes (disabled): the product goes back to review, not straight on sale.
        var saved = (await Down<ComplianceQueries>().TermsAsync(Platform)).Single(t => t.Text == term);
        Assert.Null((await Down<ComplianceService>().SaveTermAsync(Platform, new(saved.Id, saved.Category, saved.Text, false, false))).Error);
        Assert.Equal(ProductReview.Pending, (await ProductAsync(productId.Value)).Review);
    }
}

public sealed class SqliteComplianceImportTests(DockingPair pair) : ComplianceImportTests<DockingPair>(pair), IClassFixture<DockingPair>;

public sealed class PostgresComplianceImportTests(PostgresDockingPair pair) : ComplianceImportTests<PostgresDockingPair>(pair), IClassFixture<PostgresDockingPair>;
