using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace KaMeng.Tests.Infrastructure;

/// <summary>A self-signed server certificate for 127.0.0.1 and localhost, written as PEM files for a test server.</summary>
public sealed class TestCertificate
{
    public X509Certificate2 Certificate { get; }
    public string CertificatePath { get; }
    public string KeyPath { get; }

    public TestCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false)); // server authentication
        Certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));
        var dir = TestPaths.NewTempDir("cert");
        CertificatePath = Path.Combine(dir, "server.crt");
        KeyPath = Path.Combine(dir, "server.key");
        File.WriteAllText(CertificatePath, Certificate.ExportCertificatePem());
        File.WriteAllText(KeyPath, key.ExportPkcs8PrivateKeyPem());
    }

    /// <summary>Trusts this certificate and nothing else: the server is still authenticated, by its exact certificate
    /// instead of a chain to a root authority.</summary>
    public RemoteCertificateValidationCallback TrustOnlyThis() =>
        (_, presented, _, _) => presented is not null && presented.GetCertHash(HashAlgorithmName.SHA256).AsSpan().SequenceEqual(Certificate.GetCertHash(HashAlgorithmName.SHA256));
}
