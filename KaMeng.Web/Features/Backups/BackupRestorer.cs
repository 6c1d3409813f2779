using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Payments;
using KaMeng.Web.Infrastructure;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace KaMeng.Web.Features.Backups;

public enum RestoreOutcome { Restored = 0, Usage = 1, Refused = 2, BadArchive = 3, VerificationFailed = 4 }

/// <summary>What a restore found: the counts the CLI prints, and the proof that the key ring matches.</summary>
public sealed record RestoreReport(BackupManifest Manifest, long Stations, long Products, long Orders, long CardKeysUnsold, long CardKeysSold,
    long Wallets, int CardKeysChecked, bool GatewayChecked);

/// <summary>
/// Restores an archive into a <see cref="BackupSite"/>: refuses a data folder (or PostgreSQL database) that is not empty unless
/// forced; extracts and checks the whole archive in a staging folder first (a wrong passphrase or a damaged file writes nothing);
/// then the database, the key ring files, uploads and missing themes; migrates; and proves the key ring matches by decrypting
/// a sample of card keys (and their keyed hashes) and a payment gateway's key with the app's own key ring setup.
/// </summary>
public static class BackupRestorer
{
    /// <summary>Folders a data folder may already hold and still count as empty (where the archive itself may sit).</summary>
    /// The key-ring certificate generated on first run may be copied in beforehand: it is not in the archive (decision 0035).
    static readonly string[] IgnoredInDataDir = ["backups", KeyRingSetup.GeneratedCertificateFile];

    public static async Task<RestoreReport> RestoreAsync(string archivePath, string? passphrase, BackupSite target, IConfiguration configuration,
        bool force, TextWriter log, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(passphrase)) throw new BackupRefusedException(BackupMaker.PassphraseMissing.Replace("不做备份", "无法恢复"));
        archivePath = Path.GetFullPath(archivePath);
        if (!File.Exists(archivePath)) throw new BackupRefusedException($"找不到备份文件：{archivePath}（archive not found）");
        var dbEntry = DatabaseSnapshot.EntryFor(target.Provider); // SQL Server: refused here

        var problem = await WhyNotEmptyAsync(target, ct);
        if (problem is not null && !force)
            throw new BackupRefusedException($"目标不是空的：{problem}。恢复只写入空的数据目录与空数据库；确认要覆盖请加 --force（target not empty; use --force）");

        // The checksum file written beside the archive, when it came along. The archive's SHA-256 is computed once: here,
        // else only if the backup run is completed at the end.
        string? sha256 = null;
        if (File.Exists(archivePath + BackupMaker.ChecksumExtension))
        {
            var expected = (await File.ReadAllTextAsync(archivePath + BackupMaker.ChecksumExtension, ct)).Split(' ', 2)[0].Trim();
            sha256 = await BackupArchive.FileSha256Async(archivePath, ct);
            if (!string.Equals(expected, sha256, StringComparison.OrdinalIgnoreCase))
                throw new BackupArchiveException($"备份文件的 SHA-256 与 {Path.GetFileName(archivePath)}{BackupMaker.ChecksumExtension} 不符（checksum mismatch）");
            log.WriteLine($"校验和一致 (SHA-256 {sha256})");
        }

