using System.Collections.Concurrent;
using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Backups;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Payments;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace KaMeng.Tests.Backups;

/// <summary>A backup taken while buyers keep buying, restored into a fresh data folder (and database): every order committed
/// before the snapshot is there, every wallet equals its ledger, every unsold card key decrypts with the restored key ring.</summary>
public class BackupRestoreTests(Xunit.Abstractions.ITestOutputHelper output)
{
    public const string Passphrase = "backup-test-口令-42";
    public const int FastIterations = 100_000;

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task A_backup_taken_under_load_restores_every_committed_order_balanced_wallets_and_decryptable_keys(DatabaseProvider provider)
    {
        await using var h = await CommerceHarness.CreateAsync(provider);
        var product = await h.AddCardKeyProductAsync(keys: 600, priceFen: 700);
        var buyers = await h.AddBuyersAsync(12, balanceFen: 1_000_000);
        var protection = h.Db.Services.GetRequiredService<IDataProtectionProvider>();
        await using (var db = h.Db.NewContext())
        {
            db.PaymentGateways.Add(new PaymentGateway
            {
                StationId = Station.MainStationId, BaseUrl = "https://pay.example.com/", Pid = "1001",
                KeyCipher = new GatewayKeys(protection).Protect("merchant-secret-key"), UpdatedAt = DateTimeOffset.UtcNow,
            });
            await db.SaveChangesAsync();
        }
        var upload = Path.Combine(h.Db.DataDir, "uploads", "products", new string('a', 32) + ".png");
        Directory.CreateDirectory(Path.GetDirectoryName(upload)!);
        await File.WriteAllBytesAsync(upload, [0x89, 0x50, 0x4E, 0x47, 1, 2, 3]);
        var themes = Path.Combine(h.Db.DataDir, "themes");   // {SharedDir}/themes, the shared folder being the data folder here
        Directory.CreateDirectory(Path.Combine(themes, "custom-red"));
        await File.WriteAllTextAsync(Path.Combine(themes, "custom-red", "theme.css"), ":root { --km-primary: #c00; }");
        // A certificate protecting a key ring never travels with the archive.
        await File.WriteAllBytesAsync(Path.Combine(h.Db.DataDir, "keys", "keyring.pfx"), [1, 2, 3]);
        var site = new BackupSite(provider, h.Db.ConnectionString, h.Db.DataDir);

        // Buyers buy one key at a time until the backup is done; each order is noted with the moment its transaction had committed.
        var committed = new ConcurrentBag<(string Number, DateTimeOffset At)>();
        using var stop = new CancellationTokenSource();
        var buying = buyers.Select(buyer => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var r = await h.Checkout.PlaceBalanceOrderAsync(CommerceHarness.Main, new CheckoutRequest(product.Id, 1, buyer, Guid.NewGuid().ToString("N")));
                if (r.Succeeded) committed.Add((r.OrderNumber!, DateTimeOffset.UtcNow));
                else if (r.ErrorCode == "checkout.stock") return;
            }
        })).ToList();
        await Poll.UntilAsync(() => Task.FromResult(committed.Count >= 20), "purchases under way", 60);

        var archive = Path.Combine(TestPaths.NewTempDir("backups"), "under-load" + BackupMaker.Extension);
        var backupStarted = DateTimeOffset.UtcNow;
        var made = await BackupMaker.CreateAsync(site, Passphrase, archive, await BackupMaker.KeyRingInDatabaseAsync(h.Db.DbFactory), iterations: FastIterations);
        var countAfterBackup = committed.Count;
        await Poll.UntilAsync(() => Task.FromResult(committed.Count >= countAfterBackup + 10 || buying.All(t => t.IsCompleted)), "purchases after the backup", 60);
        stop.Cancel();
        await Task.WhenAll(buying);
        var before = committed.Where(c => c.At < backupStarted).Select(c => c.Number).ToList();
        Assert.NotEmpty(before);
        Assert.True(committed.Count > before.Count, "some purchases committed while or after the backup ran");
        Assert.Equal(await BackupArchive.FileSha256Async(archive), made.Sha256);
        Assert.Contains(made.Manifest.Entries, e => e.Path.StartsWith("keys/", StringComparison.Ordinal));
        Assert.Contains(made.Manifest.Entries, e => e.Path == "themes/custom-red/theme.css");
        Assert.Contains(made.Manifest.Entries, e => e.Path == "keys/card-key-pepper.bin");
        Assert.DoesNotContain(made.Manifest.Entries, e => e.Path.EndsWith(".pfx", StringComparison.Ordinal));

        // Restore into a fresh data folder (and a new, empty PostgreSQL database).
        var target = await RestoreTargets.FreshTargetAsync(provider);
        var log = new StringWriter();
        var report = await BackupRestorer.RestoreAsync(archive, Passphrase, target, new ConfigurationBuilder().Build(), force: false, log);

        output.WriteLine($"{before.Count} orders before the snapshot, {committed.Count} in all; archive {made.SizeBytes} bytes, {made.Manifest.Entries.Count} entries");
        output.WriteLine(log.ToString());
        Assert.True(report.CardKeysChecked > 0);
        Assert.True(report.GatewayChecked);
        Assert.Equal(made.Manifest.Counts.Orders, report.Orders);
        Assert.Contains("订单", log.ToString());
        Assert.Equal(await File.ReadAllBytesAsync(upload), await File.ReadAllBytesAsync(Path.Combine(target.DataDir, "uploads", "products", Path.GetFileName(upload))));
        Assert.True(File.Exists(Path.Combine(target.ThemesDir, "custom-red", "theme.css")));

        await using var restored = RestoreTargets.Services(target);
        await using (var db = restored.GetRequiredService<IDbContextFactory<KaMengDbContext>>().CreateDbContext())
        {
            var numbers = await db.Orders.Where(o => o.ProductId == product.Id).Select(o => new { o.Number, o.Status }).ToListAsync();
            var missing = before.Except(numbers.Select(o => o.Number)).ToList();
            Assert.True(missing.Count == 0, $"{missing.Count} orders committed before the snapshot are missing: {string.Join(", ", missing.Take(5))}");
            Assert.All(numbers, o => Assert.Equal(OrderStatus.Delivered, o.Status));
            // The snapshot is one moment: each restored order has its keys and ledger entries, and every wallet equals its ledger.
            await LedgerBooks.AssertWalletsEqualTheirLedgersAsync(db);
            await LedgerBooks.AssertDeliveredOrdersBalanceAsync(db);
            Assert.Equal(numbers.Count, await db.CardKeys.CountAsync(k => k.ProductId == product.Id && k.Status == CardKeyStatus.Sold));

            var vault = restored.GetRequiredService<CardKeyVault>();
            var unsold = await db.CardKeys.Where(k => k.Status == CardKeyStatus.Available).ToListAsync();
            Assert.NotEmpty(unsold);
            foreach (var key in unsold) Assert.Equal(key.SecretHash, vault.Hash(vault.Unprotect(key.SecretCipher)));
            var gateway = await db.PaymentGateways.SingleAsync();
            Assert.Equal("merchant-secret-key", new GatewayKeys(restored.GetRequiredService<IDataProtectionProvider>()).Unprotect(gateway.KeyCipher));
        }
        await RestoreTargets.DropAsync(target);
    }

    [Fact]
    public async Task A_restore_whose_key_ring_does_not_match_the_database_fails_its_proof()
    {
        await using var h = await CommerceHarness.CreateAsync(DatabaseProvider.Sqlite);
        // The key files lost before the backup (a database copied without keys/): the archive holds the keys of nothing.
        foreach (var key in Directory.GetFiles(h.Db.DataDir + "/keys", "key-*.xml")) File.Delete(key);
        var archive = Path.Combine(TestPaths.NewTempDir("backups"), "no-keys" + BackupMaker.Extension);
        await BackupMaker.CreateAsync(new BackupSite(DatabaseProvider.Sqlite, h.Db.ConnectionString, h.Db.DataDir, null), Passphrase, archive, false, iterations: FastIterations);

        var target = await RestoreTargets.FreshTargetAsync(DatabaseProvider.Sqlite);
        var e = await Assert.ThrowsAsync<RestoreVerificationException>(() =>
            BackupRestorer.RestoreAsync(archive, Passphrase, target, new ConfigurationBuilder().Build(), force: false, TextWriter.Null));
        Assert.Contains("无法解密", e.Message);
        Assert.Contains("key ring does not match", e.Message);
        // No key was made up to pass the check.
        Assert.Empty(Directory.GetFiles(target.KeysDir, "key-*.xml"));
    }

    [Fact]
    public async Task A_key_ring_kept_in_the_database_restores_with_its_certificate_and_is_refused_without_it()
    {
        await using var h = await CommerceHarness.CreateAsync(DatabaseProvider.Sqlite);
        await h.AddCardKeyProductAsync(keys: 5, priceFen: 700);
        // The app's own key ring setup over this database imports the key files into DataProtectionKeys, encrypted with the
        // certificate; then the files go, as on an install that has run since the key ring moved into the database.
        var certificate = Path.Combine(TestPaths.NewTempDir("certificate"), "keyring.pfx");
        await File.WriteAllBytesAsync(certificate, KaMeng.Web.Infrastructure.KeyRingSetup.CreateSelfSigned());
        var withCertificate = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["KaMeng:DataProtection:CertificatePath"] = certificate }).Build();
        var source = new BackupSite(DatabaseProvider.Sqlite, h.Db.ConnectionString, h.Db.DataDir);
        await using (var app = RestoreTargets.Services(source, withCertificate))
            Assert.NotEmpty(app.GetRequiredService<Microsoft.AspNetCore.DataProtection.KeyManagement.IKeyManager>().GetAllKeys());
        foreach (var file in Directory.GetFiles(source.LegacyKeysDir, "key-*.xml")) File.Delete(file);

        var archive = Path.Combine(TestPaths.NewTempDir("backups"), "db-ring" + BackupMaker.Extension);
        var made = await BackupMaker.CreateAsync(source, Passphrase, archive, await BackupMaker.KeyRingInDatabaseAsync(h.Db.DbFactory), iterations: FastIterations);
        Assert.Equal("database", made.Manifest.KeyRing);
        Assert.DoesNotContain(made.Manifest.Entries, e => e.Path.EndsWith(".xml", StringComparison.Ordinal) || e.Path.EndsWith(".pfx", StringComparison.Ordinal));

        // Without the certificate: refused before anything is written, saying what to configure.
        var target = await RestoreTargets.FreshTargetAsync(DatabaseProvider.Sqlite);
        var refused = await Assert.ThrowsAsync<BackupRefusedException>(() =>
            BackupRestorer.RestoreAsync(archive, Passphrase, target, new ConfigurationBuilder().Build(), force: false, TextWriter.Null));
        Assert.Contains("KaMeng:DataProtection:CertificatePath", refused.Message);
        Assert.False(Directory.Exists(target.DataDir) && Directory.EnumerateFileSystemEntries(target.DataDir).Any());

        // With it: every unsold key decrypts with the restored ring.
        var report = await BackupRestorer.RestoreAsync(archive, Passphrase, target, withCertificate, force: false, TextWriter.Null);
        await using (var db = h.Db.NewContext())
            Assert.Equal(await db.CardKeys.LongCountAsync(k => k.Status == CardKeyStatus.Available), report.CardKeysUnsold);
        Assert.True(report.CardKeysChecked > 0);
        await using var restored = RestoreTargets.Services(target, withCertificate);
        await using var check = restored.GetRequiredService<IDbContextFactory<KaMengDbContext>>().CreateDbContext();
        var vault = restored.GetRequiredService<CardKeyVault>();
        foreach (var key in await check.CardKeys.ToListAsync()) Assert.Equal(key.SecretHash, vault.Hash(vault.Unprotect(key.SecretCipher)));
    }
}

