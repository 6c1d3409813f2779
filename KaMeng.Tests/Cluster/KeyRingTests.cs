using System.Security.Cryptography;
using KaMeng.Data;
using KaMeng.Tests.Infrastructure;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KaMeng.Tests.Cluster;

/// <summary>An install from before issue 22: a data folder with its key ring as files and a SQLite database the app makes.</summary>
public sealed class ExistingInstallApp(string dataDir) : KaMengApp(DatabaseProvider.Sqlite, dataDir)
{
    protected override bool FromTemplate => false;
}

/// <summary>Issue 22 §1: the key ring moves from files to the database without losing what the files encrypted.</summary>
public class KeyRingMoveTests
{
    [Fact]
    public async Task A_card_key_encrypted_with_the_file_key_ring_decrypts_after_a_restart_with_the_database_ring()
    {
        var dataDir = TestPaths.NewTempDir("old-install");
        // The key ring as the app kept it before: files under {DataDir}/keys, no certificate.
        var fileRing = DataProtectionProvider.Create(new DirectoryInfo(Path.Combine(dataDir, "keys")), b => b.SetApplicationName("KaMeng"));
        var cipher = fileRing.CreateProtector("KaMeng.CardKey.v1").Protect("OLD-CARD-0001");
        var oldKeyFiles = Directory.GetFiles(Path.Combine(dataDir, "keys"), "key-*.xml").Select(Path.GetFileNameWithoutExtension).ToList();
        Assert.Single(oldKeyFiles);

        var app = new ExistingInstallApp(dataDir);
        await ((IAsyncLifetime)app).InitializeAsync();
        try
        {
            Assert.Equal("OLD-CARD-0001", app.Services.GetRequiredService<CardKeyVault>().Unprotect(cipher));
            await using var db = app.NewContext();
            var rows = await db.DataProtectionKeys.AsNoTracking().ToListAsync();
            var imported = Assert.Single(rows, r => r.FriendlyName == oldKeyFiles[0]);
            // Imported encrypted with the (generated) certificate: the table holds no master key in clear.
            Assert.Contains("encryptedSecret", imported.Xml);
            Assert.DoesNotContain("<masterKey", imported.Xml);
            Assert.True(File.Exists(Path.Combine(dataDir, "keyring-certificate.pfx")));
            if (!OperatingSystem.IsWindows())
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dataDir, "keyring-certificate.pfx")));
        }
        finally { await ((IAsyncLifetime)app).DisposeAsync(); }

        // A second restart imports nothing twice and still decrypts.
        var again = new ExistingInstallApp(dataDir);
        await ((IAsyncLifetime)again).InitializeAsync();
        try
        {
            Assert.Equal("OLD-CARD-0001", again.Services.GetRequiredService<CardKeyVault>().Unprotect(cipher));
            await using var db = again.NewContext();
            Assert.Equal(1, await db.DataProtectionKeys.CountAsync(r => r.FriendlyName == oldKeyFiles[0]));
        }
        finally { await ((IAsyncLifetime)again).DisposeAsync(); }
    }
}

/// <summary>The seeded demo's card keys were encrypted by the template's file ring: after the move every one still decrypts.</summary>
public class TemplateKeyRingImportTests(KaMengApp app) : IClassFixture<KaMengApp>
{
    [Fact]
    public async Task Every_card_key_encrypted_before_the_move_still_decrypts()
    {
        var vault = app.Services.GetRequiredService<CardKeyVault>();
        await using var db = app.NewContext();
        var ciphers = await db.CardKeys.AsNoTracking().Select(k => k.SecretCipher).ToListAsync();
        Assert.NotEmpty(ciphers);
        Assert.All(ciphers, c => Assert.False(string.IsNullOrEmpty(vault.Unprotect(c))));
    }
}

/// <summary>Issue 22 §1: two nodes on one PostgreSQL database share the key ring (the table is useless without the certificate),
/// the card-key pepper, uploads and custom themes. B is a new machine with an empty data folder.</summary>
public class SharedStateTests(PostgresCluster cluster) : IClassFixture<PostgresCluster>
{
    [Fact]
    public async Task The_new_node_decrypts_card_keys_encrypted_before_the_install_became_a_cluster()
    {
        var vault = cluster.B.Services.GetRequiredService<CardKeyVault>();
        await using var db = cluster.B.NewContext();
        var ciphers = await db.CardKeys.AsNoTracking().Select(k => k.SecretCipher).ToListAsync();
        Assert.NotEmpty(ciphers);
        Assert.All(ciphers, c => Assert.False(string.IsNullOrEmpty(vault.Unprotect(c))));
    }

    [Fact]
    public void Both_nodes_hash_card_keys_alike_so_a_duplicate_imported_on_the_other_node_is_found()
    {
        Assert.Equal(cluster.A.Services.GetRequiredService<CardKeyVault>().Hash("DUP-0001"), cluster.B.Services.GetRequiredService<CardKeyVault>().Hash("DUP-0001"));
        // A's pepper (its data folder's) was adopted into the shared folder; B never made one of its own.
        Assert.True(File.Exists(Path.Combine(cluster.SharedDir, "keys", CardKeyVault.PepperFile)));
        Assert.Equal(File.ReadAllBytes(Path.Combine(cluster.A.DataDir, "keys", CardKeyVault.PepperFile)), File.ReadAllBytes(Path.Combine(cluster.SharedDir, "keys", CardKeyVault.PepperFile)));
        Assert.False(File.Exists(Path.Combine(cluster.B.DataDir, "keys", CardKeyVault.PepperFile)));
    }

