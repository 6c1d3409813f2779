using System.Text.RegularExpressions;
using KaMeng.Domain;

namespace KaMeng.Web.Features.Admin.Catalog;

/// <summary>What the product form edits. Prices are the text a person typed, in yuan; the service parses them into fen.</summary>
public sealed class ProductForm
{
    public int? Id { get; set; }
    public string Name { get; set; } = "";
    public int? CategoryId { get; set; }
    public DeliveryType DeliveryType { get; set; } = DeliveryType.CardKey;
    public string FaceValue { get; set; } = "";
    public string CostPrice { get; set; } = "0";
    public string BasePrice { get; set; } = "";
    public int MinPerOrder { get; set; } = 1;
    public int MaxPerOrder { get; set; } = 10;
    public int PerBuyerLimit { get; set; }
    public bool OnShelf { get; set; } = true;
    /// <summary>Shelf schedule in Beijing time (<see cref="BusinessTime"/>), as the admin enters it.</summary>
    public DateTime? ShelfFrom { get; set; }
    public DateTime? ShelfUntil { get; set; }
    public int LowStockThreshold { get; set; } = 10;
    public bool TagHot { get; set; }
    public bool TagRecommended { get; set; }
    /// <summary>Further tags, separated by commas or spaces.</summary>
    public string? OtherTags { get; set; }
    public int SortOrder { get; set; }
    public bool ReusableKey { get; set; }
    public List<InputFieldForm> InputFields { get; set; } = [];
    public string? DescriptionMarkdown { get; set; }
    public string? PurchaseNotice { get; set; }
    public string? ImagePath { get; set; }
}

public sealed class InputFieldForm
{
    public string Key { get; set; } = "";
    public string Label { get; set; } = "";
    public InputFieldType Type { get; set; }
    public bool Required { get; set; } = true;
    public string? Pattern { get; set; }
}

/// <summary>Names and rules of the catalogue shared by the pages and the service.</summary>
public static class CatalogText
{
    public const string Hot = "热门";
    public const string Recommended = "推荐";
    public const int MaxPerOrderLimit = 1000;
    public const int MaxInputFields = 10;
    public static readonly TimeSpan PatternTimeout = TimeSpan.FromMilliseconds(100);

    /// <summary>Null when the pattern compiles (anchored, as <see cref="InputField.Validate"/> uses it) with a match timeout; a Chinese message otherwise.</summary>
    public static string? CheckPattern(string pattern, string label)
    {
        if (pattern.Length > 200) return $"输入项「{label}」的校验规则不能超过 200 个字符";
        try
        {
            // On its own (so "a)|(b" cannot escape the anchors) and wrapped as it is used.
            _ = new Regex(pattern, RegexOptions.None, PatternTimeout);
            new Regex("^(?:" + pattern + ")$", RegexOptions.None, PatternTimeout).IsMatch("");
            return null;
        }
        catch (ArgumentException) { return $"输入项「{label}」的校验规则不是有效的正则表达式"; }
        catch (RegexMatchTimeoutException) { return $"输入项「{label}」的校验规则太复杂（匹配超时）"; }
    }
}

/// <summary>A problem of the product form: the field it belongs to and the Chinese message.</summary>
public sealed record ProductFormError(string Field, string Message);
