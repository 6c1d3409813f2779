using Bunit;
using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Admin.Catalog;
using KaMeng.Web.Features.Shared;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace KaMeng.Tests.Components;

/// <summary>The product grid and the catalogue forms in bUnit, against a real SQLite database: paging, filter, batch actions, validation.</summary>
public sealed class CatalogGridTests : MudContext, IAsyncLifetime
{
    const int Main = Station.MainStationId;
    static readonly AdminActor Admin = new("admin-id", "admin");
    TestDatabase db = default!;
    ProductService products = default!;
    CategoryService categories = default!;
    readonly string word = "批" + Guid.NewGuid().ToString("N")[..6];

    async Task IAsyncLifetime.InitializeAsync()
    {
        // Each step is a database round trip; a loaded 2-core machine needs more than bUnit's default second.
        DefaultWaitTimeout = TimeSpan.FromSeconds(10);
        db = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        products = new ProductService(db.DbFactory, TimeProvider.System);
        categories = new CategoryService(db.DbFactory, TimeProvider.System);
        Services.AddSingleton(products);
        Services.AddSingleton(categories);
        Services.AddSingleton(TimeProvider.System);
        Services.AddSingleton<MarkdownRenderer>();
        Services.AddSingleton(new UploadStore(Microsoft.Extensions.Options.Options.Create(new KaMengOptions { DataDir = db.DataDir })));
        AddAuthorization().SetAuthorized("admin").SetRoles(Roles.PlatformAdmin);
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await db.DisposeAsync();
    }

    async Task<List<int>> SeedAsync(int count)
    {
        var category = await categories.SaveAsync(Main, new CategoryForm { Name = "组件测试" + word }, Admin);
        var ids = new List<int>();
        for (var i = 1; i <= count; i++)
        {
            var r = await products.SaveAsync(Main, new ProductForm { Name = $"{word} 商品 {i:D2}", CategoryId = category.Id, BasePrice = $"{i}.00", FaceValue = $"{i}.00" }, Admin);
            Assert.True(r.Succeeded, string.Join(";", r.Errors));
            ids.Add(r.Id!.Value);
        }
        return ids;
    }

    IRenderedComponent<MudTestHost> RenderPage<TPage>() where TPage : Microsoft.AspNetCore.Components.IComponent =>
        RenderHosted(b => { b.OpenComponent<TPage>(0); b.CloseComponent(); });

    static void Search(IRenderedComponent<MudTestHost> host, string text)
    {
        host.Find(Field("product-search")).Change(text);
        // The field takes the text through its own async handler: search only once it holds it.
        host.WaitForAssertion(() => Assert.Equal(text, host.Find(Field("product-search")).GetAttribute("value")));
        host.Find("[data-testid=product-search-button]").Click();
    }

    /// <summary>The input of a MudBlazor field, wherever MudBlazor puts the data-testid.</summary>
    static string Field(string testId) => $"[data-testid={testId}] input, input[data-testid={testId}], [data-testid={testId}] textarea, textarea[data-testid={testId}]";

    static int CountOf(string text, string part) => (text.Length - text.Replace(part, "").Length) / part.Length;

    static int ShownRows(IRenderedComponent<MudTestHost> host) => host.FindAll("[data-testid=product-name]").Count;

    [Fact]
    public async Task The_grid_pages_on_the_server_twenty_rows_at_a_time()
    {
        await SeedAsync(25);
        var total = (await products.QueryAsync(Main, new ProductQuery())).TotalCount;
        var host = RenderPage<ProductList>();
        host.WaitForAssertion(() => Assert.Equal(20, ShownRows(host)));
        Assert.Contains($"第 1-20 条，共 {total} 条", host.Markup);

        host.Find("button[aria-label=下一页]").Click();
        host.WaitForAssertion(() => Assert.Contains($"第 21-{Math.Min(40, total)} 条，共 {total} 条", host.Markup));
        Assert.Equal(Math.Min(20, total - 20), ShownRows(host));
    }

