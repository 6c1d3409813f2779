using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using KaMeng.Data;
using Microsoft.AspNetCore.Hosting;
using Npgsql;

namespace KaMeng.Tests.Infrastructure;

/// <summary>
/// Two nodes of one cluster in one test process (issue 22 §1): one PostgreSQL database (a copy of the seeded template), the
/// same key-ring certificate and the same shared folder, each node with its own data folder (a copy of the template's, as a
/// node cloned from the first install) and its own port. A is started before B.
/// </summary>
public sealed class PostgresCluster : IAsyncLifetime
{
    public const string CertificatePassword = "cluster-pass";
    public string ConnectionString { get; private set; } = "";
    public string Database { get; private set; } = "";
    public string CertificatePath { get; } = Path.Combine(TestPaths.NewTempDir("cluster-cert"), "keyring.pfx");
    public string SharedDir { get; } = TestPaths.NewTempDir("cluster-shared");
    public ClusterNode A { get; private set; } = null!;
    public ClusterNode B { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        File.WriteAllBytes(CertificatePath, NewCertificate("CN=KaMeng cluster test", CertificatePassword));
        var template = await TestDatabase.Template.CopyAsync(DatabaseProvider.Postgres, TestPaths.NewTempDir("cluster-template"));
        (ConnectionString, Database) = await TestDatabase.CreatePostgresDatabaseAsync(template);
        A = new ClusterNode(this, "A");
        await ((IAsyncLifetime)A).InitializeAsync();
        B = new ClusterNode(this, "B");
        await ((IAsyncLifetime)B).InitializeAsync();
    }

    /// <summary>A PKCS #12 RSA certificate (what an operator puts at KaMeng:DataProtection:CertificatePath).</summary>
    public static byte[] NewCertificate(string subject, string password)
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        return certificate.Export(X509ContentType.Pfx, password);
    }

    public async Task DisposeAsync()
    {
        if (B is not null) await ((IAsyncLifetime)B).DisposeAsync();
        if (A is not null) await ((IAsyncLifetime)A).DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await using var conn = new NpgsqlConnection(TestDatabase.PostgresAdminConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Database} WITH (FORCE)", conn);
        await cmd.ExecuteNonQueryAsync();
    }
}

/// <summary>One node of a <see cref="PostgresCluster"/>.</summary>
public sealed class ClusterNode(PostgresCluster cluster, string name) : KaMengApp(DatabaseProvider.Postgres, null)
{
    public string Name { get; } = name;

    protected override string? SharedPostgres => cluster.ConnectionString;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("KaMeng:DataProtection:CertificatePath", cluster.CertificatePath);
        builder.UseSetting("KaMeng:DataProtection:CertificatePassword", PostgresCluster.CertificatePassword);
        builder.UseSetting("KaMeng:SharedDir", cluster.SharedDir);
    }
}
