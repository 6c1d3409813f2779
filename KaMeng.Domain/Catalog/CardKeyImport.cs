using System.Globalization;
using System.Text;

namespace KaMeng.Domain;

/// <summary>How the lines of an import are read.</summary>
public enum CardKeyImportMode
{
    /// <summary>每行一个卡密: the whole (trimmed) line is the secret.</summary>
    Single = 0,
    /// <summary>卡号 密码: a card number and a password separated by <see cref="CardKeySeparator"/>.</summary>
    Pair = 1,
}

/// <summary>The separator between 卡号 and 密码 in <see cref="CardKeyImportMode.Pair"/>.</summary>
public enum CardKeySeparator
{
    /// <summary>One or more spaces or tabs (including the full-width space).</summary>
    Space = 0,
    /// <summary><c>----</c>, the common format of 卡盟 key files.</summary>
    Dashes = 1,
    Comma = 2,
    Tab = 3,
    Pipe = 4,
    Custom = 5,
}

public sealed record CardKeyImportOptions(CardKeyImportMode Mode = CardKeyImportMode.Single, CardKeySeparator Separator = CardKeySeparator.Space, string? CustomSeparator = null)
{
    /// <summary>The separator text, or null for <see cref="CardKeySeparator.Space"/> (any run of whitespace).</summary>
    public string? SeparatorText => Separator switch
    {
        CardKeySeparator.Space => null,
        CardKeySeparator.Dashes => "----",
        CardKeySeparator.Comma => ",",
        CardKeySeparator.Tab => "\t",
        CardKeySeparator.Pipe => "|",
        CardKeySeparator.Custom => CustomSeparator,
        _ => throw new ArgumentOutOfRangeException(nameof(Separator)),
    };

    /// <summary>How the separator is named in Chinese messages.</summary>
    public string SeparatorLabel => Separator switch
    {
        CardKeySeparator.Space => "空格",
        CardKeySeparator.Tab => "Tab",
        _ => $"“{SeparatorText}”",
    };
}

/// <summary>What became of one line of an import.</summary>
public enum CardKeyLineKind
{
    New = 0,
    DuplicateInBatch = 1,
    DuplicateExisting = 2,
    Blank = 3,
    Malformed = 4,
}

/// <summary>A key to add, with the line it came from (1-based).</summary>
public sealed record CardKeyLine(int LineNumber, string Secret);

/// <summary>A line that will not be imported, with the reason in Chinese and a short excerpt of the line.</summary>
public sealed record CardKeyLineProblem(int LineNumber, CardKeyLineKind Kind, string Reason, string Excerpt);

/// <summary>One record of a structured source (a CSV row): its line number and its fields.</summary>
public sealed record CardKeyRecord(int LineNumber, IReadOnlyList<string> Fields);

/// <summary>The outcome of reading an import: the keys to add, the problem lines and the counts.
/// Blank lines are counted but not listed as problems.</summary>
public sealed class CardKeyImportPreview
{
    public required IReadOnlyList<CardKeyLine> Keys { get; init; }
    public required IReadOnlyList<CardKeyLineProblem> Problems { get; init; }
    public int LineCount { get; init; }
    public int BlankCount { get; init; }
    /// <summary>A reason the whole import is refused (Chinese), e.g. the rule of reusable keys.</summary>
    public string? Error { get; init; }

    public int NewCount => Keys.Count;
    public int DuplicateInBatchCount => Problems.Count(p => p.Kind == CardKeyLineKind.DuplicateInBatch);
    public int DuplicateExistingCount => Problems.Count(p => p.Kind == CardKeyLineKind.DuplicateExisting);
    public int MalformedCount => Problems.Count(p => p.Kind == CardKeyLineKind.Malformed);
    public bool CanImport => Error is null && Keys.Count > 0;

    /// <summary>Moves the keys of the given lines (found in the inventory already) from <see cref="Keys"/> to the problems.</summary>
    public CardKeyImportPreview WithExisting(IReadOnlySet<int> existingLineNumbers)
    {
        if (existingLineNumbers.Count == 0) return this;
        var keys = new List<CardKeyLine>(Keys.Count);
        var problems = new List<CardKeyLineProblem>(Problems);
        foreach (var key in Keys)
        {
            if (existingLineNumbers.Contains(key.LineNumber))
                problems.Add(new CardKeyLineProblem(key.LineNumber, CardKeyLineKind.DuplicateExisting, "该卡密已在库存中", CardKeyImport.Excerpt(key.Secret)));
            else
                keys.Add(key);
        }
        problems.Sort((a, b) => a.LineNumber.CompareTo(b.LineNumber));
        return new CardKeyImportPreview { Keys = keys, Problems = problems, LineCount = LineCount, BlankCount = BlankCount, Error = Error };
    }

