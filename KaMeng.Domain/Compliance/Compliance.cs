using System.Text.RegularExpressions;

namespace KaMeng.Domain;

/// <summary>商品审核 state. Approved is 0 so that rows written before review existed (and the platform's own products)
/// stay on sale; everything else keeps a product off sale whatever its shelf says.</summary>
public enum ProductReview { Approved = 0, Pending = 1, Rejected = 2, Prohibited = 3 }

/// <summary>违禁词: a plain text (matched ignoring case) or a regular expression, in a category (e.g. 赌博, 色情, 外挂).</summary>
public class ProhibitedTerm
{
    public const int MaxTextLength = 200;
    public const int MaxCategoryLength = 32;
    /// <summary>A term is tried against one text for at most this long; a slower one counts as a hit (fail closed).</summary>
    public static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(200);

    public int Id { get; set; }
    public required string Category { get; set; }
    public required string Text { get; set; }
    public bool IsRegex { get; set; }
    public bool Enabled { get; set; } = true;
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>The pattern compiled for matching: NonBacktracking, so no input can make a pattern run away.</summary>
    public static Regex Compile(string pattern) =>
        new(pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.NonBacktracking, MatchTimeout);

    /// <summary>Why a term cannot be saved (Chinese), or null.</summary>
    public static string? Check(string? category, string? text, bool isRegex)
    {
        if (string.IsNullOrWhiteSpace(category) || category.Trim().Length > MaxCategoryLength) return $"请填写分类（最多 {MaxCategoryLength} 字）";
        if (string.IsNullOrWhiteSpace(text)) return "请填写违禁词或正则表达式";
        if (text.Trim().Length > MaxTextLength) return $"违禁词最多 {MaxTextLength} 个字符";
        if (!isRegex) return null;
        try
        {
            var regex = Compile(text.Trim());
            // A pattern that matches the empty text would hit every product.
            if (regex.IsMatch("")) return "正则表达式会匹配空文本（即所有商品），请修改";
        }
        catch (ArgumentException e) { return $"正则表达式无效：{e.Message}"; }
        catch (NotSupportedException) { return "正则表达式无效：不支持反向引用、环视等写法"; }
        return null;
    }
}

/// <summary>One hit of a term in a text: where (for highlighting) and which term.</summary>
public sealed record TermHit(int TermId, string Category, string Term, string Matched, int Index, int Length);

/// <summary>One run of a text, either a hit of a term or not (for highlighting).</summary>
public sealed record TextRun(string Text, TermHit? Hit);

/// <summary>Scans texts against the enabled terms. Built once per list version; thread-safe (Regex is).</summary>
public sealed class TermScanner
{
    readonly List<(ProhibitedTerm Term, Regex? Regex)> terms;

    public TermScanner(IEnumerable<ProhibitedTerm> all)
    {
        terms = [];
        foreach (var t in all.Where(t => t.Enabled))
        {
            Regex? regex = null;
            if (t.IsRegex)
            {
                // Saved terms were checked; one that still fails to compile is skipped rather than stopping every scan.
                try { regex = ProhibitedTerm.Compile(t.Text); } catch (Exception e) when (e is ArgumentException or NotSupportedException) { continue; }
            }
            terms.Add((t, regex));
        }
    }

    public int Count => terms.Count;

    /// <summary>Every hit in <paramref name="text"/>, in text order.</summary>
    public List<TermHit> Scan(string? text)
    {
        var hits = new List<TermHit>();
        if (string.IsNullOrEmpty(text)) return hits;
        foreach (var (term, regex) in terms)
        {
            if (regex is null)
            {
                for (var i = text.IndexOf(term.Text, StringComparison.OrdinalIgnoreCase); i >= 0 && term.Text.Length > 0;
                     i = text.IndexOf(term.Text, i + term.Text.Length, StringComparison.OrdinalIgnoreCase))
                    hits.Add(new(term.Id, term.Category, term.Text, text.Substring(i, term.Text.Length), i, term.Text.Length));
                continue;
            }
            try
            {
                foreach (Match m in regex.Matches(text))
                    if (m.Length > 0) hits.Add(new(term.Id, term.Category, term.Text, m.Value, m.Index, m.Length));
            }
            catch (RegexMatchTimeoutException)
            {
                // Too slow to decide: fail closed, a person looks at it.
                hits.Add(new(term.Id, term.Category, term.Text, "（匹配超时）", 0, 0));
            }
        }
        return [.. hits.OrderBy(h => h.Index).ThenByDescending(h => h.Length)];
    }

