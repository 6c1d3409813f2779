using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace KaMeng.Domain;

/// <summary>What the domain cannot decide itself when it checks a layout: which image paths were uploaded here,
/// which links are safe, and whether a theme with those token values exists (null = fine, else a Chinese message).</summary>
public sealed record LayoutRules(Func<string, bool> IsUploadedImage, Func<string, bool> IsSafeLink, Func<string, IReadOnlyDictionary<string, string>?, string?> CheckTheme);

/// <summary>A block type of the builder: its key (stored), Chinese name (shown) and settings model.</summary>
public sealed record BlockType(string Key, string DisplayName, Type SettingsType)
{
    public BlockSettings NewSettings() => (BlockSettings)Activator.CreateInstance(SettingsType)!;
}

public static class BlockTypes
{
    public const string Announcement = "announcement", Banner = "banner", CategoryNav = "category-nav", ProductGrid = "product-grid",
        HotProducts = "hot-products", RichText = "rich-text", ImageText = "image-text", Faq = "faq", Contacts = "contacts", Notice = "notice", Footer = "footer";

    public static readonly IReadOnlyList<BlockType> All =
    [
        new(Announcement, "公告栏", typeof(AnnouncementSettings)),
        new(Banner, "轮播图", typeof(BannerSettings)),
        new(CategoryNav, "分类导航", typeof(CategoryNavSettings)),
        new(ProductGrid, "商品列表", typeof(ProductGridSettings)),
        new(HotProducts, "热门推荐", typeof(HotProductsSettings)),
        new(RichText, "富文本", typeof(RichTextSettings)),
        new(ImageText, "图文", typeof(ImageTextSettings)),
        new(Faq, "常见问题", typeof(FaqSettings)),
        new(Contacts, "客服联系方式", typeof(ContactsSettings)),
        new(Notice, "停业/节假日通知", typeof(NoticeSettings)),
        new(Footer, "页脚", typeof(FooterSettings)),
    ];

    public static BlockType? Find(string? key) => All.FirstOrDefault(t => t.Key == key);
}

/// <summary>One block on a page. Locked blocks are set by the main station and every substation must keep them.</summary>
public sealed record LayoutBlock(string Id, string Type, bool Hidden, bool Locked, BlockSettings Settings)
{
    public string DisplayName => BlockTypes.Find(Type)?.DisplayName ?? Type;

    public string SettingsJson => JsonSerializer.Serialize(Settings, Settings.GetType(), PageLayout.Json);
}

