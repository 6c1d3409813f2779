using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Xml.Linq;
using KaMeng.Data;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace KaMeng.Web.Infrastructure;

/// <summary>
/// The Data Protection key ring in the database (table DataProtectionKeys), so every node of a cluster reads the same keys
/// and a database backup carries them; each key is encrypted with a certificate (KaMeng:DataProtection:CertificatePath and
/// CertificatePassword), so a copy of the table alone decrypts nothing. Without a configured certificate one is generated
/// on first run under {DataDir} (docs/decisions/0036-cluster-bus-and-key-ring.md). Keys of older installs, kept as files
/// under {DataDir}/keys, are imported into the table before the ring is first read.
/// </summary>
public static class KeyRingSetup
{
    public const string GeneratedCertificateFile = "keyring-certificate.pfx";

    public static IDataProtectionBuilder AddKaMengKeyRing(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment, string dataDir)
    {
        PrivateFiles.EnsureDirectory(dataDir);
        var certificate = LoadCertificate(configuration, dataDir, out var generated);
        var builder = services.AddDataProtection().SetApplicationName("KaMeng");
        builder.ProtectKeysWithCertificate(certificate).UnprotectKeysWithAnyCertificate(certificate);
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp => new ConfigureOptions<KeyManagementOptions>(o =>
        {
            var loggers = sp.GetRequiredService<ILoggerFactory>();
            o.XmlRepository = new DatabaseKeyRing(sp, SharedFolders.Keys(dataDir), new CertificateXmlEncryptor(certificate, loggers), loggers);
        }));
        services.AddHostedService<KeyRingCertificateCheck>();
        if (generated is not null && !environment.IsDevelopment())
            services.AddHostedService(sp => new GeneratedCertificateWarning(generated, sp.GetRequiredService<ILogger<GeneratedCertificateWarning>>()));
        return builder;
    }

    /// <summary>The configured certificate, or the one generated under the data dir (made on first run). <paramref name="generated"/>
    /// is the generated file's path when that one is used.</summary>
    public static X509Certificate2 LoadCertificate(IConfiguration configuration, string dataDir, out string? generated)
    {
        generated = null;
        if (configuration["KaMeng:DataProtection:CertificatePath"] is { Length: > 0 } path)
            return Load(path, configuration["KaMeng:DataProtection:CertificatePassword"], "KaMeng:DataProtection:CertificatePath");
        generated = Path.Combine(dataDir, GeneratedCertificateFile);
        if (!File.Exists(generated))
        {
            try
            {
                using var fs = PrivateFiles.CreateNew(generated); // 0600 from the start
                fs.Write(CreateSelfSigned());
            }
            catch (IOException) when (File.Exists(generated)) { /* another process of this data dir made it first */ }
        }
        PrivateFiles.Tighten(generated);
        return Load(generated, null, generated);
    }

    static X509Certificate2 Load(string path, string? password, string what)
    {
        var certificate = X509CertificateLoader.LoadPkcs12FromFile(path, password, X509KeyStorageFlags.EphemeralKeySet);
        if (!certificate.HasPrivateKey) throw new InvalidOperationException($"{what} ({path}) has no private key.");
        if (certificate.GetRSAPrivateKey() is null) throw new InvalidOperationException($"{what} ({path}) must be an RSA certificate (XML encryption of the key ring needs RSA).");
        return certificate;
    }

    /// <summary>A self-signed RSA certificate in PKCS #12 form, without a password (the generated file is 0600) or with one.</summary>
    public static byte[] CreateSelfSigned(string? password = null)
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=KaMeng key ring", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.DataEncipherment, true));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(100));
        return certificate.Export(X509ContentType.Pkcs12, password);
    }

    sealed class GeneratedCertificateWarning(string path, ILogger<GeneratedCertificateWarning> log) : IHostedService
    {
        public Task StartAsync(CancellationToken ct)
        {
            log.LogWarning("The key ring is encrypted with a certificate generated on first run ({Path}). Every node needs the same certificate " +
                "(set KaMeng:DataProtection:CertificatePath and CertificatePassword on each), and it is not in the database's backups: " +
                "keep a copy apart, or no card key can be decrypted after a restore.", path);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
    }
}