    [Fact]
    public async Task An_image_uploaded_on_one_node_is_served_by_the_other()
    {
        var png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");
        var saved = await cluster.A.Services.GetRequiredService<KaMeng.Web.Features.Shared.UploadStore>().SaveImageAsync("logos", new MemoryStream(png));
        Assert.True(saved.Succeeded, saved.Error);
        Assert.StartsWith(cluster.SharedDir, cluster.B.Services.GetRequiredService<KaMeng.Web.Features.Shared.UploadStore>().Root);
        using var http = cluster.B.NewHttpClient();
        var response = await http.GetAsync(saved.Path);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(png, await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task A_custom_theme_in_the_shared_folder_is_offered_and_served_by_every_node()
    {
        foreach (var node in new[] { cluster.A, cluster.B })
        {
            Assert.NotNull(node.Services.GetRequiredService<KaMeng.Web.Features.Themes.ThemeCatalog>().Find(PostgresCluster.CustomTheme));
            using var http = node.NewHttpClient();
            var css = await http.GetAsync($"/themes/{PostgresCluster.CustomTheme}/theme.css");
            Assert.Equal(System.Net.HttpStatusCode.OK, css.StatusCode);
            // The shipped themes are still served beside it.
            Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync("/themes/fresh/theme.css")).StatusCode);
        }
    }

    [Fact]
    public void A_card_key_encrypted_on_one_node_is_decrypted_by_the_other()
    {
        var cipher = cluster.A.Services.GetRequiredService<CardKeyVault>().Protect("卡密-A-0001");
        Assert.Equal("卡密-A-0001", cluster.B.Services.GetRequiredService<CardKeyVault>().Unprotect(cipher));
        var back = cluster.B.Services.GetRequiredService<CardKeyVault>().Protect("卡密-B-0001");
        Assert.Equal("卡密-B-0001", cluster.A.Services.GetRequiredService<CardKeyVault>().Unprotect(back));
    }

    [Fact]
    public async Task Without_the_certificate_the_key_table_decrypts_nothing()
    {
        var cipher = cluster.A.Services.GetRequiredService<CardKeyVault>().Protect("卡密-A-0002");
        await using (var db = cluster.A.NewContext())
        {
            var rows = await db.DataProtectionKeys.AsNoTracking().ToListAsync();
            Assert.NotEmpty(rows);
            Assert.All(rows, r => Assert.DoesNotContain("<masterKey", r.Xml));
        }

        // A process with the same database (and a copy of a node's data folder) but not the certificate.
        var services = new ServiceCollection();
        services.AddLogging();
        DataServiceCollectionExtensions.AddKaMengDatabase(services, DatabaseProvider.Postgres, cluster.ConnectionString, TestPaths.NewTempDir("thief"));
        services.AddDataProtection().SetApplicationName("KaMeng").PersistKeysToDbContext<KaMengDbContext>();
        // It only reads: a key it made would land in the cluster's table.
        services.Configure<Microsoft.AspNetCore.DataProtection.KeyManagement.KeyManagementOptions>(o => o.AutoGenerateKeys = false);
        await using var thief = services.BuildServiceProvider();
        var protector = thief.GetRequiredService<IDataProtectionProvider>().CreateProtector("KaMeng.CardKey.v1");
        Assert.ThrowsAny<CryptographicException>(() => protector.Unprotect(cipher));

        // A node started like that says so at start, naming the keys it cannot read.
        var logged = new RecordingLogger<KaMeng.Web.Infrastructure.KeyRingCertificateCheck>();
        await new KaMeng.Web.Infrastructure.KeyRingCertificateCheck(thief.GetRequiredService<Microsoft.AspNetCore.DataProtection.KeyManagement.IKeyManager>(), logged).StartAsync(default);
        var error = Assert.Single(logged.Entries, e => e.Level == Microsoft.Extensions.Logging.LogLevel.Error);
        Assert.Contains("cannot be decrypted with this node's certificate", error.Message);
        // The nodes themselves read every key.
        var fine = new RecordingLogger<KaMeng.Web.Infrastructure.KeyRingCertificateCheck>();
        await new KaMeng.Web.Infrastructure.KeyRingCertificateCheck(cluster.B.Services.GetRequiredService<Microsoft.AspNetCore.DataProtection.KeyManagement.IKeyManager>(), fine).StartAsync(default);
        Assert.DoesNotContain(fine.Entries, e => e.Level == Microsoft.Extensions.Logging.LogLevel.Error);
    }
}

/// <summary>Keeps what was logged, for tests that assert an operator is told something.</summary>
public sealed class RecordingLogger<T> : Microsoft.Extensions.Logging.ILogger<T>
{
    public List<(Microsoft.Extensions.Logging.LogLevel Level, string Message)> Entries { get; } = [];
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
    public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;
    public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (Entries) Entries.Add((logLevel, formatter(state, exception)));
    }
}
