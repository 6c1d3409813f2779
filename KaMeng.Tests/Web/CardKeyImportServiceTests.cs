using System.Diagnostics;
using System.Text.RegularExpressions;
using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Admin.CardKeys;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Xunit.Abstractions;
using static KaMeng.Tests.Web.CardKeyTestData;

namespace KaMeng.Tests.Web;

public class CardKeyImportServiceTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [SqlServerData]
    public async Task Preview_finds_duplicates_of_existing_keys_by_hash_and_within_the_batch(DatabaseProvider provider)
    {
        await using var db = await CreateAsync(provider);
        var product = await db.ProductAsync();
        var existing = await db.KeysAsync(product.Id);

        var text = $"NEW-0001\n{existing[0].Secret}\nNEW-0002\nNEW-0001\n\n  {existing[5].Secret}  \nbad\u0007key\n";
        var preview = await db.Importer().PreviewAsync(Station.MainStationId, product.Id, text, OnePerLine);

        Assert.Equal(["NEW-0001", "NEW-0002"], preview.Keys.Select(k => k.Secret).ToArray());
        Assert.Equal((2, 1, 2, 1, 1), (preview.NewCount, preview.DuplicateInBatchCount, preview.DuplicateExistingCount, preview.BlankCount, preview.MalformedCount));
        Assert.Equal([2, 6], preview.Problems.Where(p => p.Kind == CardKeyLineKind.DuplicateExisting).Select(p => p.LineNumber).ToArray());
        Assert.True(preview.CanImport);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [SqlServerData]
    public async Task Import_writes_one_batch_of_encrypted_keys_and_an_audit_entry(DatabaseProvider provider)
    {
        await using var db = await CreateAsync(provider);
        var product = await db.ProductAsync();
        var existing = await db.KeysAsync(product.Id);
        var vault = db.Vault();

        var result = await db.Importer().ImportAsync(Station.MainStationId, product.Id,
            $"100001----secret-pw-1\n100002----secret-pw-2\n{existing[0].Secret.Replace(" ", "----")}\n100001----secret-pw-1",
            new CardKeyImportOptions(CardKeyImportMode.Pair, CardKeySeparator.Dashes), Admin);

        Assert.True(result.Succeeded, result.Message);
        Assert.Equal(2, result.Imported);
        Assert.Matches(new Regex("^B[0-9]{14}[A-Z2-9]{6}$"), result.BatchNumber);
        Assert.Equal($"已导入 2 个卡密，批次号 {result.BatchNumber}", result.Message);

        await using var ctx = db.NewContext();
        var batch = await ctx.CardKeyBatches.SingleAsync(b => b.Number == result.BatchNumber);
        Assert.Equal((product.Id, Station.MainStationId, 2, Admin.UserId), (batch.ProductId, batch.StationId, batch.Count, batch.ImportedByUserId));
        var keys = await ctx.CardKeys.Where(k => k.BatchId == batch.Id).OrderBy(k => k.Id).ToListAsync();
        Assert.Equal(["100001 secret-pw-1", "100002 secret-pw-2"], keys.Select(k => vault.Unprotect(k.SecretCipher)).ToArray());
        Assert.All(keys, k =>
        {
            Assert.Equal(CardKeyStatus.Available, k.Status);
            Assert.DoesNotContain("secret-pw", k.SecretCipher);
            Assert.DoesNotContain("100001", k.SecretCipher);
            Assert.Equal(vault.Hash(vault.Unprotect(k.SecretCipher)), k.SecretHash);
        });
        // Not even the raw column values hold the secret in plain text.
        var plain = provider == DatabaseProvider.Postgres
            ? await ctx.Database.SqlQueryRaw<int>("""SELECT COUNT(*)::int AS "Value" FROM "CardKeys" WHERE "SecretCipher" LIKE '%secret-pw%' OR "SecretHash" LIKE '%secret-pw%'""").SingleAsync()
            : await ctx.Database.SqlQueryRaw<int>("""SELECT COUNT(*) AS "Value" FROM "CardKeys" WHERE "SecretCipher" LIKE '%secret-pw%' OR "SecretHash" LIKE '%secret-pw%'""").SingleAsync();
        Assert.Equal(0, plain);

        var audit = await ctx.AuditEntries.SingleAsync(a => a.Action == "cardkey.import");
        Assert.Equal(($"batch:{batch.Number}", Admin.UserId, Admin.UserName, Station.MainStationId), (audit.Target, audit.UserId, audit.UserName, audit.StationId));
        Assert.Contains("导入 2 个卡密", audit.Detail);
        Assert.DoesNotContain("secret-pw", audit.Detail);

        Assert.Equal(new CardKeyCounts(22, 0, 0), await db.Inventory().CountsAsync(Station.MainStationId, product.Id));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [SqlServerData]
    public async Task An_import_with_nothing_new_writes_nothing(DatabaseProvider provider)
    {
        await using var db = await CreateAsync(provider);
        var product = await db.ProductAsync();
        var existing = await db.KeysAsync(product.Id);

        var result = await db.Importer().ImportAsync(Station.MainStationId, product.Id, $"{existing[1].Secret}\n\n", OnePerLine, Admin);

        Assert.False(result.Succeeded);
        Assert.Equal("没有可导入的新卡密", result.Message);
        await using var ctx = db.NewContext();
        Assert.Equal(4, await ctx.CardKeyBatches.CountAsync());
        Assert.False(await ctx.AuditEntries.AnyAsync());
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [SqlServerData]
    public async Task Concurrent_imports_of_overlapping_keys_store_each_key_once_and_never_part_of_a_batch(DatabaseProvider provider)
    {
        await using var db = await CreateAsync(provider);
        var product = await db.ProductAsync();
        static string Keys(int from, int to) => string.Join("\n", Enumerable.Range(from, to - from + 1).Select(i => $"RACE-{i:D4}"));
        string[] inputs = [Keys(1, 50), Keys(26, 75), Keys(1, 75), Keys(51, 100), Keys(1, 100)];

        var results = await Task.WhenAll(inputs.Select(text => Task.Run(() => db.Importer().ImportAsync(Station.MainStationId, product.Id, text, OnePerLine, Admin))));

        await using var ctx = db.NewContext();
        var vault = db.Vault();
        var hashes = Enumerable.Range(1, 100).Select(i => vault.Hash($"RACE-{i:D4}")).ToList();
        // An import that meets a unique violation rolls back whole (by design), so which imports win depends on the
        // interleaving: the invariant is that each key is stored at most once and only by a complete, successful batch.
        var stored = await ctx.CardKeys.CountAsync(k => k.ProductId == product.Id && hashes.Contains(k.SecretHash));
        Assert.InRange(stored, 50, 100);
        Assert.Equal(stored, results.Sum(r => r.Imported));
        foreach (var result in results)
        {
            if (result.Succeeded)
            {
                var batch = await ctx.CardKeyBatches.SingleAsync(b => b.Number == result.BatchNumber);
                Assert.Equal(result.Imported, batch.Count);
                Assert.Equal(batch.Count, await ctx.CardKeys.CountAsync(k => k.BatchId == batch.Id));
            }
            else
            {
                Assert.Null(result.BatchNumber);
            }
        }
        Assert.Equal(4 + results.Count(r => r.Succeeded), await ctx.CardKeyBatches.CountAsync());
        Assert.Equal(results.Count(r => r.Succeeded), await ctx.AuditEntries.CountAsync(a => a.Action == "cardkey.import"));
    }

    [Fact]
    public async Task When_the_unique_index_refuses_a_key_written_meanwhile_the_whole_import_is_rolled_back()
    {
        await using var db = await CreateAsync(DatabaseProvider.Postgres);
        var product = await db.ProductAsync();
        var vault = db.Vault();

        // Another writer has put RACE-2 into the product but not yet committed: the import's duplicate check cannot see it.
        await using var other = db.NewContext();
        await using var otherTx = await other.Database.BeginTransactionAsync();
        var seedBatch = await other.CardKeyBatches.Where(b => b.ProductId == product.Id).Select(b => b.Id).FirstAsync();
        other.CardKeys.Add(new CardKey
        {
            StationId = Station.MainStationId, ProductId = product.Id, BatchId = seedBatch, SecretCipher = vault.Protect("RACE-2"),
            SecretHash = vault.Hash("RACE-2"), CreatedAt = DateTimeOffset.UtcNow,
        });
        await other.SaveChangesAsync();

        var import = Task.Run(() => db.Importer().ImportAsync(Station.MainStationId, product.Id, "RACE-1\nRACE-2\nRACE-3", OnePerLine, Admin));
        await WaitForALockWaitAsync(db.ConnectionString, import);
        await otherTx.CommitAsync();
        var result = await import;

        Assert.False(result.Succeeded);
        Assert.Contains("本次没有导入任何卡密", result.Message);
        await using var ctx = db.NewContext();
        var raceHashes = new[] { "RACE-1", "RACE-2", "RACE-3" }.Select(vault.Hash).ToList();
        Assert.Equal([vault.Hash("RACE-2")], await ctx.CardKeys.Where(k => raceHashes.Contains(k.SecretHash)).Select(k => k.SecretHash).ToListAsync());
        Assert.Equal(4, await ctx.CardKeyBatches.CountAsync());
        Assert.False(await ctx.AuditEntries.AnyAsync());
    }

    /// <summary>Waits until a session of the test database waits on a lock (the import blocked on the unique index).</summary>
    static async Task WaitForALockWaitAsync(string connectionString, Task<CardKeyImportResult> import)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            await using var cmd = new NpgsqlCommand("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'", conn);
            if ((long)(await cmd.ExecuteScalarAsync())! > 0) return;
            if (import.IsCompleted) throw new InvalidOperationException("The import finished without waiting on the lock: " + (await import).Message);
            if (DateTime.UtcNow > deadline) throw new TimeoutException("The import never waited on the uncommitted key.");
            await Task.Delay(20); // polling a server-side condition, not timing the test
        }
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [SqlServerData]
    public async Task A_reusable_product_takes_exactly_one_key(DatabaseProvider provider)
    {
        await using var db = await CreateAsync(provider);
        int productId;
        await using (var ctx = db.NewContext())
        {
            var template = await ctx.Products.AsNoTracking().FirstAsync(p => p.Name == SeededProduct);
            var reusable = new Product
            {
                StationId = Station.MainStationId, CategoryId = template.CategoryId, Name = "共享账号 循环卡密", DeliveryType = DeliveryType.CardKey,
                BasePrice = Money.FromFen(100), ReusableKey = true, CreatedAt = DateTimeOffset.UtcNow,
            };
            ctx.Products.Add(reusable);
            await ctx.SaveChangesAsync();
            productId = reusable.Id;
        }
        var importer = db.Importer();

        var two = await importer.ImportAsync(Station.MainStationId, productId, "SHARED-1\nSHARED-2", OnePerLine, Admin);
        Assert.False(two.Succeeded);
        Assert.Equal("循环卡密商品只能导入 1 个卡密，本次有 2 个", two.Message);

        var one = await importer.ImportAsync(Station.MainStationId, productId, "SHARED-1\n", OnePerLine, Admin);
        Assert.True(one.Succeeded, one.Message);

        var another = await importer.PreviewAsync(Station.MainStationId, productId, "SHARED-3", OnePerLine);
        Assert.Equal("循环卡密商品已有一个可用卡密，只能有一个：请先作废旧卡密再导入", another.Error);
        Assert.Equal(new CardKeyCounts(1, 0, 0), await db.Inventory().CountsAsync(Station.MainStationId, productId));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [SqlServerData]
    public async Task Only_card_key_products_of_the_station_accept_keys(DatabaseProvider provider)
    {
        await using var db = await CreateAsync(provider);
        var topUp = await db.ProductAsync("移动话费 50 元 直充");
        var card = await db.ProductAsync();
        await using var ctx = db.NewContext();
        var demoStation = await ctx.Stations.Where(s => s.Code == "demo").Select(s => s.Id).SingleAsync();

        var notCardKey = await Assert.ThrowsAsync<DomainException>(() => db.Importer().PreviewAsync(Station.MainStationId, topUp.Id, "K", OnePerLine));
        Assert.Equal("该商品不是卡密商品", notCardKey.Message);
        var otherStation = await Assert.ThrowsAsync<DomainException>(() => db.Importer().ImportAsync(demoStation, card.Id, "K", OnePerLine, Admin));
        Assert.Equal("商品不存在或不属于本站", otherStation.Message);
        Assert.Equal(80, await ctx.CardKeys.CountAsync());
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [SqlServerData]
    public async Task Twenty_thousand_keys_import_in_one_go(DatabaseProvider provider)
    {
        await using var db = await CreateAsync(provider);
        var product = await db.ProductAsync();
        var text = string.Join("\r\n", Enumerable.Range(0, 20_000).Select(i => $"BULK-{i:D6}-{Guid.NewGuid():N}"));

        var watch = Stopwatch.StartNew();
        var preview = await db.Importer().PreviewAsync(Station.MainStationId, product.Id, text, OnePerLine);
        var previewed = watch.Elapsed;
        var result = await db.Importer().ImportAsync(Station.MainStationId, product.Id, text, OnePerLine, Admin);
        output.WriteLine($"{provider}: preview of 20,000 keys {previewed.TotalSeconds:F1}s, preview + import {watch.Elapsed.TotalSeconds:F1}s");

        Assert.Equal(20_000, preview.NewCount);
        Assert.True(result.Succeeded, result.Message);
        Assert.Equal(20_000, result.Imported);
        Assert.Equal(new CardKeyCounts(20_020, 0, 0), await db.Inventory().CountsAsync(Station.MainStationId, product.Id));
    }
}
