using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace KaMeng.Web.Features.Backups;

/// <summary>Why an archive cannot be opened: the passphrase is wrong, or the file was cut short, reordered or altered.</summary>
public sealed class BackupArchiveException(string message) : Exception(message)
{
    public const string WrongPassphrase = "备份口令不正确（wrong passphrase）：没有写入任何文件";
    public const string Truncated = "备份文件不完整，可能被截断（archive truncated）";
    public const string Tampered = "备份文件已损坏或被篡改（archive corrupted or tampered）";
    public const string NotAnArchive = "这不是 KaMeng 备份文件（not a KaMeng backup archive）";
}

/// <summary>
/// The archive's encryption (docs/decisions/0035-backups.md): a plain header (magic, version, PBKDF2-SHA256 iterations
/// and salt, chunk size, a key check), then the payload in chunks of at most <see cref="ChunkSize"/> bytes, each
/// AES-256-GCM with its own random nonce. Each chunk's associated data is the header, its index and whether it is the
/// last, so a wrong passphrase (the key check), an altered, reordered or dropped chunk, and a file cut after any chunk
/// but the last are all refused.
/// </summary>
public static class BackupCipher
{
    public const int ChunkSize = 1 << 20;
    public const int Iterations = 300_000;
    static readonly byte[] Magic = "KMBACKUP"u8.ToArray();
    const byte Version = 1;
    const byte KdfPbkdf2Sha256 = 1;
    const int SaltLength = 16, NonceLength = 12, TagLength = 16, CheckLength = 32;
    // magic 8, version 1, kdf 1, iterations 4, salt 16, chunk size 4
    const int ParamsLength = 8 + 1 + 1 + 4 + SaltLength + 4;
    public const int HeaderLength = ParamsLength + CheckLength;
    const uint LastFlag = 0x8000_0000;