    [Fact]
    public async Task Batch_actions_appear_with_a_selection_and_take_the_chosen_products_off_shelf()
    {
        var ids = await SeedAsync(3);
        var host = RenderPage<ProductList>();
        Search(host, word);
        host.WaitForAssertion(() => Assert.Equal(3, ShownRows(host)));
        Assert.Empty(host.FindAll("[data-testid=batch-bar]"));

        SelectRow(host, $"{word} 商品 01");
        SelectRow(host, $"{word} 商品 02");
        host.WaitForAssertion(() => Assert.Equal("已选 2 个", host.Find("[data-testid=selected-count]").TextContent.Trim()));

        host.Find("[data-testid=batch-off]").Click();
        host.WaitForAssertion(() => Assert.Contains(host.FindAll("[data-testid=toast]"), t => t.TextContent == "2 个商品已下架"));
        host.WaitForAssertion(() => Assert.Empty(host.FindAll("[data-testid=batch-bar]")));
        await using var ctx = db.NewContext();
        var shelf = await ctx.Products.Where(p => ids.Contains(p.Id)).OrderBy(p => p.Id).Select(p => p.OnShelf).ToListAsync();
        Assert.Equal([false, false, true], shelf);
        host.WaitForAssertion(() => Assert.Equal(2, host.FindAll("[data-testid=product-status]").Count(s => s.TextContent.Trim() == "已下架")));
    }

    [Fact]
    public async Task Deleting_asks_first_naming_the_products_and_a_cancel_deletes_nothing()
    {
        var ids = await SeedAsync(2);
        var host = RenderPage<ProductList>();
        Search(host, word);
        host.WaitForAssertion(() => Assert.Equal(2, ShownRows(host)));
        SelectRow(host, $"{word} 商品 02");

        host.Find("[data-testid=batch-delete]").Click();
        var message = host.WaitForElement("[data-testid=confirm-message]");
        Assert.Contains($"「{word} 商品 02」", message.TextContent);
        Assert.Contains("mud-button-filled-error", host.Find("[data-testid=confirm-ok]").ClassName); // a danger action is red
        host.Find("[data-testid=confirm-cancel]").Click();
        host.WaitForAssertion(() => Assert.Empty(host.FindAll("[data-testid=confirm-message]")));
        await using (var ctx = db.NewContext())
            Assert.False(await ctx.Products.AnyAsync(p => ids.Contains(p.Id) && p.Deleted));

        host.Find("[data-testid=batch-delete]").Click();
        host.WaitForElement("[data-testid=confirm-ok]").Click();
        host.WaitForAssertion(() => Assert.Equal(1, ShownRows(host)));
        await using (var ctx = db.NewContext())
            Assert.Equal([ids[1]], await ctx.Products.Where(p => ids.Contains(p.Id) && p.Deleted).Select(p => p.Id).ToListAsync());
    }

    static void SelectRow(IRenderedComponent<MudTestHost> host, string name)
    {
        var row = host.FindAll("tr").Single(tr => tr.QuerySelector("[data-testid=product-name]")?.TextContent == name);
        row.QuerySelector("input[type=checkbox]")!.Change(true);
    }

    [Fact]
    public void A_grid_state_maps_to_the_services_own_query()
    {
        var state = new GridState<ProductRow>
        {
            Page = 2, PageSize = 50,
            SortDefinitions = [new SortDefinition<ProductRow>(nameof(ProductRow.BasePrice), true, 0, r => r.BasePrice)],
        };
        var query = ProductGrid.ToQuery(state, new ProductFilters { Search = "  点卡 ", CategoryId = 7, OnShelf = false, DeliveryType = DeliveryType.Manual });
        Assert.Equal(new ProductQuery
        {
            Page = 2, PageSize = 50, SortBy = ProductSortField.BasePrice, Descending = true,
            NameContains = "点卡", CategoryId = 7, OnShelf = false, DeliveryType = DeliveryType.Manual,
        }, query);
        Assert.Equal(ProductSortField.Stock, ProductGrid.SortField(nameof(ProductRow.AvailableKeys)));
        // A column the service does not know sorts newest first rather than reaching the database.
        Assert.Equal(ProductSortField.Newest, ProductGrid.SortField("SecretCipher"));
        Assert.Equal(ProductSortField.Newest, ProductGrid.ToQuery(new GridState<ProductRow> { PageSize = 20 }, new()).SortBy);
    }

