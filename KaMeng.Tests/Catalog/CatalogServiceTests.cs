using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Admin.Catalog;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KaMeng.Tests.Catalog;

/// <summary>The catalogue services against a real database of each provider.</summary>
public class CatalogServiceTests
{
    const int Main = Station.MainStationId;
    static readonly AdminActor Admin = new("admin-id", "admin");

    sealed class Catalog(TestDatabase db) : IAsyncDisposable
    {
        public TestDatabase Db { get; } = db;
        public CategoryService Categories { get; } = new(db.DbFactory, TimeProvider.System);
        public ProductService Products { get; } = new(db.DbFactory, TimeProvider.System);
        public ValueTask DisposeAsync() => Db.DisposeAsync();

        public async Task<int> CategoryAsync(string name, int? parentId = null, int station = Main)
        {
            var result = await Categories.SaveAsync(station, new CategoryForm { Name = name, ParentId = parentId }, Admin);
            Assert.True(result.Succeeded, string.Join("; ", result.Errors));
            return result.Id!.Value;
        }

        public async Task<int> ProductAsync(ProductForm form, int station = Main)
        {
            var result = await Products.SaveAsync(station, form, Admin);
            Assert.True(result.Succeeded, string.Join("; ", result.Errors));
            return result.Id!.Value;
        }

        public async Task AddKeysAsync(int productId, int available, int sold = 0)
        {
            var vault = Db.Services.GetRequiredService<CardKeyVault>();
            await using var ctx = Db.NewContext();
            var batch = new CardKeyBatch { StationId = Main, ProductId = productId, Number = "T" + Guid.NewGuid().ToString("N")[..12], Count = available + sold, CreatedAt = DateTimeOffset.UtcNow };
            ctx.CardKeyBatches.Add(batch);
            await ctx.SaveChangesAsync();
            for (var i = 0; i < available + sold; i++)
            {
                var secret = $"KEY-{productId}-{Guid.NewGuid():N}";
                ctx.CardKeys.Add(new CardKey
                {
                    StationId = Main, ProductId = productId, BatchId = batch.Id, SecretCipher = vault.Protect(secret), SecretHash = vault.Hash(secret),
                    Status = i < available ? CardKeyStatus.Available : CardKeyStatus.Sold, CreatedAt = DateTimeOffset.UtcNow,
                });
            }
            await ctx.SaveChangesAsync();
        }

        public async Task<(int Products, int Audits)> CountsAsync()
        {
            await using var ctx = Db.NewContext();
            return (await ctx.Products.CountAsync(), await ctx.AuditEntries.CountAsync());
        }
    }

    static async Task<Catalog> NewCatalogAsync(DatabaseProvider provider) => new(await TestDatabase.CreateAsync(provider));

    static ProductForm Form(int categoryId, string name = "测试点卡 100 元", string price = "99.50", string cost = "95", DeliveryType type = DeliveryType.CardKey) => new()
    {
        Name = name, CategoryId = categoryId, DeliveryType = type, FaceValue = "100", CostPrice = cost, BasePrice = price,
        MinPerOrder = 1, MaxPerOrder = 10, TagHot = true, OtherTags = "新品, 限时",
        InputFields = type == DeliveryType.DirectTopUp ? [new InputFieldForm { Key = "account", Label = "游戏账号", Type = InputFieldType.GameAccount }] : [],
    };

