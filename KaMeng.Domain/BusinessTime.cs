using System.Globalization;

namespace KaMeng.Domain;

/// <summary>
/// The business clock. Instants are kept in UTC; every time a person reads or types — on a page, in a workbook, in a file
/// name, in a report period, in a cron schedule — is China Standard Time (UTC+8, no daylight saving), whatever time zone
/// the server runs in. Convert here and nowhere else: never ToLocalTime, TimeZoneInfo.Local or DateTime.Now.
/// </summary>
public static class BusinessTime
{
    /// <summary>The IANA id of the business zone.</summary>
    public const string ZoneId = "Asia/Shanghai";

    /// <summary>How pages name the zone.</summary>
    public const string DisplayName = "北京时间";

    /// <summary>The offset of China Standard Time from UTC.</summary>
    public static readonly TimeSpan Offset = TimeSpan.FromHours(8);

    /// <summary>The business zone: <see cref="ZoneId"/> from the system's time zone data, or a fixed UTC+08:00 zone when
    /// that is missing (a container without tzdata).</summary>
    public static TimeZoneInfo Zone { get; } = Resolve(ZoneId);

    /// <summary>The zone of that id, or a fixed UTC+08:00 zone when the system does not know it.</summary>
    public static TimeZoneInfo Resolve(string id)
    {
        try { return TimeZoneInfo.FindSystemTimeZoneById(id); }
        catch (TimeZoneNotFoundException) { }
        catch (InvalidTimeZoneException) { }
        return TimeZoneInfo.CreateCustomTimeZone(ZoneId, Offset, "(UTC+08:00) 北京时间", "中国标准时间");
    }

    /// <summary>The instant as Beijing time (its offset is +08:00).</summary>
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
