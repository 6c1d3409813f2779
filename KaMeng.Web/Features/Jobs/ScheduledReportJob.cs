using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Admin.Reports;
using KaMeng.Web.Features.Notifications;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Quartz;

namespace KaMeng.Web.Features.Jobs;

/// <summary>
/// 定时财务报表: every day the previous day's workbook, on Mondays also last week's, on the 1st also last month's — for
/// the platform (its admins and finance) and for each active substation (its owner), one sheet per report. Each lands
/// in the exports folder and its recipients' notification centre.
/// </summary>
[DisallowConcurrentExecution]
public sealed class ScheduledReportJob(IDbContextFactory<KaMengDbContext> dbFactory, Notifier notifier, IOptions<KaMengOptions> kameng, TimeProvider clock) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken ct = default)
    {
        var n = await RunAsync(BusinessTime.Today(clock), ct);
        context.Result = JobRunReport.Succeeded($"生成 {n} 份报表");
    }

    /// <summary>The periods due on <paramref name="today"/>: (name, first day, last day).</summary>
    public static IEnumerable<(string Name, DateOnly From, DateOnly To)> PeriodsDue(DateOnly today)
    {
        yield return ("日报", today.AddDays(-1), today.AddDays(-1));
        if (today.DayOfWeek == DayOfWeek.Monday) yield return ("周报", today.AddDays(-7), today.AddDays(-1));
        if (today.Day == 1) yield return ("月报", today.AddMonths(-1), today.AddDays(-1));
    }

    public async Task<int> RunAsync(DateOnly today, CancellationToken ct = default)
    {
        List<(int? Station, string Name, List<string> Recipients)> scopes = [];
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            var platform = await NotificationWriter.UsersInRolesAsync(db, [Roles.PlatformAdmin, Roles.Finance], ct);
            scopes.Add((null, "平台", platform));
            foreach (var s in await db.Stations.AsNoTracking().Where(s => s.Id != Station.MainStationId && s.OwnerUserId != null && s.Status == StationStatus.Active)
                         .Select(s => new { s.Id, s.Name, s.OwnerUserId }).ToListAsync(ct))
                scopes.Add((s.Id, s.Name, [s.OwnerUserId!]));
        }
        var dir = Directory.CreateDirectory(ExportCleanupJob.ExportsDir(kameng.Value)).FullName;
        var made = 0;
        foreach (var (periodName, from, to) in PeriodsDue(today))
            foreach (var (station, name, recipients) in scopes)
            {
                if (recipients.Count == 0) continue;
                var id = Guid.NewGuid().ToString("N");
                var fileName = $"财务{periodName}_{name}_{from:yyyyMMdd}-{to:yyyyMMdd}.xlsx";
                await using (var db = (await dbFactory.CreateDbContextAsync(ct)).ScopedTo(station))
                await using (var file = new FileStream(Path.Combine(dir, id + ".xlsx"), FileMode.CreateNew))
                    await FinanceWorkbook.WriteAsync(db, new ReportFilter(from, to), file, ct);
                BackgroundExports.WriteMeta(dir, id, recipients, fileName);
                notifier.Publish(new NotificationRequest(NotificationEvent.ReportReady, $"财务{periodName}已生成：{name}", $"{from:yyyy-MM-dd} 至 {to:yyyy-MM-dd}",
                    BackgroundExports.DownloadPath(id), UserIds: recipients));
                made++;
            }
        return made;
    }
}