    // ------------------------------------------------------------ categories

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [SqlServerData]
    public async Task Nested_categories_are_listed_parents_first_with_their_depth(DatabaseProvider provider)
    {
        await using var c = await NewCatalogAsync(provider);
        var top = await c.CategoryAsync("测试游戏");
        var child = await c.CategoryAsync("端游", top);
        await c.CategoryAsync("网易", child);

        var rows = await c.Categories.ListAsync(Main);
        var mine = rows.SkipWhile(r => r.Id != top).Take(3).ToList();
        Assert.Equal(["测试游戏", "端游", "网易"], mine.Select(r => r.Name));
        Assert.Equal([0, 1, 2], mine.Select(r => r.Depth));
        Assert.Equal("测试游戏 / 端游 / 网易", mine[2].Path);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [SqlServerData]
    public async Task A_category_cannot_move_under_its_own_child_nor_nest_deeper_than_three_levels(DatabaseProvider provider)
    {
        await using var c = await NewCatalogAsync(provider);
        var top = await c.CategoryAsync("一级");
        var child = await c.CategoryAsync("二级", top);
        var grandchild = await c.CategoryAsync("三级", child);
        var before = await c.CountsAsync();

        var cycle = await c.Categories.SaveAsync(Main, new CategoryForm { Id = top, Name = "一级", ParentId = grandchild }, Admin);
        var tooDeep = await c.Categories.SaveAsync(Main, new CategoryForm { Name = "四级", ParentId = grandchild }, Admin);
        var badIcon = await c.Categories.SaveAsync(Main, new CategoryForm { Name = "图标", Icon = "<b>x</b>" }, Admin);
        var noName = await c.Categories.SaveAsync(Main, new CategoryForm { Name = "  " }, Admin);

        Assert.Contains("不能把分类移到它自己或它的子分类下面", cycle.Errors);
        Assert.Contains("分类最多 3 级", tooDeep.Errors);
        Assert.Contains(badIcon.Errors, e => e.StartsWith("图标请填写 Material 图标名"));
        Assert.Contains("请填写分类名称", noName.Errors);
        Assert.Equal(before, await c.CountsAsync());
        await using var ctx = c.Db.NewContext();
        Assert.Null((await ctx.Categories.SingleAsync(x => x.Id == top)).ParentId);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [SqlServerData]
    public async Task Deleting_a_category_with_children_or_products_is_refused_in_chinese(DatabaseProvider provider)
    {
        await using var c = await NewCatalogAsync(provider);
        var parent = await c.CategoryAsync("有子分类");
        var child = await c.CategoryAsync("子分类", parent);
        var withProduct = await c.CategoryAsync("有商品");
        var productId = await c.ProductAsync(Form(withProduct));
        var empty = await c.CategoryAsync("空分类");

        var refusedChildren = await c.Categories.DeleteAsync(Main, parent, Admin);
        var refusedProducts = await c.Categories.DeleteAsync(Main, withProduct, Admin);
        Assert.Equal("分类「有子分类」下还有 1 个子分类，请先删除或移走子分类", Assert.Single(refusedChildren.Errors));
        Assert.Equal("分类「有商品」下还有 1 个商品，请先把商品移到其他分类或删除", Assert.Single(refusedProducts.Errors));

        // A soft-deleted product still points at its category (orders do too): still refused, with another reason.
        await c.Products.DeleteAsync(Main, [productId], Admin);
        var refusedDeleted = await c.Categories.DeleteAsync(Main, withProduct, Admin);
        Assert.Contains("已删除的商品", Assert.Single(refusedDeleted.Errors));

        Assert.True((await c.Categories.DeleteAsync(Main, empty, Admin)).Succeeded);
        Assert.True((await c.Categories.DeleteAsync(Main, child, Admin)).Succeeded);
        Assert.True((await c.Categories.DeleteAsync(Main, parent, Admin)).Succeeded);
        await using var ctx = c.Db.NewContext();
        Assert.Equal([withProduct], await ctx.Categories.Where(x => new[] { parent, child, withProduct, empty }.Contains(x.Id)).Select(x => x.Id).ToListAsync());
        Assert.Equal(3, await ctx.AuditEntries.CountAsync(a => a.Action == "category.delete"));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [SqlServerData]
    public async Task Categories_of_another_station_are_neither_seen_nor_changed(DatabaseProvider provider)
    {
        await using var c = await NewCatalogAsync(provider);
        var mine = await c.CategoryAsync("总站分类");
        var demoStation = await DemoStationIdAsync(c.Db);
        var result = await c.Categories.SaveAsync(demoStation, new CategoryForm { Id = mine, Name = "被改名" }, Admin);
        Assert.Equal("分类不存在或已被删除", Assert.Single(result.Errors));
        Assert.False((await c.Categories.DeleteAsync(demoStation, mine, Admin)).Succeeded);
        Assert.DoesNotContain(await c.Categories.ListAsync(demoStation), r => r.Id == mine);
    }

    // ------------------------------------------------------------ products: the form

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [SqlServerData]
    public async Task A_valid_product_is_saved_in_fen_with_its_tags_and_an_audit_entry(DatabaseProvider provider)
    {
        await using var c = await NewCatalogAsync(provider);
        var category = await c.CategoryAsync("点卡");
        var form = Form(category);
        form.ShelfFrom = new DateTime(2030, 1, 1, 8, 0, 0);
        form.DescriptionMarkdown = "**自动发货**";
        var id = await c.ProductAsync(form);

        await using var ctx = c.Db.NewContext();
        var p = await ctx.Products.SingleAsync(x => x.Id == id);
        Assert.Equal(9950, p.BasePrice.Fen);
        Assert.Equal(9500, p.CostPrice.Fen);
        Assert.Equal(10000, p.FaceValue.Fen);
        Assert.Equal("热门,新品,限时", p.Tags);
        Assert.Equal(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero), p.ShelfFrom);
        var audit = await ctx.AuditEntries.SingleAsync(a => a.Target == $"product:{id}");
        Assert.Equal("product.create", audit.Action);
        Assert.Equal("admin", audit.UserName);
        Assert.Contains("¥99.50", audit.Detail);

        // The form reads back what was saved.
        var back = await c.Products.GetFormAsync(Main, id);
        Assert.Equal("99.50", back!.BasePrice);
        Assert.True(back.TagHot);
        Assert.Equal("新品,限时", back.OtherTags);
        Assert.Equal(form.ShelfFrom, back.ShelfFrom);
    }

    public static TheoryData<DatabaseProvider, string> Refusals()
    {
        var data = new TheoryData<DatabaseProvider, string>();
        foreach (var provider in new[] { DatabaseProvider.Sqlite, DatabaseProvider.Postgres })
            foreach (var name in RefusalCases.Keys) data.Add(provider, name);
        return data;
    }

    static readonly Dictionary<string, (Action<ProductForm> Change, string Message)> RefusalCases = new()
    {
        ["base below cost"] = (f => { f.CostPrice = "10"; f.BasePrice = "9.99"; }, "售价 ¥9.99 低于成本价 ¥10.00，会亏本出售，请调整售价"),
        ["three decimals"] = (f => f.BasePrice = "9.999", "售价「9.999」不是有效金额，请填写元，最多两位小数，例如 9.90"),
        ["float notation"] = (f => f.BasePrice = "1e3", "售价「1e3」不是有效金额，请填写元，最多两位小数，例如 9.90"),
        ["negative cost"] = (f => f.CostPrice = "-1", "成本价不能为负数"),
        ["no price"] = (f => f.BasePrice = "", "请填写售价（元），例如 9.90"),
        ["zero price"] = (f => { f.BasePrice = "0"; f.CostPrice = "0"; }, "售价必须大于 0"),
        ["no name"] = (f => f.Name = " ", "请填写商品名称"),
        ["no category"] = (f => f.CategoryId = null, "请选择分类"),
        ["unknown category"] = (f => f.CategoryId = 999999, "所选分类不存在，请重新选择"),
        ["min above max"] = (f => { f.MinPerOrder = 5; f.MaxPerOrder = 4; }, "单次最少购买数量不能大于最多购买数量"),
        ["min zero"] = (f => f.MinPerOrder = 0, "单次最少购买数量至少为 1"),
        ["max above 1000"] = (f => f.MaxPerOrder = 1001, "单次最多购买数量不能超过 1000"),
        ["limit below min"] = (f => { f.MinPerOrder = 3; f.PerBuyerLimit = 2; }, "每人限购不能少于单次最少购买数量"),
        ["long purchase notice"] = (f => f.PurchaseNotice = new string('须', 2001), "购买须知不能超过 2000 个字符"),
        ["schedule backwards"] = (f => { f.ShelfFrom = new DateTime(2030, 2, 1); f.ShelfUntil = new DateTime(2030, 1, 1); }, "定时下架时间必须晚于定时上架时间"),
        ["reusable top-up"] = (f => { f.DeliveryType = DeliveryType.Manual; f.ReusableKey = true; }, "循环卡密只适用于卡密商品"),
        ["top-up without fields"] = (f => { f.DeliveryType = DeliveryType.DirectTopUp; f.InputFields = []; }, "直充商品至少需要一个买家输入项（如充值账号、手机号）"),
        ["bad pattern"] = (f => { f.DeliveryType = DeliveryType.DirectTopUp; f.InputFields = [new() { Key = "qq", Label = "QQ", Pattern = "[0-9" }]; }, "输入项「QQ」的校验规则不是有效的正则表达式"),
        ["pattern escaping anchors"] = (f => { f.DeliveryType = DeliveryType.DirectTopUp; f.InputFields = [new() { Key = "qq", Label = "QQ", Pattern = "a)|(b" }]; }, "输入项「QQ」的校验规则不是有效的正则表达式"),
        ["duplicate keys"] = (f => { f.DeliveryType = DeliveryType.DirectTopUp; f.InputFields = [new() { Key = "acc", Label = "账号" }, new() { Key = "ACC", Label = "区服" }]; }, "字段标识「ACC」重复"),
        ["bad key"] = (f => { f.DeliveryType = DeliveryType.DirectTopUp; f.InputFields = [new() { Key = "1 x", Label = "账号" }]; }, "输入项「账号」的字段标识只能用英文字母开头，包含字母、数字和下划线（最多 32 个）"),
        ["foreign image"] = (f => f.ImagePath = "https://evil.example/a.png", "商品图片无效，请重新上传"),
        ["long tag"] = (f => f.OtherTags = new string('标', 17), "标签「标标标标标标标标标标标标标标标标…」太长（每个标签最多 16 个字）"),
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task Bad_product_input_is_refused_in_chinese_and_writes_nothing(DatabaseProvider provider, string @case)
    {
        await using var c = await NewCatalogAsync(provider);
        var category = await c.CategoryAsync("点卡");
        var existing = await c.ProductAsync(Form(category, "原商品"));
        var before = await c.CountsAsync();
        var (change, message) = RefusalCases[@case];

        var create = Form(category, "新商品");
        change(create);
        var created = await c.Products.SaveAsync(Main, create, Admin);
        var update = (await c.Products.GetFormAsync(Main, existing))!;
        change(update);
        var updated = await c.Products.SaveAsync(Main, update, Admin);

        Assert.Contains(message, created.Errors);
        Assert.Contains(message, updated.Errors);
        Assert.Equal(before, await c.CountsAsync());
        await using var ctx = c.Db.NewContext();
        var stored = await ctx.Products.SingleAsync(p => p.Id == existing);
        Assert.Equal(("原商品", 9950L, 9500L, 1, 10), (stored.Name, stored.BasePrice.Fen, stored.CostPrice.Fen, stored.MinPerOrder, stored.MaxPerOrder));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [SqlServerData]
    public async Task An_update_is_audited_with_what_changed_and_keeps_input_fields(DatabaseProvider provider)
    {
        await using var c = await NewCatalogAsync(provider);
        var category = await c.CategoryAsync("话费");
        var form = Form(category, "话费 50 元", "49.90", "49", DeliveryType.DirectTopUp);
        form.InputFields = [new() { Key = "phone", Label = "手机号", Type = InputFieldType.Phone, Pattern = @"1\d{10}" }];
        var id = await c.ProductAsync(form);

        var edit = (await c.Products.GetFormAsync(Main, id))!;
        edit.BasePrice = "49.95";
        edit.InputFields.Add(new() { Key = "name", Label = "机主姓名", Required = false });
        Assert.True((await c.Products.SaveAsync(Main, edit, Admin)).Succeeded);
        // Saving again without changes writes no audit entry.
        Assert.True((await c.Products.SaveAsync(Main, (await c.Products.GetFormAsync(Main, id))!, Admin)).Succeeded);

        await using var ctx = c.Db.NewContext();
        var p = await ctx.Products.SingleAsync(x => x.Id == id);
        Assert.Equal(4995, p.BasePrice.Fen);
        Assert.Equal(["phone", "name"], p.InputFields.Select(f => f.Key));
        Assert.Equal(@"1\d{10}", p.InputFields[0].Pattern);
        var update = await ctx.AuditEntries.SingleAsync(a => a.Action == "product.update" && a.Target == $"product:{id}");
        Assert.Contains("BasePrice：¥49.90 → ¥49.95", update.Detail);
        Assert.Contains("买家输入项已修改", update.Detail);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [SqlServerData]
    public async Task A_card_key_product_with_keys_cannot_change_its_delivery_type(DatabaseProvider provider)
    {
        await using var c = await NewCatalogAsync(provider);
        var category = await c.CategoryAsync("点卡");
        var id = await c.ProductAsync(Form(category));
        await c.AddKeysAsync(id, 1);
        var edit = (await c.Products.GetFormAsync(Main, id))!;
        edit.DeliveryType = DeliveryType.Manual;
        var result = await c.Products.SaveAsync(Main, edit, Admin);
        Assert.Equal("该商品已有卡密记录，不能改为其他发货方式；请新建商品", Assert.Single(result.Errors));
    }

    // ------------------------------------------------------------ products: grid and batch actions

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [SqlServerData]
    public async Task Stock_is_counted_from_available_keys_循环_for_reusable_and_a_dash_without_keys(DatabaseProvider provider)
    {
        await using var c = await NewCatalogAsync(provider);
        var category = await c.CategoryAsync("库存测试");
        var keys = await c.ProductAsync(Form(category, "普通卡密"));
        var reusableForm = Form(category, "循环卡密商品");
        reusableForm.ReusableKey = true;
        var reusable = await c.ProductAsync(reusableForm);
        var emptyReusable = await c.ProductAsync(new ProductForm { Name = "循环无货", CategoryId = category, BasePrice = "1", ReusableKey = true });
        var topUp = await c.ProductAsync(Form(category, "直充商品", type: DeliveryType.DirectTopUp));
        var manual = await c.ProductAsync(Form(category, "人工商品", type: DeliveryType.Manual));
        await c.AddKeysAsync(keys, available: 3, sold: 2);
        await c.AddKeysAsync(reusable, available: 1);

        var page = await c.Products.QueryAsync(Main, new ProductQuery { CategoryId = category, PageSize = 50 });
        var stock = page.Items.ToDictionary(r => r.Id, r => r.StockText);
        Assert.Equal("3", stock[keys]);
        Assert.Equal("循环", stock[reusable]);
        Assert.Equal("0", stock[emptyReusable]);
        Assert.Equal("—", stock[topUp]);
        Assert.Equal("—", stock[manual]);

        // A sale changes the stock at once: nothing is cached.
        await using (var ctx = c.Db.NewContext())
            await ctx.CardKeys.Where(k => k.ProductId == keys && k.Status == CardKeyStatus.Available).Take(1)
                .ExecuteUpdateAsync(u => u.SetProperty(k => k.Status, CardKeyStatus.Sold));
        var after = await c.Products.QueryAsync(Main, new ProductQuery { NameContains = "普通卡密" });
        Assert.Equal("2", Assert.Single(after.Items).StockText);

        var byStock = await c.Products.QueryAsync(Main, new ProductQuery { CategoryId = category, SortBy = ProductSortField.Stock, Descending = true });
        Assert.Equal(keys, byStock.Items[0].Id);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [SqlServerData]
    public async Task The_grid_pages_sorts_and_filters_on_the_server(DatabaseProvider provider)
    {
        await using var c = await NewCatalogAsync(provider);
        var parent = await c.CategoryAsync("分页测试");
        var child = await c.CategoryAsync("分页子类", parent);
        for (var i = 1; i <= 25; i++)
            await c.ProductAsync(Form(i % 2 == 0 ? child : parent, $"分页商品 {i:D2} Alpha", $"{i}.00", "0.50"));

        var first = await c.Products.QueryAsync(Main, new ProductQuery { CategoryId = parent, PageSize = 20 });
        var second = await c.Products.QueryAsync(Main, new ProductQuery { CategoryId = parent, Page = 1, PageSize = 20 });
        Assert.Equal(25, first.TotalCount);
        Assert.Equal(20, first.Items.Count);
        Assert.Equal(5, second.Items.Count);
        Assert.Empty(first.Items.Select(r => r.Id).Intersect(second.Items.Select(r => r.Id)));

        var cheapest = await c.Products.QueryAsync(Main, new ProductQuery { CategoryId = parent, PageSize = 3, SortBy = ProductSortField.BasePrice });
        Assert.Equal([100L, 200L, 300L], cheapest.Items.Select(r => r.BasePrice.Fen));

        var search = await c.Products.QueryAsync(Main, new ProductQuery { NameContains = "商品 07 alpha" });
        Assert.Equal("分页商品 07 Alpha", Assert.Single(search.Items).Name);

        var column = await c.Products.QueryAsync(Main, new ProductQuery { CategoryNameContains = "分页子" });
        Assert.Equal(12, column.TotalCount);
        Assert.All(column.Items, r => Assert.Equal("分页子类", r.CategoryName));

        var byNameDescending = await c.Products.QueryAsync(Main, new ProductQuery { CategoryId = parent, PageSize = 2, SortBy = ProductSortField.Name, Descending = true });
        Assert.Equal(["分页商品 25 Alpha", "分页商品 24 Alpha"], byNameDescending.Items.Select(r => r.Name));

        // Filters combine: the parent category (with its child), on shelf, card keys, a name word.
        var combined = await c.Products.QueryAsync(Main, new ProductQuery { CategoryId = parent, OnShelf = true, DeliveryType = DeliveryType.CardKey, NameContains = "2" });
        Assert.Equal(8, combined.TotalCount); // 02, 12, 20–25

        // A page past the end is empty but still counts everything.
        var past = await c.Products.QueryAsync(Main, new ProductQuery { CategoryId = parent, Page = 9, PageSize = 20 });
        Assert.Empty(past.Items);
        Assert.Equal(25, past.TotalCount);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [SqlServerData]
    public async Task Batch_shelf_actions_change_only_the_chosen_products_of_the_station_and_are_audited(DatabaseProvider provider)
    {
        await using var c = await NewCatalogAsync(provider);
        var category = await c.CategoryAsync("批量");
        var ids = new List<int>();
        for (var i = 0; i < 4; i++) ids.Add(await c.ProductAsync(Form(category, $"批量商品 {i}")));
        var demo = await DemoStationIdAsync(c.Db);
        var foreignCategory = await c.CategoryAsync("分站分类", station: demo);
        var foreign = await c.ProductAsync(Form(foreignCategory, "分站商品"), demo);

        var off = await c.Products.SetOnShelfAsync(Main, [ids[0], ids[1], ids[2], foreign], false, Admin);
        Assert.Equal(3, off.Id);
        var offAgain = await c.Products.SetOnShelfAsync(Main, [ids[0]], false, Admin);
        Assert.Equal(0, offAgain.Id);

        await using (var ctx = c.Db.NewContext())
        {
            var shelf = await ctx.Products.Where(p => ids.Contains(p.Id) || p.Id == foreign).ToDictionaryAsync(p => p.Id, p => p.OnShelf);
            Assert.Equal([false, false, false, true], ids.Select(id => shelf[id]));
            Assert.True(shelf[foreign]);
            Assert.Equal(3, await ctx.AuditEntries.CountAsync(a => a.Action == "product.shelf.off"));
        }
        var filtered = await c.Products.QueryAsync(Main, new ProductQuery { CategoryId = category, OnShelf = false });
        Assert.Equal(3, filtered.TotalCount);

        var on = await c.Products.SetOnShelfAsync(Main, [ids[1]], true, Admin);
        Assert.Equal(1, on.Id);
        Assert.Equal("请先勾选商品", Assert.Single((await c.Products.SetOnShelfAsync(Main, [], true, Admin)).Errors));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [SqlServerData]
    public async Task Deleting_products_is_a_soft_delete_that_hides_them_and_is_audited(DatabaseProvider provider)
    {
        await using var c = await NewCatalogAsync(provider);
        var category = await c.CategoryAsync("删除");
        var keep = await c.ProductAsync(Form(category, "保留"));
        var gone = await c.ProductAsync(Form(category, "删掉"));
        await c.AddKeysAsync(gone, 2);

        var result = await c.Products.DeleteAsync(Main, [gone], Admin);
        Assert.Equal(1, result.Id);

        var page = await c.Products.QueryAsync(Main, new ProductQuery { CategoryId = category });
        Assert.Equal([keep], page.Items.Select(r => r.Id));
        Assert.Null(await c.Products.GetFormAsync(Main, gone));
        await using var ctx = c.Db.NewContext();
        var row = await ctx.Products.SingleAsync(p => p.Id == gone);
        Assert.True(row.Deleted);
        Assert.Equal(2, await ctx.CardKeys.CountAsync(k => k.ProductId == gone));
        Assert.Equal("product.delete", (await ctx.AuditEntries.SingleAsync(a => a.Target == $"product:{gone}" && a.Action != "product.create")).Action);
        var revive = Form(category, "复活");
        revive.Id = gone;
        Assert.Equal("商品不存在或已被删除", Assert.Single((await c.Products.SaveAsync(Main, revive, Admin)).Errors));
    }

    static async Task<int> DemoStationIdAsync(TestDatabase db)
    {
        await using var ctx = db.NewContext();
        return await ctx.Stations.Where(s => s.Code == "demo").Select(s => s.Id).SingleAsync();
    }
}
