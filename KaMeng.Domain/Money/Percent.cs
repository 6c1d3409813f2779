using System.Globalization;

namespace KaMeng.Domain;

/// <summary>Percentages people type ("20", "12.5") held as integer basis points (2000, 1250), like money in fen.</summary>
public static class Percent
{
    /// <summary>Parses a percentage with at most two decimals within [min, max] percent. Signs, exponents and
    /// separators other than the decimal point are refused.</summary>
    public static bool TryParseBasisPoints(string? text, decimal minPercent, decimal maxPercent, out int basisPoints)
    {
        basisPoints = 0;
        if (!decimal.TryParse(text?.Trim(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var percent)
            || percent < minPercent || percent > maxPercent || decimal.Round(percent, 2) != percent)
            return false;
        basisPoints = (int)(percent * 100);
        return true;
    }

    /// <summary>Display form of basis points: 1250 → "12.5".</summary>
    public static string Format(int basisPoints) => (basisPoints / 100m).ToString("0.##", CultureInfo.InvariantCulture);
}
