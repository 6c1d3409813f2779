using System.Security.Cryptography;

namespace KaMeng.Domain;

/// <summary>Order numbers: a date prefix people can read, then 12 random digits nobody can guess.</summary>
public static class OrderNumber
{
    public static string New(DateTimeOffset now)
    {
        Span<byte> bytes = stackalloc byte[8];
        RandomNumberGenerator.Fill(bytes);
        var random = BitConverter.ToUInt64(bytes) % 1_000_000_000_000UL;
        return now.UtcDateTime.ToString("yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture) + random.ToString("D12", System.Globalization.CultureInfo.InvariantCulture);
    }

    public static bool LooksValid(string? number) => number is { Length: 26 } && number.All(char.IsAsciiDigit);
}
