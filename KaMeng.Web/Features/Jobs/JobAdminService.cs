using Quartz;
using Quartz.Extensibility;

namespace KaMeng.Web.Features.Jobs;

/// <summary>A job as the 计划任务 page shows it.</summary>
public sealed record JobRow(
    JobDefinition Job, string Cron, string Reading, bool Paused, DateTimeOffset? NextFire, DateTimeOffset? LastFire,
    string? LastResult, string? LastSummary, TimeSpan? LastDuration);

/// <summary>What the 计划任务 page does to the scheduler: list, run now, pause/resume, change the cron.</summary>
public sealed class JobAdminService(ISchedulerFactory factory, IServiceProvider services, TimeProvider clock)
{
    Task<IScheduler> SchedulerAsync(CancellationToken ct) => factory.GetScheduler(ct).AsTask();

    public async Task<IReadOnlyList<JobRow>> ListAsync(CancellationToken ct = default)
    {
        var scheduler = await SchedulerAsync(ct);
        var history = services.GetService<IExecutionHistoryStore>();
        var rows = new List<JobRow>();
        foreach (var job in JobCatalog.All)
        {
            var trigger = await scheduler.GetTrigger(job.TriggerKey, ct) as ICronTrigger;
            var state = trigger is null ? TriggerState.None : await scheduler.GetTriggerState(job.TriggerKey, ct);
            JobRunStatus? status = null;
            if (history is not null)
            {
                try { status = await history.GetJobRunStatus(scheduler.SchedulerName, job.JobKey, ct); }
                catch (NotSupportedException) { }
            }
            var cron = trigger?.CronExpressionString ?? job.DefaultCron;
            rows.Add(new JobRow(job, cron, CronText.Describe(cron), state == TriggerState.Paused, trigger?.NextFireTimeUtc,
                status?.LastFiredAtUtc ?? trigger?.PreviousFireTimeUtc, status is null ? null : ResultName(status.LastResult),
                status?.LastSummary ?? status?.LastFailureMessage, status?.LastDuration));
        }
        return rows;
    }

    static string ResultName(JobRunResult r) => r switch
    {
        JobRunResult.Succeeded => "成功",
        JobRunResult.Skipped => "无事可做",
        JobRunResult.Failed => "失败",
        JobRunResult.Cancelled => "已取消",
        _ => r.ToString(),
    };

    static JobDefinition Require(string key) => JobCatalog.Find(key) ?? throw new ArgumentException("未知任务", nameof(key));

    public async Task RunNowAsync(string key, CancellationToken ct = default)
    {
        var job = Require(key);
        await (await SchedulerAsync(ct)).TriggerJob(job.JobKey, null, ct);
    }

    public async Task PauseAsync(string key, string? by, CancellationToken ct = default)
    {
        var job = Require(key);
        await (await SchedulerAsync(ct)).PauseTriggerWith(job.TriggerKey, new PauseDetails { Reason = "计划任务页面暂停", RequestedBy = by }, ct);
    }

    public async Task ResumeAsync(string key, CancellationToken ct = default)
    {
        var job = Require(key);
        await (await SchedulerAsync(ct)).ResumeTrigger(job.TriggerKey, ct);
    }

    /// <summary>Replaces the job's trigger with the new cron; null on success, else a Chinese message (and nothing changed).
    /// A paused job stays paused.</summary>
    public async Task<string?> RescheduleAsync(string key, string? cron, CancellationToken ct = default)
    {
        var job = JobCatalog.Find(key);
        if (job is null) return "未知任务";
        if (CronText.Validate(cron, clock.GetUtcNow()) is { } error) return error;
        var scheduler = await SchedulerAsync(ct);
        var paused = await scheduler.GetTriggerState(job.TriggerKey, ct) == TriggerState.Paused;
        var trigger = JobCatalog.BuildTrigger(job, cron!.Trim());
        if (await scheduler.GetTrigger(job.TriggerKey, ct) is null) await scheduler.ScheduleTrigger(trigger, TriggerConflict.Replace, ct);
        else await scheduler.RescheduleJob(job.TriggerKey, trigger, ct);
        if (paused) await scheduler.PauseTrigger(job.TriggerKey, ct);
        return null;
    }
}
