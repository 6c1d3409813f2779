using System.ComponentModel.DataAnnotations;

namespace KaMeng.Domain;

/// <summary>
/// The typed settings of one block type. Each type checks its own values (<see cref="Check"/>) and says in
/// Chinese what is wrong; the rules the domain cannot know (which image paths were uploaded, which links are
/// safe) come from the <see cref="LayoutRules"/>.
/// </summary>
public abstract record BlockSettings
{
    public abstract IEnumerable<string> Check(LayoutRules rules);

    protected static IEnumerable<string> CheckText(string label, string? value, int max, bool required = false)
    {
        if (required && string.IsNullOrWhiteSpace(value)) yield return $"请填写{label}";
        else if (value is not null && value.Length > max) yield return $"{label}不能超过 {max} 个字";
    }

    protected static IEnumerable<string> CheckLink(string label, string? url, LayoutRules rules)
    {
        if (string.IsNullOrEmpty(url)) yield break;
        if (url.Length > 500) yield return $"{label}过长";
        else if (!rules.IsSafeLink(url)) yield return $"{label}只能是 http、https 或站内相对地址";
    }

    protected static IEnumerable<string> CheckImage(string label, string? path, LayoutRules rules, bool required = true)
    {
        if (string.IsNullOrEmpty(path)) { if (required) yield return $"请上传{label}"; }
        else if (!rules.IsUploadedImage(path)) yield return $"{label}必须是在本站上传的图片";
    }

    protected static IEnumerable<string> CheckRange(string label, int value, int min, int max)
    {
        if (value < min || value > max) yield return $"{label}须在 {min}–{max} 之间";
    }
}

public sealed record AnnouncementSettings : BlockSettings
{
    [Display(Name = "公告内容")] public string Text { get; init; } = "欢迎光临本站";
    [Display(Name = "链接")] public string? Link { get; init; }

    public override IEnumerable<string> Check(LayoutRules rules) => [.. CheckText("公告内容", Text, 300, required: true), .. CheckLink("链接", Link, rules)];
}

public sealed record BannerSlide
{
    [Display(Name = "图片")] public string Image { get; init; } = "";
    [Display(Name = "链接")] public string? Link { get; init; }
    [Display(Name = "说明文字")] public string? Alt { get; init; }
}

public sealed record BannerSettings : BlockSettings
{
    [Display(Name = "轮播图")] public List<BannerSlide> Slides { get; init; } = [];
    [Display(Name = "自动切换秒数（0 不切换）")] public int IntervalSeconds { get; init; } = 5;

    public override IEnumerable<string> Check(LayoutRules rules)
    {
        if (Slides.Count > 8) yield return "轮播图最多 8 张";
        for (var i = 0; i < Slides.Count; i++)
        {
            var s = Slides[i];
            foreach (var e in CheckImage($"第 {i + 1} 张轮播图", s.Image, rules)) yield return e;
            foreach (var e in CheckLink($"第 {i + 1} 张轮播图的链接", s.Link, rules)) yield return e;
            foreach (var e in CheckText($"第 {i + 1} 张轮播图的说明文字", s.Alt, 100)) yield return e;
        }
        foreach (var e in CheckRange("自动切换秒数", IntervalSeconds, 0, 30)) yield return e;
    }
}

public sealed record CategoryNavSettings : BlockSettings
{
    [Display(Name = "标题")] public string? Title { get; init; }

    public override IEnumerable<string> Check(LayoutRules rules) => CheckText("标题", Title, 40);
}

public static class ProductSources
{
    public const string All = "all", Category = "category", Tag = "tag", Manual = "manual";
    public static readonly string[] Names = [All, Category, Tag, Manual];
}

public sealed record ProductGridSettings : BlockSettings
{
    [Display(Name = "标题")] public string? Title { get; init; } = "全部商品";
    /// <summary>all, category, tag or manual (<see cref="ProductSources"/>).</summary>
    [Display(Name = "商品来源（all 全部 / category 分类 / tag 标签 / manual 手选）")] public string Source { get; init; } = ProductSources.All;
    [Display(Name = "分类编号")] public int? CategoryId { get; init; }
    [Display(Name = "标签")] public string? Tag { get; init; }
    [Display(Name = "手选商品编号")] public List<int> ProductIds { get; init; } = [];
    [Display(Name = "每行列数（电脑）")] public int Columns { get; init; } = 4;
    [Display(Name = "显示数量")] public int Count { get; init; } = 12;

    public override IEnumerable<string> Check(LayoutRules rules)
    {
        foreach (var e in CheckText("标题", Title, 40)) yield return e;
        if (!ProductSources.Names.Contains(Source)) yield return "商品来源只能是 all、category、tag 或 manual";
        if (Source == ProductSources.Category && CategoryId is null or <= 0) yield return "按分类展示时请填写分类编号";
        if (Source == ProductSources.Tag && string.IsNullOrWhiteSpace(Tag)) yield return "按标签展示时请填写标签";
        foreach (var e in CheckText("标签", Tag, 20)) yield return e;
        if (Source == ProductSources.Manual && ProductIds.Count == 0) yield return "手选商品时请至少选择一个商品";
        if (ProductIds.Count > 60) yield return "手选商品最多 60 个";
        if (ProductIds.Any(id => id <= 0)) yield return "商品编号无效";
        foreach (var e in CheckRange("每行列数", Columns, 1, 6)) yield return e;
        foreach (var e in CheckRange("显示数量", Count, 1, 60)) yield return e;
    }
}