    /// <summary>循环卡密: a reusable product holds exactly one key, sold again and again.</summary>
    public CardKeyImportPreview ForReusableProduct(bool productAlreadyHasKey)
    {
        string? error = Error;
        if (error is null && productAlreadyHasKey && Keys.Count > 0)
            error = "循环卡密商品已有一个可用卡密，只能有一个：请先作废旧卡密再导入";
        else if (error is null && Keys.Count > 1)
            error = $"循环卡密商品只能导入 1 个卡密，本次有 {Keys.Count} 个";
        return error == Error ? this : new CardKeyImportPreview { Keys = Keys, Problems = Problems, LineCount = LineCount, BlankCount = BlankCount, Error = error };
    }

    public CardKeyImportPreview WithError(string error) =>
        new() { Keys = Keys, Problems = Problems, LineCount = LineCount, BlankCount = BlankCount, Error = error };
}

/// <summary>
/// Reads the text of a card-key import (pasted, or the content of a .txt file; a CSV file arrives as
/// <see cref="CardKeyRecord"/>s) and classifies each line: new, duplicate within the batch, blank or malformed.
/// <para>
/// Tolerated: a UTF-8 byte-order mark, CRLF/CR/LF line ends, whitespace around the line and around each field.
/// Refused (malformed): a line longer than <see cref="MaxLineLength"/> characters, control or invisible characters
/// (a tab is allowed only as a separator), and in pair mode a line without exactly one separator, an empty
/// 卡号 or 密码, or whitespace inside either.
/// </para>
/// <para>
/// Canonical form of a pair: <c>卡号 + " " + 密码</c>, one ASCII space, whatever the separator of the source was
/// (see <see cref="JoinPair"/>). Neither part may contain whitespace, so the first space of a stored pair always
/// separates the card number from the password, and the same card imported with <c>----</c> or with a comma is
/// recognised as the same secret.
/// </para>
/// </summary>
public static class CardKeyImport
{
    public const int MaxLineLength = 1024;
    /// <summary>The encrypted column holds 4096 characters; this many UTF-8 bytes always fit.</summary>
    public const int MaxSecretBytes = 2048;
    public const int MaxLines = 100_000;

    public static string JoinPair(string cardNumber, string password) => cardNumber + " " + password;

    public static CardKeyImportPreview Parse(string text, CardKeyImportOptions options)
    {
        ArgumentNullException.ThrowIfNull(text);
        var separator = options.SeparatorText;
        if (options.Mode == CardKeyImportMode.Pair && options.Separator == CardKeySeparator.Custom
            && (string.IsNullOrEmpty(separator) || separator.Contains('\n') || separator.Contains('\r')))
            return Empty("请填写自定义分隔符");

        var lines = SplitLines(text);
        if (lines.Count > MaxLines) return Empty($"一次最多导入 {MaxLines} 行，本次有 {lines.Count} 行");

        var acc = new Accumulator();
        for (var i = 0; i < lines.Count; i++)
        {
            var number = i + 1;
            var line = lines[i].Trim();
            if (line.Length == 0) { acc.Blank(); continue; }
            if (line.Length > MaxLineLength) { acc.Malformed(number, $"超过 {MaxLineLength} 个字符", line); continue; }
            if (options.Mode == CardKeyImportMode.Single)
            {
                acc.Single(number, line);
                continue;
            }
            string[] parts = separator is null
                ? line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
                : line.Split(separator, StringSplitOptions.TrimEntries);
            if (parts.Length < 2) { acc.Malformed(number, $"缺少分隔符 {options.SeparatorLabel}", line); continue; }
            if (parts.Length > 2) { acc.Malformed(number, $"分隔符 {options.SeparatorLabel} 出现多次", line); continue; }
            acc.Pair(number, parts[0], parts[1], line);
        }
        return acc.ToPreview(lines.Count);
    }

