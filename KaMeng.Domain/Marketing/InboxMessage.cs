using System.Security.Cryptography;

namespace KaMeng.Domain;

/// <summary>消息中心: one message to one buyer at one station (a campaign's, a trigger's gift).</summary>
public class InboxMessage
{
    public long Id { get; set; }
    public int StationId { get; set; }
    public required string UserId { get; set; }
    public required string Title { get; set; }
    /// <summary>Markdown, rendered by the site's sanitising renderer.</summary>
    public required string Body { get; set; }
    public int? CampaignId { get; set; }
    public TriggerKind? Trigger { get; set; }
    /// <summary>The Beijing day (yyyyMMdd) of a marketing message, null for others: unique per station and buyer, so the
    /// database itself holds the limit of one marketing message per buyer per station per day.</summary>
    public int? MarketingDay { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? ReadAt { get; set; }

    public const int MaxTitle = 64, MaxBody = 4000;

    public bool IsRead => ReadAt is not null;

    public void MarkRead(DateTimeOffset now) => ReadAt ??= now;
}

/// <summary>A buyer's yes or no to marketing messages from one station, and the token of the unsubscribe link in its mails.</summary>
public class MarketingConsent
{
    public long Id { get; set; }
    public int StationId { get; set; }
    public required string UserId { get; set; }
    /// <summary>The buyer's explicit choice; null while they have made none (the row then only holds the token of a mail sent
    /// under the station's opt-in default, which must not turn into a yes they never gave).</summary>
    public bool? OptedIn { get; set; }
    /// <summary>Unguessable (128 bits): the link works without signing in, so the token is the only key.</summary>
    public required string UnsubscribeToken { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    public static string NewToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public static MarketingConsent For(int stationId, string userId, bool? optedIn, DateTimeOffset now) =>
        new() { StationId = stationId, UserId = userId, OptedIn = optedIn, UnsubscribeToken = NewToken(), UpdatedAt = now };
}

/// <summary>The rules every marketing message obeys, whoever sends it (a campaign or a trigger).</summary>
public static class MarketingRules
{
    public const int QuietFromHour = 22, QuietUntilHour = 8;

    /// <summary>22:00–08:00 Beijing time (the business zone): nothing marketing is sent.</summary>
    public static bool IsQuietHour(DateTimeOffset now)
    {
        var hour = BusinessTime.ToBusiness(now).Hour;
        return hour >= QuietFromHour || hour < QuietUntilHour;
    }

    /// <summary>The first instant at or after <paramref name="now"/> outside the quiet hours.</summary>
    public static DateTimeOffset NextSendable(DateTimeOffset now)
    {
        if (!IsQuietHour(now)) return now;
        var local = BusinessTime.ToBusiness(now);
        var day = DateOnly.FromDateTime(local.DateTime);
        if (local.Hour >= QuietFromHour) day = day.AddDays(1);
        return BusinessTime.FromBusiness(day.ToDateTime(new TimeOnly(QuietUntilHour, 0)));
    }

    /// <summary>The Beijing day number (yyyyMMdd) the once-a-day limit counts in.</summary>
    public static int DayOf(DateTimeOffset now)
    {
        var d = BusinessTime.DateOf(now);
        return d.Year * 10000 + d.Month * 100 + d.Day;
    }

    /// <summary>Opted in: an explicit yes, or no choice at a station whose default is yes. An explicit no always wins.</summary>
    public static bool MayReceive(bool? consent, bool optInByDefault) => consent ?? optInByDefault;

    /// <summary>At most one marketing message per buyer per station per Beijing day.</summary>
    public static bool UnderDailyLimit(int? lastMarketingDay, DateTimeOffset now) => lastMarketingDay != DayOf(now);

    /// <summary>Why a marketing message may not go to this buyer now (Chinese, for the report), or null.</summary>
    public static string? Refusal(bool? consent, bool optInByDefault, int? lastMarketingDay, DateTimeOffset now)
    {
        if (IsQuietHour(now)) return "22:00–08:00 不发送营销消息";
        if (!MayReceive(consent, optInByDefault)) return "买家未同意接收营销消息";
        if (!UnderDailyLimit(lastMarketingDay, now)) return "今天已收到本站的营销消息";
        return null;
    }
}
