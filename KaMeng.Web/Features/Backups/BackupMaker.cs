using System.Security.Cryptography;
using KaMeng.Data;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Backups;

public sealed record BackupMade(string Path, long SizeBytes, string Sha256, BackupManifest Manifest);

/// <summary>Takes one backup of a <see cref="BackupSite"/> into an archive file: the database snapshot, the key ring files,
/// uploads and themes. The job, the 立即备份 button and the command line all come here.</summary>
public static class BackupMaker
{
    public const string Extension = ".kmbak";
    public const string ChecksumExtension = ".sha256";
    public const string PassphraseMissing = "未配置备份口令：请设置 KaMeng:Backup:Passphrase（环境变量 KaMeng__Backup__Passphrase），没有口令不做备份（no backup passphrase configured）";

    /// <summary>True when the Data Protection keys are in their table (then they travel inside the database snapshot, still
    /// encrypted with the key-ring certificate).</summary>
    public static async Task<bool> KeyRingInDatabaseAsync(IDbContextFactory<KaMengDbContext> dbFactory, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.DataProtectionKeys.AnyAsync(ct);
    }

    public static async Task<BackupMade> CreateAsync(BackupSite site, string? passphrase, string archivePath, bool keyRingInDatabase,
        long? runId = null, int iterations = BackupCipher.Iterations, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(passphrase)) throw new BackupRefusedException(PassphraseMissing);
        var dbEntry = DatabaseSnapshot.EntryFor(site.Provider); // refuses SQL Server before anything is written
        archivePath = Path.GetFullPath(archivePath);
        if (File.Exists(archivePath)) throw new BackupRefusedException($"备份文件已存在：{archivePath}（archive exists）");
        var folder = Path.GetDirectoryName(archivePath)!;
        PrivateFiles.EnsureDirectory(folder);
        // The plain snapshot sits beside the archive (the operator's chosen disk), in a folder only we can read, for minutes at most.
        var staging = PrivateFiles.EnsureDirectory(Path.Combine(folder, ".staging-" + Guid.NewGuid().ToString("N")[..12])).FullName;
        var partial = archivePath + ".partial";
        try
        {
            var snapshot = Path.Combine(staging, Path.GetFileName(dbEntry));
            var createdAt = DateTimeOffset.UtcNow;
            var counts = await DatabaseSnapshot.TakeAsync(site, snapshot, ct);
            var legacyKeys = site.LegacyKeysDir == site.KeysDir ? [] : Tree(site.LegacyKeysDir, "keys").Where(IsXml).ToList();
            var keys = Tree(site.KeysDir, "keys");
            var keyFiles = legacyKeys.Count > 0 || keys.Any(IsXml);
            var draft = new BackupManifest
            {
                CreatedAt = createdAt, Provider = site.Provider.ToString(), AppVersion = BackupManifest.AppVersionOf(typeof(BackupMaker).Assembly),
                RunId = runId, Counts = counts,
                KeyRing = (keyFiles, keyRingInDatabase) switch { (true, true) => "files+database", (false, true) => "database", (true, false) => "files", _ => "none" },
            };
            IEnumerable<BackupFile> files = [new BackupFile(dbEntry, snapshot), .. keys, .. legacyKeys, .. Tree(site.UploadsDir, "uploads"),
                .. Tree(site.ThemesDir, "themes")];
            BackupManifest manifest;
            // Hashed as it is written: the archive is not read back for its checksum.
            using var sha256 = SHA256.Create();
            await using (var output = PrivateFiles.CreateNew(partial))
            await using (var hashed = new CryptoStream(output, sha256, CryptoStreamMode.Write))
                manifest = await BackupArchive.WriteAsync(hashed, passphrase, draft, files, iterations, ct);
            File.Move(partial, archivePath);
            var sha = Convert.ToHexStringLower(sha256.Hash!);
            await File.WriteAllTextAsync(archivePath + ChecksumExtension, $"{sha}  {Path.GetFileName(archivePath)}\n", ct);
            return new BackupMade(archivePath, new FileInfo(archivePath).Length, sha, manifest);
        }
        finally
        {
            if (File.Exists(partial)) File.Delete(partial);
            try { Directory.Delete(staging, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>A certificate that protects the key ring stays out of the archive even if it sits in the data folder: the archive
    /// and its passphrase alone must not open a protected key ring (decision 0035).</summary>
    static readonly string[] CertificateExtensions = [".pfx", ".p12"];

    static bool IsXml(BackupFile file) => file.ArchivePath.EndsWith(".xml", StringComparison.Ordinal);

    /// <summary>Every file below <paramref name="root"/> as archive entries under <paramref name="prefix"/> (upload temp files and certificates left out).</summary>
    static IReadOnlyList<BackupFile> Tree(string root, string prefix)
    {
        if (!Directory.Exists(root)) return [];
        return Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith(".tmp", StringComparison.Ordinal) && !CertificateExtensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .Order(StringComparer.Ordinal)
            .Select(f => new BackupFile(prefix + "/" + Path.GetRelativePath(root, f).Replace(Path.DirectorySeparatorChar, '/'), f))
            .ToList();
    }

    /// <summary>Deletes all but the <paramref name="keep"/> newest archives (and their checksum files) of the folder.</summary>
    public static IReadOnlyList<string> Prune(string folder, int keep)
    {
        if (!Directory.Exists(folder) || keep < 1) return [];
        var old = Directory.GetFiles(folder, "kameng-backup-*" + Extension)
            .OrderByDescending(f => Path.GetFileName(f), StringComparer.Ordinal).Skip(keep).ToList();
        foreach (var f in old)
        {
            File.Delete(f);
            if (File.Exists(f + ChecksumExtension)) File.Delete(f + ChecksumExtension);
        }
        return old.Select(Path.GetFileName).ToList()!;
    }

    /// <summary>kameng-backup-20261205-031500-123Z.kmbak: UTC, so names sort by time whatever the zone.</summary>
    public static string FileNameFor(DateTimeOffset at) => $"kameng-backup-{at.UtcDateTime:yyyyMMdd-HHmmss-fff}Z{Extension}";
}
