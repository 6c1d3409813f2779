using System.Text.RegularExpressions;

namespace KaMeng.Domain;

/// <summary>
/// A page of a station's storefront built with the builder (装修): the home page (empty slug) or a custom page
/// (关于我们, 帮助 …) at /p/{slug}. Edits go to the draft; <see cref="Publish"/> keeps every published version
/// with its time and author; <see cref="RollBack"/> republishes any of them as a new version.
/// </summary>
public sealed partial class StorePage
{
    public const string HomeSlug = "";

    public int Id { get; set; }
    public int StationId { get; set; }
    public string Slug { get; set; } = HomeSlug;
    public string Title { get; set; } = "首页";
    public required string DraftJson { get; set; }
    public DateTimeOffset DraftSavedAt { get; set; }
    public string? DraftSavedBy { get; set; }
    /// <summary>Number of the live version; null while never published.</summary>
    public int? PublishedNumber { get; set; }
    public List<StorePageVersion> Versions { get; set; } = [];

    public bool IsHome => Slug == HomeSlug;
    public bool HasUnpublishedChanges => PublishedNumber is null || Versions.FirstOrDefault(v => v.Number == PublishedNumber)?.LayoutJson != DraftJson;

    /// <summary>Why a slug cannot name a custom page, or null.</summary>
    public static string? CheckSlug(string? slug) =>
        string.IsNullOrEmpty(slug) ? "请填写页面地址" : SlugRegex().IsMatch(slug) ? null : "页面地址只能用小写字母、数字和 -，最长 40 个字符，例如 about";

    public static string? CheckTitle(string? title) =>
        string.IsNullOrWhiteSpace(title) ? "请填写页面标题" : title.Trim().Length > 40 ? "页面标题不能超过 40 个字" : null;

    /// <summary>Replaces the draft with an already checked layout.</summary>
    public void SaveDraft(PageLayout layout, string author, DateTimeOffset now)
    {
        DraftJson = layout.ToJson();
        DraftSavedAt = now;
        DraftSavedBy = author;
    }

    /// <summary>Makes the draft live as a new version, numbered after every earlier one.</summary>
    public StorePageVersion Publish(string author, DateTimeOffset now) => AddVersion(DraftJson, author, now, null);

    /// <summary>Puts an earlier version live again (as a new version that says where it came from) and back into the draft.</summary>
    public StorePageVersion RollBack(int number, string author, DateTimeOffset now)
    {
        var old = Versions.FirstOrDefault(v => v.Number == number) ?? throw new DomainException("layout.version", $"版本 {number} 不存在");
        DraftJson = old.LayoutJson;
        DraftSavedAt = now;
        DraftSavedBy = author;
        return AddVersion(old.LayoutJson, author, now, number);
    }

    StorePageVersion AddVersion(string json, string author, DateTimeOffset now, int? restoredFrom)
    {
        var version = new StorePageVersion
        {
            StationId = StationId, Number = Versions.Count == 0 ? 1 : Versions.Max(v => v.Number) + 1,
            LayoutJson = json, PublishedAt = now, PublishedBy = author, RestoredFrom = restoredFrom,
        };
        Versions.Add(version);
        PublishedNumber = version.Number;
        return version;
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,39}\\z")] private static partial Regex SlugRegex();
}

/// <summary>One published version of a page, kept forever.</summary>
public sealed class StorePageVersion
{
    public int Id { get; set; }
    public int PageId { get; set; }
    public int StationId { get; set; }
    public int Number { get; set; }
    public required string LayoutJson { get; set; }
    public DateTimeOffset PublishedAt { get; set; }
    public required string PublishedBy { get; set; }
    /// <summary>Set when this version was a rollback to an earlier one.</summary>
    public int? RestoredFrom { get; set; }
}