    /// <summary>A write-only stream that encrypts into <paramref name="output"/>; dispose it (or call
    /// <see cref="EncryptingStream.Complete"/>) to write the last chunk.</summary>
    public static EncryptingStream Encrypt(Stream output, string passphrase, int iterations = Iterations, int chunkSize = ChunkSize)
    {
        var header = new byte[HeaderLength];
        Magic.CopyTo(header, 0);
        header[8] = Version;
        header[9] = KdfPbkdf2Sha256;
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(10), iterations);
        RandomNumberGenerator.Fill(header.AsSpan(14, SaltLength));
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(14 + SaltLength), chunkSize);
        var (key, check) = DeriveKeys(passphrase, header.AsSpan(14, SaltLength), iterations, header.AsSpan(0, ParamsLength));
        check.CopyTo(header, ParamsLength);
        output.Write(header);
        return new EncryptingStream(output, key, header, chunkSize);
    }

    /// <summary>A read-only stream of the plaintext; reading the header checks the passphrase before anything else.</summary>
    public static DecryptingStream Decrypt(Stream input, string passphrase)
    {
        var header = new byte[HeaderLength];
        if (input.ReadAtLeast(header, HeaderLength, throwOnEndOfStream: false) < HeaderLength || !header.AsSpan(0, 8).SequenceEqual(Magic))
            throw new BackupArchiveException(BackupArchiveException.NotAnArchive);
        if (header[8] != Version || header[9] != KdfPbkdf2Sha256)
            throw new BackupArchiveException($"不支持的备份格式版本 {header[8]}（unsupported archive version）");
        var iterations = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(10));
        var chunkSize = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(14 + SaltLength));
        // Bounds keep a hostile header from making us spin for hours or allocate gigabytes.
        if (iterations is < 100_000 or > 10_000_000 || chunkSize is < 1024 or > 16 << 20)
            throw new BackupArchiveException(BackupArchiveException.Tampered);
        var (key, check) = DeriveKeys(passphrase, header.AsSpan(14, SaltLength), iterations, header.AsSpan(0, ParamsLength));
        if (!CryptographicOperations.FixedTimeEquals(check, header.AsSpan(ParamsLength, CheckLength)))
            throw new BackupArchiveException(BackupArchiveException.WrongPassphrase);
        return new DecryptingStream(input, key, header, chunkSize);
    }

    static (byte[] Key, byte[] Check) DeriveKeys(string passphrase, ReadOnlySpan<byte> salt, int iterations, ReadOnlySpan<byte> parameters)
    {
        var material = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(passphrase), salt, iterations, HashAlgorithmName.SHA256, 64);
        var key = material[..32];
        // The check is keyed by the second half, never by the encryption key itself, and covers the header's parameters.
        var check = HMACSHA256.HashData(material.AsSpan(32), parameters);
        CryptographicOperations.ZeroMemory(material);
        return (key, check);
    }

    internal static byte[] AssociatedData(byte[] header, long index, bool last)
    {
        var ad = new byte[header.Length + 9];
        header.CopyTo(ad, 0);
        BinaryPrimitives.WriteInt64BigEndian(ad.AsSpan(header.Length), index);
        ad[^1] = last ? (byte)1 : (byte)0;
        return ad;
    }

    public sealed class EncryptingStream : Stream
    {
        readonly Stream output;
        readonly AesGcm aes;
        readonly byte[] header;
        readonly byte[] buffer;
        int filled;
        long index;
        bool completed;

        internal EncryptingStream(Stream output, byte[] key, byte[] header, int chunkSize)
        {
            this.output = output;
            aes = new AesGcm(key, TagLength);
            CryptographicOperations.ZeroMemory(key);
            this.header = header;
            buffer = new byte[chunkSize];
        }

        public override void Write(byte[] data, int offset, int count) => Write(data.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> data)
        {
            ObjectDisposedException.ThrowIf(completed, this);
            while (data.Length > 0)
            {
                // A full chunk is held back until more data comes: only then is it known not to be the last.
                if (filled == buffer.Length) WriteChunk(last: false);
                var n = Math.Min(data.Length, buffer.Length - filled);
                data[..n].CopyTo(buffer.AsSpan(filled));
                filled += n;
                data = data[n..];
            }
        }

        void WriteChunk(bool last)
        {
            Span<byte> prefix = stackalloc byte[4 + NonceLength];
            BinaryPrimitives.WriteUInt32BigEndian(prefix, (uint)filled | (last ? LastFlag : 0));
            RandomNumberGenerator.Fill(prefix[4..]);
            var cipher = new byte[filled + TagLength];
            aes.Encrypt(prefix[4..], buffer.AsSpan(0, filled), cipher.AsSpan(0, filled), cipher.AsSpan(filled), AssociatedData(header, index, last));
            output.Write(prefix);
            output.Write(cipher);
            index++;
            filled = 0;
        }

        /// <summary>Writes the last chunk (possibly empty) and flushes; the archive is complete only after this.</summary>
        public void Complete()
        {
            if (completed) return;
            WriteChunk(last: true);
            output.Flush();
            completed = true;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                Complete();
                aes.Dispose();
            }
            base.Dispose(disposing);
        }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => !completed;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] b, int o, int c) => throw new NotSupportedException();
        public override long Seek(long o, SeekOrigin s) => throw new NotSupportedException();
        public override void SetLength(long v) => throw new NotSupportedException();
    }

    public sealed class DecryptingStream : Stream
    {
        readonly Stream input;
        readonly AesGcm aes;
        readonly byte[] header;
        readonly int chunkSize;
        byte[] plain = [];
        int position;
        long index;
        bool sawLast;

        internal DecryptingStream(Stream input, byte[] key, byte[] header, int chunkSize)
        {
            this.input = input;
            aes = new AesGcm(key, TagLength);
            CryptographicOperations.ZeroMemory(key);
            this.header = header;
            this.chunkSize = chunkSize;
        }

        public override int Read(byte[] data, int offset, int count) => Read(data.AsSpan(offset, count));

        public override int Read(Span<byte> data)
        {
            while (position == plain.Length)
            {
                if (sawLast) return 0;
                ReadChunk();
            }
            var n = Math.Min(data.Length, plain.Length - position);
            plain.AsSpan(position, n).CopyTo(data);
            position += n;
            return n;
        }

        void ReadChunk()
        {
            Span<byte> prefix = stackalloc byte[4 + NonceLength];
            var got = input.ReadAtLeast(prefix, prefix.Length, throwOnEndOfStream: false);
            if (got < prefix.Length) throw new BackupArchiveException(BackupArchiveException.Truncated);
            var word = BinaryPrimitives.ReadUInt32BigEndian(prefix);
            var last = (word & LastFlag) != 0;
            var length = (int)(word & ~LastFlag);
            if (length > chunkSize) throw new BackupArchiveException(BackupArchiveException.Tampered);
            var cipher = new byte[length + TagLength];
            if (input.ReadAtLeast(cipher, cipher.Length, throwOnEndOfStream: false) < cipher.Length)
                throw new BackupArchiveException(BackupArchiveException.Truncated);
            var result = new byte[length];
            try
            {
                aes.Decrypt(prefix[4..], cipher.AsSpan(0, length), cipher.AsSpan(length), result, AssociatedData(header, index, last));
            }
            catch (AuthenticationTagMismatchException)
            {
                throw new BackupArchiveException(BackupArchiveException.Tampered);
            }
            index++;
            plain = result;
            position = 0;
            if (last)
            {
                sawLast = true;
                // Anything after the last chunk was appended by someone else.
                Span<byte> one = stackalloc byte[1];
                if (input.Read(one) != 0) throw new BackupArchiveException(BackupArchiveException.Tampered);
            }
        }

        /// <summary>Reads to the end, so that every chunk's tag (and the last-chunk mark) is checked.</summary>
        public void ReadToEnd()
        {
            var sink = new byte[81920];
            while (Read(sink) > 0) { }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) aes.Dispose();
            base.Dispose(disposing);
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long o, SeekOrigin s) => throw new NotSupportedException();
        public override void SetLength(long v) => throw new NotSupportedException();
        public override void Write(byte[] b, int o, int c) => throw new NotSupportedException();
    }
}
