using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Dashboard;
using KaMeng.Web.Features.Storefront;

namespace KaMeng.Tests.Dashboard;

/// <summary>One low-stock rule (<see cref="Product.LowStockBelow"/>) for the dashboard's warnings, its live signal and the restock alerts.</summary>
public class StockLevelTests
{
    [Fact]
    public void A_reusable_key_is_low_only_when_no_key_is_left_whatever_its_threshold()
    {
        var reusable = new Product { Name = "循环", DeliveryType = DeliveryType.CardKey, ReusableKey = true, LowStockThreshold = 10 };
        Assert.False(reusable.IsLowStock(1));
        Assert.True(reusable.IsLowStock(0));

        var keys = new Product { Name = "卡密", DeliveryType = DeliveryType.CardKey, LowStockThreshold = 10 };
        Assert.True(keys.IsLowStock(9));
        Assert.False(keys.IsLowStock(10)); // the threshold itself is enough stock (as the restock alert reads it)

        Assert.False(new Product { Name = "关闭", DeliveryType = DeliveryType.CardKey, LowStockThreshold = 0 }.IsLowStock(0)); // 0 turns the warning off
        Assert.False(new Product { Name = "直充", DeliveryType = DeliveryType.DirectTopUp, LowStockThreshold = 10 }.IsLowStock(0));
        Assert.False(new Product { Name = "关闭循环", DeliveryType = DeliveryType.CardKey, ReusableKey = true, LowStockThreshold = 0 }.IsLowStock(0));
    }

    [Fact]
    public async Task Dashboard_warnings_and_restock_levels_leave_out_a_reusable_key_in_stock_and_include_one_without_keys()
    {
        await using var h = await CommerceHarness.CreateAsync(DatabaseProvider.Sqlite);
        var reusableInStock = await h.AddCardKeyProductAsync(keys: 1, configure: p => { p.Name = "循环有货"; p.ReusableKey = true; p.LowStockThreshold = 10; });
        var reusableEmpty = await h.AddCardKeyProductAsync(keys: 0, configure: p => { p.Name = "循环无货"; p.ReusableKey = true; p.LowStockThreshold = 10; });
        var few = await h.AddCardKeyProductAsync(keys: 3, configure: p => { p.Name = "普通少货"; p.LowStockThreshold = 10; });
        await h.AddCardKeyProductAsync(keys: 12, configure: p => { p.Name = "普通够货"; p.LowStockThreshold = 10; });
        await h.AddCardKeyProductAsync(keys: 0, configure: p => { p.Name = "下架少货"; p.LowStockThreshold = 10; p.OnShelf = false; });

        await using var db = h.Db.NewContext();
        var warnings = await DashboardQueries.StockWarningsAsync(db);
        Assert.Equal(["循环无货", "普通少货"], warnings.Select(w => w.Name));
        Assert.Equal(1, warnings[0].Threshold);

        var levels = await StockLevels.ByStationAsync(db);
        Assert.False(levels.Single(l => l.ProductId == reusableInStock.Id).Low);
        Assert.True(levels.Single(l => l.ProductId == reusableEmpty.Id).Low);
        Assert.Equal(3, levels.Single(l => l.ProductId == few.Id).Available);
        Assert.Contains(levels, l => l.Name == "下架少货" && l.Low); // the restock alert watches off-shelf products too

        // The live signal's check of the products just sold.
        Assert.Equal(["普通少货"], (await StockLevels.LowAsync(db, p => p.Id == few.Id || p.Id == reusableInStock.Id)).Select(l => l.Name));
    }
}
