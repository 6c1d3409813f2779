using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using KaMeng.Data;
using KaMeng.Tests.Infrastructure;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace KaMeng.Tests.Data;

/// <summary>Issue 16 §6: a fresh app's data folder, database, key ring and pepper are the service account's only.</summary>
public class FilesAtRestTests(FreshKaMengApp app) : IClassFixture<FreshKaMengApp>
{
    const UnixFileMode Dir = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    const UnixFileMode File0600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public void The_data_folder_database_key_ring_and_pepper_are_private()
    {
        if (OperatingSystem.IsWindows()) return;
        // A key is written (if startup has not written one yet) and the pepper is loaded.
        app.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("files-at-rest").Protect("x");
        app.Services.GetRequiredService<CardKeyVault>();

        Assert.Equal(Dir, File.GetUnixFileMode(app.DataDir));
        var keys = Path.Combine(app.DataDir, "keys");
        Assert.Equal(Dir, File.GetUnixFileMode(keys));
        var db = Path.Combine(app.DataDir, "kameng.db");
        Assert.True(File.Exists(db));
        // The key ring is in the database now (issue 22); the certificate that encrypts it was generated here on first run.
        var files = new List<string> { db, Path.Combine(keys, "card-key-pepper.bin"), Path.Combine(app.DataDir, "keyring-certificate.pfx") };
        files.AddRange(new[] { db + "-wal", db + "-shm" }.Where(File.Exists));
        foreach (var f in files) Assert.True(File.GetUnixFileMode(f) == File0600, $"{f}: {File.GetUnixFileMode(f)}");
    }

    [Fact]
    public void Existing_files_are_tightened()
    {
        if (OperatingSystem.IsWindows()) return;
        var dir = TestPaths.NewTempDir("private");
        File.SetUnixFileMode(dir, Dir | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        var db = Path.Combine(dir, "old.db");
        File.WriteAllText(db, "");
        File.SetUnixFileMode(db, File0600 | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        PrivateFiles.EnsureDirectory(dir);
        PrivateFiles.PrepareSqliteFile(db);
        Assert.Equal(Dir, File.GetUnixFileMode(dir));
        Assert.Equal(File0600, File.GetUnixFileMode(db));
    }
}

/// <summary>KaMeng:DataProtection:CertificatePath: the key ring (in the database) is encrypted with that certificate at rest.</summary>
public sealed class CertificateKeyRingApp : KaMengApp
{
    public string CertificatePath { get; } = Path.Combine(TestPaths.NewTempDir("cert"), "keyring.pfx");

    // Its key ring must be born encrypted, not copied from the template.
    protected override bool FromTemplate => false;

    public CertificateKeyRingApp()
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=KaMeng key ring test", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        File.WriteAllBytes(CertificatePath, certificate.Export(X509ContentType.Pfx, "pfx-pass"));
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("KaMeng:DataProtection:CertificatePath", CertificatePath);
        builder.UseSetting("KaMeng:DataProtection:CertificatePassword", "pfx-pass");
    }
}

public class CertificateKeyRingTests(CertificateKeyRingApp app) : IClassFixture<CertificateKeyRingApp>
{
    [Fact]
    public void The_key_ring_is_encrypted_with_the_configured_certificate_and_still_works()
    {
        var protector = app.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("cert-test");
        Assert.Equal("秘密", protector.Unprotect(protector.Protect("秘密")));
        using var db = app.NewContext();
        var ring = db.DataProtectionKeys.Select(k => k.Xml).ToList();
        Assert.NotEmpty(ring);
        Assert.All(ring, xml =>
        {
            Assert.Contains("<encryptedSecret", xml);
            Assert.Contains("EncryptedData", xml);
            Assert.DoesNotContain("<masterKey", xml); // no master key in clear
        });
        // The configured certificate is used: none is generated.
        Assert.False(File.Exists(Path.Combine(app.DataDir, "keyring-certificate.pfx")));
        Assert.Empty(Directory.Exists(Path.Combine(app.DataDir, "keys")) ? Directory.GetFiles(Path.Combine(app.DataDir, "keys"), "key-*.xml") : []);
    }
}
