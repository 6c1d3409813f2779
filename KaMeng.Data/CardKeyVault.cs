using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace KaMeng.Data;

/// <summary>Encrypts card-key secrets at rest (Data Protection, key ring in the database) and hashes them
/// with a keyed HMAC so duplicates are found without decrypting and a leaked table cannot be brute-forced offline.</summary>
public sealed class CardKeyVault
{
    readonly IDataProtector protector;
    readonly byte[] pepper;

    public CardKeyVault(IDataProtectionProvider provider, IOptions<KaMengOptions> options)
    {
        protector = provider.CreateProtector("KaMeng.CardKey.v1");
        // Every node must hash alike (duplicate keys are found by hash), so the pepper is in the shared folder.
        var o = options.Value;
        var path = Path.Combine(SharedFolders.Keys(o.SharedRoot), PepperFile);
        var local = Path.Combine(SharedFolders.Keys(o.DataDir), PepperFile);
        pepper = LoadOrCreatePepper(path, adoptFrom: path != local ? local : null);
    }

    public string Protect(string secret) => protector.Protect(secret);

    /// <summary>Loads the key ring, writing its first key when it has none. Called before anything runs in a transaction: with
    /// the ring in a SQLite database, a first key written from inside another connection's write transaction would wait
    /// for that transaction's lock until it timed out.</summary>
    public void EnsureKeyRing() => protector.Unprotect(protector.Protect("key-ring"));

    public string Unprotect(string cipher) => protector.Unprotect(cipher);

    public string Hash(string secret) => Convert.ToHexString(HMACSHA256.HashData(pepper, Encoding.UTF8.GetBytes(secret)));

    /// <summary>What admin lists show: the first and last few characters.</summary>
    public static string Mask(string secret) => secret.Length <= 4 ? new string('*', secret.Length) : secret[..2] + new string('*', Math.Min(8, secret.Length - 4)) + secret[^2..];

    public const string PepperFile = "card-key-pepper.bin";

    /// <summary>The pepper file's bytes, writing it first when missing: with the data dir's own pepper when
    /// <paramref name="adoptFrom"/> has one (an install that becomes a cluster keeps its pepper), else new random bytes.</summary>
    static byte[] LoadOrCreatePepper(string path, string? adoptFrom)
    {
        PrivateFiles.EnsureDirectory(Path.GetDirectoryName(path)!);
        if (File.Exists(path))
        {
            PrivateFiles.Tighten(path);
            return File.ReadAllBytes(path);
        }
        var bytes = adoptFrom is not null && File.Exists(adoptFrom) ? File.ReadAllBytes(adoptFrom) : RandomNumberGenerator.GetBytes(32);
        try
        {
            using var fs = PrivateFiles.CreateNew(path); // 0600 from the start
            fs.Write(bytes);
            return bytes;
        }
        catch (IOException) when (File.Exists(path))
        {
            return File.ReadAllBytes(path); // another process (node) made it first: that one counts
        }
    }
}
