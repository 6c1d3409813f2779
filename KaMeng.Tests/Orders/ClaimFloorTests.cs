using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Orders;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Tests.Orders;

/// <summary>On PostgreSQL the claim starts at the product's floor (the lowest key the latest claim took); the floor is a hint only.</summary>
public class ClaimFloorTests
{
    [Fact]
    public async Task A_key_given_back_below_the_floor_is_still_sold_before_stock_runs_out()
    {
        await using var h = await CommerceHarness.CreateAsync(DatabaseProvider.Postgres);
        var product = await h.AddCardKeyProductAsync(keys: 3);
        long[] keys;
        await using (var read = h.Db.NewContext())
            keys = await read.CardKeys.Where(k => k.ProductId == product.Id).OrderBy(k => k.Id).Select(k => k.Id).ToArrayAsync();
        var now = DateTimeOffset.UtcNow;

        async Task<int> ClaimAsync(long orderId)
        {
            await using var db = h.Db.NewContext();
            await using var tx = await db.Database.BeginTransactionAsync();
            var taken = await CardKeyClaim.ClaimAsync(db, product.Id, orderId, 1, now, CancellationToken.None);
            await tx.CommitAsync();
            return taken;
        }

        // Order 1 takes the first key and rolls back later; meanwhile order 2 skips the locked key and takes the second,
        // which raises the floor above the first.
        await using (var first = h.Db.NewContext())
        {
            await using var tx = await first.Database.BeginTransactionAsync();
            Assert.Equal(1, await CardKeyClaim.ClaimAsync(first, product.Id, 1, 1, now, CancellationToken.None));
            Assert.Equal(1, await ClaimAsync(2));
            await tx.RollbackAsync();
        }

        Assert.Equal(1, await ClaimAsync(3)); // from the floor: the third key
        Assert.Equal(1, await ClaimAsync(4)); // nothing from the floor on, so from the start: the given-back first key
        Assert.Equal(0, await ClaimAsync(5)); // sold out

        await using var check = h.Db.NewContext();
        var sold = await check.CardKeys.Where(k => k.ProductId == product.Id).OrderBy(k => k.Id).Select(k => new { k.Id, k.Status, k.OrderId }).ToListAsync();
        Assert.Equal([(keys[0], 4L), (keys[1], 2L), (keys[2], 3L)], sold.Select(k => (k.Id, k.OrderId!.Value)));
        Assert.All(sold, k => Assert.Equal(CardKeyStatus.Sold, k.Status));
    }
}
