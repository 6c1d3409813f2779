using KaMeng.Domain;

namespace KaMeng.Tests.Domain;

/// <summary>Every time a person reads or types is Beijing time (UTC+8), whatever zone the server runs in.</summary>
public class BusinessTimeTests
{
    static DateTimeOffset Utc(int y, int mo, int d, int h, int mi, int s = 0) => new(y, mo, d, h, mi, s, TimeSpan.Zero);

    [Fact]
    public void Midnight_in_beijing_is_four_pm_utc_the_day_before() =>
        Assert.Equal(Utc(2026, 11, 21, 16, 0), BusinessTime.StartOfBusinessDay(new DateOnly(2026, 11, 22)));

    [Fact]
    public void Four_pm_utc_is_already_the_next_day_in_beijing()
    {
        Assert.Equal(new DateOnly(2026, 11, 21), BusinessTime.DateOf(Utc(2026, 11, 21, 15, 59, 59)));
        Assert.Equal(new DateOnly(2026, 11, 22), BusinessTime.DateOf(Utc(2026, 11, 21, 16, 0)));
        Assert.Equal(Utc(2026, 11, 21, 16, 0), BusinessTime.StartOfBusinessDay(Utc(2026, 11, 22, 15, 59, 59)));
    }

    [Fact]
    public void Half_past_three_in_beijing_is_half_past_seven_utc_the_evening_before()
    {
        Assert.Equal(Utc(2026, 11, 21, 19, 30), BusinessTime.FromBusiness(new DateTime(2026, 11, 22, 3, 30, 0)));
        Assert.Equal(TimeSpan.Zero, BusinessTime.FromBusiness(new DateTime(2026, 11, 22, 3, 30, 0)).Offset);
        Assert.Null(BusinessTime.FromBusiness((DateTime?)null));
    }

    [Fact]
    public void A_picked_time_is_read_as_beijing_time_whatever_its_kind()
    {
        var expected = Utc(2026, 11, 21, 19, 30);
        Assert.Equal(expected, BusinessTime.FromBusiness(new DateTime(2026, 11, 22, 3, 30, 0, DateTimeKind.Local)));
        Assert.Equal(expected, BusinessTime.FromBusiness(new DateTime(2026, 11, 22, 3, 30, 0, DateTimeKind.Utc)));
    }

    [Fact]
    public void An_instant_reads_as_beijing_wall_clock_time_eight_hours_ahead_of_utc()
    {
        var instant = Utc(2026, 11, 21, 19, 30);
        Assert.Equal(new DateTimeOffset(2026, 11, 22, 3, 30, 0, TimeSpan.FromHours(8)), BusinessTime.ToBusiness(instant));
        Assert.Equal(TimeSpan.FromHours(8), BusinessTime.ToBusiness(instant).Offset);
        var wallClock = BusinessTime.ToBusinessDateTime(instant)!.Value;
        Assert.Equal(new DateTime(2026, 11, 22, 3, 30, 0), wallClock);
        Assert.Equal(DateTimeKind.Unspecified, wallClock.Kind);
        Assert.Equal(instant, BusinessTime.FromBusiness(wallClock));
    }

    [Fact]
    public void Format_shows_beijing_time_and_the_placeholder_for_no_time()
    {
        Assert.Equal("2026-11-22 03:30", BusinessTime.Format(Utc(2026, 11, 21, 19, 30)));
        Assert.Equal("11-22 03:30:00", BusinessTime.Format(Utc(2026, 11, 21, 19, 30), "MM-dd HH:mm:ss"));
        Assert.Equal("—", BusinessTime.Format(null, "yyyy-MM-dd", "—"));
    }

    [Fact]
    public void Today_is_the_beijing_date_of_the_clock()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Utc(2026, 12, 31, 16, 0));
        Assert.Equal(new DateOnly(2027, 1, 1), BusinessTime.Today(clock));
    }

    [Fact]
    public void The_business_zone_is_utc_plus_eight_all_year()
    {
        Assert.Equal(TimeSpan.FromHours(8), BusinessTime.Zone.GetUtcOffset(Utc(2026, 1, 15, 0, 0)));
        Assert.Equal(TimeSpan.FromHours(8), BusinessTime.Zone.GetUtcOffset(Utc(2026, 7, 15, 0, 0)));
    }

    [Fact]
    public void Without_time_zone_data_the_zone_is_a_fixed_utc_plus_eight()
    {
        var zone = BusinessTime.Resolve("Nowhere/No_Such_Zone");
        Assert.Equal(TimeSpan.FromHours(8), zone.BaseUtcOffset);
        Assert.False(zone.SupportsDaylightSavingTime);
        Assert.Equal(TimeSpan.FromHours(8), zone.GetUtcOffset(Utc(2026, 7, 15, 0, 0)));
    }

    [Theory]
    [InlineData("Asia/Shanghai")]
    [InlineData("Asia/Tokyo")]
    [InlineData("Asia/Singapore")]
    [InlineData("UTC")]
    public void A_zone_with_one_whole_hour_offset_all_year_can_be_the_business_zone(string id) => Assert.Null(BusinessTime.Refusal(id));

    [Theory]
    [InlineData("Europe/Berlin", "夏令时")]
    [InlineData("America/New_York", "夏令时")]
    [InlineData("Asia/Kolkata", "整小时")]
    [InlineData("Mars/Olympus_Mons", "不存在")]
    public void A_zone_the_rollups_cannot_file_days_by_is_refused_with_the_reason(string id, string reason) =>
        Assert.Contains(reason, BusinessTime.Refusal(id));
}
