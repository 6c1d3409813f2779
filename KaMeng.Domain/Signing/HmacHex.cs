using System.Security.Cryptography;
using System.Text;

namespace KaMeng.Domain;

/// <summary>The one HMAC-SHA256 both signatures use (Open API requests, webhook bodies): lower-case hex over UTF-8 text,
/// compared in constant time so a forger learns nothing from how long a refusal took.</summary>
public static class HmacHex
{
    public static string Sha256(string secret, string message) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(message)));

    /// <summary>Whether a received signature equals the expected one (hex case ignored), in constant time.</summary>
    public static bool Matches(string expected, string? received) =>
        received is not null && received.Length == expected.Length
        && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(received.ToLowerInvariant()));
}
