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
    public async Task An_admin_adds_a_supplier_tests_it_browses_its_catalogue_and_after_confirming_imports_a_product_priced_by_the_rule()
    {
        var credentials = upstream.Services.GetRequiredService<ApiCredentialService>();
        var actor = new AuditActor("test", "test", null);
        // demo-buyer asks the upstream for a key (their own wallet there pays); the upstream approves it.
        var buyerId = await DockingPair.BuyerIdAsync(upstream);
        var (issued, _) = await credentials.RequestAsync(buyerId, Station.MainStationId, "浏览器测试");
        Assert.Null(await credentials.ApproveAsync(actor, issued!.Id));

        var page = await fx.NewPageAsync();
        await new LoginPage(page).LoginAsAsync("admin", TestAccounts.AdminPassword, "/admin/suppliers");
        var suppliers = new SupplierAdminPage(page);
        var admin = suppliers.Admin;
        await admin.WaitForCircuitAsync();

        // A bad address is refused next to its field, in Chinese, and nothing is added.
        await suppliers.FillSupplierAsync("上游站", "ftp://nope", issued.KeyId, issued.Secret);
        await suppliers.AddAsync();
        await Assertions.Expect(suppliers.Form.GetByText("地址应为 http:// 或 https:// 开头")).ToBeVisibleAsync();
        await Assertions.Expect(suppliers.SupplierGrid.GetByTestId("empty-state")).ToBeVisibleAsync();

        await page.GetByTestId("supplier-url").FillAsync(upstream.BaseUrl);
        await Assertions.Expect(suppliers.Form.GetByText("地址应为 http:// 或 https:// 开头")).ToHaveCountAsync(0);
        await suppliers.AddAsync();
        await Assertions.Expect(admin.Notification("已添加供货商「上游站」")).ToBeVisibleAsync();
        var row = suppliers.SupplierRow("上游站");
        await Assertions.Expect(row).ToContainTextAsync(upstream.BaseUrl);
        await row.GetByTestId("supplier-ping").ClickAsync();
        await Assertions.Expect(admin.Notification("连接成功")).ToBeVisibleAsync();
        await Assertions.Expect(row.GetByTestId("supplier-status")).ToHaveTextAsync("可用");

        // Importing asks first, repeating the upstream price, the rule and the selling price it gives.
        await row.GetByTestId("supplier-browse").ClickAsync();
        var item = suppliers.CatalogueRow("王者荣耀 60 点券");
        await Assertions.Expect(item.GetByTestId("catalogue-price")).ToHaveTextAsync("¥6.00");
        await Selects.ChooseAsync(page, page.GetByTestId("import-kind"), "上游价 + 金额");
        await page.GetByTestId("import-value").FillAsync("1.5");
        await Selects.ChooseAsync(page, page.GetByTestId("import-rounding"), "到分");
        await item.GetByTestId("catalogue-import").ClickAsync();
        await Assertions.Expect(admin.Confirmation).ToContainTextAsync("上游价 ¥6.00，规则：上游价 +1.5 元，取整到分，售价 ¥7.50");
        await admin.ConfirmAsync();
        await Assertions.Expect(admin.Notification("已导入「王者荣耀 60 点券」")).ToBeVisibleAsync();
        var imported = suppliers.ImportedRow("王者荣耀 60 点券");
        await Assertions.Expect(imported.GetByTestId("imported-price")).ToHaveTextAsync("¥6.00 → ¥7.50");
        await Assertions.Expect(item.GetByTestId("catalogue-imported")).ToBeVisibleAsync();

        // Syncing prices asks first too; the upstream price is unchanged, so is ours.
        await page.GetByTestId("supplier-sync").ClickAsync();
        await Assertions.Expect(admin.Confirmation).ToContainTextAsync("1 个已导入商品");
        await admin.ConfirmAsync();
        await Assertions.Expect(admin.Notification("同步完成")).ToBeVisibleAsync();
        await Assertions.Expect(imported.GetByTestId("imported-price")).ToHaveTextAsync("¥6.00 → ¥7.50");

        // A second supplier becomes the product's backup, then one click (confirmed) swaps them.
        var (second, _) = await credentials.RequestAsync(buyerId, Station.MainStationId, "备用");
        Assert.Null(await credentials.ApproveAsync(actor, second!.Id));
        await suppliers.FillSupplierAsync("备用站", upstream.BaseUrl + "/", second.KeyId, second.Secret);
        await suppliers.AddAsync();
        await Assertions.Expect(suppliers.SupplierRow("备用站")).ToBeVisibleAsync();
        await suppliers.WaitIdleAsync();
        await Selects.ChooseAsync(page, imported.GetByTestId("backup-supplier"), "备用站");
        await imported.GetByTestId("backup-product").FillAsync("x");
        await imported.GetByTestId("backup-save").ClickAsync();
        await Assertions.Expect(imported.GetByText("请填写备用供货商的商品 ID（数字）")).ToBeVisibleAsync();
        await imported.GetByTestId("backup-product").FillAsync("1");
        await Assertions.Expect(imported.GetByText("请填写备用供货商的商品 ID（数字）")).ToHaveCountAsync(0);
        await imported.GetByTestId("backup-save").ClickAsync();
        await Assertions.Expect(imported.GetByTestId("imported-backup")).ToHaveTextAsync("备用：备用站");
        await imported.GetByTestId("backup-swap").ClickAsync();
        await Assertions.Expect(admin.Confirmation).ToContainTextAsync("改由备用供货商「备用站」");
        await admin.ConfirmAsync();
        await Assertions.Expect(imported.GetByTestId("imported-backup")).ToHaveTextAsync("备用：上游站");
        await Assertions.Expect(imported.GetByTestId("imported-supplier")).ToHaveTextAsync("备用站");

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

/// <summary>Page object: /admin/suppliers (上游供货). Elements are found by data-testid and role only.</summary>
public sealed class SupplierAdminPage(IPage page)
{
    public AdminPage Admin { get; } = new(page);

    public ILocator Form => page.GetByTestId("supplier-form");
    public ILocator SupplierGrid => page.GetByTestId("supplier-grid");

    public async Task FillSupplierAsync(string name, string url, string keyId, string secret)
    {
        await page.GetByTestId("supplier-name").FillAsync(name);
        await page.GetByTestId("supplier-url").FillAsync(url);
        await page.GetByTestId("supplier-key").FillAsync(keyId);
        await page.GetByTestId("supplier-secret").FillAsync(secret);
    }

    public Task AddAsync() => page.GetByTestId("supplier-add").ClickAsync();

    /// <summary>The page's buttons are enabled again once an action has finished (lists reloaded and rendered).</summary>
    public Task WaitIdleAsync() => Assertions.Expect(page.GetByTestId("supplier-add")).ToBeEnabledAsync();

    public ILocator SupplierRow(string name) =>
        SupplierGrid.Locator("tr").Filter(new() { Has = page.GetByTestId("supplier-name-cell").GetByText(name, new() { Exact = true }) });

    public ILocator CatalogueRow(string name) =>
        page.GetByTestId("catalogue-grid").Locator("tr").Filter(new() { Has = page.GetByTestId("catalogue-name").GetByText(name, new() { Exact = true }) });

    public ILocator ImportedRow(string name) =>
        page.GetByTestId("imported-grid").Locator("tr").Filter(new() { Has = page.GetByTestId("imported-name").GetByText(name, new() { Exact = true }) });
}
