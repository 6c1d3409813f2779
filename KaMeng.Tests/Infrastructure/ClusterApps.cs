using KaMeng.Data;
using Microsoft.AspNetCore.Hosting;
using Npgsql;

namespace KaMeng.Tests.Infrastructure;

/// <summary>
/// Two nodes of one cluster in one test process (issue 22 §1): one PostgreSQL database (a copy of the seeded template), the
/// same key-ring certificate and the same shared folder (with a custom theme in it), each node with its own data folder and
/// port. A is the install that became a cluster (its data folder a copy of the template's: the old file key ring and pepper);
/// B is a new machine with an empty data folder. A is started before B.
/// </summary>
public sealed class PostgresCluster : IAsyncLifetime
{
    public const string CertificatePassword = "cluster-pass";
    public string ConnectionString { get; private set; } = "";
    public string Database { get; private set; } = "";
    public string CertificatePath { get; } = Path.Combine(TestPaths.NewTempDir("cluster-cert"), "keyring.pfx");
    public string SharedDir { get; } = TestPaths.NewTempDir("cluster-shared");
    public const string CustomTheme = "shared-custom";
    public ClusterNode A { get; private set; } = null!;
    public ClusterNode B { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        File.WriteAllBytes(CertificatePath, KaMeng.Web.Infrastructure.KeyRingSetup.CreateSelfSigned(CertificatePassword));
        // An operator's own theme, in the shared folder: a copy of 清新 under another name.
        var theme = Directory.CreateDirectory(Path.Combine(SharedDir, "themes", CustomTheme)).FullName;
        foreach (var file in Directory.GetFiles(Path.Combine(TestPaths.RepoRoot, "wwwroot-themes", "fresh")))
            File.Copy(file, Path.Combine(theme, Path.GetFileName(file)));
        var json = Path.Combine(theme, "theme.json");
        File.WriteAllText(json, File.ReadAllText(json).Replace("\"name\": \"fresh\"", $"\"name\": \"{CustomTheme}\""));
        var template = await TestDatabase.Template.CopyAsync(DatabaseProvider.Postgres, TestPaths.NewTempDir("cluster-template"));
        (ConnectionString, Database) = await TestDatabase.CreatePostgresDatabaseAsync(template);
        A = new ClusterNode(this, "A", fromTemplate: true);
        await ((IAsyncLifetime)A).InitializeAsync();
        B = new ClusterNode(this, "B", fromTemplate: false);
        await ((IAsyncLifetime)B).InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        if (B is not null) await ((IAsyncLifetime)B).DisposeAsync();
        if (A is not null) await ((IAsyncLifetime)A).DisposeAsync();
        await TestDatabase.DropPostgresDatabaseAsync(Database);
    }
}

/// <summary>One node of a <see cref="PostgresCluster"/>.</summary>
public sealed class ClusterNode(PostgresCluster cluster, string name, bool fromTemplate) : KaMengApp(DatabaseProvider.Postgres, null)
{
    public string Name { get; } = name;

    protected override bool FromTemplate => fromTemplate;

    protected override string? SharedPostgres => cluster.ConnectionString;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("KaMeng:DataProtection:CertificatePath", cluster.CertificatePath);
        builder.UseSetting("KaMeng:DataProtection:CertificatePassword", PostgresCluster.CertificatePassword);
        builder.UseSetting("KaMeng:SharedDir", cluster.SharedDir);
    }
}