    [Fact]
    public async Task A_validation_message_shows_next_to_its_field_and_goes_as_soon_as_the_field_is_fixed()
    {
        var host = RenderPage<ProductEdit>();
        host.WaitForElement(Field("product-name-input")).Input("亏本商品" + word);
        host.Find(Field("product-cost")).Input("10");
        host.Find(Field("product-price-input")).Input("9.99");
        host.Find("[data-testid=product-save]").Click();

        const string belowCost = "售价 ¥9.99 低于成本价 ¥10.00，会亏本出售，请调整售价";
        host.WaitForAssertion(() => Assert.Contains(belowCost, host.Find("[data-testid=product-errors]").TextContent));
        // Next to the field too: the summary and the field's own message.
        Assert.Equal("true", host.Find(Field("product-price-input")).GetAttribute("aria-invalid"));
        Assert.Equal(2, CountOf(host.Markup, belowCost));
        Assert.Contains(host.FindAll("[data-testid=toast]"), t => t.TextContent == "未保存：有 1 处需要改正");

        host.Find(Field("product-price-input")).Input("12.50");
        host.WaitForAssertion(() => Assert.DoesNotContain(belowCost, host.Markup));
        Assert.Equal("false", host.Find(Field("product-price-input")).GetAttribute("aria-invalid"));
        Assert.Empty(host.FindAll("[data-testid=product-errors]"));
        await using var ctx = db.NewContext();
        Assert.False(await ctx.Products.AnyAsync(p => p.Name == "亏本商品" + word));
    }

    [Fact]
    public void The_form_checks_name_each_problem_with_its_field()
    {
        var errors = ProductService.Check(new ProductForm { Name = "", CategoryId = 1, CostPrice = "10", BasePrice = "9.99", MinPerOrder = 5, MaxPerOrder = 4 });
        Assert.Contains(new ProductFormError(nameof(ProductForm.Name), "请填写商品名称"), errors);
        Assert.Contains(new ProductFormError(nameof(ProductForm.BasePrice), "售价 ¥9.99 低于成本价 ¥10.00，会亏本出售，请调整售价"), errors);
        Assert.Contains(new ProductFormError(nameof(ProductForm.MinPerOrder), "单次最少购买数量不能大于最多购买数量"), errors);
        Assert.Empty(ProductService.Check(new ProductForm { Name = "好商品", CategoryId = 1, BasePrice = "1" }));
    }

    [Fact]
    public void The_icon_picker_offers_icons_with_chinese_tooltips_and_gives_the_material_name()
    {
        string? picked = "unchanged";
        var host = RenderHosted(b =>
        {
            b.OpenComponent<CategoryIconPicker>(0);
            b.AddAttribute(1, nameof(CategoryIconPicker.Value), (string?)null);
            b.AddAttribute(2, nameof(CategoryIconPicker.ValueChanged), Microsoft.AspNetCore.Components.EventCallback.Factory.Create<string?>(this, v => picked = v));
            b.CloseComponent();
        });
        Assert.Contains("选择图标", host.Find("[data-testid=category-icon-picker]").TextContent);
        host.Find("[data-testid=category-icon-picker]").Click();
        var option = host.WaitForElement("[data-testid=icon-option-sports_esports]");
        Assert.Equal("游戏", option.GetAttribute("aria-label"));
        option.Click();
        Assert.Equal("sports_esports", picked);
        picked = "unchanged";
        Assert.Equal("old_name", CategoryIcons.Label("old_name"));
        // The seeded categories' icons are in the picker.
        Assert.All(new[] { "sports_esports", "live_tv", "smartphone", "key" }, n => Assert.NotNull(CategoryIcons.Find(n)));
        Assert.All(CategoryIcons.All, i => Assert.Matches(@"^[a-z][a-z0-9_]*$", i.Name));
        Assert.All(CategoryIcons.All, i => Assert.Matches(@"\p{IsCJKUnifiedIdeographs}", i.Label));
    }

    [Fact]
    public async Task Deleting_a_category_asks_first_and_the_name_message_goes_once_a_name_is_typed()
    {
        var category = await categories.SaveAsync(Main, new CategoryForm { Name = "待删分类" + word }, Admin);
        var host = RenderPage<CategoryList>();
        var row = host.WaitForElement($"[aria-label='删除 待删分类{word}']");
        row.Click();
        Assert.Contains($"「待删分类{word}」", host.WaitForElement("[data-testid=confirm-message]").TextContent);
        host.Find("[data-testid=confirm-ok]").Click();
        host.WaitForAssertion(() => Assert.Contains(host.FindAll("[data-testid=toast]"), t => t.TextContent == $"分类「待删分类{word}」已删除"));
        await using (var ctx = db.NewContext())
            Assert.False(await ctx.Categories.AnyAsync(c => c.Id == category.Id));

        host.Find("[data-testid=category-save]").Click();
        host.WaitForAssertion(() => Assert.Equal("true", host.Find(Field("category-name-input")).GetAttribute("aria-invalid")));
        Assert.Contains("请填写分类名称", host.Markup);
        host.Find(Field("category-name-input")).Input("新分类" + word);
        host.WaitForAssertion(() => Assert.DoesNotContain("请填写分类名称", host.Markup));
    }
}
