using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Orders;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Tests.Orders;

public class CheckoutRaceTests
{
    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [SqlServerData]
    public async Task Last_keys_are_sold_once_when_32_buyers_race(DatabaseProvider provider)
    {
        await using var h = await CommerceHarness.CreateAsync(provider);
        var product = await h.AddCardKeyProductAsync(keys: 10, priceFen: 700);
        var buyers = await h.AddBuyersAsync(32);

        using var start = new ManualResetEventSlim(false);
        var tasks = buyers.Select(buyer => Task.Run(async () =>
        {
            start.Wait();
            return (buyer, result: await h.Checkout.PlaceBalanceOrderAsync(CommerceHarness.Main, new CheckoutRequest(product.Id, 1, buyer, Guid.NewGuid().ToString("N"))));
        })).ToList();
        start.Set();
        var results = await Task.WhenAll(tasks);

        var won = results.Where(r => r.result.Succeeded).ToList();
        var lost = results.Where(r => !r.result.Succeeded).ToList();
        Assert.Equal(10, won.Count);
        Assert.Equal(22, lost.Count);
        Assert.All(lost, r => Assert.Equal("checkout.stock", r.result.ErrorCode));
        Assert.All(lost, r => Assert.Contains("库存不足", r.result.Error));

        await using var db = h.Db.NewContext();
        var sold = await db.CardKeys.Where(k => k.ProductId == product.Id && k.Status == CardKeyStatus.Sold).ToListAsync();
        Assert.Equal(10, sold.Count);
        Assert.Equal(10, sold.Select(k => k.OrderId).Distinct().Count()); // no key on two orders, no order with two keys
        Assert.Equal(10, await db.Orders.CountAsync(o => o.ProductId == product.Id && o.Status == OrderStatus.Delivered));
        Assert.Equal(0, await db.Orders.CountAsync(o => o.ProductId == product.Id && o.Status != OrderStatus.Delivered));
        foreach (var (buyer, _) in won) Assert.Equal(10000 - 700, await h.BalanceAsync(buyer));
        foreach (var (buyer, _) in lost) Assert.Equal(10000, await h.BalanceAsync(buyer));
        await h.AssertEveryWalletEqualsItsLedgerAsync();
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [SqlServerData]
    public async Task A_double_clicked_checkout_makes_one_order(DatabaseProvider provider)
    {
        await using var h = await CommerceHarness.CreateAsync(provider);
        var product = await h.AddCardKeyProductAsync(keys: 5);
        var buyer = (await h.AddBuyersAsync(1))[0];
        var form = Guid.NewGuid().ToString("N");

        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() =>
            h.Checkout.PlaceBalanceOrderAsync(CommerceHarness.Main, new CheckoutRequest(product.Id, 1, buyer, form)))));

        Assert.All(results, r => Assert.True(r.Succeeded, r.Error));
        Assert.Single(results.Select(r => r.OrderNumber).Distinct());
        await using var db = h.Db.NewContext();
        Assert.Equal(1, await db.Orders.CountAsync(o => o.BuyerUserId == buyer));
        Assert.Equal(1, await db.CardKeys.CountAsync(k => k.ProductId == product.Id && k.Status == CardKeyStatus.Sold));
        Assert.Equal(10000 - 700, await h.BalanceAsync(buyer));
        await h.AssertEveryWalletEqualsItsLedgerAsync();
    }
}