        var staging = PrivateFiles.EnsureDirectory(Path.Combine(Path.GetTempPath(), "kameng-restore-" + Guid.NewGuid().ToString("N")[..12])).FullName;
        try
        {
            BackupManifest manifest;
            await using (var input = File.OpenRead(archivePath))
                manifest = await BackupArchive.ExtractAsync(input, passphrase, staging, ct);
            log.WriteLine($"口令正确，{manifest.Entries.Count} 个条目的大小与 SHA-256 与清单一致（备份于 {BusinessTime.Format(manifest.CreatedAt, "yyyy-MM-dd HH:mm:ss")}，{manifest.Provider}，版本 {manifest.AppVersion}）");
            if (manifest.Provider != target.Provider.ToString())
                throw new BackupRefusedException($"备份来自 {manifest.Provider} 数据库，当前配置是 {target.Provider}：请先把 KaMeng:Database:Provider 配成 {manifest.Provider}（provider mismatch）");
            // A key ring in the database opens only with its certificate, which is not in the archive: without one, a restore
            // would generate a new certificate and fail its proof after writing everything.
            if (manifest.KeyRing.Contains("database", StringComparison.Ordinal)
                && string.IsNullOrWhiteSpace(configuration["KaMeng:DataProtection:CertificatePath"])
                && !File.Exists(Path.Combine(target.DataDir, KeyRingSetup.GeneratedCertificateFile)))
                throw new BackupRefusedException("备份中的密钥环由证书加密，而证书不在备份里：请先设置 KaMeng:DataProtection:CertificatePath（及 CertificatePassword）" +
                    $"指向原安装的证书，或把原数据目录中的 {KeyRingSetup.GeneratedCertificateFile} 复制到 {target.DataDir}（key ring certificate missing）");

            PrivateFiles.EnsureDirectory(target.DataDir);
            await RestoreDatabaseAsync(target, Path.Combine(staging, dbEntry.Replace('/', Path.DirectorySeparatorChar)), force, ct);
            log.WriteLine("数据库已恢复");
            // Key files of an older install go where the key ring imports them from; the pepper to the shared folder.
            var keys = CopyTree(Path.Combine(staging, "keys"), target.KeysDir, overwrite: true, f => !IsKeyFile(f));
            keys += CopyTree(Path.Combine(staging, "keys"), target.LegacyKeysDir, overwrite: true, IsKeyFile);
            foreach (var dir in new[] { target.KeysDir, target.LegacyKeysDir })
            {
                PrivateFiles.EnsureDirectory(dir);
                PrivateFiles.TightenFiles(dir);
            }
            var uploads = CopyTree(Path.Combine(staging, "uploads"), target.UploadsDir, overwrite: true);
            var themes = RestoreThemes(Path.Combine(staging, "themes"), target.ThemesDir);
            log.WriteLine($"密钥文件 {keys} 个（密钥环：{manifest.KeyRing}），上传文件 {uploads} 个，主题 {themes} 个");

            return await MigrateAndVerifyAsync(target, configuration, manifest, archivePath, sha256, log, ct);
        }
        finally
        {
            try { Directory.Delete(staging, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>Null when the target is empty; else what is in the way.</summary>
    public static async Task<string?> WhyNotEmptyAsync(BackupSite target, CancellationToken ct = default)
    {
        if (Directory.Exists(target.DataDir))
        {
            var entries = Directory.EnumerateFileSystemEntries(target.DataDir).Select(Path.GetFileName)
                .Where(n => !IgnoredInDataDir.Contains(n)).Take(3).ToList();
            if (entries.Count > 0) return $"数据目录 {target.DataDir} 里已有 {string.Join("、", entries)}";
        }
        if (target.Provider == DatabaseProvider.Sqlite && File.Exists(target.SqliteFile)) return $"数据库文件 {target.SqliteFile} 已存在";
        if (target.Provider == DatabaseProvider.Postgres)
        {
            var tables = await CountPostgresTablesAsync(target.ConnectionString, create: false, ct);
            if (tables > 0) return $"数据库 {new NpgsqlConnectionStringBuilder(target.ConnectionString).Database} 里已有 {tables} 张表";
        }
        return null;
    }

    /// <summary>User tables in the database; a missing database counts as empty, and is created when <paramref name="create"/>.</summary>
    static async Task<long> CountPostgresTablesAsync(string connectionString, bool create, CancellationToken ct)
    {
        try
        {
            await using var conn = new NpgsqlConnection(connectionString);
            await conn.OpenAsync(ct);
            await using var cmd = new NpgsqlCommand(PostgresSql.CountUserTables, conn);
            return (long)(await cmd.ExecuteScalarAsync(ct))!;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InvalidCatalogName)
        {
            if (!create) return 0;
            // No such database yet: create it (empty), as connecting to the server's maintenance database allows.
            var cs = new NpgsqlConnectionStringBuilder(connectionString);
            var name = cs.Database!;
            cs.Database = "postgres";
            await using var conn = new NpgsqlConnection(cs.ToString());
            await conn.OpenAsync(ct);
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{name.Replace("\"", "\"\"")}\"", conn);
            await cmd.ExecuteNonQueryAsync(ct);
            return 0;
        }
    }

    static async Task RestoreDatabaseAsync(BackupSite target, string snapshot, bool force, CancellationToken ct)
    {
        switch (target.Provider)
        {
            case DatabaseProvider.Sqlite:
                var file = target.SqliteFile;
                SqliteConnection.ClearAllPools();
                foreach (var f in new[] { file, file + "-wal", file + "-shm" })
                    if (File.Exists(f)) File.Delete(f);
                PrivateFiles.EnsureDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
                await using (var from = File.OpenRead(snapshot))
                await using (var to = PrivateFiles.CreateNew(file))
                    await from.CopyToAsync(to, ct);
                break;
            case DatabaseProvider.Postgres:
                if (await CountPostgresTablesAsync(target.ConnectionString, create: true, ct) > 0 && force)
                {
                    await using var conn = new NpgsqlConnection(target.ConnectionString);
                    await conn.OpenAsync(ct);
                    await using var cmd = new NpgsqlCommand(PostgresSql.ResetPublicSchema, conn);
                    await cmd.ExecuteNonQueryAsync(ct);
                }
                NpgsqlConnection.ClearAllPools();
                // One transaction: a failure leaves the database as empty as it was.
                await PgTools.RunAsync("pg_restore", target.ConnectionString, ["--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error", snapshot], ct);
                break;
            default:
                throw new BackupRefusedException(DatabaseSnapshot.SqlServerRefused);
        }
    }

    static bool IsKeyFile(string path) => Path.GetFileName(path).StartsWith("key-", StringComparison.Ordinal) && path.EndsWith(".xml", StringComparison.Ordinal);

    static int CopyTree(string from, string to, bool overwrite, Func<string, bool>? which = null)
    {
        if (!Directory.Exists(from)) return 0;
        var n = 0;
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            if (which is not null && !which(file)) continue;
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            PrivateFiles.EnsureDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite);
            n++;
        }
        return n;
    }

