using System.Security.Claims;
using System.Text;
using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Admin.CardKeys;
using Microsoft.EntityFrameworkCore;
using static KaMeng.Tests.Web.CardKeyTestData;

namespace KaMeng.Tests.Web;

public class CardKeyInventoryServiceTests
{
    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [SqlServerData]
    public async Task Counts_are_derived_from_the_keys_themselves(DatabaseProvider provider)
    {
        await using var db = await CreateAsync(provider);
        var product = await db.ProductAsync();
        var keys = await db.KeysAsync(product.Id);
        var inventory = db.Inventory();
        Assert.Equal(new CardKeyCounts(20, 0, 0), await inventory.CountsAsync(Station.MainStationId, product.Id));

        await db.MarkSoldAsync(keys[0].Id);
        await db.MarkSoldAsync(keys[1].Id);
        await inventory.VoidAsync(Station.MainStationId, keys[2].Id, Admin);

        Assert.Equal(new CardKeyCounts(17, 2, 1), await inventory.CountsAsync(Station.MainStationId, product.Id));
        var batch = Assert.Single(await inventory.BatchesAsync(Station.MainStationId, product.Id));
        Assert.Equal((20, 17, 2, 1), (batch.Count, batch.Available, batch.Sold, batch.Void));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [SqlServerData]
    public async Task The_list_pages_masked_secrets_and_filters_by_status_and_batch(DatabaseProvider provider)
    {
        await using var db = await CreateAsync(provider);
        var product = await db.ProductAsync();
        var keys = await db.KeysAsync(product.Id);
        await db.MarkSoldAsync(keys[3].Id, orderId: 777);
        var imported = await db.Importer().ImportAsync(Station.MainStationId, product.Id, "LISTED-KEY-0001\nLISTED-KEY-0002", OnePerLine, Admin);
        var inventory = db.Inventory();

        var first = await inventory.ListAsync(Station.MainStationId, product.Id, new CardKeyQuery(Take: 5));
        Assert.Equal(22, first.Total);
        Assert.Equal(5, first.Rows.Count);
        Assert.Equal("LI********02", first.Rows[0].MaskedSecret);
        Assert.Equal(imported.BatchNumber, first.Rows[0].BatchNumber);
        Assert.All(first.Rows, r => Assert.DoesNotContain("KEY-000", r.MaskedSecret));
        var second = await inventory.ListAsync(Station.MainStationId, product.Id, new CardKeyQuery(Skip: 20, Take: 5));
        Assert.Equal(2, second.Rows.Count);
        Assert.Empty(first.Rows.Select(r => r.Id).Intersect(second.Rows.Select(r => r.Id)));

        var sold = await inventory.ListAsync(Station.MainStationId, product.Id, new CardKeyQuery(Status: CardKeyStatus.Sold));
        var row = Assert.Single(sold.Rows);
        Assert.Equal((keys[3].Id, 777L), (row.Id, row.OrderId));

        var byBatch = await inventory.ListAsync(Station.MainStationId, product.Id, new CardKeyQuery(BatchId: imported.BatchId));
        Assert.Equal(2, byBatch.Total);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [SqlServerData]
    public async Task Void_takes_an_available_key_out_of_stock_but_refuses_a_sold_one(DatabaseProvider provider)
    {
        await using var db = await CreateAsync(provider);
        var product = await db.ProductAsync();
        var keys = await db.KeysAsync(product.Id);
        await db.MarkSoldAsync(keys[0].Id);
        var inventory = db.Inventory();

        var sold = await Assert.ThrowsAsync<DomainException>(() => inventory.VoidAsync(Station.MainStationId, keys[0].Id, Admin));
        Assert.Equal("已售出的卡密不能作废", sold.Message);

        await inventory.VoidAsync(Station.MainStationId, keys[1].Id, Admin);
        var again = await Assert.ThrowsAsync<DomainException>(() => inventory.VoidAsync(Station.MainStationId, keys[1].Id, Admin));
        Assert.Equal("该卡密已作废", again.Message);

        await using var ctx = db.NewContext();
        Assert.Equal(CardKeyStatus.Sold, (await ctx.CardKeys.SingleAsync(k => k.Id == keys[0].Id)).Status);
        Assert.Equal(CardKeyStatus.Void, (await ctx.CardKeys.SingleAsync(k => k.Id == keys[1].Id)).Status);
        var audit = await ctx.AuditEntries.SingleAsync(a => a.Action == "cardkey.void");
        Assert.Equal(($"cardkey:{keys[1].Id}", Admin.UserId), (audit.Target, audit.UserId));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [SqlServerData]
    public async Task Voiding_several_keys_voids_the_available_ones_skips_the_others_and_audits_each(DatabaseProvider provider)
    {
        await using var db = await CreateAsync(provider);
        var product = await db.ProductAsync();
        var keys = await db.KeysAsync(product.Id);
        await db.MarkSoldAsync(keys[0].Id);
        var inventory = db.Inventory();

        var result = await inventory.VoidManyAsync(Station.MainStationId, [keys[0].Id, keys[1].Id, keys[2].Id, keys[2].Id], Admin);

        Assert.Equal(new CardKeyVoidResult(2, 1), result);
        Assert.Equal(new CardKeyCounts(17, 1, 2), await inventory.CountsAsync(Station.MainStationId, product.Id));
        await using var ctx = db.NewContext();
        var targets = await ctx.AuditEntries.Where(a => a.Action == "cardkey.void").Select(a => a.Target).OrderBy(t => t).ToListAsync();
        Assert.Equal(new[] { $"cardkey:{keys[1].Id}", $"cardkey:{keys[2].Id}" }.Order(), targets);
        // Another station's keys are never touched.
        Assert.Equal(new CardKeyVoidResult(0, 1), await inventory.VoidManyAsync(Station.MainStationId + 999, [keys[3].Id], Admin));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [SqlServerData]
    public async Task The_list_sorts_by_status_and_batch_on_the_server(DatabaseProvider provider)
    {
        await using var db = await CreateAsync(provider);
        var product = await db.ProductAsync();
        var keys = await db.KeysAsync(product.Id);
        await db.MarkSoldAsync(keys[4].Id);
        var imported = await db.Importer().ImportAsync(Station.MainStationId, product.Id, "SORTED-KEY-0001", OnePerLine, Admin);
        var inventory = db.Inventory();

        var bySoldFirst = await inventory.ListAsync(Station.MainStationId, product.Id, new CardKeyQuery(Take: 1, Sort: CardKeySort.Status, Descending: true));
        Assert.Equal(keys[4].Id, Assert.Single(bySoldFirst.Rows).Id);
        var byBatch = await inventory.ListAsync(Station.MainStationId, product.Id, new CardKeyQuery(Take: 1, Sort: CardKeySort.Batch, Descending: true));
        Assert.Equal(imported.BatchId, Assert.Single(byBatch.Rows).BatchId);
        var oldest = await inventory.ListAsync(Station.MainStationId, product.Id, new CardKeyQuery(Take: 1, Sort: CardKeySort.Id));
        Assert.Equal(keys[0].Id, Assert.Single(oldest.Rows).Id);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [SqlServerData]
    public async Task Reveal_returns_the_full_secret_and_writes_an_audit_entry(DatabaseProvider provider)
    {
        await using var db = await CreateAsync(provider);
        var product = await db.ProductAsync();
        var key = (await db.KeysAsync(product.Id))[7];

        var secret = await db.Inventory().RevealAsync(Station.MainStationId, key.Id, Admin);

        Assert.Equal(key.Secret, secret);
        await using var ctx = db.NewContext();
        var audit = await ctx.AuditEntries.SingleAsync();
        Assert.Equal(("cardkey.reveal", $"cardkey:{key.Id}", Admin.UserId, Admin.UserName, Station.MainStationId),
            (audit.Action, audit.Target, audit.UserId, audit.UserName, audit.StationId));
        Assert.DoesNotContain(key.Secret, audit.Detail);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [SqlServerData]
    public async Task Another_station_can_neither_reveal_void_nor_export_the_keys(DatabaseProvider provider)
    {
        await using var db = await CreateAsync(provider);
        var product = await db.ProductAsync();
        var key = (await db.KeysAsync(product.Id))[0];
        await using var ctx = db.NewContext();
        var demo = await ctx.Stations.Where(s => s.Code == "demo").Select(s => s.Id).SingleAsync();
        var batchId = await ctx.CardKeyBatches.Where(b => b.ProductId == product.Id).Select(b => b.Id).SingleAsync();
        var inventory = db.Inventory();

        Assert.Equal("卡密不存在", (await Assert.ThrowsAsync<DomainException>(() => inventory.RevealAsync(demo, key.Id, Admin))).Message);
        Assert.Equal("卡密不存在", (await Assert.ThrowsAsync<DomainException>(() => inventory.VoidAsync(demo, key.Id, Admin))).Message);
        Assert.Equal("批次不存在", (await Assert.ThrowsAsync<DomainException>(() => inventory.ExportUnsoldAsync(demo, batchId, Admin))).Message);
        Assert.Empty(await inventory.ProductsAsync(demo));
        Assert.Equal(new CardKeyCounts(0, 0, 0), await inventory.CountsAsync(demo, product.Id));
        Assert.False(await ctx.AuditEntries.AnyAsync());
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [SqlServerData]
    public async Task Export_of_a_batch_lists_its_unsold_keys_one_per_line_and_is_audited(DatabaseProvider provider)
    {
        await using var db = await CreateAsync(provider);
        var product = await db.ProductAsync();
        var imported = await db.Importer().ImportAsync(Station.MainStationId, product.Id, "100001 卡密一\n100002 卡密二\n100003 卡密三",
            new CardKeyImportOptions(CardKeyImportMode.Pair), Admin);
        var rows = (await db.Inventory().ListAsync(Station.MainStationId, product.Id, new CardKeyQuery(BatchId: imported.BatchId))).Rows.OrderBy(r => r.Id).ToList();
        await db.MarkSoldAsync(rows[1].Id);

        var file = await db.Inventory().ExportUnsoldAsync(Station.MainStationId, imported.BatchId!.Value, Admin);

        Assert.Equal($"{imported.BatchNumber}-unsold.txt", file.FileName);
        Assert.Equal(2, file.Count);
        Assert.Equal("100001 卡密一\r\n100003 卡密三\r\n", Encoding.UTF8.GetString(file.Content));
        Assert.NotEqual(0xEF, file.Content[0]); // no BOM
        await using var ctx = db.NewContext();
        var audit = await ctx.AuditEntries.SingleAsync(a => a.Action == "cardkey.export");
        Assert.Equal($"batch:{imported.BatchNumber}", audit.Target);
        Assert.Equal(CardKeyStatus.Available, (await ctx.CardKeys.SingleAsync(k => k.Id == rows[0].Id)).Status);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [SqlServerData]
    public async Task Admins_manage_the_main_station_and_owners_their_own_station(DatabaseProvider provider)
    {
        await using var db = await CreateAsync(provider);
        await using var ctx = db.NewContext();
        var owner = await ctx.Users.SingleAsync(u => u.UserName == "demo-owner");
        var demo = await ctx.Stations.Where(s => s.Code == "demo").Select(s => s.Id).SingleAsync();
        static ClaimsPrincipal User(string id, string role) =>
            new(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, id), new Claim(ClaimTypes.Name, id), new Claim(ClaimTypes.Role, role)], "test"));

        Assert.Equal(Station.MainStationId, await CardKeyAccess.StationOfAsync(db.DbFactory, User("x", Roles.PlatformAdmin)));
        Assert.Equal(demo, await CardKeyAccess.StationOfAsync(db.DbFactory, User(owner.Id, Roles.StationOwner)));
        Assert.Null(await CardKeyAccess.StationOfAsync(db.DbFactory, User("nobody", Roles.StationOwner)));
        Assert.Null(await CardKeyAccess.StationOfAsync(db.DbFactory, User(owner.Id, Roles.Finance)));
        Assert.Null(await CardKeyAccess.StationOfAsync(db.DbFactory, new ClaimsPrincipal(new ClaimsIdentity())));
        Assert.Equal(["王者荣耀 60 点券", "Steam 钱包 50 元", "爱奇艺黄金会员 月卡", "办公软件 年度授权"],
            (await db.Inventory().ProductsAsync(Station.MainStationId)).Select(p => p.Name).ToArray());
    }
}
