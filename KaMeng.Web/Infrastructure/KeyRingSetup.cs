using System.Security.Cryptography.X509Certificates;
using System.Xml.Linq;
using KaMeng.Data;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Options;

namespace KaMeng.Web.Infrastructure;

/// <summary>
/// The Data Protection key ring under {DataDir}/keys: the folder 0700 and each key file 0600 (tightened at startup and
/// after every key written). With KaMeng:DataProtection:CertificatePath (a .pfx, and CertificatePassword) the keys are
/// also encrypted at rest with that certificate.
/// </summary>
public static class KeyRingSetup
{
    public static IDataProtectionBuilder AddKaMengKeyRing(this IServiceCollection services, IConfiguration configuration, string dataDir)
    {
        var keys = PrivateFiles.EnsureDirectory(Path.Combine(dataDir, "keys"));
        PrivateFiles.TightenFiles(keys.FullName);
        var builder = services.AddDataProtection().SetApplicationName("KaMeng");
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp => new ConfigureOptions<KeyManagementOptions>(o =>
            o.XmlRepository = new PrivateKeyRingRepository(keys, sp.GetRequiredService<ILoggerFactory>())));
        if (configuration["KaMeng:DataProtection:CertificatePath"] is { Length: > 0 } path)
        {
            var certificate = X509CertificateLoader.LoadPkcs12FromFile(path, configuration["KaMeng:DataProtection:CertificatePassword"],
                X509KeyStorageFlags.EphemeralKeySet);
            if (!certificate.HasPrivateKey) throw new InvalidOperationException($"KaMeng:DataProtection:CertificatePath {path} has no private key.");
            builder.ProtectKeysWithCertificate(certificate).UnprotectKeysWithAnyCertificate(certificate);
        }
        return builder;
    }
}

/// <summary>The file-system key repository, with every key file it writes made 0600 (the folder is 0700 already).</summary>
public sealed class PrivateKeyRingRepository(DirectoryInfo directory, ILoggerFactory loggerFactory) : FileSystemXmlRepository(directory, loggerFactory)
{
    public override void StoreElement(XElement element, string friendlyName)
    {
        base.StoreElement(element, friendlyName);
        PrivateFiles.TightenFiles(Directory.FullName, "*.xml");
    }
}
