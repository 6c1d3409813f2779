using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Orders;

namespace KaMeng.Tests.Security;

/// <summary>A query password (查单密码) has at least 6 characters: a 4-digit one fell to 查单 guessing in minutes.</summary>
public class QueryPasswordTests : IAsyncLifetime
{
    CommerceHarness h = default!;
    Product product = default!;
    string buyer = default!;

    public async Task InitializeAsync()
    {
        h = await CommerceHarness.CreateAsync(DatabaseProvider.Sqlite);
        product = await h.AddCardKeyProductAsync(keys: 3, priceFen: 700);
        buyer = (await h.AddBuyersAsync(1))[0];
    }

    public async Task DisposeAsync() => await h.DisposeAsync();

    [Theory]
    [InlineData("1234")]
    [InlineData("12345")]
    public async Task A_short_query_password_is_refused_in_chinese(string password)
    {
        var result = await h.Checkout.PlaceBalanceOrderAsync(CommerceHarness.Main,
            new CheckoutRequest(product.Id, 1, buyer, Guid.NewGuid().ToString("N"), Contact: "buyer@example.cn", QueryPassword: password));
        Assert.False(result.Succeeded);
        Assert.Equal("查单密码长度为 6–32 位", result.Error);
    }

    [Fact]
    public async Task Six_characters_are_enough()
    {
        var result = await h.Checkout.PlaceBalanceOrderAsync(CommerceHarness.Main,
            new CheckoutRequest(product.Id, 1, buyer, Guid.NewGuid().ToString("N"), Contact: "buyer@example.cn", QueryPassword: "135790"));
        Assert.True(result.Succeeded, result.Error);
    }
}
