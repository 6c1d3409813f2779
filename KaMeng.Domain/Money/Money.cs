using System.Globalization;

namespace KaMeng.Domain;

/// <summary>An exact amount of CNY in fen (0.01). No floating point ever touches money.</summary>
public readonly record struct Money(long Fen) : IComparable<Money>
{
    public static readonly Money Zero = new(0);

    public static Money FromFen(long fen) => new(fen);

    public static Money FromYuan(int yuan) => new(checked(yuan * 100L));

    /// <summary>Parses a yuan amount written by a person ("12", "12.3", "12.34", "¥12.34").
    /// More than two decimals, exponents and signs other than a leading minus are refused.</summary>
    public static bool TryParseYuan(string? text, out Money money)
    {
        money = Zero;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var s = text.Trim().TrimStart('¥', '￥').Trim();
        var negative = s.StartsWith('-');
        if (negative) s = s[1..];
        var parts = s.Split('.');
        if (parts.Length > 2 || parts[0].Length == 0 || parts[0].Length > 12) return false;
        if (!parts[0].All(char.IsAsciiDigit)) return false;
        var fraction = parts.Length == 2 ? parts[1] : "";
        if (fraction.Length > 2 || !fraction.All(char.IsAsciiDigit)) return false;
        if (parts.Length == 2 && fraction.Length == 0) return false;
        var fen = long.Parse(parts[0], CultureInfo.InvariantCulture) * 100
                  + (fraction.Length == 0 ? 0 : long.Parse(fraction.PadRight(2, '0'), CultureInfo.InvariantCulture));
        money = new Money(negative ? -fen : fen);
        return true;
    }

    public static Money operator +(Money a, Money b) => new(checked(a.Fen + b.Fen));
    public static Money operator -(Money a, Money b) => new(checked(a.Fen - b.Fen));
    public static Money operator -(Money a) => new(-a.Fen);
    public static Money operator *(Money a, int quantity) => new(checked(a.Fen * quantity));
    public static bool operator <(Money a, Money b) => a.Fen < b.Fen;
    public static bool operator >(Money a, Money b) => a.Fen > b.Fen;
    public static bool operator <=(Money a, Money b) => a.Fen <= b.Fen;
    public static bool operator >=(Money a, Money b) => a.Fen >= b.Fen;

    public int CompareTo(Money other) => Fen.CompareTo(other.Fen);

    public bool IsNegative => Fen < 0;

    /// <summary>Yuan with exactly two decimals, e.g. "12.34" (as gateways and exports want it).</summary>
    public string ToDecimalString()
    {
        var abs = Math.Abs(Fen);
        return (Fen < 0 ? "-" : "") + (abs / 100).ToString(CultureInfo.InvariantCulture) + "." + (abs % 100).ToString("00", CultureInfo.InvariantCulture);
    }

    /// <summary>Display form: ¥12.34.</summary>
    public override string ToString() => Fen < 0 ? "-¥" + (-this).ToDecimalString() : "¥" + ToDecimalString();
}
