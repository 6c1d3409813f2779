using Bunit;
using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Admin.CardKeys;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace KaMeng.Tests.Components.CardKeys;

/// <summary>The key table (卡密列表) in bUnit against a real SQLite database: server paging, the status filter, and the
/// batch 作废 with its confirmation.</summary>
public sealed class CardKeyTableTests : MudContext, IAsyncLifetime
{
    const int Main = Station.MainStationId;
    static readonly CardKeyActor Admin = new("admin-user-id", "admin");
    TestDatabase db = default!;
    Product product = default!;
    int changed;

    async Task IAsyncLifetime.InitializeAsync()
    {
        // Each step is a database round trip; a loaded 2-core machine needs more than bUnit's default second.
        DefaultWaitTimeout = TimeSpan.FromSeconds(10);
        db = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite, s =>
        {
            s.AddSingleton<CardKeyImportService>();
            s.AddSingleton<CardKeyInventoryService>();
        });
        Services.AddSingleton(db.Services.GetRequiredService<CardKeyInventoryService>());
        await using var ctx = db.NewContext();
        // The seeded product with its 20 available keys.
        product = await ctx.Products.AsNoTracking().SingleAsync(p => p.Name == "王者荣耀 60 点券");
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await db.DisposeAsync();
    }

    async Task<List<long>> KeyIdsAsync()
    {
        await using var ctx = db.NewContext();
        return await ctx.CardKeys.Where(k => k.ProductId == product.Id).OrderByDescending(k => k.Id).Select(k => k.Id).ToListAsync();
    }

    async Task MarkSoldAsync(params long[] ids)
    {
        await using var ctx = db.NewContext();
        await ctx.CardKeys.Where(k => ids.Contains(k.Id)).ExecuteUpdateAsync(u => u.SetProperty(k => k.Status, CardKeyStatus.Sold).SetProperty(k => k.OrderId, 4242));
    }

    IRenderedComponent<MudTestHost> RenderTable() => RenderHosted(b =>
    {
        b.OpenComponent<CardKeyTable>(0);
        b.AddAttribute(1, nameof(CardKeyTable.StationId), Main);
        b.AddAttribute(2, nameof(CardKeyTable.ProductId), product.Id);
        b.AddAttribute(3, nameof(CardKeyTable.Actor), Admin);
        b.AddAttribute(4, nameof(CardKeyTable.Changed), EventCallback.Factory.Create(this, () => changed++));
        b.CloseComponent();
    });

    static List<long> ShownIds(IRenderedComponent<MudTestHost> host) =>
        host.FindAll("[data-testid=key-id]").Select(e => long.Parse(e.TextContent.Trim())).ToList();

    static void SelectRow(IRenderedComponent<MudTestHost> host, long id)
    {
        var row = host.FindAll("tr").Single(tr => tr.QuerySelector("[data-testid=key-id]")?.TextContent.Trim() == id.ToString());
        row.QuerySelector("input[type=checkbox]")!.Change(true);
    }

    [Fact]
    public async Task The_table_pages_on_the_server_twenty_keys_at_a_time_newest_first_with_secrets_masked()
    {
        var import = await db.Services.GetRequiredService<CardKeyImportService>().ImportAsync(Main, product.Id,
            string.Join("\n", Enumerable.Range(1, 25).Select(i => $"TABLE-PAGING-{i:D4}")), new CardKeyImportOptions(), Admin);
        Assert.True(import.Succeeded);
        var ids = await KeyIdsAsync();
        Assert.Equal(45, ids.Count);

        var host = RenderTable();
        host.WaitForAssertion(() => Assert.Equal(ids.Take(20), ShownIds(host)));
        Assert.Contains("第 1-20 条，共 45 条", host.Markup);
        var masked = host.FindAll("[data-testid=masked-secret]").Select(e => e.TextContent.Trim()).ToList();
        Assert.Equal(CardKeyVault.Mask("TABLE-PAGING-0025"), masked[0]);
        Assert.DoesNotContain("TABLE-PAGING-0025", host.Markup);

        host.Find("button[aria-label=下一页]").Click();
        host.WaitForAssertion(() => Assert.Equal(ids.Skip(20).Take(20), ShownIds(host)));
        Assert.Contains("第 21-40 条，共 45 条", host.Markup);
        host.Find("button[aria-label=下一页]").Click();
        host.WaitForAssertion(() => Assert.Equal(ids.Skip(40), ShownIds(host)));
    }

    [Fact]
    public async Task Filtering_by_status_lists_only_those_keys_from_the_first_page()
    {
        var ids = await KeyIdsAsync();
        await MarkSoldAsync(ids[1], ids[5], ids[7]);
        var host = RenderTable();
        host.WaitForAssertion(() => Assert.Equal(20, ShownIds(host).Count));

        var status = host.FindComponent<MudSelect<CardKeyStatus?>>();
        await host.InvokeAsync(() => status.Instance.ValueChanged.InvokeAsync(CardKeyStatus.Sold));
        host.WaitForAssertion(() => Assert.Equal([ids[1], ids[5], ids[7]], ShownIds(host)));
        Assert.Contains("第 1-3 条，共 3 条", host.Markup);
        Assert.All(host.FindAll("[data-testid=key-status]"), s => Assert.Equal("已售", s.TextContent.Trim()));
        // A sold key can be looked at but not voided.
        Assert.Equal(3, host.FindAll("[data-testid=reveal]").Count);
        Assert.Empty(host.FindAll("[data-testid=void]"));

        await host.InvokeAsync(() => status.Instance.ValueChanged.InvokeAsync(CardKeyStatus.Void));
        host.WaitForAssertion(() => Assert.Empty(ShownIds(host)));
        Assert.Contains("没有符合条件的卡密", host.Find("[data-testid=empty-state]").TextContent);
    }

    [Fact]
    public async Task Batch_void_shows_with_a_selection_asks_first_repeating_the_count_and_voids_only_available_keys()
    {
        var ids = await KeyIdsAsync();
        await MarkSoldAsync(ids[0]);
        var host = RenderTable();
        host.WaitForAssertion(() => Assert.Equal(20, ShownIds(host).Count));
        Assert.Empty(host.FindAll("[data-testid=key-batch-bar]"));

        SelectRow(host, ids[0]);
        SelectRow(host, ids[1]);
        host.WaitForAssertion(() => Assert.Equal("已选 2 个", host.Find("[data-testid=key-selected-count]").TextContent.Trim()));

        host.Find("[data-testid=batch-void]").Click();
        var message = host.WaitForElement("[data-testid=confirm-message]").TextContent;
        Assert.Contains("作废选中的 2 个卡密", message);
        Assert.Contains("其中 1 个不是可售状态", message);
        Assert.Equal("作废 2 个", host.Find("[data-testid=confirm-ok]").TextContent.Trim());
        Assert.Contains("mud-button-filled-error", host.Find("[data-testid=confirm-ok]").ClassName); // a danger action is red
        host.Find("[data-testid=confirm-cancel]").Click();
        host.WaitForAssertion(() => Assert.Empty(host.FindAll("[data-testid=confirm-message]")));
        await using (var ctx = db.NewContext())
            Assert.False(await ctx.CardKeys.AnyAsync(k => k.ProductId == product.Id && k.Status == CardKeyStatus.Void));
        Assert.Equal(0, changed);

        host.Find("[data-testid=batch-void]").Click();
        host.WaitForElement("[data-testid=confirm-ok]").Click();
        host.WaitForAssertion(() => Assert.Contains(host.FindAll("[data-testid=toast]"), t => t.TextContent == "已作废 1 个卡密，跳过 1 个"));
        host.WaitForAssertion(() => Assert.Empty(host.FindAll("[data-testid=key-batch-bar]")));
        host.WaitForAssertion(() => Assert.Equal(1, changed));
        await using (var ctx = db.NewContext())
        {
            Assert.Equal(CardKeyStatus.Sold, await ctx.CardKeys.Where(k => k.Id == ids[0]).Select(k => k.Status).SingleAsync());
            Assert.Equal(CardKeyStatus.Void, await ctx.CardKeys.Where(k => k.Id == ids[1]).Select(k => k.Status).SingleAsync());
            Assert.True(await ctx.AuditEntries.AnyAsync(a => a.Action == "cardkey.void" && a.Target == $"cardkey:{ids[1]}" && a.UserName == "admin"));
        }
        host.WaitForAssertion(() =>
        {
            var row = host.FindAll("tr").Single(tr => tr.QuerySelector("[data-testid=key-id]")?.TextContent.Trim() == ids[1].ToString());
            Assert.Equal("作废", row.QuerySelector("[data-testid=key-status]")!.TextContent.Trim());
        });
    }

    [Fact]
    public void A_grid_state_maps_to_the_services_own_query()
    {
        var state = new GridState<CardKeyRow>
        {
            Page = 2, PageSize = 50,
            SortDefinitions = [new SortDefinition<CardKeyRow>(nameof(CardKeyRow.Status), true, 0, k => k.Status)],
        };
        Assert.Equal(new CardKeyQuery(CardKeyStatus.Sold, 9, Skip: 100, Take: 50, Sort: CardKeySort.Status, Descending: true),
            CardKeyGrid.ToQuery(state, new CardKeyFilters { Status = CardKeyStatus.Sold, BatchId = 9 }));
        Assert.Equal(CardKeySort.Batch, CardKeyGrid.SortField(nameof(CardKeyRow.BatchNumber)));
        // A column the service does not know sorts newest first rather than reaching the database.
        Assert.Equal(CardKeySort.Newest, CardKeyGrid.SortField(nameof(CardKeyRow.MaskedSecret)));
        // Never more than the service's largest page.
        Assert.Equal(CardKeyInventoryService.MaxPageSize, CardKeyGrid.ToQuery(new GridState<CardKeyRow> { PageSize = 5000 }, new()).Take);
    }
}
