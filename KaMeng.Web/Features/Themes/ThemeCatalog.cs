using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace KaMeng.Web.Features.Themes;

/// <summary>One design token a theme lets a station override (a CSS custom property).</summary>
public sealed record ThemeToken(string Name, string Label, string Type, string Default);

/// <summary>A storefront theme: a folder under wwwroot-themes/ with theme.json, theme.css and preview.png.</summary>
public sealed record ThemeDefinition(string Name, string DisplayName, string Description, string? Preview, string Layout, IReadOnlyList<ThemeToken> Tokens)
{
    public ThemeToken? Token(string name) => Tokens.FirstOrDefault(t => t.Name == name);

    /// <summary>The preview image, relative to the app's base, or null when the theme has none.</summary>
    public string? PreviewPath => Preview is null ? null : $"themes/{Name}/{Preview}";
}

/// <summary>The themes found in wwwroot-themes/ at startup, and the only gate through which a station's token
/// overrides reach CSS: every value is checked against the token's type before it is written.</summary>
public sealed partial class ThemeCatalog
{
    public const string DefaultTheme = "default";
    public const int MaxValueLength = 16;
    static readonly string[] TokenTypes = ["color", "length", "number"];

    readonly Dictionary<string, ThemeDefinition> themes;

    public ThemeCatalog(string directory, ILogger<ThemeCatalog> logger) : this(directory, null, logger) { }

    /// <summary>The shipped themes of <paramref name="directory"/> and an operator's own in <paramref name="customDirectory"/>
    /// ({SharedDir}/themes, the same on every node); a custom theme never replaces a shipped one of the same name.</summary>
    public ThemeCatalog(string directory, string? customDirectory, ILogger<ThemeCatalog> logger)
    {
        Directory = directory;
        themes = new(StringComparer.Ordinal);
        if (!System.IO.Directory.Exists(directory))
            logger.LogWarning("Theme folder {Directory} does not exist", directory);
        foreach (var folder in new[] { directory, customDirectory })
        {
            if (folder is null || !System.IO.Directory.Exists(folder)) continue;
            foreach (var dir in System.IO.Directory.GetDirectories(folder).OrderBy(d => d, StringComparer.Ordinal))
            {
                var (theme, error) = Load(dir);
                if (theme is not null && themes.ContainsKey(theme.Name)) logger.LogWarning("Ignoring theme folder {Folder}: a shipped theme has its name", dir);
                else if (theme is not null) themes[theme.Name] = theme;
                else logger.LogWarning("Ignoring theme folder {Folder}: {Error}", dir, error);
            }
        }
        logger.LogInformation("Themes: {Themes}", string.Join(", ", themes.Keys));
    }

    public string Directory { get; }

    /// <summary>All valid themes, the default first.</summary>
    public IReadOnlyList<ThemeDefinition> All => themes.Values.OrderBy(t => t.Name == DefaultTheme ? 0 : 1).ThenBy(t => t.Name, StringComparer.Ordinal).ToList();

    public ThemeDefinition? Find(string? name) => name is not null && themes.TryGetValue(name, out var t) ? t : null;

    /// <summary>The theme to link for a station: its own when it exists, else the default.</summary>
    public string Resolve(string? name) => Find(name)?.Name ?? DefaultTheme;

