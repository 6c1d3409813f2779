using System.Text;
using System.Text.RegularExpressions;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Substations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace KaMeng.Tests.Browser;

/// <summary>The builder's custom pages, image uploads in block settings, duplicating and hiding blocks, keyboard undo.</summary>
public class BuilderPagesTests(BrowserFixture fx) : IClassFixture<BrowserFixture>
{
    static readonly LocatorAssertionsToBeVisibleOptions Visible = new() { Timeout = 20_000 };

    async Task<(IPage Page, BuilderPage Builder)> OpenBuilderAsOwnerAsync()
    {
        var page = await fx.NewPageAsync();
        return (page, await BuilderPage.SignInAsync(page, "demo-owner", TestAccounts.DemoPassword));
    }

    [Fact]
    public async Task The_owner_creates_an_about_page_adds_blocks_publishes_it_and_buyers_see_it_at_p_about()
    {
        var (page, builder) = await OpenBuilderAsOwnerAsync();
        await page.GetByTestId("new-page-title").FillAsync("关于我们");
        await page.GetByTestId("new-page-slug").FillAsync("about");
        await page.GetByTestId("new-page-slug").BlurAsync();
        await page.GetByTestId("create-page").ClickAsync();
        await builder.ExpectToastAsync("页面已创建");
        await Assertions.Expect(builder.CurrentPage).ToHaveAttributeAsync("data-current", "关于我们（/p/about）");
        await builder.WaitForOrderAsync("rich-text");

        // A FAQ dragged below the text, contacts added with the palette's button (after the selected FAQ).
        await builder.DragFromPaletteAsync("faq", 1);
        await builder.WaitForOrderAsync("rich-text", "faq");
        await page.GetByRole(AriaRole.Button, new() { Name = "添加客服联系方式" }).ClickAsync();
        await builder.WaitForOrderAsync("rich-text", "faq", "contacts");

        await builder.EditAsync(builder.Block("rich-text"));
        await builder.FillSettingAsync("setting-markdown", "## 关于我们\n\n本店诚信经营，**自动发货**。");
        await builder.ApplySettingsAsync();
        await Assertions.Expect(builder.Preview.GetByText("本店诚信经营")).ToBeVisibleAsync(Visible);

        // Not published yet: buyers get a real 404.
        var store = await fx.NewPageAsync(mobile: true);
        var response = await store.GotoAsync("/s/demo/p/about");
        Assert.Equal(404, response!.Status);
        await Assertions.Expect(store.GetByRole(AriaRole.Heading, new() { Name = "页面不存在" })).ToBeVisibleAsync();

        await builder.PublishAsync(1);
        await BrowserFixture.ScreenshotsAsync(page, "builder-custom-page");
        response = await store.GotoAsync("/s/demo/p/about");
        Assert.Equal(200, response!.Status);
        Assert.Equal(["rich-text", "faq", "contacts"], await BuilderPage.StoreOrderAsync(store.Locator("body")));
        await Assertions.Expect(store.Locator("strong", new() { HasTextString = "自动发货" })).ToBeVisibleAsync();
        await Assertions.Expect(store.GetByText("多久到账？")).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotsAsync(store, "custom-page-about");

        // A slug that has no page is a 404 with the storefront's message.
        response = await store.GotoAsync("/s/demo/p/no-such-page");
        Assert.Equal(404, response!.Status);
        await Assertions.Expect(store.GetByRole(AriaRole.Heading, new() { Name = "页面不存在" })).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotsAsync(store, "custom-page-missing");
    }

