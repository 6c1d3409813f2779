namespace KaMeng.Domain;

public enum CampaignStatus { Scheduled = 0, Sending = 1, Sent = 2, Cancelled = 3 }

public enum CampaignChannel { Inbox = 1, Email = 2 }

/// <summary>
/// 营销活动: a message (and optionally a coupon) to the buyers of one station who match its audience — a segment, a tag, a
/// member level, or several of them (a buyer must match every one chosen) — sent at its scheduled time through the
/// 消息中心 and, when chosen, email. Only opted-in buyers, one marketing message per buyer per station per day, never
/// 22:00–08:00 (<see cref="MarketingRules"/>).
/// </summary>
public class Campaign
{
    public int Id { get; set; }
    public int StationId { get; set; }
    public required string Name { get; set; }
    public BuyerSegment? Segment { get; set; }
    public string? Tag { get; set; }
    public int? MemberLevelId { get; set; }
    public required string Title { get; set; }
    public required string Body { get; set; }
    public bool SendEmail { get; set; }
    public int? CouponId { get; set; }
    public DateTimeOffset ScheduledAt { get; set; }
    public CampaignStatus Status { get; set; }
    /// <summary>Buyers matching the audience when it was sent.</summary>
    public int AudienceCount { get; set; }
    public int DeliveredCount { get; set; }
    public int EmailCount { get; set; }
    public int GrantedCount { get; set; }
    /// <summary>Matched but not sent to: not opted in, or already messaged by the station that day.</summary>
    public int SkippedCount { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public string? CreatedBy { get; set; }
    public DateTimeOffset? SentAt { get; set; }

    public const int MaxName = 64;
    /// <summary>Orders and GMV of the report: placed (paid) by a recipient within this many days of the delivery.</summary>
    public const int ReportDays = 7;

    public bool HasAudience => Segment is not null || !string.IsNullOrWhiteSpace(Tag) || MemberLevelId is not null;

    public string AudienceText(string? levelName = null)
    {
        var parts = new List<string>();
        if (Segment is { } s) parts.Add("分层：" + BuyerSegments.NameOf(s));
        if (!string.IsNullOrWhiteSpace(Tag)) parts.Add("标签：" + Tag);
        if (MemberLevelId is not null) parts.Add("会员等级：" + (levelName ?? "#" + MemberLevelId));
        return parts.Count == 0 ? "（未选择）" : string.Join(" 且 ", parts);
    }

    public static string StatusName(CampaignStatus s) => s switch
    {
        CampaignStatus.Scheduled => "待发送",
        CampaignStatus.Sending => "发送中",
        CampaignStatus.Sent => "已发送",
        CampaignStatus.Cancelled => "已取消",
        _ => s.ToString(),
    };

    /// <summary>Why the campaign cannot be saved (Chinese), or null. An empty audience is refused.</summary>
    public string? Validate(DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(Name)) return "请填写活动名称";
        if (Name.Length > MaxName) return $"活动名称最多 {MaxName} 个字";
        if (!HasAudience) return "请选择活动受众：用户分层、标签或会员等级至少选一项";
        if (Tag is { Length: > BuyerTag.MaxText }) return $"标签最多 {BuyerTag.MaxText} 个字";
        if (string.IsNullOrWhiteSpace(Title)) return "请填写消息标题";
        if (Title.Length > InboxMessage.MaxTitle) return $"消息标题最多 {InboxMessage.MaxTitle} 个字";
        if (string.IsNullOrWhiteSpace(Body)) return "请填写消息内容";
        if (Body.Length > InboxMessage.MaxBody) return $"消息内容最多 {InboxMessage.MaxBody} 个字";
        // A minute of slack: "now" typed into the form is a moment old when it arrives.
        if (ScheduledAt < now.AddMinutes(-1)) return "发送时间不能早于现在";
        if (ScheduledAt > now.AddDays(90)) return "发送时间最多安排在 90 天后";
        return null;
    }
}

/// <summary>One campaign's message to one buyer on one channel; the inbox one is 已读 when the buyer opened it.</summary>
public class CampaignDelivery
{
    public long Id { get; set; }
    public int CampaignId { get; set; }
    public int StationId { get; set; }
    public required string UserId { get; set; }
    public CampaignChannel Channel { get; set; }
    public DateTimeOffset SentAt { get; set; }
    public DateTimeOffset? OpenedAt { get; set; }
    public long? InboxMessageId { get; set; }
}

/// <summary>新人礼包 (3 days after the first paid order) and 回归礼包 (after the station's dormant days).</summary>
public enum TriggerKind { Welcome = 1, WinBack = 2 }

/// <summary>That a trigger fired for a buyer at a station: unique, so each fires once per buyer, ever.</summary>
public class TriggerFired
{
    public long Id { get; set; }
    public int StationId { get; set; }
    public required string UserId { get; set; }
    public TriggerKind Kind { get; set; }
    public DateTimeOffset FiredAt { get; set; }
    public long? GrantId { get; set; }
}

public static class Triggers
{
    public const int WelcomeAfterDays = 3;
    /// <summary>A welcome is due from 3 days after the first order for this many days more: turning the trigger on does not
    /// greet every buyer the station ever had.</summary>
    public const int WelcomeWindowDays = 7;

    public static string NameOf(TriggerKind k) => k switch
    {
        TriggerKind.Welcome => "新人礼包",
        TriggerKind.WinBack => "回归礼包",
        _ => k.ToString(),
    };

    /// <summary>Whether the trigger is due for this buyer now (the once-ever check is the <see cref="TriggerFired"/> row).</summary>
    public static bool IsDue(TriggerKind kind, BuyerHistory h, DateTimeOffset now, MarketingSettings s) => kind switch
    {
        TriggerKind.Welcome => h.FirstPaidAt <= now.AddDays(-WelcomeAfterDays) && h.FirstPaidAt > now.AddDays(-WelcomeAfterDays - WelcomeWindowDays),
        TriggerKind.WinBack => h.LastPaidAt <= now.AddDays(-s.DormantAfterDays),
        _ => false,
    };

    public static (string Title, string Body) Message(TriggerKind kind, string stationName, string? couponText) => kind switch
    {
        TriggerKind.Welcome => ("新人礼包已到账", $"感谢您在{stationName}的第一笔订单！" + (couponText is null ? "" : $"送您一张优惠券：**{couponText}**，可在「我的优惠券」查看，下单时选择使用。")),
        _ => ("好久不见，回归礼包送上", $"{stationName}想念您了！" + (couponText is null ? "" : $"送您一张优惠券：**{couponText}**，可在「我的优惠券」查看，下单时选择使用。")),
    };
}
