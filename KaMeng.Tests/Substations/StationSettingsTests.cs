using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Storefront;
using KaMeng.Web.Features.Substations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KaMeng.Tests.Substations;

public class StationSettingsTests : IAsyncLifetime
{
    static readonly AuditActor Platform = new("admin-id", "admin", null);
    CommerceHarness h = default!;
    Product product = default!;
    AuditActor demoOwner = default!;

    public async Task InitializeAsync()
    {
        h = await CommerceHarness.CreateAsync(DatabaseProvider.Sqlite);
        product = await h.AddCardKeyProductAsync(keys: 10, priceFen: 10000, p => p.CostPrice = Money.FromFen(8000));
        await using var db = h.Db.NewContext();
        var owner = await db.Stations.Where(s => s.Code == "demo").Select(s => s.OwnerUserId).SingleAsync();
        demoOwner = new AuditActor(owner!, "demo-owner", 2);
    }

    public async Task DisposeAsync() => await h.DisposeAsync();

    StationSettingsService Settings => h.Get<StationSettingsService>();

    StorefrontCatalog Catalog() => new(h.Db.DbFactory, h.Get<PriceResolver>(), TimeProvider.System);

    [Fact]
    public async Task A_hidden_product_disappears_from_that_station_only_and_a_new_name_shows_there()
    {
        var demo = await h.StationAsync(2);
        Assert.Null(await Settings.SaveOverrideAsync(2, new(product.Id, false, "演示店专供卡", null, -1, true), demoOwner));
        var card = (await Catalog().ProductsAsync(demo)).First();
        Assert.Equal("演示店专供卡", card.Name);
        Assert.Contains("推荐", card.Tags);

        Assert.Null(await Settings.SaveOverrideAsync(2, new(product.Id, false, null, "**本店专属说明**", null, false), demoOwner));
        Assert.Equal("**本店专属说明**", (await Catalog().ProductAsync(demo, product.Id))!.DescriptionMarkdown);
        Assert.Equal(product.DescriptionMarkdown, (await Catalog().ProductAsync(CommerceHarness.Main, product.Id))!.DescriptionMarkdown);

        Assert.Null(await Settings.SaveOverrideAsync(2, new(product.Id, true, null, null, null, false), demoOwner));
        Assert.DoesNotContain(await Catalog().ProductsAsync(demo), p => p.Id == product.Id);
        Assert.Null(await Catalog().ProductAsync(demo, product.Id));
        Assert.Contains(await Catalog().ProductsAsync(CommerceHarness.Main), p => p.Id == product.Id && p.Name == product.Name);
        Assert.Equal("分站不存在", await Settings.SaveOverrideAsync(2, new(product.Id, true, null, null, null, false), new AuditActor("x", "x", 3)));
    }

    [Fact]
    public async Task A_member_discount_applies_at_checkout_but_never_below_the_stations_cost()
    {
        var demo = await h.StationAsync(2); // 高级: buys at ¥90.00, sells at ¥100.00 by default
        Assert.Equal("折扣须为 0–50 之间的百分比，最多两位小数", await Settings.SaveMemberLevelAsync(2, null, "钻石", "60", "0", demoOwner));
        Assert.Null(await Settings.SaveMemberLevelAsync(2, null, "新人", "5", "0", demoOwner));
        var buyer = (await h.AddBuyersAsync(1, balanceFen: 100000))[0];
        var first = await h.Checkout.PlaceBalanceOrderAsync(demo, new(product.Id, 1, buyer, Guid.NewGuid().ToString("N")));
        Assert.True(first.Succeeded, first.Error);
        Assert.Equal(100000 - 9500, await h.BalanceAsync(buyer));

        Assert.Null(await Settings.SaveMemberLevelAsync(2, null, "至尊", "50", "90", demoOwner));
        var second = await h.Checkout.PlaceBalanceOrderAsync(demo, new(product.Id, 1, buyer, Guid.NewGuid().ToString("N")));
        Assert.True(second.Succeeded, second.Error);
        Assert.Equal(100000 - 9500 - 9000, await h.BalanceAsync(buyer)); // 50% off ¥100 is floored at the cost ¥90
    }

    [Fact]
    public async Task A_level_price_below_cost_is_refused_and_one_above_cost_sets_the_substations_cost()
    {
        await using var db = h.Db.NewContext();
        var gold = await db.StationLevels.SingleAsync(l => l.Name == "高级");
        Assert.Equal("等级价不能低于成本价 ¥80.00", await Settings.SaveLevelPriceAsync(gold.Id, product.Id, "79.99", Platform));
        Assert.Null(await Settings.SaveLevelPriceAsync(gold.Id, product.Id, "85", Platform));
        Assert.Equal(8500, (await h.Get<PriceResolver>().ForStationAsync(2)).Quote(product).Cost.Fen);
        Assert.Equal("只有平台管理员可以设置等级价", await Settings.SaveLevelPriceAsync(gold.Id, product.Id, "81", demoOwner));
    }

    [Fact]
    public async Task Platform_settings_are_validated_and_the_depth_cap_follows_them()
    {
        Assert.Equal("分站层级上限须为 1–5", await Settings.SavePlatformAsync(9, "10", "1", "localhost", Platform));
        Assert.Equal("根域名格式不正确", await Settings.SavePlatformAsync(2, "10", "1", "bad domain!", Platform));
        Assert.Null(await Settings.SavePlatformAsync(1, "10", "1", "localhost,kameng.example", Platform));
        var owner = (await h.AddBuyersAsync(1, balanceFen: 100000))[0];
        await using var db = h.Db.NewContext();
        var gold = await db.StationLevels.SingleAsync(l => l.Name == "高级");
        var refused = await h.Get<SubstationService>().OpenAsync(2, owner, new OpenSubstationRequest("deep-one", "深一层", gold.Id));
        Assert.Equal("分站层级已达上限（总站以下最多 1 级）", refused.Error);
    }
}
