using System.Security.Cryptography;
using System.Text;

namespace KaMeng.Domain;

public enum ApiCredentialStatus { PendingApproval = 0, Active = 1, Revoked = 2 }

/// <summary>对接密钥: a downstream user's key for the Open API of one station, paid from that user's balance there.</summary>
public class ApiCredential
{
    public int Id { get; set; }
    public int StationId { get; set; }
    public required string UserId { get; set; }
    /// <summary>Public key id sent in every request (X-KaMeng-Key).</summary>
    public required string KeyId { get; set; }
    /// <summary>The HMAC secret, encrypted with Data Protection (HMAC needs the secret itself, so it cannot be a one-way hash).</summary>
    public required string SecretCipher { get; set; }
    public string? Note { get; set; }
    public ApiCredentialStatus Status { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? ApprovedAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }

    public static string NewKeyId() => "km_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    public static string NewSecret() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public void Approve(DateTimeOffset now)
    {
        if (Status != ApiCredentialStatus.PendingApproval) throw new DomainException("api.not_pending", "只有待审核的密钥可以批准");
        Status = ApiCredentialStatus.Active;
        ApprovedAt = now;
    }

    public void Revoke(DateTimeOffset now)
    {
        if (Status == ApiCredentialStatus.Revoked) throw new DomainException("api.revoked", "密钥已吊销");
        Status = ApiCredentialStatus.Revoked;
        RevokedAt = now;
    }
}

/// <summary>A nonce seen from a credential within the clock window: a second request with it is a replay.</summary>
public class ApiNonce
{
    public long Id { get; set; }
    public int CredentialId { get; set; }
    public required string Nonce { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>
/// The Open API request signature: hex HMAC-SHA256, keyed with the secret, over
/// METHOD \n PATH(with query) \n TIMESTAMP(unix seconds) \n NONCE \n hex SHA-256 of the body.
/// </summary>
public static class OpenApiSignature
{
    public const int WindowSeconds = 300;

    public static string StringToSign(string method, string pathAndQuery, string timestamp, string nonce, ReadOnlySpan<byte> body) =>
        $"{method.ToUpperInvariant()}\n{pathAndQuery}\n{timestamp}\n{nonce}\n{Convert.ToHexStringLower(SHA256.HashData(body))}";

    public static string Sign(string secret, string method, string pathAndQuery, string timestamp, string nonce, ReadOnlySpan<byte> body) =>
        HmacHex.Sha256(secret, StringToSign(method, pathAndQuery, timestamp, nonce, body));

    public static bool Verify(string secret, string method, string pathAndQuery, string timestamp, string nonce, ReadOnlySpan<byte> body, string? signature) =>
        HmacHex.Matches(Sign(secret, method, pathAndQuery, timestamp, nonce, body), signature);

    /// <summary>The lower-case hex SHA-256 of a body: what the string to sign ends with, and what a client may send ahead in
    /// <c>X-KaMeng-Content-SHA256</c> so that the server checks the signature before it reads the body.</summary>
    public static string BodyHash(ReadOnlySpan<byte> body) => Convert.ToHexStringLower(SHA256.HashData(body));

    public static bool VerifyWithBodyHash(string secret, string method, string pathAndQuery, string timestamp, string nonce, string bodyHashHex, string? signature) =>
        HmacHex.Matches(HmacHex.Sha256(secret, $"{method.ToUpperInvariant()}\n{pathAndQuery}\n{timestamp}\n{nonce}\n{bodyHashHex.ToLowerInvariant()}"), signature);
}