    static (ThemeDefinition?, string) Load(string dir)
    {
        var folder = Path.GetFileName(dir);
        if (!ThemeNameRegex().IsMatch(folder)) return (null, "folder name must be lowercase letters, digits or '-'");
        var jsonPath = Path.Combine(dir, "theme.json");
        if (!File.Exists(jsonPath)) return (null, "no theme.json");
        if (!File.Exists(Path.Combine(dir, "theme.css"))) return (null, "no theme.css");
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(jsonPath));
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return (null, "theme.json is not an object");
            var name = Str(root, "name");
            if (name != folder) return (null, $"name '{name}' differs from the folder name");
            var displayName = Str(root, "displayName");
            if (string.IsNullOrWhiteSpace(displayName)) return (null, "no displayName");
            var preview = Str(root, "preview");
            if (preview is not null && (!PreviewRegex().IsMatch(preview) || !File.Exists(Path.Combine(dir, preview)))) preview = null;
            var tokens = new List<ThemeToken>();
            if (root.TryGetProperty("tokens", out var t) && t.ValueKind == JsonValueKind.Object)
            {
                foreach (var p in t.EnumerateObject())
                {
                    if (!TokenNameRegex().IsMatch(p.Name) || p.Value.ValueKind != JsonValueKind.Object) return (null, $"bad token {p.Name}");
                    var token = new ThemeToken(p.Name, Str(p.Value, "label") ?? p.Name, Str(p.Value, "type") ?? "", Str(p.Value, "default") ?? "");
                    if (!TokenTypes.Contains(token.Type)) return (null, $"token {p.Name} has unknown type '{token.Type}'");
                    if (CheckValue(token, token.Default) is { } e) return (null, $"token {p.Name} default: {e}");
                    tokens.Add(token);
                }
            }
            return (new ThemeDefinition(name, displayName.Trim(), Str(root, "description") ?? "", preview, Str(root, "layout") ?? "grid", tokens), "");
        }
        catch (Exception e) when (e is JsonException or IOException or InvalidOperationException)
        {
            return (null, e.Message);
        }
    }

    static string? Str(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>Why a value is not acceptable for a token, in Chinese, or null when it is.</summary>
    public static string? CheckValue(ThemeToken token, string? value)
    {
        if (string.IsNullOrEmpty(value)) return $"{token.Label}：请填写数值";
        if (value.Length > MaxValueLength) return $"{token.Label}：数值过长";
        switch (token.Type)
        {
            case "color":
                return ColorRegex().IsMatch(value) ? null : $"{token.Label}：颜色须为 #rgb 或 #rrggbb 格式，例如 #1e6fff";
            case "length":
                var m = LengthRegex().Match(value);
                if (!m.Success) return $"{token.Label}：长度须为数字加 px 或 rem，例如 12px、0.75rem";
                var n = decimal.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
                var max = m.Groups[2].Value == "px" ? 48m : 3m;
                return n <= max ? null : $"{token.Label}：长度须在 0–{max}{m.Groups[2].Value} 之间";
            case "number":
                if (!NumberRegex().IsMatch(value)) return $"{token.Label}：须为 0.75–1.5 之间的数字";
                var x = decimal.Parse(value, CultureInfo.InvariantCulture);
                return x is >= 0.75m and <= 1.5m ? null : $"{token.Label}：须为 0.75–1.5 之间的数字";
            default:
                return $"{token.Label}：不支持的类型";
        }
    }

    /// <summary>Checks a station's overrides for a theme: only tokens the theme exposes, each value of its type.
    /// Blank values mean "use the theme's default" and are dropped. Returns the clean set or a Chinese error.</summary>
    public (Dictionary<string, string>? Clean, string? Error) Validate(string? themeName, IReadOnlyDictionary<string, string?>? overrides)
    {
        var theme = Find(themeName);
        if (theme is null) return (null, "主题不存在");
        var clean = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, raw) in overrides ?? new Dictionary<string, string?>())
        {
            var token = theme.Token(name);
            if (token is null) return (null, $"主题「{theme.DisplayName}」没有可调整的项 {Clip(name)}");
            var value = raw?.Trim();
            if (string.IsNullOrEmpty(value)) continue;
            if (token.Type == "color") value = value.ToLowerInvariant();
            if (CheckValue(token, value) is { } error) return (null, error);
            clean[name] = value;
        }
        return (clean, null);
    }

    static string Clip(string s) => s.Length > 40 ? s[..40] + "…" : s;

    /// <summary>The stored overrides (JSON object) that are still valid for the theme; anything else is skipped.</summary>
    public IReadOnlyDictionary<string, string> SafeOverrides(string? themeName, string? json)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var theme = Find(themeName);
        if (theme is null || string.IsNullOrWhiteSpace(json)) return result;
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) return result;
            foreach (var p in doc.RootElement.EnumerateObject())
                if (p.Value.ValueKind == JsonValueKind.String && theme.Token(p.Name) is { } token && p.Value.GetString() is { } v && CheckValue(token, v) is null)
                    result[p.Name] = v;
        }
        catch (JsonException) { }
        return result;
    }

    /// <summary>":root{--km-primary:#e91e63;…}" from re-validated overrides, or null when there are none.</summary>
    public string? InlineCss(string? themeName, string? json)
    {
        var safe = SafeOverrides(themeName, json);
        if (safe.Count == 0) return null;
        var sb = new StringBuilder(":root{");
        foreach (var (name, value) in safe) sb.Append(name).Append(':').Append(value).Append(';');
        return sb.Append('}').ToString();
    }

    public static string ToJson(IReadOnlyDictionary<string, string> tokens) => JsonSerializer.Serialize(tokens);

    /// <summary>How a station stores checked overrides: their JSON, or null when there are none.</summary>
    public static string? StoredJson(IReadOnlyDictionary<string, string>? tokens) => tokens is { Count: > 0 } ? ToJson(tokens) : null;

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,31}\\z")] private static partial Regex ThemeNameRegex();
    [GeneratedRegex("^--km-[a-z0-9-]{1,40}\\z")] private static partial Regex TokenNameRegex();
    [GeneratedRegex(@"^[A-Za-z0-9_-]{1,40}\.(png|jpg|webp)\z")] private static partial Regex PreviewRegex();
    [GeneratedRegex("^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})\\z")] private static partial Regex ColorRegex();
    [GeneratedRegex(@"^([0-9]{1,2}(?:\.[0-9]{1,3})?)(px|rem)\z")] private static partial Regex LengthRegex();
    [GeneratedRegex(@"^[0-9](?:\.[0-9]{1,3})?\z")] private static partial Regex NumberRegex();
}
