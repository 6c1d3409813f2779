using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.OpenApi;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace KaMeng.Tests.Browser;

public class ApiCredentialsPageTests(BrowserFixture fx) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task The_api_keys_page_links_to_documentation_that_exists_and_asks_before_revoking_a_key()
    {
        string buyerId;
        await using (var db = fx.App.NewContext()) buyerId = (await db.Users.SingleAsync(u => u.UserName == "demo-buyer")).Id;
        var credentials = fx.App.Services.GetRequiredService<ApiCredentialService>();
        var (issued, _) = await credentials.RequestAsync(buyerId, Station.MainStationId, "页面测试");
        Assert.NotNull(issued);

        var page = await fx.NewPageAsync();
        await new LoginPage(page).LoginAsAsync("admin", TestAccounts.AdminPassword, "/admin/api-credentials");
        var admin = new AdminPage(page);
        await admin.WaitForCircuitAsync();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("对接密钥（Open API）");

        // The documentation link answers (it used to point at /api/open/v1/, a 404).
        var href = await page.GetByTestId("api-docs-link").GetAttributeAsync("href");
        Assert.False(string.IsNullOrEmpty(href));
        var docs = await page.APIRequest.GetAsync(new Uri(new Uri(page.Url), href).ToString());
        Assert.Equal(200, docs.Status);
        Assert.Contains("KaMeng Open API", await docs.TextAsync());

        var keys = new ApiCredentialsAdminPage(page);
        await Assertions.Expect(keys.Row(issued!.KeyId)).ToContainTextAsync("待批准");
        await keys.ApproveAsync(issued.KeyId);
        await Assertions.Expect(keys.Row(issued.KeyId)).ToContainTextAsync("已启用");
        await BrowserFixture.ScreenshotsAsync(page, "api-credentials");

        // Revoking cannot be undone: it is asked first, naming the key; cancelled, nothing changes.
        await keys.RevokeAsync(issued.KeyId);
        await Assertions.Expect(admin.Confirmation).ToContainTextAsync(issued.KeyId);
        await admin.CancelConfirmationAsync();
        await Assertions.Expect(keys.Row(issued.KeyId)).ToContainTextAsync("已启用");
        await keys.RevokeAsync(issued.KeyId);
        await admin.ConfirmAsync();
        await Assertions.Expect(keys.Row(issued.KeyId)).ToContainTextAsync("已吊销");
    }
}
