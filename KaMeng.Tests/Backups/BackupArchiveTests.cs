using System.Security.Cryptography;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Backups;

namespace KaMeng.Tests.Backups;

/// <summary>The archive format on its own: what goes in comes out byte for byte, and a wrong passphrase, a cut, a reordered
/// chunk or a flipped byte is refused with its own message before anything is written where it matters.</summary>
public class BackupArchiveTests
{
    const string Passphrase = "正确的口令 correct horse";
    // The smallest the reader accepts: these tests derive keys many times.
    const int FastIterations = 100_000;

    static BackupManifest Draft() => new()
    {
        CreatedAt = DateTimeOffset.UtcNow, Provider = "Sqlite", AppVersion = "test", KeyRing = "files", Counts = new BackupCounts(3, 2, 1),
    };

    /// <summary>An archive of three files: 2.5 MiB of random bytes (three chunks after gzip, which cannot shrink them), a key file and an upload.</summary>
    static async Task<(byte[] Archive, Dictionary<string, byte[]> Files)> MakeAsync()
    {
        var dir = TestPaths.NewTempDir("archive-src");
        var files = new Dictionary<string, byte[]>
        {
            ["database/kameng.db"] = RandomNumberGenerator.GetBytes(2 * 1024 * 1024 + 512 * 1024),
            ["keys/key-1.xml"] = "<key id=\"1\">秘密</key>"u8.ToArray(),
            ["uploads/products/a.png"] = RandomNumberGenerator.GetBytes(3000),
        };
        var list = new List<BackupFile>();
        foreach (var (name, bytes) in files)
        {
            var path = Path.Combine(dir, name.Replace('/', '_'));
            await File.WriteAllBytesAsync(path, bytes);
            list.Add(new BackupFile(name, path));
        }
        using var output = new MemoryStream();
        await BackupArchive.WriteAsync(output, Passphrase, Draft(), list, FastIterations);
        return (output.ToArray(), files);
    }

    static async Task<string> ExtractFailureAsync(byte[] archive, string passphrase = Passphrase)
    {
        var staging = TestPaths.NewTempDir("archive-out");
        var e = await Assert.ThrowsAsync<BackupArchiveException>(() => BackupArchive.ExtractAsync(new MemoryStream(archive), passphrase, staging));
        return e.Message;
    }

    /// <summary>Offsets of each chunk (its length word) after the header.</summary>
    static List<(int Offset, int Length)> Chunks(byte[] archive)
    {
        var chunks = new List<(int, int)>();
        for (var at = BackupCipher.HeaderLength; at < archive.Length;)
        {
            var length = (int)(System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(archive.AsSpan(at)) & 0x7FFF_FFFF);
            var size = 4 + 12 + length + 16;
            chunks.Add((at, size));
            at += size;
        }
        return chunks;
    }

    [Fact]
    public async Task An_archive_round_trips_every_file_byte_for_byte_with_its_manifest()
    {
        var (archive, files) = await MakeAsync();
        Assert.True(Chunks(archive).Count >= 3, "the payload spans several chunks");
        var staging = TestPaths.NewTempDir("archive-out");

        var manifest = await BackupArchive.ExtractAsync(new MemoryStream(archive), Passphrase, staging);

        Assert.Equal(3, manifest.Entries.Count);
        Assert.Equal(new BackupCounts(3, 2, 1), manifest.Counts);
        Assert.Equal("Sqlite", manifest.Provider);
        foreach (var (name, bytes) in files)
        {
            Assert.Equal(bytes, await File.ReadAllBytesAsync(Path.Combine(staging, name)));
            var entry = Assert.Single(manifest.Entries, e => e.Path == name);
            Assert.Equal(bytes.Length, entry.Size);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), entry.Sha256);
        }
    }

    [Fact]
    public async Task A_wrong_passphrase_is_named_as_such_and_nothing_is_extracted()
    {
        var (archive, _) = await MakeAsync();
        var staging = TestPaths.NewTempDir("archive-out");
        var e = await Assert.ThrowsAsync<BackupArchiveException>(() => BackupArchive.ExtractAsync(new MemoryStream(archive), "wrong passphrase", staging));
        Assert.Equal(BackupArchiveException.WrongPassphrase, e.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(staging));
    }

    [Fact]
    public async Task An_archive_cut_after_any_whole_chunk_but_the_last_or_inside_one_is_refused_as_truncated()
    {
        var (archive, _) = await MakeAsync();
        var chunks = Chunks(archive);
        // Cut exactly between chunks: every chunk read is genuine, only the last-chunk mark is missing.
        Assert.Equal(BackupArchiveException.Truncated, await ExtractFailureAsync(archive[..(chunks[^1].Offset)]));
        Assert.Equal(BackupArchiveException.Truncated, await ExtractFailureAsync(archive[..(chunks[1].Offset)]));
        // Cut inside a chunk.
        Assert.Equal(BackupArchiveException.Truncated, await ExtractFailureAsync(archive[..(chunks[1].Offset + 100)]));
        Assert.Equal(BackupArchiveException.NotAnArchive, await ExtractFailureAsync(archive[..20]));
    }

    [Fact]
    public async Task Swapped_chunks_a_flipped_byte_a_dropped_chunk_or_appended_bytes_are_refused_as_tampered()
    {
        var (archive, _) = await MakeAsync();
        var chunks = Chunks(archive);
        Assert.Equal(chunks[0].Length, chunks[1].Length);

        var swapped = (byte[])archive.Clone();
        archive.AsSpan(chunks[0].Offset, chunks[0].Length).CopyTo(swapped.AsSpan(chunks[1].Offset));
        archive.AsSpan(chunks[1].Offset, chunks[1].Length).CopyTo(swapped.AsSpan(chunks[0].Offset));
        Assert.Equal(BackupArchiveException.Tampered, await ExtractFailureAsync(swapped));

        var flipped = (byte[])archive.Clone();
        flipped[chunks[1].Offset + 500] ^= 0x01;
        Assert.Equal(BackupArchiveException.Tampered, await ExtractFailureAsync(flipped));

        var dropped = archive[..chunks[1].Offset].Concat(archive[chunks[2].Offset..]).ToArray();
        Assert.Equal(BackupArchiveException.Tampered, await ExtractFailureAsync(dropped));

        // Setting the last-chunk mark on an earlier chunk (to pass a cut-off archive as whole) changes its associated data.
        var marked = archive[..chunks[1].Offset];
        marked[chunks[0].Offset] |= 0x80;
        Assert.Equal(BackupArchiveException.Tampered, await ExtractFailureAsync(marked));

        Assert.Equal(BackupArchiveException.Tampered, await ExtractFailureAsync([.. archive, 0x00]));

        // A header parameter changed (the salt): the key derived no longer passes the check.
        var salted = (byte[])archive.Clone();
        salted[20] ^= 0x01;
        Assert.Equal(BackupArchiveException.WrongPassphrase, await ExtractFailureAsync(salted));
    }

    [Fact]
    public async Task The_cipher_handles_empty_and_exact_multiple_of_chunk_payloads()
    {
        foreach (var size in new[] { 0, 1024, 4096, 4097 })
        {
            var data = RandomNumberGenerator.GetBytes(size);
            using var output = new MemoryStream();
            await using (var enc = BackupCipher.Encrypt(output, Passphrase, FastIterations, chunkSize: 1024))
                enc.Write(data);
            await using var dec = BackupCipher.Decrypt(new MemoryStream(output.ToArray()), Passphrase);
            using var back = new MemoryStream();
            await dec.CopyToAsync(back);
            Assert.Equal(data, back.ToArray());
        }
    }
}
