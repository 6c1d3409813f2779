using System.Formats.Tar;
using System.IO.Compression;
using System.Reflection;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using KaMeng.Data;

namespace KaMeng.Web.Features.Backups;

/// <summary>What one archive holds, written as manifest.json, the archive's last entry.</summary>
public sealed record BackupManifest
{
    public const int CurrentFormat = 1;
    public const string EntryName = "manifest.json";

    public int FormatVersion { get; init; } = CurrentFormat;
    public DateTimeOffset CreatedAt { get; init; }
    public required string Provider { get; init; }
    public required string AppVersion { get; init; }
    /// <summary>The BackupRun row that made it (it is inside the snapshot as 进行中; a restore completes it).</summary>
    public long? RunId { get; init; }
    /// <summary>Where the Data Protection keys travel: "files" (keys/), "database" (the DataProtectionKeys table), or both.</summary>
    public required string KeyRing { get; init; }
    public required BackupCounts Counts { get; init; }
    public List<BackupEntry> Entries { get; init; } = [];

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true, Converters = { new JsonStringEnumConverter() } };

    public static string AppVersionOf(Assembly assembly) =>
        assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? assembly.GetName().Version?.ToString() ?? "?";
}

public sealed record BackupEntry(string Path, long Size, string Sha256);

/// <summary>Row counts of the snapshot, taken inside it (the same transaction or file), so a restore can be checked against them.</summary>
public sealed record BackupCounts(long Orders, long CardKeys, long Wallets);

/// <summary>A file to put into the archive under <paramref name="ArchivePath"/> ("database/…", "keys/…", "uploads/…", "themes/…").</summary>
public sealed record BackupFile(string ArchivePath, string FilePath);

/// <summary>
/// The archive: a gzip'd tar (System.Formats.Tar) of the files and, last, manifest.json with each entry's size and SHA-256,
/// all inside <see cref="BackupCipher"/>. Reading extracts into a staging folder and checks every entry against the manifest
/// before the caller writes anything where it matters.
/// </summary>
public static class BackupArchive
{
    public static readonly string[] Roots = ["database", "keys", "uploads", "themes"];

