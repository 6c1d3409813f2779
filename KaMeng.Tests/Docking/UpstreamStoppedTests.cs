using System.Net;
using KaMeng.Domain;
using KaMeng.Web.Features.Docking;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KaMeng.Tests.Docking;

/// <summary>The upstream goes away mid-way: the downstream store keeps serving and the imported product goes off shelf.</summary>
public sealed class UpstreamStoppedTests(DockingPair pair) : IClassFixture<DockingPair>
{
    [Fact]
    public async Task When_the_upstream_stops_the_store_still_serves_and_the_imported_product_goes_off_shelf()
    {
        var upId = await pair.CreateUpstreamProductAsync("停机测试点券", 300, "STOP-KEY-1");
        var (supplier, _) = await pair.AddSupplierAsync();
        var productId = await pair.ImportAsync(supplier.Id, upId, MarkupKind.PlusAmount, "1", PriceRounding.Fen);
        var sync = pair.Downstream.Services.GetRequiredService<SupplierSync>();
        await sync.SyncAsync();
        await using (var db = pair.Downstream.NewContext())
            Assert.True((await db.Products.SingleAsync(p => p.Id == productId)).OnShelf);

        await pair.StopUpstreamAsync();
        await sync.SyncAsync();

        await using (var db = pair.Downstream.NewContext())
        {
            Assert.False((await db.Products.SingleAsync(p => p.Id == productId)).OnShelf);
            Assert.Equal(SupplyProblem.Unreachable, (await db.SupplierProducts.SingleAsync(l => l.ProductId == productId)).Problem);
            var s = await db.Suppliers.SingleAsync(x => x.Id == supplier.Id);
            Assert.False(s.Reachable);
            Assert.NotNull(s.LastError);
        }
        Assert.Contains(pair.Downstream.Alerts.Alerts, a => a.Kind == SupplyAlertKind.Unreachable);

        using var client = pair.Downstream.NewHttpClient();
        var home = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        Assert.DoesNotContain("停机测试点券", await home.Content.ReadAsStringAsync());
        var page = await client.GetAsync($"/product/{productId}");
        Assert.True(page.StatusCode is HttpStatusCode.OK or HttpStatusCode.NotFound, $"product page answered {(int)page.StatusCode}");
        var refused = await pair.BuyDownstreamAsync(productId);
        Assert.Equal("checkout.off_shelf", refused.ErrorCode);
    }
}
