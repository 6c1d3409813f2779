using KaMeng.Web.Features.Jobs;

namespace KaMeng.Tests.Jobs;

public class ScheduledReportPeriodTests
{
    [Fact]
    public void Every_day_brings_yesterdays_report_mondays_add_last_week_and_the_first_adds_last_month()
    {
        // Tuesday 2026-11-17: the daily report only.
        Assert.Equal([("日报", new DateOnly(2026, 11, 16), new DateOnly(2026, 11, 16))], ScheduledReportJob.PeriodsDue(new DateOnly(2026, 11, 17)));
        // Monday 2026-11-16: also the week Monday–Sunday before it.
        Assert.Equal([("日报", new DateOnly(2026, 11, 15), new DateOnly(2026, 11, 15)), ("周报", new DateOnly(2026, 11, 9), new DateOnly(2026, 11, 15))],
            ScheduledReportJob.PeriodsDue(new DateOnly(2026, 11, 16)));
        // Monday 2026-06-01: daily, weekly and the whole of May.
        Assert.Equal([("日报", new DateOnly(2026, 5, 31), new DateOnly(2026, 5, 31)), ("周报", new DateOnly(2026, 5, 25), new DateOnly(2026, 5, 31)),
                ("月报", new DateOnly(2026, 5, 1), new DateOnly(2026, 5, 31))],
            ScheduledReportJob.PeriodsDue(new DateOnly(2026, 6, 1)));
    }
}
