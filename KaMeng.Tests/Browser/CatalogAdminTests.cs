using KaMeng.Domain;
using KaMeng.Tests.Catalog;
using KaMeng.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace KaMeng.Tests.Browser;

public class CatalogAdminTests(BrowserFixture fx) : IClassFixture<BrowserFixture>
{
    async Task<IPage> SignedInAdminAsync(bool mobile = false)
    {
        var page = await fx.NewPageAsync(mobile);
        await new LoginPage(page).LoginAsAsync("admin", TestAccounts.AdminPassword, "/admin");
        return page;
    }

    [Fact]
    public async Task Admin_creates_a_category_and_a_card_key_product_finds_it_in_the_grid_and_takes_it_off_shelf()
    {
        var page = await SignedInAdminAsync();
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var categoryName = "浏览器测试分类" + suffix;
        var productName = "浏览器测试点卡 " + suffix;

        var categories = new CategoryAdminPage(page);
        await categories.GotoAsync();
        // The icon is picked by its Chinese name; the Material name is what is stored.
        await categories.CreateAsync(categoryName, icon: "游戏");
        await Assertions.Expect(categories.Icon(categoryName)).ToHaveAttributeAsync("data-icon", "sports_esports");
        await Assertions.Expect(categories.Admin.Notification($"已新建分类「{categoryName}」")).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotsAsync(page, "admin-categories");

        var products = new ProductListPage(page);
        await products.GotoAsync();
        await products.NewProductAsync();
        var edit = new ProductEditPage(page);
        await edit.FillAsync(productName, categoryName, price: "12.50", cost: "10", faceValue: "12.50");
        await edit.DescribeAsync("**自动发货**，购买后在订单页查看卡密。");
        await Assertions.Expect(edit.Preview.Locator("strong")).ToHaveTextAsync("自动发货");
        await edit.WritePurchaseNoticeAsync("虚拟商品，售出不退");
        await BrowserFixture.ScreenshotsAsync(page, "admin-product-edit");
        await edit.SaveAsync();

        // Back on the grid: the new product is there with its price, no keys yet, on shelf.
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/admin/products$"));
        await Assertions.Expect(products.Row(productName)).ToBeVisibleAsync();
        // Nothing cut off at 1280 px: the last column's header is fully on screen.
        await Assertions.Expect(products.LastColumnHeader).ToBeInViewportAsync(new() { Ratio = 1 });
        var header = await products.LastColumnHeader.BoundingBoxAsync();
        Assert.True(header!.X + header.Width <= 1280, $"操作 ends at {header.X + header.Width}px");
        await Assertions.Expect(products.Price(productName)).ToHaveTextAsync("¥12.50");
        await Assertions.Expect(products.Stock(productName)).ToHaveTextAsync("0");
        await Assertions.Expect(products.Status(productName)).ToHaveTextAsync("上架中");
        await using (var db = fx.App.NewContext())
        {
            var stored = await db.Products.SingleAsync(p => p.Name == productName);
            Assert.Equal((1250L, 1000L, DeliveryType.CardKey), (stored.BasePrice.Fen, stored.CostPrice.Fen, stored.DeliveryType));
            Assert.Equal("虚拟商品，售出不退", stored.PurchaseNotice);
            Assert.True(await db.AuditEntries.AnyAsync(a => a.Action == "product.create" && a.Target == $"product:{stored.Id}" && a.UserName == "admin"));
        }

        // Server-side search narrows the grid to it; the category filter finds it too.
        await products.SearchAsync(suffix);
        await Assertions.Expect(products.Rows).ToHaveCountAsync(1);
        await Assertions.Expect(products.Rows.First).ToContainTextAsync(productName);
        await products.SearchAsync("");
        await products.FilterByCategoryAsync(categoryName);
        await Assertions.Expect(products.Rows).ToHaveCountAsync(1);

        // Batch action 下架.
        await products.SelectAsync(productName);
        await Assertions.Expect(products.SelectedCount).ToHaveTextAsync("已选 1 个");
        await Assertions.Expect(products.BatchBar).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotsAsync(page, "admin-products-selected");
        await products.TakeOffShelfAsync();
        await Assertions.Expect(products.Status(productName)).ToHaveTextAsync("已下架");
        await Assertions.Expect(products.Admin.Notification("1 个商品已下架")).ToBeVisibleAsync();
        await Assertions.Expect(products.BatchBar).Not.ToBeVisibleAsync();
        await using (var db = fx.App.NewContext())
        {
            var stored = await db.Products.SingleAsync(p => p.Name == productName);
            Assert.False(stored.OnShelf);
            Assert.True(await db.AuditEntries.AnyAsync(a => a.Action == "product.shelf.off" && a.Target == $"product:{stored.Id}"));
        }
        await BrowserFixture.ScreenshotsAsync(page, "admin-products");

        // At 390 px the grid's rows are cards and nothing widens the page.
        await page.SetViewportSizeAsync(390, 844);
        await Assertions.Expect(products.Row(productName)).ToBeVisibleAsync();
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= 390"), "the product page is wider than a 390 px phone");
        await page.SetViewportSizeAsync(1280, 800);
    }