    /// <summary>Hits in any of the texts (name, description…).</summary>
    public List<TermHit> ScanAll(params string?[] texts) => [.. texts.SelectMany(Scan)];

    /// <summary>The text cut into runs, the hits marked (overlapping hits merge into the first).</summary>
    public List<TextRun> Highlight(string? text) => Highlight(text, Scan(text));

    /// <summary>The text cut into runs with <paramref name="hits"/> marked: hits already found by <see cref="Scan"/> of this
    /// same text (in its order), so the text is not scanned again. The list is only read.</summary>
    public static List<TextRun> Highlight(string? text, IEnumerable<TermHit> hits)
    {
        var runs = new List<TextRun>();
        if (string.IsNullOrEmpty(text)) return runs;
        var at = 0;
        foreach (var hit in hits.Where(h => h.Length > 0))
        {
            if (hit.Index < at) continue;
            if (hit.Index > at) runs.Add(new(text[at..hit.Index], null));
            runs.Add(new(text.Substring(hit.Index, hit.Length), hit));
            at = hit.Index + hit.Length;
        }
        if (at < text.Length) runs.Add(new(text[at..], null));
        return runs;
    }

    /// <summary>What a person reads: 「term」(category), each once.</summary>
    public static string Describe(IEnumerable<TermHit> hits) =>
        string.Join("、", hits.Select(h => $"「{h.Term}」（{h.Category}）").Distinct());

    /// <summary>The distinct terms hit, as stored with an approval (sorted, one a line).</summary>
    public static string Fingerprint(IEnumerable<TermHit> hits) =>
        string.Join("\n", hits.Select(h => h.TermId.ToString(System.Globalization.CultureInfo.InvariantCulture)).Distinct().Order(StringComparer.Ordinal));
}

public enum SanctionKind
{
    /// <summary>禁止上新: no imports or new products; what is listed keeps selling.</summary>
    NoNewListings = 1,
    /// <summary>隐藏商品: the listing is hidden and nothing sells; the storefront (announcement, 查单) stays.</summary>
    ListingHidden = 2,
    /// <summary>关站: the storefront is closed.</summary>
    Closed = 3,
}

/// <summary>站点处罚 imposed by the platform, with a reason and an end time; honoured by time (no job needs to end it).</summary>
public class StationSanction
{
    public const int MaxDays = 3650;

    public long Id { get; set; }
    public int StationId { get; set; }
    public SanctionKind Kind { get; set; }
    public required string Reason { get; set; }
    public DateTimeOffset StartsAt { get; set; }
    public DateTimeOffset EndsAt { get; set; }
    public string? ImposedBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? LiftedAt { get; set; }
    public string? LiftedBy { get; set; }

    public bool IsActiveAt(DateTimeOffset now) => LiftedAt is null && StartsAt <= now && now < EndsAt;

    /// <summary>Still running at <paramref name="now"/> (not lifted, not yet ended; one not yet started counts): what can still be lifted.</summary>
    public static bool Running(DateTimeOffset? liftedAt, DateTimeOffset endsAt, DateTimeOffset now) => liftedAt is null && now < endsAt;

    /// <summary>Why a sanction cannot be imposed (Chinese), or null.</summary>
    public static string? Check(int stationId, SanctionKind kind, string? reason, DateTimeOffset startsAt, DateTimeOffset endsAt, DateTimeOffset now)
    {
        if (stationId == Station.MainStationId) return "不能处罚总站";
        if (!Enum.IsDefined(kind)) return "请选择处罚类型";
        if (string.IsNullOrWhiteSpace(reason)) return "请填写处罚原因";
        if (reason.Trim().Length > 500) return "处罚原因最多 500 字";
        if (endsAt <= now) return "结束时间必须晚于现在";
        if (endsAt <= startsAt) return "结束时间必须晚于开始时间";
        if (endsAt - startsAt > TimeSpan.FromDays(MaxDays)) return $"处罚最长 {MaxDays} 天";
        return null;
    }

    public static string NameOf(SanctionKind kind) => kind switch
    {
        SanctionKind.NoNewListings => "禁止上新",
        SanctionKind.ListingHidden => "隐藏商品",
        SanctionKind.Closed => "关站",
        _ => kind.ToString(),
    };
}

/// <summary>The review rules of a product, apart from storage.</summary>
public static class ProductReviewRules
{
    public static string NameOf(ProductReview review) => review switch
    {
        ProductReview.Approved => "已通过",
        ProductReview.Pending => "待审核",
        ProductReview.Rejected => "已驳回",
        ProductReview.Prohibited => "违禁下架",
        _ => review.ToString(),
    };
}