/// <summary>Where tests restore to, and the restored installation's services.</summary>
public static class RestoreTargets
{
    /// <summary>An empty data folder, and for PostgreSQL a new empty database.</summary>
    public static async Task<BackupSite> FreshTargetAsync(DatabaseProvider provider)
    {
        var dir = Path.Combine(TestPaths.NewTempDir("restore"), "data");
        var cs = provider == DatabaseProvider.Postgres
            ? (await TestDatabase.CreatePostgresDatabaseAsync()).ConnectionString
            : $"Data Source={Path.Combine(dir, "kameng.db")};Pooling=True;Default Timeout=30";
        return new BackupSite(provider, cs, dir, null);
    }

    public static async Task DropAsync(BackupSite target)
    {
        if (target.Provider != DatabaseProvider.Postgres) { Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools(); return; }
        await TestDatabase.DropPostgresDatabaseAsync(new Npgsql.NpgsqlConnectionStringBuilder(target.ConnectionString).Database!);
    }

    /// <summary>The services the restore itself checks with (<see cref="BackupRestorer.RestoredServices"/>).</summary>
    public static ServiceProvider Services(BackupSite target, IConfiguration? configuration = null) =>
        BackupRestorer.RestoredServices(target, configuration ?? new ConfigurationBuilder().Build());
}