/// <summary>
/// At start, says loudly when keys of the ring cannot be decrypted with this node's certificate: another node (or an
/// earlier run) encrypted them with a different one, and whatever those keys protect (card keys, gateway keys, cookies)
/// cannot be read here. Each such key is named; the node keeps running (a replaced certificate leaves old keys behind too).
/// </summary>
public sealed class KeyRingCertificateCheck(IKeyManager keys, ILogger<KeyRingCertificateCheck> log) : IHostedService
{
    public Task StartAsync(CancellationToken ct)
    {
        var unreadable = new List<Guid>();
        foreach (var key in keys.GetAllKeys())
        {
            try { _ = key.Descriptor; }
            catch (Exception) { unreadable.Add(key.KeyId); }
        }
        if (unreadable.Count > 0)
            log.LogError("{Count} Data Protection keys in the database cannot be decrypted with this node's certificate ({Keys}). Every node " +
                "must use the same KaMeng:DataProtection:CertificatePath; card keys and gateway keys protected by those keys cannot be read here.",
                unreadable.Count, string.Join(", ", unreadable));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}

/// <summary>
/// The key ring's rows in KaMengDbContext.DataProtectionKeys. Before the first read, key files of an older install
/// ({DataDir}/keys/key-*.xml) that the table lacks are imported, encrypted with the certificate on the way if they were
/// stored in plain text, so card keys encrypted before the move still decrypt. The import is by key id: running it on
/// every start (and on every node) adds nothing twice.
/// </summary>
public sealed class DatabaseKeyRing(IServiceProvider services, string legacyFolder, IXmlEncryptor encryptor, ILoggerFactory loggers) : IXmlRepository
{
    static readonly XNamespace Ns = "http://schemas.asp.net/2015/03/dataProtection";
    readonly EntityFrameworkCoreXmlRepository<KaMengDbContext> inner = new(services, loggers);
    readonly ILogger log = loggers.CreateLogger<DatabaseKeyRing>();
    readonly Lock gate = new();
    bool imported;

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        ImportLegacyOnce();
        return inner.GetAllElements();
    }

    public void StoreElement(XElement element, string friendlyName) => inner.StoreElement(element, friendlyName);

    void ImportLegacyOnce()
    {
        lock (gate)
        {
            if (imported) return;
            ImportLegacy();
            imported = true;
        }
    }

    void ImportLegacy()
    {
        if (!Directory.Exists(legacyFolder)) return;
        var files = Directory.GetFiles(legacyFolder, "key-*.xml");
        if (files.Length == 0) return;
        using var scope = services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<KaMengDbContext>();
        var known = db.DataProtectionKeys.AsNoTracking().Select(k => k.FriendlyName).ToHashSet();
        var count = 0;
        foreach (var file in files)
        {
            var name = Path.GetFileNameWithoutExtension(file);
            if (known.Contains(name)) continue;
            var element = XElement.Load(file);
            db.DataProtectionKeys.Add(new DataProtectionKey { FriendlyName = name, Xml = EncryptIfPlain(element).ToString(SaveOptions.DisableFormatting) });
            count++;
        }
        if (count == 0) return;
        db.SaveChanges();
        log.LogWarning("Imported {Count} Data Protection keys from {Folder} into the database. The files are no longer read: once every node " +
            "runs this version, delete {Folder}/key-*.xml (they may hold keys in plain text).", count, legacyFolder, legacyFolder);
    }

    /// <summary>What Data Protection's key manager does before it stores a key: every element marked requiresEncryption
    /// replaced by &lt;encryptedSecret decryptorType=…&gt; around the encryptor's output.</summary>
    XElement EncryptIfPlain(XElement element)
    {
        var marked = Ns + "requiresEncryption";
        var copy = new XElement(element);
        while (copy.DescendantsAndSelf().FirstOrDefault(e => (bool?)e.Attribute(marked) == true) is { } plain)
        {
            var info = encryptor.Encrypt(new XElement(plain));
            plain.ReplaceWith(new XElement(Ns + "encryptedSecret",
                new XAttribute("decryptorType", info.DecryptorType.AssemblyQualifiedName!), info.EncryptedElement));
        }
        return copy;
    }
}
