using KaMeng.Domain;
using KaMeng.Web.Features.Jobs;
using Quartz;

namespace KaMeng.Tests.Jobs;

public class CronTextTests
{
    [Theory]
    [InlineData("0 0/5 * * * ?", "每 5 分钟")]
    [InlineData("0 * * * * ?", "每分钟")]
    [InlineData("0 30 3 * * ?", "每天 03:30")]
    [InlineData("0 0 8 ? * MON", "每周一 08:00")]
    [InlineData("0 0 9 ? * MON-FRI", "每个工作日 09:00")]
    [InlineData("0 0 6 1 * ?", "每月 1 日 06:00")]
    [InlineData("0 15 0/2 * * ?", "每 2 小时（第 15 分）")]
    public void Common_schedules_read_as_plain_chinese(string cron, string reading) => Assert.Equal(reading, CronText.Describe(cron));

    [Theory]
    [InlineData("", "请输入")]
    [InlineData("0 0 8 * *", "6 或 7 个字段")]
    [InlineData("0 0 25 * * ?", "无法解析")]
    [InlineData("0 0 0 1 1 ? 2000", "不会再触发")]
    public void Invalid_or_dead_schedules_are_refused_with_a_reason(string cron, string message) =>
        Assert.Contains(message, CronText.Validate(cron, DateTimeOffset.UtcNow));

    [Fact]
    public void Every_day_at_half_past_three_is_half_past_three_in_beijing()
    {
        var after = new DateTimeOffset(2026, 11, 21, 0, 0, 0, TimeSpan.Zero);
        var next = CronText.NextTimes("0 30 3 * * ?", after, 2);
        Assert.Equal(new DateTimeOffset(2026, 11, 21, 19, 30, 0, TimeSpan.Zero), next[0]);
        Assert.Equal("2026-11-22 03:30", BusinessTime.Format(next[0]));
        Assert.Equal(TimeSpan.FromDays(1), next[1] - next[0]);
    }

    [Fact]
    public void The_trigger_fires_when_the_page_says_it_will()
    {
        var trigger = (ICronTrigger)JobCatalog.BuildTrigger(JobCatalog.ScheduledReports, "0 30 3 * * ?");
        Assert.Equal(BusinessTime.Zone.Id, trigger.TimeZone.Id);
        var midnight = BusinessTime.StartOfBusinessDay(DateTimeOffset.UtcNow.AddDays(2)); // after the trigger's start time
        Assert.Equal(midnight.AddHours(3.5), trigger.GetFireTimeAfter(midnight));
        Assert.Equal(CronText.NextTimes("0 30 3 * * ?", midnight, 1)[0], trigger.GetFireTimeAfter(midnight));
    }

    [Fact]
    public void A_valid_schedule_passes_and_lists_its_next_times()
    {
        Assert.Null(CronText.Validate("0 0/5 * * * ?", DateTimeOffset.UtcNow));
        var next = CronText.NextTimes("0 0/5 * * * ?", DateTimeOffset.UtcNow, 3);
        Assert.Equal(3, next.Count);
        Assert.Equal(TimeSpan.FromMinutes(5), next[1] - next[0]);
    }
}
