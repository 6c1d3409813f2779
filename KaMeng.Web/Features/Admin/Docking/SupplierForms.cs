using KaMeng.Domain;

namespace KaMeng.Web.Features.Admin.Docking;

/// <summary>The add-supplier form's fields and their checks, in Chinese, shown next to each field
/// (the service checks the same again).</summary>
public sealed class SupplierForm
{
    public string? Name { get; set; }
    public string? BaseUrl { get; set; }
    public string? KeyId { get; set; }
    public string? Secret { get; set; }

    public static string? CheckName(string? v) => string.IsNullOrWhiteSpace(v) ? "请填写名称" : v.Trim().Length > 64 ? "名称不超过 64 字" : null;
    public static string? CheckBaseUrl(string? v) => string.IsNullOrWhiteSpace(v) ? "请填写站点地址"
        : Supplier.NormalizeBaseUrl(v) is null ? "地址应为 http:// 或 https:// 开头的站点地址，例如 https://up.example.com" : null;
    public static string? CheckKeyId(string? v) => string.IsNullOrWhiteSpace(v) ? "请填写 Key ID" : v.Trim().Length > 64 ? "Key ID 不超过 64 个字符" : null;
    public static string? CheckSecret(string? v) => string.IsNullOrWhiteSpace(v) ? "请填写 Secret" : v.Trim().Length > 256 ? "Secret 不超过 256 个字符" : null;
}

/// <summary>The price an import rule gives an upstream price, for the confirmation before importing.</summary>
public static class SupplierPricing
{
    /// <summary>The selling price, or the reason the typed value is not a valid rule (the service's own messages).</summary>
    public static (Money? Price, string? Error) Preview(string upstreamPrice, MarkupKind kind, string? value, PriceRounding rounding)
    {
        long v;
        switch (kind)
        {
            case MarkupKind.PlusPercent when Percent.TryParseBasisPoints(value, 0, 1000, out var bp): v = bp; break;
            case MarkupKind.PlusPercent: return (null, "加价百分比应为 0–1000 之间、最多两位小数的数");
            case MarkupKind.PlusAmount or MarkupKind.Fixed when Money.TryParseYuan(value, out var m) && !m.IsNegative: v = m.Fen; break;
            default: return (null, "金额应为不小于 0、最多两位小数的数，例如 1.50");
        }
        if (!Money.TryParseYuan(upstreamPrice, out var upstream)) return (null, "上游价格无法识别");
        return (SupplierProduct.Price(upstream, kind, v, rounding), null);
    }

    public static string KindName(MarkupKind kind) => kind switch
    {
        MarkupKind.PlusPercent => "上游价 + 百分比",
        MarkupKind.PlusAmount => "上游价 + 金额",
        _ => "固定售价",
    };

    public static string RoundingName(PriceRounding rounding) => rounding switch
    {
        PriceRounding.Jiao => "到角（向上）",
        PriceRounding.Yuan => "到元（向上）",
        _ => "到分",
    };

    public static string ProblemText(SupplyProblem p) => p switch
    {
        SupplyProblem.Unreachable => "上游无法连接",
        SupplyProblem.Gone => "上游已下架",
        SupplyProblem.OutOfStock => "上游无库存",
        SupplyProblem.CostAbovePrice => "上游成本高于售价",
        _ => "",
    };
}
