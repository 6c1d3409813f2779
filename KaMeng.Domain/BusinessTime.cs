using System.Globalization;

namespace KaMeng.Domain;

/// <summary>
/// The business clock. Instants are kept in UTC; every time a person reads or types — on a page, in a workbook, in a file
/// name, in a report period, in a cron schedule — is in the business time zone (China Standard Time unless configured
/// otherwise, see <see cref="Use"/>), whatever time zone the server runs in. Convert here and nowhere else: never
/// ToLocalTime, TimeZoneInfo.Local or DateTime.Now.
/// </summary>
public static class BusinessTime
{
    /// <summary>The IANA id of the default business zone.</summary>
    public const string DefaultZoneId = "Asia/Shanghai";

    static readonly TimeSpan ChinaOffset = TimeSpan.FromHours(8);

    /// <summary>The IANA id of the business zone.</summary>
    public static string ZoneId { get; private set; } = DefaultZoneId;

    /// <summary>How pages name the zone: 北京时间, or "UTC+09:00" for another.</summary>
    public static string DisplayName { get; private set; } = "北京时间";

    /// <summary>The offset of the business zone from UTC (fixed: see <see cref="Use"/>).</summary>
    public static TimeSpan Offset { get; private set; } = ChinaOffset;

    /// <summary>The business zone: <see cref="ZoneId"/> from the system's time zone data, or a fixed UTC+08:00 zone when
    /// China's zone is missing (a container without tzdata).</summary>
    public static TimeZoneInfo Zone { get; private set; } = Resolve(DefaultZoneId);

    /// <summary>
    /// Sets the business zone, once at start (<c>KaMeng:BusinessTimeZone</c>), before anything reads a time. Only zones
    /// with one whole-hour offset all year are accepted: the dashboards' rollups file hours into days by that offset, so a
    /// zone with daylight saving would misfile an hour twice a year. Returns the Chinese reason for refusing, or null.
    /// After a change, rebuild the rollups (统计 → 从订单重建统计) so stored days follow the new zone.
    /// </summary>
    public static string? Use(string? zoneId)
    {
        var id = string.IsNullOrWhiteSpace(zoneId) ? DefaultZoneId : zoneId.Trim();
        if (Refusal(id) is { } refused) return refused;
        var zone = Resolve(id);
        Zone = zone;
        ZoneId = id;
        Offset = zone.BaseUtcOffset;
        DisplayName = IsChina(id) ? "北京时间" : $"UTC{(Offset < TimeSpan.Zero ? "-" : "+")}{Offset:hh\\:mm}";
        return null;
    }

    /// <summary>Why the zone cannot be the business zone (unknown, daylight saving, not a whole-hour offset), or null.</summary>
    public static string? Refusal(string id)
    {
        if (IsChina(id)) return null;
        TimeZoneInfo zone;
        try { zone = TimeZoneInfo.FindSystemTimeZoneById(id); }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return $"业务时区「{id}」在本机的时区数据中不存在（请使用 IANA 名称，如 Asia/Shanghai）";
        }
        if (zone.SupportsDaylightSavingTime && zone.GetAdjustmentRules().Length > 0 && HasDaylightSaving(zone))
            return $"业务时区「{id}」有夏令时，统计按固定时差分日，只支持全年时差不变的时区";
        if (zone.BaseUtcOffset.Ticks % TimeSpan.TicksPerHour != 0)
            return $"业务时区「{id}」与 UTC 的时差不是整小时，统计按整小时分日，不支持";
        return null;
    }

    static bool IsChina(string id) => id is DefaultZoneId or "Asia/Chongqing" or "Asia/Harbin" or "PRC" or "China Standard Time";

    /// <summary>Whether the zone's offset differs from its base at any time from 2000 to 2100.</summary>
    static bool HasDaylightSaving(TimeZoneInfo zone)
    {
        for (var t = new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc); t.Year < 2100; t = t.AddDays(15))
            if (zone.GetUtcOffset(t) != zone.BaseUtcOffset) return true;
        return false;
    }

    /// <summary>The zone of that id, or a fixed UTC+08:00 zone when the system does not know it (China's zone without
    /// tzdata; <see cref="Use"/> refuses any other unknown id first).</summary>
    public static TimeZoneInfo Resolve(string id)
    {
        try { return TimeZoneInfo.FindSystemTimeZoneById(id); }
        catch (TimeZoneNotFoundException) { }
        catch (InvalidTimeZoneException) { }
        return TimeZoneInfo.CreateCustomTimeZone(DefaultZoneId, ChinaOffset, "(UTC+08:00) 北京时间", "中国标准时间");
    }

    /// <summary>The instant in business time (Beijing time, +08:00, unless configured otherwise).</summary>
    public static DateTimeOffset ToBusiness(DateTimeOffset instant) => TimeZoneInfo.ConvertTime(instant, Zone);

    public static DateTimeOffset? ToBusiness(DateTimeOffset? instant) => instant is { } i ? ToBusiness(i) : null;

    /// <summary>The Beijing wall-clock time of the instant, without a zone (what a date-time picker shows).</summary>
    public static DateTime? ToBusinessDateTime(DateTimeOffset? instant) =>
        instant is { } i ? DateTime.SpecifyKind(ToBusiness(i).DateTime, DateTimeKind.Unspecified) : null;

    /// <summary>The instant (in UTC) of a Beijing wall-clock time, as a person typed or picked it. The value's
    /// <see cref="DateTime.Kind"/> is ignored: it is read as Beijing time.</summary>
    public static DateTimeOffset FromBusiness(DateTime wallClock)
    {
        var local = DateTime.SpecifyKind(wallClock, DateTimeKind.Unspecified);
        return new DateTimeOffset(local, Zone.GetUtcOffset(local)).ToUniversalTime();
    }

    public static DateTimeOffset? FromBusiness(DateTime? wallClock) => wallClock is { } w ? FromBusiness(w) : null;

    /// <summary>The calendar day in Beijing of the instant.</summary>
    public static DateOnly DateOf(DateTimeOffset instant) => DateOnly.FromDateTime(ToBusiness(instant).DateTime);

    /// <summary>Today in Beijing.</summary>
    public static DateOnly Today(TimeProvider clock) => DateOf(clock.GetUtcNow());

    /// <summary>Midnight in Beijing at the start of the day, as an instant in UTC.</summary>
    public static DateTimeOffset StartOfBusinessDay(DateOnly day) => FromBusiness(day.ToDateTime(TimeOnly.MinValue));

    /// <summary>Midnight in Beijing at the start of the day the instant falls in, as an instant in UTC.</summary>
    public static DateTimeOffset StartOfBusinessDay(DateTimeOffset instant) => StartOfBusinessDay(DateOf(instant));

    /// <summary>The instant in Beijing time with the format (invariant culture), or <paramref name="none"/> when null.</summary>
    public static string Format(DateTimeOffset? instant, string format = "yyyy-MM-dd HH:mm", string none = "") =>
        instant is { } i ? ToBusiness(i).ToString(format, CultureInfo.InvariantCulture) : none;
}