    [Fact]
    public async Task Uploaded_images_show_in_preview_and_store_bad_files_are_refused_and_duplicated_and_hidden_blocks_publish_as_shown()
    {
        // The demo station sells at +50 %: the preview must show its prices, not the main station's.
        Assert.Null(await fx.App.Services.GetRequiredService<PriceRuleService>().SaveAsync(2,
            new PriceRuleInput(PriceRuleAudience.Selling, PriceRuleScope.All, null, null, PriceRuleKind.PlusPercent, "50", PriceRounding.Fen), new AuditActor("admin-id", "admin", null)));
        var (page, builder) = await OpenBuilderAsOwnerAsync();
        var png = await PngAsync(page);
        var start = await builder.OrderAsync();
        Assert.Contains("category-nav", start);

        // A banner at the top; its first slide's image uploaded through the file input.
        await builder.DragFromPaletteAsync("banner", 0);
        await builder.WaitForOrderAsync(["banner", .. start]);
        await page.GetByTestId("add-slides").ClickAsync();
        await page.GetByTestId("upload-slides-0-image").SetInputFilesAsync(new FilePayload { Name = "banner.png", MimeType = "image/png", Buffer = png });
        await builder.ExpectMessageAsync("图片已上传");
        await Assertions.Expect(page.GetByTestId("settings-panel").Locator("img.field-image")).ToHaveAttributeAsync("src", new Regex("^/uploads/layout/[0-9a-f]{32}\\.png$"), new() { Timeout = 20_000 });
        await builder.FillSettingAsync("setting-slides-0-alt", "新品上架");
        await builder.ApplySettingsAsync();
        var previewBanner = builder.Preview.Locator(".km-banner img[alt='新品上架']");
        await Assertions.Expect(previewBanner).ToBeVisibleAsync(Visible);
        await Assertions.Expect(previewBanner).ToHaveJSPropertyAsync("naturalWidth", 600, new() { Timeout = 20_000 }); // the uploaded PNG loads

        // An image + text block: an SVG (with a script) and an oversized file are refused in Chinese; a PNG is taken.
        await builder.DragFromPaletteAsync("image-text", 1);
        await builder.WaitForOrderAsync(["banner", "image-text", .. start]);
        var upload = page.GetByTestId("upload-image");
        await upload.SetInputFilesAsync(new FilePayload { Name = "logo.svg", MimeType = "image/svg+xml", Buffer = Encoding.UTF8.GetBytes("<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"><script>alert(2)</script></svg>") });
        await builder.ExpectErrorAsync("只支持 PNG、JPEG、GIF、WebP 格式的图片");
        await upload.SetInputFilesAsync(new FilePayload { Name = "huge.png", MimeType = "image/png", Buffer = [.. png, .. new byte[3 * 1024 * 1024]] });
        await builder.ExpectErrorAsync("图片不能超过 2 MB");
        await Assertions.Expect(page.GetByTestId("settings-panel").Locator("img.field-image")).ToHaveCountAsync(0);
        await upload.SetInputFilesAsync(new FilePayload { Name = "photo.png", MimeType = "image/png", Buffer = png });
        await builder.ExpectMessageAsync("图片已上传");
        await Assertions.Expect(builder.Errors).ToHaveCountAsync(0);
        await builder.FillSettingAsync("setting-title", "新店开业");
        await builder.ApplySettingsAsync();

        // Duplicate the image + text block; hide the category navigation.
        await builder.Block("image-text").GetByTestId("duplicate").ClickAsync();
        await builder.WaitForOrderAsync(["banner", "image-text", "image-text", .. start]);
        await builder.Block("category-nav").GetByTestId("toggle-hidden").ClickAsync();
        await Assertions.Expect(builder.Block("category-nav")).ToContainTextAsync("（已隐藏）", new() { Timeout = 20_000 });

        // Ctrl+Z on a focused block undoes the hide, Ctrl+Y redoes it.
        await builder.Block("category-nav").FocusAsync();
        await page.Keyboard.PressAsync("Control+z");
        await Assertions.Expect(builder.Block("category-nav")).Not.ToContainTextAsync("（已隐藏）", new() { Timeout = 20_000 });
        await builder.Block("category-nav").FocusAsync();
        await page.Keyboard.PressAsync("Control+y");
        await Assertions.Expect(builder.Block("category-nav")).ToContainTextAsync("（已隐藏）", new() { Timeout = 20_000 });

        string[] shown = ["banner", "image-text", "image-text", .. start.Where(t => t != "category-nav")];
        await Assertions.Expect(builder.Preview.Locator("[data-testid=block][data-block-type=image-text]")).ToHaveCountAsync(2, new() { Timeout = 20_000 });
        Assert.Equal(shown, await BuilderPage.StoreOrderAsync(builder.Preview.Locator("body")));

        var previewPrices = await PricesAsync(builder.Preview.Locator("body"));
        Assert.NotEmpty(previewPrices);

        await builder.PublishAsync(1);
        await BrowserFixture.ScreenshotsAsync(page, "builder-images");
        var store = await fx.NewPageAsync(mobile: true);
        await store.GotoAsync("/s/demo/");
        Assert.Equal(shown, await BuilderPage.StoreOrderAsync(store.Locator("body")));
        await Assertions.Expect(store.Locator("[data-block-type=image-text] h2", new() { HasTextString = "新店开业" })).ToHaveCountAsync(2);
        var storeBanner = store.Locator(".km-banner img[alt='新品上架']");
        await Assertions.Expect(storeBanner).ToBeVisibleAsync();
        await Assertions.Expect(storeBanner).ToHaveJSPropertyAsync("naturalWidth", 600, new() { Timeout = 20_000 });
        var src = await storeBanner.GetAttributeAsync("src");
        using var http = fx.App.NewHttpClient();
        var image = await http.GetAsync(src);
        Assert.Equal("image/png", image.Content.Headers.ContentType?.MediaType);
        Assert.Equal("nosniff", image.Headers.GetValues("X-Content-Type-Options").Single());
        await BrowserFixture.ScreenshotsAsync(store, "builder-images-published");

        Assert.Equal(await PricesAsync(store.Locator("body")), previewPrices);
        await store.GotoAsync("/");
        var mainPrices = (await PricesAsync(store.Locator("body"))).ToDictionary(p => p.Name, p => p.Price);
        var (name, price) = previewPrices[0];
        Assert.NotEqual(mainPrices[name], price);
    }

    [Fact]
    public async Task On_a_phone_the_owner_adds_every_kind_of_block_with_buttons_edits_them_and_publishes_after_confirming()
    {
        var page = await fx.NewPageAsync(mobile: true);
        var builder = await BuilderPage.SignInAsync(page, "demo-owner", TestAccounts.DemoPassword);
        await page.GetByTestId("new-page-title").FillAsync("活动");
        await page.GetByTestId("new-page-slug").FillAsync("promo");
        await page.GetByTestId("new-page-slug").BlurAsync();
        await page.GetByTestId("create-page").ClickAsync();
        await builder.ExpectToastAsync("页面已创建");
        await builder.WaitForOrderAsync("rich-text");

        // Every block type has an add button: each new block goes after the one just added (and selected).
        var types = new[] { "announcement", "banner", "category-nav", "product-grid", "hot-products", "rich-text", "image-text", "faq", "contacts", "notice", "footer" };
        var order = new List<string> { "rich-text" };
        foreach (var type in types)
        {
            await page.GetByTestId($"palette-{type}").GetByRole(AriaRole.Button).ClickAsync();
            order.Add(type);
            await builder.WaitForOrderAsync([.. order]);
            await Assertions.Expect(page.GetByTestId("apply-settings")).ToBeVisibleAsync(); // the new block is open for editing
        }
        await Assertions.Expect(builder.Errors).ToHaveCountAsync(0);

        // Each block opens its settings from its 编辑 button.
        for (var i = 0; i < order.Count; i++)
        {
            await builder.Blocks.Nth(i).GetByTestId("edit-block").ClickAsync();
            await Assertions.Expect(builder.Blocks.Nth(i)).ToHaveAttributeAsync("aria-selected", "true");
            await Assertions.Expect(page.GetByTestId("block-settings")).ToBeVisibleAsync();
            // The settings come up to the owner: no scrolling past the whole canvas to find them.
            await Assertions.Expect(page.GetByTestId("settings-panel")).ToBeInViewportAsync(new() { Ratio = 0.3f });
        }

        // Edit the announcement and see it in the (phone) preview.
        await builder.Block("announcement").GetByTestId("edit-block").ClickAsync();
        await builder.FillSettingAsync("setting-text", "五一活动：全场九折");
        await builder.ApplySettingsAsync();
        await Assertions.Expect(builder.Block("announcement")).ToContainTextAsync("五一活动：全场九折");
        await Assertions.Expect(builder.Preview.GetByText("五一活动：全场九折")).ToBeVisibleAsync(Visible);

        // Nothing is wider than the phone.
        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth + 1"), "the builder fits 390 px");
        await page.ScreenshotAsync(new() { Path = Path.Combine(TestPaths.TestResults, "builder-phone-editing-mobile.png"), FullPage = true });

        // 发布 asks first; cancelling publishes nothing.
        await page.GetByTestId("publish").ClickAsync();
        await page.GetByTestId("confirm-cancel").ClickAsync();
        await Assertions.Expect(page.GetByTestId("confirm-message")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByTestId("draft-state")).ToContainTextAsync("尚未发布");
        await builder.PublishAsync(1);
        await Assertions.Expect(page.GetByTestId("draft-state")).ToHaveTextAsync("线上版本 1");
        await BrowserFixture.ScreenshotsAsync(page, "builder-phone-editing");

        var store = await fx.NewPageAsync(mobile: true);
        await store.GotoAsync("/s/demo/p/promo");
        var live = await BuilderPage.StoreOrderAsync(store.Locator("body"));
        Assert.Equal(order, live);
        await Assertions.Expect(store.GetByText("五一活动：全场九折")).ToBeVisibleAsync();
    }

    /// <summary>Name and price of every product card, in page order.</summary>
    static async Task<List<(string Name, string Price)>> PricesAsync(ILocator scope)
    {
        var cards = await scope.Locator("[data-testid=product-card]").EvaluateAllAsync<string[][]>(
            "els => els.map(e => [e.querySelector('.product-name').textContent.trim(), e.querySelector('.price').textContent.trim()])");
        return cards.Select(c => (c[0], c[1])).DistinctBy(c => c.Item1).ToList();
    }

    /// <summary>A real PNG (600×200, drawn and encoded by the browser's canvas).</summary>
    static async Task<byte[]> PngAsync(IPage page)
    {
        var dataUrl = await page.EvaluateAsync<string>("""
            () => {
              const c = document.createElement('canvas'); c.width = 600; c.height = 200;
              const g = c.getContext('2d');
              const grad = g.createLinearGradient(0, 0, 600, 0); grad.addColorStop(0, '#1e6fff'); grad.addColorStop(1, '#e91e63');
              g.fillStyle = grad; g.fillRect(0, 0, 600, 200);
              g.fillStyle = '#fff'; g.font = 'bold 48px sans-serif'; g.fillText('KaMeng 新品', 40, 120);
              return c.toDataURL('image/png');
            }
            """);
        return Convert.FromBase64String(dataUrl[(dataUrl.IndexOf(',') + 1)..]);
    }
}