    [Fact]
    public async Task A_price_below_cost_is_refused_with_a_chinese_message_and_nothing_is_saved()
    {
        var page = await SignedInAdminAsync();
        var name = "亏本商品 " + Guid.NewGuid().ToString("N")[..6];
        var edit = new ProductEditPage(page);
        await edit.GotoNewAsync();
        await edit.FillAsync(name, "游戏点卡", price: "9.99", cost: "10");
        await edit.SaveAsync();
        await Assertions.Expect(edit.Errors).ToContainTextAsync("售价 ¥9.99 低于成本价 ¥10.00，会亏本出售，请调整售价");

        await page.GetByTestId("product-price-input").FillAsync("9.999");
        await edit.SaveAsync();
        await Assertions.Expect(edit.Errors).ToContainTextAsync("售价「9.999」不是有效金额");
        await Assertions.Expect(edit.PriceInput).ToHaveAttributeAsync("aria-invalid", "true");
        await BrowserFixture.ScreenshotsAsync(page, "admin-product-edit-errors");

        // Fixed: the message goes at once, before any save.
        await edit.PriceInput.FillAsync("12.50");
        await Assertions.Expect(edit.Errors).Not.ToBeVisibleAsync();
        await Assertions.Expect(edit.PriceInput).ToHaveAttributeAsync("aria-invalid", "false");
        await using var db = fx.App.NewContext();
        Assert.False(await db.Products.AnyAsync(p => p.Name == name));
    }

    [Fact]
    public async Task Deleting_a_category_that_has_products_shows_why_it_is_refused()
    {
        var page = await SignedInAdminAsync();
        var categories = new CategoryAdminPage(page);
        await categories.GotoAsync();
        await categories.DeleteAsync("游戏点卡");
        await Assertions.Expect(categories.Admin.Confirmation).ToContainTextAsync("确定删除分类「游戏点卡」");
        await categories.Admin.ConfirmAsync();
        await Assertions.Expect(categories.Admin.Notification("分类「游戏点卡」下还有 2 个商品，请先把商品移到其他分类或删除")).ToBeVisibleAsync();
        await Assertions.Expect(categories.Row("游戏点卡")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task The_product_form_uploads_an_image_checked_by_its_bytes_and_serves_it_safely()
    {
        var page = await SignedInAdminAsync(mobile: true);
        var edit = new ProductEditPage(page);
        await edit.GotoNewAsync();

        await edit.UploadImageAsync("not-really.png", "image/png", "<script>alert(1)</script>"u8.ToArray());
        await Assertions.Expect(edit.ImageError).ToHaveTextAsync("只支持 PNG、JPEG、GIF、WebP 格式的图片");

        await edit.UploadImageAsync("big.png", "image/png", new byte[3 * 1024 * 1024]);
        await Assertions.Expect(edit.ImageError).ToHaveTextAsync("图片不能超过 2 MB");

        await edit.UploadImageAsync("photo.jpeg.txt", "text/plain", ImageUploadTests.Png);
        await Assertions.Expect(edit.ImagePreview).ToHaveAttributeAsync("src", new System.Text.RegularExpressions.Regex(@"^/uploads/products/[0-9a-f]{32}\.png$"));
        var src = await edit.ImagePreview.GetAttributeAsync("src");
        var response = await page.APIRequest.GetAsync(src!);
        Assert.Equal(200, response.Status);
        Assert.Equal("image/png", response.Headers["content-type"]);
        Assert.Equal("nosniff", response.Headers["x-content-type-options"]);
        Assert.Equal(ImageUploadTests.Png, await response.BodyAsync());
        await BrowserFixture.ScreenshotsAsync(page, "admin-product-image");
    }
}