    /// <summary>Writes the archive of <paramref name="files"/> to <paramref name="output"/>; returns the manifest it wrote.
    /// Each file is hashed and copied from one open handle, so the manifest describes exactly the bytes archived.</summary>
    public static async Task<BackupManifest> WriteAsync(Stream output, string passphrase, BackupManifest draft, IEnumerable<BackupFile> files,
        int iterations = BackupCipher.Iterations, CancellationToken ct = default)
    {
        var entries = new List<BackupEntry>();
        await using (var cipher = BackupCipher.Encrypt(output, passphrase, iterations))
        {
            await using (var gzip = new GZipStream(cipher, CompressionLevel.Fastest, leaveOpen: true))
            await using (var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true))
            {
                foreach (var file in files)
                {
                    ct.ThrowIfCancellationRequested();
                    CheckArchivePath(file.ArchivePath);
                    FileStream source;
                    try { source = new FileStream(file.FilePath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete); }
                    catch (FileNotFoundException) { continue; } // removed since it was listed (an upload replaced, a key file pruned)
                    await using (source)
                    {
                        var hash = Convert.ToHexStringLower(await SHA256.HashDataAsync(source, ct));
                        var size = source.Position;
                        source.Position = 0;
                        await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, file.ArchivePath)
                        {
                            DataStream = new BoundedStream(source, size), Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                        }, ct);
                        entries.Add(new BackupEntry(file.ArchivePath, size, hash));
                    }
                }
                var manifest = draft with { Entries = entries };
                var json = JsonSerializer.SerializeToUtf8Bytes(manifest, BackupManifest.Json);
                await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, BackupManifest.EntryName)
                {
                    DataStream = new MemoryStream(json), Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                }, ct);
                draft = manifest;
            }
            cipher.Complete();
        }
        return draft;
    }

    /// <summary>Decrypts and extracts into the empty folder <paramref name="staging"/>, then checks the manifest: every
    /// entry present with its size and SHA-256, nothing else. Throws <see cref="BackupArchiveException"/> otherwise.</summary>
    public static async Task<BackupManifest> ExtractAsync(Stream input, string passphrase, string staging, CancellationToken ct = default)
    {
        var found = new Dictionary<string, BackupEntry>(StringComparer.Ordinal);
        BackupManifest? manifest = null;
        await using var cipher = BackupCipher.Decrypt(input, passphrase);
        try
        {
            await using (var gzip = new GZipStream(cipher, CompressionMode.Decompress, leaveOpen: true))
            await using (var tar = new TarReader(gzip, leaveOpen: true))
            {
                while (await tar.GetNextEntryAsync(copyData: false, ct) is { } entry)
                {
                    if (entry.EntryType is TarEntryType.Directory) continue;
                    if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || entry.DataStream is null)
                        throw new BackupArchiveException(BackupArchiveException.Tampered);
                    if (entry.Name == BackupManifest.EntryName)
                    {
                        manifest = await JsonSerializer.DeserializeAsync<BackupManifest>(entry.DataStream, BackupManifest.Json, ct);
                        continue;
                    }
                    CheckArchivePath(entry.Name);
                    if (found.ContainsKey(entry.Name)) throw new BackupArchiveException(BackupArchiveException.Tampered);
                    var target = Path.Combine(staging, entry.Name.Replace('/', Path.DirectorySeparatorChar));
                    Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                    await using (var file = PrivateFiles.CreateNew(target))
                    using (var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
                    {
                        var buffer = new byte[81920];
                        long size = 0;
                        int n;
                        while ((n = await entry.DataStream.ReadAsync(buffer, ct)) > 0)
                        {
                            sha.AppendData(buffer, 0, n);
                            await file.WriteAsync(buffer.AsMemory(0, n), ct);
                            size += n;
                        }
                        found[entry.Name] = new BackupEntry(entry.Name, size, Convert.ToHexStringLower(sha.GetHashAndReset()));
                    }
                }
            }
            // Every chunk up to the one marked last, and nothing after it.
            cipher.ReadToEnd();
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or JsonException or EndOfStreamException)
        {
            // The tag of every chunk read so far matched: a payload that still does not parse was built that way, not damaged on the way.
            throw new BackupArchiveException(BackupArchiveException.Tampered);
        }
        if (manifest is null || manifest.FormatVersion != BackupManifest.CurrentFormat)
            throw new BackupArchiveException(BackupArchiveException.Tampered);
        if (manifest.Entries.Count != found.Count
            || manifest.Entries.Any(e => !found.TryGetValue(e.Path, out var f) || f.Size != e.Size || f.Sha256 != e.Sha256))
            throw new BackupArchiveException("备份文件的校验和与清单不符（checksum mismatch）");
        return manifest;
    }

    /// <summary>Entry names are relative, '/'-separated, below one of <see cref="Roots"/>, with no '..' or empty segment.</summary>
    static void CheckArchivePath(string path)
    {
        var segments = path.Split('/');
        if (segments.Length < 2 || !Roots.Contains(segments[0]) || segments.Any(s => s.Length == 0 || s is "." or ".." || s.Contains('\\') || s.Contains(':')))
            throw new BackupArchiveException(BackupArchiveException.Tampered);
    }

    /// <summary>SHA-256 of a whole file, lower-case hex.</summary>
    public static async Task<string> FileSha256Async(string path, CancellationToken ct = default)
    {
        await using var fs = File.OpenRead(path);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(fs, ct));
    }

    /// <summary>The first <paramref name="length"/> bytes of a file, so that the tar header's size and the data agree even if
    /// the file grows while it is archived.</summary>
    sealed class BoundedStream(Stream inner, long length) : Stream
    {
        long read;
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
        public override int Read(Span<byte> buffer)
        {
            if (read >= length) return 0;
            var n = inner.Read(buffer[..(int)Math.Min(buffer.Length, length - read)]);
            if (n == 0) throw new IOException("The file shrank while it was being archived.");
            read += n;
            return n;
        }
        public override bool CanRead => true;
        // Seekable in name only: TarWriter reads Length - Position for the header's size and never moves it.
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => read; set { if (value != read) throw new NotSupportedException(); } }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) =>
            (origin == SeekOrigin.Current && offset == 0) || (origin == SeekOrigin.Begin && offset == read) ? read : throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