    /// <summary>Classifies structured records (CSV rows): in single mode the first field is the key, in pair mode the
    /// first two fields are 卡号 and 密码. Further non-empty fields make the row malformed rather than being dropped.</summary>
    public static CardKeyImportPreview FromRecords(IEnumerable<CardKeyRecord> records, CardKeyImportMode mode)
    {
        var acc = new Accumulator();
        var count = 0;
        foreach (var record in records)
        {
            count++;
            if (count > MaxLines) return Empty($"一次最多导入 {MaxLines} 行");
            var fields = record.Fields.Select(f => (f ?? "").Trim()).ToList();
            while (fields.Count > 0 && fields[^1].Length == 0) fields.RemoveAt(fields.Count - 1);
            var raw = string.Join(",", fields);
            if (fields.Count == 0) { acc.Blank(); continue; }
            if (fields.Any(f => f.Length > MaxLineLength) || raw.Length > MaxLineLength) { acc.Malformed(record.LineNumber, $"超过 {MaxLineLength} 个字符", raw); continue; }
            if (mode == CardKeyImportMode.Single)
            {
                if (fields.Count > 1) { acc.Malformed(record.LineNumber, "有多列：两列的文件请选择“卡号 密码”模式", raw); continue; }
                acc.Single(record.LineNumber, fields[0]);
                continue;
            }
            if (fields.Count < 2) { acc.Malformed(record.LineNumber, "缺少密码列", raw); continue; }
            if (fields.Count > 2) { acc.Malformed(record.LineNumber, "列数过多：只应有卡号和密码两列", raw); continue; }
            acc.Pair(record.LineNumber, fields[0], fields[1], raw);
        }
        return acc.ToPreview(count);
    }

    /// <summary>Lines of the text without their line ends; a final line end does not start another line.</summary>
    public static List<string> SplitLines(string text)
    {
        var span = text.AsSpan();
        if (span.Length > 0 && span[0] == '\uFEFF') span = span[1..];
        var lines = new List<string>();
        var start = 0;
        for (var i = 0; i < span.Length; i++)
        {
            var c = span[i];
            if (c != '\r' && c != '\n') continue;
            lines.Add(span[start..i].ToString());
            if (c == '\r' && i + 1 < span.Length && span[i + 1] == '\n') i++;
            start = i + 1;
        }
        if (start < span.Length) lines.Add(span[start..].ToString());
        return lines;
    }

    /// <summary>At most 40 characters of a line, for problem lists (invisible characters shown as '?').</summary>
    public static string Excerpt(string line)
    {
        var clean = new string(line.Select(c => IsInvisible(c) ? '?' : c).ToArray());
        return clean.Length <= 40 ? clean : clean[..40] + "…";
    }

    /// <summary>Control, format (zero-width, bidi) and line/paragraph-separator characters.</summary>
    static bool IsInvisible(char c) => char.GetUnicodeCategory(c) is UnicodeCategory.Control or UnicodeCategory.Format
        or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;

    /// <summary>Invisible characters, or a surrogate that is not part of a valid pair.</summary>
    static bool HasForbidden(string s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) { i++; continue; } // e.g. an emoji
            if (char.IsSurrogate(c) || IsInvisible(c)) return true;
        }
        return false;
    }

    static CardKeyImportPreview Empty(string error) => new() { Keys = [], Problems = [], Error = error };

    sealed class Accumulator
    {
        readonly List<CardKeyLine> keys = [];
        readonly List<CardKeyLineProblem> problems = [];
        readonly Dictionary<string, int> seen = new(StringComparer.Ordinal);
        int blank;

        public void Blank() => blank++;

        public void Malformed(int line, string reason, string raw) =>
            problems.Add(new CardKeyLineProblem(line, CardKeyLineKind.Malformed, reason, Excerpt(raw)));

        public void Single(int line, string secret)
        {
            if (HasForbidden(secret)) { Malformed(line, "含有控制字符或不可见字符", secret); return; }
            Add(line, secret);
        }

        public void Pair(int line, string cardNumber, string password, string raw)
        {
            if (cardNumber.Length == 0 || password.Length == 0) { Malformed(line, cardNumber.Length == 0 ? "卡号为空" : "密码为空", raw); return; }
            if (HasForbidden(cardNumber) || HasForbidden(password)) { Malformed(line, "含有控制字符或不可见字符", raw); return; }
            if (cardNumber.Any(char.IsWhiteSpace) || password.Any(char.IsWhiteSpace)) { Malformed(line, "卡号或密码中含有空格", raw); return; }
            Add(line, JoinPair(cardNumber, password));
        }

        void Add(int line, string secret)
        {
            if (Encoding.UTF8.GetByteCount(secret) > MaxSecretBytes) { Malformed(line, "卡密太长", secret); return; }
            if (seen.TryGetValue(secret, out var first))
            {
                problems.Add(new CardKeyLineProblem(line, CardKeyLineKind.DuplicateInBatch, $"与第 {first} 行重复", Excerpt(secret)));
                return;
            }
            seen.Add(secret, line);
            keys.Add(new CardKeyLine(line, secret));
        }

        public CardKeyImportPreview ToPreview(int lineCount) =>
            new() { Keys = keys, Problems = problems, LineCount = lineCount, BlankCount = blank };
    }
}
