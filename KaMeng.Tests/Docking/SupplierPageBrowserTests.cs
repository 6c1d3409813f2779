using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.OpenApi;
using KaMeng.Web.Features.Orders;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace KaMeng.Tests.Docking;

/// <summary>The supplier page in a browser: the downstream is the browser fixture's app, the upstream another KaMeng on loopback.</summary>
public sealed class SupplierPageBrowserTests(BrowserFixture fx, DockingApp upstream) : IClassFixture<BrowserFixture>, IClassFixture<DockingApp>
{
    [Fact]
    public async Task An_admin_adds_a_supplier_tests_it_browses_its_catalogue_and_imports_a_product_priced_by_the_rule()
    {
        var credentials = upstream.Services.GetRequiredService<ApiCredentialService>();
        var actor = new AuditActor("test", "test", null);
        // demo-buyer asks the upstream for a key (their own wallet there pays); the upstream approves it.
        var buyerId = await DockingPair.BuyerIdAsync(upstream);
        var (issued, _) = await credentials.RequestAsync(buyerId, Station.MainStationId, "浏览器测试");
        Assert.Null(await credentials.ApproveAsync(actor, issued!.Id));

        var page = await fx.NewPageAsync();
        await new LoginPage(page).LoginAsAsync("admin", TestAccounts.AdminPassword, "/admin/suppliers");
        var admin = new AdminPage(page);
        await admin.WaitForCircuitAsync();

        // A bad address is refused with a clear message and nothing is added.
        await page.Locator("input[name=supplier-name]").FillAsync("上游站");
        await page.Locator("input[name=supplier-url]").FillAsync("ftp://nope");
        await page.Locator("input[name=supplier-key]").FillAsync(issued.KeyId);
        await page.Locator("input[name=supplier-secret]").FillAsync(issued.Secret);
        await page.GetByTestId("supplier-add").ClickAsync();
        await Assertions.Expect(admin.Notification("地址应为")).ToBeVisibleAsync();

        await page.Locator("input[name=supplier-url]").FillAsync(upstream.BaseUrl);
        await page.GetByTestId("supplier-add").ClickAsync();
        var row = page.GetByTestId("supplier-grid").Locator("tbody tr").Filter(new() { HasText = upstream.BaseUrl });
        await Assertions.Expect(row).ToContainTextAsync("上游站");
        await row.GetByRole(AriaRole.Button, new() { Name = "测试连接" }).ClickAsync();
        await Assertions.Expect(admin.Notification("连接成功")).ToBeVisibleAsync();
        await Assertions.Expect(row).ToContainTextAsync("可用");

        await row.GetByRole(AriaRole.Button, new() { Name = "浏览商品" }).ClickAsync();
        var item = page.GetByTestId("catalogue-grid").Locator("tbody tr").Filter(new() { HasText = "王者荣耀 60 点券" });
        await Assertions.Expect(item).ToContainTextAsync("¥6.00");
        await page.Locator("select[name=import-kind]").SelectOptionAsync("PlusAmount");
        await page.Locator("input[name=import-value]").FillAsync("1.5");
        await page.Locator("select[name=import-rounding]").SelectOptionAsync("Fen");
        await item.GetByRole(AriaRole.Button, new() { Name = "导入" }).ClickAsync();
        await Assertions.Expect(admin.Notification("已导入")).ToBeVisibleAsync();
        var imported = page.GetByTestId("imported-grid").Locator("tbody tr").Filter(new() { HasText = "王者荣耀 60 点券" });
        await Assertions.Expect(imported).ToContainTextAsync("¥6.00 → ¥7.50");
        await Assertions.Expect(item).ToContainTextAsync("已导入");

        // A second supplier becomes the product's backup, then one click swaps them.
        var (second, _) = await credentials.RequestAsync(buyerId, Station.MainStationId, "备用");
        Assert.Null(await credentials.ApproveAsync(actor, second!.Id));
        await page.Locator("input[name=supplier-name]").FillAsync("备用站");
        await page.Locator("input[name=supplier-url]").FillAsync(upstream.BaseUrl + "/");
        await page.Locator("input[name=supplier-key]").FillAsync(second.KeyId);
        await page.Locator("input[name=supplier-secret]").FillAsync(second.Secret);
        await page.GetByTestId("supplier-add").ClickAsync();
        await Assertions.Expect(page.GetByTestId("supplier-grid")).ToContainTextAsync("备用站");
        await imported.Locator("select[name=backup-supplier]").SelectOptionAsync(new SelectOptionValue { Label = "备用站" });
        await imported.Locator("input[name=backup-product]").FillAsync("x");
        await imported.GetByRole(AriaRole.Button, new() { Name = "保存" }).ClickAsync();
        await Assertions.Expect(admin.Notification("商品 ID")).ToBeVisibleAsync();
        await imported.Locator("input[name=backup-product]").FillAsync("1");
        await imported.GetByRole(AriaRole.Button, new() { Name = "保存" }).ClickAsync();
        await Assertions.Expect(imported).ToContainTextAsync("备用：备用站");
        await imported.GetByRole(AriaRole.Button, new() { Name = "一键切换" }).ClickAsync();
        await Assertions.Expect(imported).ToContainTextAsync("备用：上游站");
        await BrowserFixture.ScreenshotsAsync(page, "docking-suppliers");

        await using var db = fx.App.NewContext();
        var link = await db.SupplierProducts.SingleAsync();
        var product = await db.Products.SingleAsync(p => p.Id == link.ProductId);
        Assert.Equal(750, product.BasePrice.Fen);
        Assert.True(product.OnShelf);
        var backupSupplier = await db.Suppliers.SingleAsync(s => s.Name == "上游站");
        Assert.Equal(backupSupplier.Id, link.BackupSupplierId);
        Assert.Equal(1, link.BackupUpstreamProductId);
    }
}
