using KaMeng.Tests.Infrastructure;

namespace KaMeng.Tests.Web;

/// <summary>Issue 17 §3: staff who sign in without asking for a page land in the admin; buyers on the storefront.</summary>
[Collection(SharedAppCollection.Name)]
public class SignInLandingTests(KaMengApp app)
{
    string PathOf(string? location) => new Uri(new Uri(app.BaseUrl), location).AbsolutePath;

    [Theory]
    [InlineData("admin", TestAccounts.AdminPassword)]
    [InlineData("demo-owner", TestAccounts.DemoPassword)]
    [InlineData("demo-finance", TestAccounts.DemoPassword)]
    public async Task Staff_land_in_the_admin(string user, string password)
    {
        using var http = await SignedInHttp.SignInAsync(app, user, password);
        Assert.Equal("/admin", PathOf(http.LastRedirect));
    }

    [Fact]
    public async Task A_buyer_lands_on_the_storefront()
    {
        using var http = await SignedInHttp.SignInAsync(app, "demo-buyer", TestAccounts.DemoPassword);
        Assert.Equal("/", PathOf(http.LastRedirect));
    }
}
