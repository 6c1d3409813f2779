using System.Text.RegularExpressions;

namespace KaMeng.Domain;

public enum InputFieldType { Text = 0, Phone = 1, QQ = 2, GameAccount = 3, Email = 4 }

/// <summary>A field a buyer fills for a DirectTopUp product (充值账号, 手机号 …).</summary>
public class InputField
{
    public required string Key { get; set; }
    public required string Label { get; set; }
    public InputFieldType Type { get; set; }
    public bool Required { get; set; } = true;
    /// <summary>Optional extra pattern the value must match in full.</summary>
    public string? Pattern { get; set; }

    static readonly TimeSpan RegexTimeout = TimeSpan.FromMilliseconds(100);

    /// <summary>Returns a Chinese message when the value is not acceptable, null when it is.</summary>
    public string? Validate(string? value)
    {
        value = value?.Trim();
        if (string.IsNullOrEmpty(value)) return Required ? $"请填写{Label}" : null;
        if (value.Length > 128) return $"{Label}过长";
        var ok = Type switch
        {
            InputFieldType.Phone => Regex.IsMatch(value, @"^1[3-9]\d{9}$", RegexOptions.None, RegexTimeout),
            InputFieldType.QQ => Regex.IsMatch(value, @"^[1-9]\d{4,11}$", RegexOptions.None, RegexTimeout),
            InputFieldType.Email => Regex.IsMatch(value, @"^[^@\s]+@[^@\s]+\.[^@\s]+$", RegexOptions.None, RegexTimeout),
            InputFieldType.GameAccount => Regex.IsMatch(value, @"^[\w\-\.@]{2,64}$", RegexOptions.None, RegexTimeout),
            _ => true,
        };
        if (!ok) return $"{Label}格式不正确";
        if (!string.IsNullOrEmpty(Pattern))
        {
            try
            {
                if (!Regex.IsMatch(value, "^(?:" + Pattern + ")$", RegexOptions.None, RegexTimeout)) return $"{Label}格式不正确";
            }
            catch (RegexMatchTimeoutException) { return $"{Label}格式不正确"; }
        }
        return null;
    }
}
