using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Docking;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Docking;
using KaMeng.Web.Features.OpenApi;
using KaMeng.Web.Features.Orders;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace KaMeng.Tests.Browser;

/// <summary>商品审核 in a browser (issue 21 §5): a substation owner imports a supplier product and sees 待审核; the platform
/// approves it on /admin/compliance; the owner's storefront then lists it. The upstream is another KaMeng on loopback.</summary>
public sealed class ComplianceTests(BrowserFixture fx, DockingApp upstream) : IClassFixture<BrowserFixture>, IClassFixture<DockingApp>
{
    const string Name = "合规审核测试月卡";

    [Fact]
    public async Task A_substation_import_waits_for_review_until_the_platform_approves_it_and_then_the_storefront_lists_it()
    {
        // The upstream offers only this product (so it is on the catalogue's first page), and its key is approved for the demo substation.
        await using (var up = upstream.NewContext())
        {
            await up.Products.ExecuteUpdateAsync(u => u.SetProperty(p => p.OnShelf, false));
            var category = await up.Categories.Where(c => c.StationId == Station.MainStationId).OrderBy(c => c.Id).Select(c => c.Id).FirstAsync();
            up.Products.Add(new Product { StationId = Station.MainStationId, CategoryId = category, Name = Name, DeliveryType = DeliveryType.Manual,
                BasePrice = Money.FromFen(1500), CostPrice = Money.FromFen(1000), FaceValue = Money.FromFen(1500), CreatedAt = DateTimeOffset.UtcNow });
            await up.SaveChangesAsync();
        }
        var credentials = upstream.Services.GetRequiredService<ApiCredentialService>();
        var (issued, _) = await credentials.RequestAsync(await DockingPair.BuyerIdAsync(upstream), Station.MainStationId, "演示分站进货");
        Assert.Null(await credentials.ApproveAsync(new AuditActor("test", "test", null), issued!.Id));
        int demoId; string ownerId;
        await using (var db = fx.App.NewContext())
            (demoId, ownerId) = await db.Stations.Where(s => s.Code == "demo").Select(s => new ValueTuple<int, string>(s.Id, s.OwnerUserId!)).SingleAsync();
        var (_, addError) = await fx.App.Services.GetRequiredService<SupplierService>()
            .AddAsync(new AuditActor(ownerId, "demo-owner", demoId), demoId, "合规上游", upstream.BaseUrl, issued.KeyId, issued.Secret);
        Assert.Null(addError);

        // The owner imports it and sees it wait for review.
        var owner = await fx.NewPageAsync();
        await new LoginPage(owner).LoginAsAsync("demo-owner", TestAccounts.DemoPassword, "/admin/suppliers");
        var suppliers = new SupplierAdminPage(owner);
        await suppliers.Admin.WaitForCircuitAsync();
        await suppliers.SupplierRow("合规上游").GetByTestId("supplier-browse").ClickAsync();
        await suppliers.CatalogueRow(Name).GetByTestId("catalogue-import").ClickAsync();
        await suppliers.Admin.ConfirmAsync();
        await Assertions.Expect(suppliers.Admin.Notification($"已导入「{Name}」")).ToBeVisibleAsync();
        await Assertions.Expect(suppliers.ImportedRow(Name).GetByTestId("imported-review")).ToHaveTextAsync("待审核");
        await BrowserFixture.ScreenshotsAsync(owner, "compliance-import-pending");

        var buyer = await fx.NewPageAsync();
        await buyer.GotoAsync("/s/demo/");
        await Assertions.Expect(buyer.GetByTestId("product-card").First).ToBeVisibleAsync();
        await Assertions.Expect(buyer.GetByTestId("product-card").Filter(new() { HasText = Name })).ToHaveCountAsync(0);

        // The platform approves it on /admin/compliance.
        var admin = await fx.NewPageAsync();
        await new LoginPage(admin).LoginAsAsync("admin", TestAccounts.AdminPassword, "/admin/compliance");
        var compliance = new CompliancePage(admin);
        await compliance.Admin.WaitForCircuitAsync();
        var row = compliance.ReviewRow(Name);
        await Assertions.Expect(row.GetByTestId("review-status")).ToHaveTextAsync("待审核");
        await Assertions.Expect(row.GetByTestId("review-station")).ToContainTextAsync("demo");
        await BrowserFixture.ScreenshotsAsync(admin, "compliance-review-queue");
        await row.GetByTestId("review-approve").ClickAsync();
        await Assertions.Expect(compliance.Admin.Notification($"已通过「{Name}」")).ToBeVisibleAsync();
        await Assertions.Expect(compliance.ReviewRow(Name)).ToHaveCountAsync(0);

        // The owner's storefront lists it; the owner's list says 已通过.
        // Storefront pages are cached for up to 2 s: look again until the fresh rendering shows it.
        await Poll.UntilAsync(async () =>
        {
            await buyer.GotoAsync("/s/demo/");
            return await buyer.GetByTestId("product-card").Filter(new() { HasText = Name }).CountAsync() > 0;
        }, "the approved product on the demo storefront", 20);
        await BrowserFixture.ScreenshotsAsync(buyer, "compliance-approved-storefront");
        await owner.ReloadAsync();
        await suppliers.Admin.WaitForCircuitAsync();
        await Assertions.Expect(suppliers.ImportedRow(Name).GetByTestId("imported-review")).ToHaveTextAsync("已通过");
    }