/// <summary>
/// A page of the storefront builder: blocks in order, and for the home page the station's theme and token overrides.
/// The only way to get one from text is <see cref="Parse"/>, which refuses unknown block types and invalid settings,
/// so an invalid layout is never stored.
/// </summary>
public sealed partial record PageLayout(IReadOnlyList<LayoutBlock> Blocks, string? Theme = null, IReadOnlyDictionary<string, string>? ThemeTokens = null)
{
    public const int MaxBlocks = 40;
    public const int MaxJsonLength = 200_000;

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // stored, never written into HTML as is
    };

    public static PageLayout Empty { get; } = new([]);

    /// <summary>Reads and checks a layout document; returns it, or every reason (Chinese) it was refused.</summary>
    public static (PageLayout? Layout, IReadOnlyList<string> Errors) Parse(string? json, LayoutRules rules)
    {
        if (string.IsNullOrWhiteSpace(json)) return (null, ["页面内容为空"]);
        if (json.Length > MaxJsonLength) return (null, ["页面内容过大"]);
        JsonObject? root;
        try { root = JsonNode.Parse(json) as JsonObject; }
        catch (JsonException) { return (null, ["页面内容不是有效的 JSON"]); }
        if (root is null) return (null, ["页面内容不是有效的 JSON 对象"]);

        var errors = new List<string>();
        foreach (var key in root.Select(p => p.Key))
            if (key is not ("blocks" or "theme" or "themeTokens")) errors.Add($"页面内容含有未知字段「{Clip(key)}」");

        string? theme = null;
        Dictionary<string, string>? tokens = null;
        try
        {
            theme = root["theme"]?.GetValue<string>();
            tokens = root["themeTokens"]?.Deserialize<Dictionary<string, string>>(Json);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException) { errors.Add("主题设置格式不正确"); }
        if (theme is not null && rules.CheckTheme(theme, tokens) is { } themeError) errors.Add(themeError);
        else if (theme is null && tokens is { Count: > 0 }) errors.Add("设置主题颜色前请先选择主题");

        var blocks = new List<LayoutBlock>();
        if (root["blocks"] is not JsonArray array) errors.Add("页面缺少区块列表");
        else
        {
            if (array.Count > MaxBlocks) errors.Add($"一个页面最多 {MaxBlocks} 个区块");
            var ids = new HashSet<string>();
            var n = 0;
            foreach (var node in array.Take(MaxBlocks))
            {
                n++;
                var (block, blockErrors) = ParseBlock(node, n, rules);
                errors.AddRange(blockErrors);
                if (block is null) continue;
                if (!ids.Add(block.Id)) errors.Add($"第 {n} 个区块的编号与其他区块重复");
                blocks.Add(block);
            }
        }
        return errors.Count > 0 ? (null, errors) : (new PageLayout(blocks, theme, tokens), []);
    }

    static (LayoutBlock?, List<string>) ParseBlock(JsonNode? node, int n, LayoutRules rules)
    {
        var errors = new List<string>();
        if (node is not JsonObject o) return (null, [$"第 {n} 个区块格式不正确"]);
        foreach (var key in o.Select(p => p.Key))
            if (key is not ("id" or "type" or "hidden" or "locked" or "settings")) errors.Add($"第 {n} 个区块含有未知字段「{Clip(key)}」");
        string? id = null, typeKey = null;
        bool hidden = false, locked = false;
        try
        {
            id = o["id"]?.GetValue<string>();
            typeKey = o["type"]?.GetValue<string>();
            hidden = o["hidden"]?.GetValue<bool>() ?? false;
            locked = o["locked"]?.GetValue<bool>() ?? false;
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException) { errors.Add($"第 {n} 个区块格式不正确"); }
        if (id is null || !BlockIdRegex().IsMatch(id)) errors.Add($"第 {n} 个区块的编号无效");
        var type = BlockTypes.Find(typeKey);
        if (type is null) return (null, [.. errors, $"第 {n} 个区块的类型「{Clip(typeKey ?? "")}」不存在"]);
        BlockSettings? settings = null;
        try { settings = (BlockSettings?)(o["settings"] ?? new JsonObject()).Deserialize(type.SettingsType, Json); }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or NotSupportedException)
        {
            errors.Add($"第 {n} 个区块「{type.DisplayName}」的设置格式不正确");
        }
        if (settings is not null)
            errors.AddRange(settings.Check(rules).Select(e => $"第 {n} 个区块「{type.DisplayName}」：{e}"));
        return errors.Count > 0 ? (null, errors) : (new LayoutBlock(id!, type.Key, hidden, locked, settings!), errors);
    }

    /// <summary>
    /// Locks: only the main station locks blocks; a substation must keep every block the main station locked,
    /// visible and unchanged (it may move it). Returns the reasons a save is refused.
    /// </summary>
    public IReadOnlyList<string> CheckLocks(bool isMainStation, IReadOnlyList<LayoutBlock> lockedByMain)
    {
        if (isMainStation) return [];
        var errors = new List<string>();
        foreach (var required in lockedByMain)
        {
            var mine = Blocks.FirstOrDefault(b => b.Id == required.Id);
            if (mine is null) errors.Add($"「{required.DisplayName}」由总站锁定，分站不能删除");
            else if (mine.Hidden) errors.Add($"「{required.DisplayName}」由总站锁定，分站不能隐藏");
            else if (mine.Type != required.Type || mine.SettingsJson != required.SettingsJson) errors.Add($"「{required.DisplayName}」由总站锁定，分站不能修改");
        }
        foreach (var b in Blocks.Where(b => b.Locked && lockedByMain.All(r => r.Id != b.Id)))
            errors.Add($"只有总站可以锁定区块（「{b.DisplayName}」）");
        return errors;
    }

    /// <summary>This layout with the main station's locked blocks it lacks put first (for pages saved before the lock).</summary>
    public PageLayout WithLockedBlocks(IReadOnlyList<LayoutBlock> lockedByMain)
    {
        var missing = lockedByMain.Where(r => Blocks.All(b => b.Id != r.Id)).ToList();
        return missing.Count == 0 ? this : this with { Blocks = [.. missing, .. Blocks] };
    }

    public string ToJson()
    {
        var blocks = new JsonArray();
        foreach (var b in Blocks)
        {
            var o = new JsonObject { ["id"] = b.Id, ["type"] = b.Type };
            if (b.Hidden) o["hidden"] = true;
            if (b.Locked) o["locked"] = true;
            o["settings"] = JsonSerializer.SerializeToNode(b.Settings, b.Settings.GetType(), Json);
            blocks.Add(o);
        }
        var root = new JsonObject();
        if (Theme is not null) root["theme"] = Theme;
        if (ThemeTokens is { Count: > 0 }) root["themeTokens"] = JsonSerializer.SerializeToNode(ThemeTokens, Json);
        root["blocks"] = blocks;
        return root.ToJsonString(Json);
    }

    static string Clip(string s) => s.Length > 30 ? s[..30] + "…" : s;

    [GeneratedRegex("^[a-z0-9]{6,32}\\z")] private static partial Regex BlockIdRegex();
}
