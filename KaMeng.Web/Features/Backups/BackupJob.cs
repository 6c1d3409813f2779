using KaMeng.Domain;
using Quartz;

namespace KaMeng.Web.Features.Backups;

/// <summary>数据备份: the scheduled backup (JobCatalog.Backup). A failure is recorded, alerted and reported to Quartz.</summary>
[DisallowConcurrentExecution]
public sealed class BackupJob(BackupService backups) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken ct = default)
    {
        var outcome = await backups.RunAsync(BackupTrigger.Job, ct: ct);
        if (outcome.Refusal is not null) { context.Result = JobRunReport.Skipped(outcome.Refusal); return; }
        if (!outcome.Succeeded) throw new JobExecutionException(outcome.Message);
        context.Result = JobRunReport.Succeeded($"{outcome.Run!.FileName}（{BackupQueries.Size(outcome.Run.SizeBytes)}）");
    }
}