    [Fact]
    public async Task The_platform_refuses_an_invalid_regex_sees_a_new_term_hit_highlighted_approves_it_only_with_a_note_and_imposes_and_lifts_a_sanction()
    {
        const string Hit = "吃鸡外挂月卡";
        await using (var db = fx.App.NewContext())
        {
            var category = await db.Categories.Where(c => c.StationId == Station.MainStationId).OrderBy(c => c.Id).Select(c => c.Id).FirstAsync();
            db.Products.Add(new Product { StationId = Station.MainStationId, CategoryId = category, Name = Hit, DeliveryType = DeliveryType.Manual,
                BasePrice = Money.FromFen(900), CostPrice = Money.FromFen(500), CreatedAt = DateTimeOffset.UtcNow });
            await db.SaveChangesAsync();
        }
        var page = await fx.NewPageAsync();
        await new LoginPage(page).LoginAsAsync("admin", TestAccounts.AdminPassword, "/admin/compliance");
        var compliance = new CompliancePage(page);
        await compliance.Admin.WaitForCircuitAsync();

        // 违禁词: an invalid regular expression is refused in Chinese and nothing is added.
        await compliance.OpenTabAsync("违禁词");
        await compliance.FillTermAsync("外挂", "外挂(月卡", regex: true);
        await page.GetByTestId("term-save").ClickAsync();
        await Assertions.Expect(compliance.Admin.Notification("正则表达式无效")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("term-row-text")).ToHaveCountAsync(0);
        await compliance.Admin.CloseNotificationsAsync();
        // A plain term is saved and everything is rescanned: the product is taken off sale.
        await compliance.FillTermAsync("外挂", "外挂", regex: false);
        await page.GetByTestId("term-save").ClickAsync();
        await Assertions.Expect(compliance.Admin.Notification("下架 1")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("term-row-text")).ToHaveTextAsync("外挂");
        await BrowserFixture.ScreenshotsAsync(page, "compliance-terms");

        // 商品审核: the hit is highlighted; approving it needs a note.
        await compliance.OpenTabAsync("商品审核");
        var row = page.GetByTestId("review-grid").Locator("tr").Filter(new() { HasText = Hit });
        await Assertions.Expect(row.GetByTestId("review-status")).ToHaveTextAsync("违禁下架");
        await Assertions.Expect(row.GetByTestId("review-hit")).ToHaveTextAsync("外挂");
        await BrowserFixture.ScreenshotsAsync(page, "compliance-review-hit");
        await row.GetByTestId("review-approve").ClickAsync();
        await Assertions.Expect(compliance.Admin.Notification("通过时必须填写备注")).ToBeVisibleAsync();
        await Assertions.Expect(row.GetByTestId("review-status")).ToHaveTextAsync("违禁下架");
        await row.GetByTestId("review-note").FillAsync("游戏辅助外设，非作弊软件");
        await row.GetByTestId("review-approve").ClickAsync();
        await Assertions.Expect(compliance.Admin.Notification($"已通过「{Hit}」")).ToBeVisibleAsync();
        await Assertions.Expect(row).ToHaveCountAsync(0);

        // 站点处罚: 禁止上新 on the demo substation for 7 days (the form's default), then lifted early.
        await compliance.OpenTabAsync("站点处罚");
        await page.GetByTestId("sanction-reason").FillAsync("售卖违规商品");
        await page.GetByTestId("sanction-impose").ClickAsync();
        await Assertions.Expect(compliance.Admin.Confirmation).ToContainTextAsync("禁止上新」7 天");
        await compliance.Admin.ConfirmAsync();
        await Assertions.Expect(compliance.Admin.Notification("已处罚 demo")).ToBeVisibleAsync();
        var sanction = page.GetByTestId("sanction-grid").Locator("tr").Filter(new() { HasText = "售卖违规商品" });
        await Assertions.Expect(sanction.GetByTestId("sanction-row-status")).ToHaveTextAsync("生效中");
        await BrowserFixture.ScreenshotsAsync(page, "compliance-sanctions");
        // The owner reads it on 我的分站, with its reason and end.
        var owner = await fx.NewPageAsync();
        await new LoginPage(owner).LoginAsAsync("demo-owner", TestAccounts.DemoPassword, "/admin/station");
        await new AdminPage(owner).WaitForCircuitAsync();
        await Assertions.Expect(owner.GetByTestId("sanction-notice")).ToContainTextAsync("禁止上新");
        await Assertions.Expect(owner.GetByTestId("sanction-notice")).ToContainTextAsync("售卖违规商品");
        await sanction.GetByTestId("sanction-lift").ClickAsync();
        await Assertions.Expect(sanction.GetByTestId("sanction-row-status")).ToContainTextAsync("已解除");
    }
}

/// <summary>Page object: /admin/compliance (合规管理). Elements are found by data-testid and role only.</summary>
public sealed class CompliancePage(IPage page)
{
    public AdminPage Admin { get; } = new(page);

    public ILocator ReviewRow(string name) =>
        page.GetByTestId("review-grid").Locator("tr").Filter(new() { Has = page.GetByTestId("review-name").GetByText(name, new() { Exact = true }) });

    public Task OpenTabAsync(string text) => page.GetByRole(AriaRole.Tab, new() { Name = text }).ClickAsync();

    public ILocator TermForm => page.GetByTestId("term-form");

    public async Task FillTermAsync(string category, string text, bool regex)
    {
        await page.GetByTestId("term-category").FillAsync(category);
        await page.GetByTestId("term-text").FillAsync(text);
        await page.Locator("input[type=checkbox][data-testid='term-regex'], [data-testid='term-regex'] input[type=checkbox]").SetCheckedAsync(regex);
    }
}