public sealed record HotProductsSettings : BlockSettings
{
    [Display(Name = "标题")] public string? Title { get; init; } = "热门推荐";
    [Display(Name = "标签（热门 或 推荐）")] public string Tag { get; init; } = "热门";
    [Display(Name = "显示数量")] public int Count { get; init; } = 8;

    public override IEnumerable<string> Check(LayoutRules rules)
    {
        foreach (var e in CheckText("标题", Title, 40)) yield return e;
        if (Tag is not ("热门" or "推荐")) yield return "标签只能是「热门」或「推荐」";
        foreach (var e in CheckRange("显示数量", Count, 1, 24)) yield return e;
    }
}

public sealed record RichTextSettings : BlockSettings
{
    [Display(Name = "内容（Markdown）")] public string Markdown { get; init; } = "## 关于本站\n\n在这里介绍你的店铺。";

    public override IEnumerable<string> Check(LayoutRules rules) => CheckText("内容", Markdown, 20000, required: true);
}

public sealed record ImageTextSettings : BlockSettings
{
    [Display(Name = "图片")] public string? Image { get; init; }
    [Display(Name = "标题")] public string? Title { get; init; } = "图文介绍";
    [Display(Name = "内容（Markdown）")] public string? Markdown { get; init; }
    [Display(Name = "链接")] public string? Link { get; init; }
    [Display(Name = "图片在右侧")] public bool ImageRight { get; init; }

    public override IEnumerable<string> Check(LayoutRules rules) =>
        [.. CheckImage("图片", Image, rules, required: false), .. CheckText("标题", Title, 60), .. CheckText("内容", Markdown, 5000), .. CheckLink("链接", Link, rules)];
}

public sealed record FaqItem
{
    [Display(Name = "问题")] public string Question { get; init; } = "";
    [Display(Name = "回答")] public string Answer { get; init; } = "";
}

public sealed record FaqSettings : BlockSettings
{
    [Display(Name = "标题")] public string? Title { get; init; } = "常见问题";
    [Display(Name = "问答")] public List<FaqItem> Items { get; init; } = [new() { Question = "多久到账？", Answer = "卡密类商品付款后自动发货。" }];

    public override IEnumerable<string> Check(LayoutRules rules)
    {
        foreach (var e in CheckText("标题", Title, 40)) yield return e;
        if (Items.Count is 0 or > 30) yield return "问答须有 1–30 条";
        for (var i = 0; i < Math.Min(Items.Count, 30); i++)
        {
            foreach (var e in CheckText($"第 {i + 1} 条问题", Items[i].Question, 200, required: true)) yield return e;
            foreach (var e in CheckText($"第 {i + 1} 条回答", Items[i].Answer, 2000, required: true)) yield return e;
        }
    }
}

public sealed record ContactsSettings : BlockSettings
{
    [Display(Name = "标题")] public string? Title { get; init; } = "联系客服";
    [Display(Name = "使用站点资料里的客服方式")] public bool UseStationContacts { get; init; } = true;
    [Display(Name = "QQ")] public string? Qq { get; init; }
    [Display(Name = "微信")] public string? WeChat { get; init; }
    [Display(Name = "Telegram")] public string? Telegram { get; init; }
    [Display(Name = "邮箱")] public string? Email { get; init; }
    [Display(Name = "服务时间等说明")] public string? Note { get; init; }

    public override IEnumerable<string> Check(LayoutRules rules) =>
        [.. CheckText("标题", Title, 40), .. CheckText("QQ", Qq, 32), .. CheckText("微信", WeChat, 64), .. CheckText("Telegram", Telegram, 64), .. CheckText("邮箱", Email, 128), .. CheckText("说明", Note, 300)];
}

public sealed record NoticeSettings : BlockSettings
{
    /// <summary>suspension (暂停营业) or holiday (节假日).</summary>
    [Display(Name = "类型（suspension 暂停营业 / holiday 节假日）")] public string Kind { get; init; } = "holiday";
    [Display(Name = "通知内容")] public string Text { get; init; } = "节假日期间人工客服回复可能延迟，自动发货不受影响。";
    [Display(Name = "开始时间")] public DateTimeOffset? From { get; init; }
    [Display(Name = "结束时间")] public DateTimeOffset? Until { get; init; }

    public bool ShowsAt(DateTimeOffset now) => (From is null || now >= From) && (Until is null || now < Until);

    public override IEnumerable<string> Check(LayoutRules rules)
    {
        if (Kind is not ("suspension" or "holiday")) yield return "通知类型只能是 suspension（暂停营业）或 holiday（节假日）";
        foreach (var e in CheckText("通知内容", Text, 500, required: true)) yield return e;
        if (From is { } f && Until is { } u && u <= f) yield return "结束时间须晚于开始时间";
    }
}

public sealed record FooterSettings : BlockSettings
{
    [Display(Name = "页脚内容（Markdown）")] public string? Markdown { get; init; } = "本站商品均为虚拟商品，售出后不支持无理由退款。";
    [Display(Name = "显示 Powered by KaMeng")] public bool ShowPoweredBy { get; init; } = true;

    public override IEnumerable<string> Check(LayoutRules rules) => CheckText("页脚内容", Markdown, 2000);
}
