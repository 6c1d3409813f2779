using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Tests.Data;

public class TenancyScopeTests
{
    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [SqlServerData]
    public async Task A_scoped_context_sees_only_its_stations_rows_and_a_pooled_context_forgets_the_scope(DatabaseProvider provider)
    {
        await using var h = await CommerceHarness.CreateAsync(provider);
        var product = await h.AddCardKeyProductAsync(keys: 3);
        var buyers = await h.AddBuyersAsync(2);
        var demo = await h.StationAsync(2);
        Assert.True((await h.Checkout.PlaceBalanceOrderAsync(CommerceHarness.Main, new(product.Id, 1, buyers[0], Guid.NewGuid().ToString("N")))).Succeeded);
        Assert.True((await h.Checkout.PlaceBalanceOrderAsync(demo, new(product.Id, 1, buyers[1], Guid.NewGuid().ToString("N")))).Succeeded);

        for (var round = 0; round < 3; round++)
        {
            await using (var scoped = h.Db.NewContext().ScopedTo(demo.Id))
            {
                Assert.Equal([demo.Id], await scoped.Orders.Select(o => o.StationId).Distinct().ToListAsync());
                Assert.Equal(0, await scoped.CardKeys.CountAsync()); // the keys belong to the main station
                Assert.Equal([demo.Id], await scoped.Stations.Select(s => s.Id).ToListAsync());
                Assert.True(await scoped.Products.AnyAsync(p => p.Id == product.Id)); // the main catalogue is resold
            }
            await using (var other = h.Db.NewContext().ScopedTo(999))
                Assert.Equal(0, await other.Orders.CountAsync());
            // The next context from the pool is unscoped again.
            await using var unscoped = h.Db.NewContext();
            Assert.Null(unscoped.ScopeStationId);
            Assert.Equal(2, await unscoped.Orders.CountAsync());
        }
    }
}