    /// <summary>Theme folders the installation lacks are added; one it has (the shipped ones, or a custom one copied back by hand)
    /// is kept as it is.</summary>
    static int RestoreThemes(string from, string to)
    {
        if (!Directory.Exists(from)) return 0;
        var n = 0;
        foreach (var dir in Directory.GetDirectories(from))
        {
            var target = Path.Combine(to, Path.GetFileName(dir));
            if (Directory.Exists(target)) continue;
            CopyTree(dir, target, overwrite: false);
            n++;
        }
        return n;
    }

    /// <summary>The restored installation's services as the app sets them up: its database, its key ring setup (no new keys
    /// made) and the card-key vault with the pepper from its shared folder. The restore's check runs on them.</summary>
    public static ServiceProvider RestoredServices(BackupSite target, IConfiguration configuration)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(configuration);
        services.AddSingleton(TimeProvider.System);
        services.Configure<KaMengOptions>(o => { o.DataDir = target.DataDir; o.SharedDir = target.SharedRoot; o.Database.Provider = target.Provider; });
        DataServiceCollectionExtensions.AddKaMengDatabase(services, target.Provider, target.ConnectionString, target.DataDir);
        // The environment only decides whether a warning about a generated certificate is registered (a hosted service never started here).
        services.AddKaMengKeyRing(configuration, new Microsoft.Extensions.Hosting.Internal.HostingEnvironment { EnvironmentName = Environments.Production }, target.DataDir);
        // A key ring that does not match must fail the check, not be papered over by a fresh key.
        services.Configure<KeyManagementOptions>(o => o.AutoGenerateKeys = false);
        services.AddSingleton<CardKeyVault>();
        return services.BuildServiceProvider();
    }

    /// <summary>Migrates, then opens the restored data the way the app does (its key ring setup, no new keys made) and checks it.
    /// <paramref name="sha256"/> is the archive's SHA-256 when the checksum check already computed it.</summary>
    static async Task<RestoreReport> MigrateAndVerifyAsync(BackupSite target, IConfiguration configuration, BackupManifest manifest, string archivePath,
        string? sha256, TextWriter log, CancellationToken ct)
    {
        await using var sp = RestoredServices(target, configuration);
        var dbFactory = sp.GetRequiredService<IDbContextFactory<KaMengDbContext>>();
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
            await DatabaseInitializer.MigrateAsync(db, ct);
        log.WriteLine("数据库迁移完成");

        await using var check = await dbFactory.CreateDbContextAsync(ct);
        var stations = await check.Stations.LongCountAsync(ct);
        var products = await check.Products.LongCountAsync(ct);
        var unsold = await check.CardKeys.LongCountAsync(k => k.Status == CardKeyStatus.Available, ct);
        var sold = await check.CardKeys.LongCountAsync(k => k.Status == CardKeyStatus.Sold, ct);
        // Counted by the same statement the backup counted with (orders, card keys, wallets), over the context's own connection.
        BackupCounts counts;
        await check.Database.OpenConnectionAsync(ct);
        try { counts = await DatabaseSnapshot.CountAsync(check.Database.GetDbConnection(), ct); }
        finally { await check.Database.CloseConnectionAsync(); }
        var (orders, allKeys, wallets) = counts;
        if (counts != manifest.Counts)
            throw new RestoreVerificationException($"恢复后的数量与备份清单不符：订单 {orders}/{manifest.Counts.Orders}，卡密 {allKeys}/{manifest.Counts.CardKeys}，钱包 {wallets}/{manifest.Counts.Wallets}");

        // A sample from both ends of the table, unsold and sold: each must decrypt, and its keyed hash (the pepper) must match.
        var vault = sp.GetRequiredService<CardKeyVault>();
        var sample = (await check.CardKeys.AsNoTracking().Where(k => k.Status == CardKeyStatus.Available).OrderBy(k => k.Id).Take(10).ToListAsync(ct))
            .Concat(await check.CardKeys.AsNoTracking().Where(k => k.Status == CardKeyStatus.Available).OrderByDescending(k => k.Id).Take(10).ToListAsync(ct))
            .Concat(await check.CardKeys.AsNoTracking().Where(k => k.Status == CardKeyStatus.Sold).OrderByDescending(k => k.Id).Take(5).ToListAsync(ct))
            .DistinctBy(k => k.Id).ToList();
        foreach (var key in sample)
        {
            string secret;
            try { secret = vault.Unprotect(key.SecretCipher); }
            catch (System.Security.Cryptography.CryptographicException e)
            {
                throw new RestoreVerificationException($"卡密 #{key.Id} 无法解密：密钥环与数据库不匹配（key ring does not match: {e.Message}）。若密钥环由证书保护，请先配置同一证书 KaMeng:DataProtection:CertificatePath");
            }
            if (vault.Hash(secret) != key.SecretHash)
                throw new RestoreVerificationException($"卡密 #{key.Id} 的摘要不符：card-key-pepper.bin 与数据库不匹配（pepper does not match）");
        }
        log.WriteLine(sample.Count > 0 ? $"抽查 {sample.Count} 张卡密：全部可以解密" : "没有卡密可抽查");

        var gateway = await check.PaymentGateways.AsNoTracking().OrderBy(g => g.Id).FirstOrDefaultAsync(ct);
        if (gateway is not null)
        {
            try { new GatewayKeys(sp.GetRequiredService<IDataProtectionProvider>()).Unprotect(gateway.KeyCipher); }
            catch (System.Security.Cryptography.CryptographicException e)
            {
                throw new RestoreVerificationException($"支付网关 #{gateway.Id} 的商户密钥无法解密：密钥环与数据库不匹配（{e.Message}）");
            }
            log.WriteLine($"支付网关 #{gateway.Id} 的商户密钥可以解密");
        }
        else log.WriteLine("没有配置支付网关，跳过网关密钥检查");

        // The run that made this archive was still 进行中 inside its own snapshot: it finished, with this file.
        if (manifest.RunId is { } runId && await check.BackupRuns.FirstOrDefaultAsync(r => r.Id == runId && r.Result == BackupResult.Running, ct) is { } run)
        {
            run.Result = BackupResult.Succeeded;
            run.FinishedAt ??= manifest.CreatedAt;
            run.SizeBytes = new FileInfo(archivePath).Length;
            run.Sha256 = sha256 ?? await BackupArchive.FileSha256Async(archivePath, ct);
            await check.SaveChangesAsync(ct);
        }

        var report = new RestoreReport(manifest, stations, products, orders, unsold, sold, wallets, sample.Count, gateway is not null);
        log.WriteLine($"站点 {stations}，商品 {products}，订单 {orders}，卡密 未售 {unsold} / 已售 {sold}，钱包 {wallets}");
        return report;
    }
}

public sealed class RestoreVerificationException(string message) : Exception(message);
