using KaMeng.Domain;
using Quartz;

namespace KaMeng.Web.Features.Jobs;

/// <summary>How a trigger catches up after a misfire (the app was down when it should have fired).</summary>
public enum MisfirePolicy
{
    /// <summary>Fire once now, then keep the schedule: work that must not be skipped (expiry, restock checks).</summary>
    FireOnceNow,
    /// <summary>Skip to the next scheduled time: work tied to its moment (a daily report of yesterday runs next day).</summary>
    Skip,
}

/// <summary>One scheduled job: its key, Chinese name, default cron (Quartz form, with seconds) and misfire policy.</summary>
public sealed record JobDefinition(string Key, string Name, string Description, string DefaultCron, Type Type, MisfirePolicy Misfire)
{
    public JobKey JobKey => new(Key, JobCatalog.Group);
    public TriggerKey TriggerKey => new(Key, JobCatalog.Group);
}

/// <summary>
/// Every job the app schedules, in one place: add a line here (and the job class) to add a job — the scheduler
/// registration, the default trigger and the 计划任务 page all read this list.
/// </summary>
public static class JobCatalog
{
    public const string Group = "kameng";

    public static readonly JobDefinition RestockAlerts = new("restock-alerts", "补货提醒",
        "检查各站点库存低于阈值的商品，每次跌破阈值只提醒一次，库存恢复后重新布防", "0 0/5 * * * ?", typeof(RestockAlertJob), MisfirePolicy.FireOnceNow);
    public static readonly JobDefinition ExpireUnpaidOrders = new("expire-unpaid-orders", "超时未付订单关闭",
        "取消超过支付时限的待付款订单", "0 * * * * ?", typeof(ExpireUnpaidOrdersJob), MisfirePolicy.FireOnceNow);
    public static readonly JobDefinition ShelfSchedule = new("shelf-schedule", "定时上下架",
        "按商品设置的上架/下架时间上下架", "0 * * * * ?", typeof(ShelfScheduleJob), MisfirePolicy.FireOnceNow);
    public static readonly JobDefinition ExportCleanup = new("export-cleanup", "过期导出文件清理",
        "删除超过保留天数的导出文件", "0 30 3 * * ?", typeof(ExportCleanupJob), MisfirePolicy.FireOnceNow);

    public static readonly JobDefinition ScheduledReports = new("finance-reports", "定时财务报表",
        "每天生成前一天的财务报表（周一另含上周、每月 1 日另含上月），平台与各分站各一份", "0 0 1 * * ?", typeof(ScheduledReportJob), MisfirePolicy.FireOnceNow);

    public static readonly JobDefinition RollupCheck = new("rollup-check", "统计核对",
        "核对看板统计与订单，补记遗漏的订单状态", "0 15 2 * * ?", typeof(RollupCheckJob), MisfirePolicy.FireOnceNow);
    public static readonly JobDefinition StationRating = new("station-rating", "分站评级",
        "按 GMV 增长、复购率、退款率与合规重新计算各分站评级", "0 45 2 * * ?", typeof(StationRatingJob), MisfirePolicy.FireOnceNow);
    public static readonly JobDefinition EPayReconciliation = new("epay-reconciliation", "支付补单",
        "向支付网关查询近 24 小时未到账的支付，网关已付款的自动补单", "0 0/5 * * * ?", typeof(EPayReconciliationJob), MisfirePolicy.FireOnceNow);
    public static readonly JobDefinition SupplierSync = new("supplier-sync", "上游同步",
        "按上游价格与库存更新对接商品，成本高于售价或上游不可用时自动下架", "0 0/10 * * * ?", typeof(SupplierSyncJob), MisfirePolicy.FireOnceNow);
    public static readonly JobDefinition ApiNonceCleanup = new("api-nonce-cleanup", "对接 nonce 清理",
        "删除超过签名时间窗口的开放接口 nonce（它们已无法被重放）", "0 0/10 * * * ?", typeof(ApiNonceCleanupJob), MisfirePolicy.FireOnceNow);

    public static readonly JobDefinition PromotionGuard = new("promotion-guard", "促销成本检查",
        "成本上涨使秒杀价低于成本时自动暂停活动并提醒站长", "30 * * * * ?", typeof(PromotionGuardJob), MisfirePolicy.FireOnceNow);

    public static readonly JobDefinition CampaignSend = new("campaign-send", "营销活动发送",
        "发送到期的营销活动与新人/回归礼包（仅已同意接收的买家，每人每站每天最多一条，22:00–08:00 不发送）", "0 0/5 * * * ?", typeof(Campaigns.CampaignSendJob), MisfirePolicy.FireOnceNow);
    public static readonly JobDefinition BuyerTags = new("buyer-tags", "买家自动标签",
        "按用户分层、消费、最近购买、购买类目、退款与优惠订单占比更新各站的自动标签", "0 30 4 * * ?", typeof(Campaigns.BuyerTagJob), MisfirePolicy.FireOnceNow);

    public static readonly JobDefinition RiskReviewTimeout = new("risk-review-timeout", "风控审核超时处理",
        "超过审核时限仍未处理的待审核订单，按平台设置自动放行或退款", "15 * * * * ?", typeof(RiskReviewTimeoutJob), MisfirePolicy.FireOnceNow);
    public static readonly JobDefinition RiskSignalPurge = new("risk-signal-purge", "风控信号清理",
        "删除超过 30 天的登录、注册、下单与提现的原始风控信号（IP、设备、UA 摘要、地区）", "0 20 3 * * ?", typeof(Risk.Blacklists.RiskSignalPurgeJob), MisfirePolicy.FireOnceNow);

    public static readonly JobDefinition Backup = new("backup", "数据备份",
        "把数据库、密钥环、上传文件与自定义主题加密备份到备份目录，保留最近几份，失败时提醒平台管理员", "0 0 3 * * ?", typeof(Backups.BackupJob), MisfirePolicy.FireOnceNow);

    public static readonly IReadOnlyList<JobDefinition> All =
        [RestockAlerts, ExpireUnpaidOrders, ShelfSchedule, ExportCleanup, ScheduledReports, RollupCheck, StationRating, EPayReconciliation, SupplierSync, ApiNonceCleanup,
         PromotionGuard,
         CampaignSend,
         BuyerTags,
         RiskReviewTimeout,
         RiskSignalPurge,
         Backup];

    public static JobDefinition? Find(string key) => All.FirstOrDefault(j => j.Key == key);

    /// <summary>The job's cron trigger, in Beijing time (<see cref="BusinessTime.Zone"/>): "0 30 3 * * ?" fires at 03:30 in
    /// Beijing whatever zone the server runs in.</summary>
    public static ITrigger BuildTrigger(JobDefinition job, string cron) =>
        TriggerBuilder.Create()
            .WithIdentity(job.TriggerKey)
            .ForJob(job.JobKey)
            .WithCronSchedule(cron, c =>
            {
                c.InTimeZone(BusinessTime.Zone);
                c.WithMisfireInstruction(job.Misfire == MisfirePolicy.FireOnceNow ? CronTriggerMisfireInstruction.FireAndProceed : CronTriggerMisfireInstruction.DoNothing);
            })
            .Build();

    /// <summary>A stored trigger of the job that is not in Beijing time (stored before the schedules were, in the server's
    /// zone) is rebuilt in it with the same cron, staying paused when it was; true when it was moved.</summary>
    public static async Task<bool> MoveToBusinessZoneAsync(IScheduler scheduler, JobDefinition job, CancellationToken ct = default)
    {
        if (await scheduler.GetTrigger(job.TriggerKey, ct) is not ICronTrigger stored || stored.CronExpressionString is not { } cron
            || stored.TimeZone.Id == BusinessTime.Zone.Id)
            return false;
        var paused = await scheduler.GetTriggerState(job.TriggerKey, ct) == TriggerState.Paused;
        await scheduler.RescheduleJob(job.TriggerKey, BuildTrigger(job, cron), ct);
        if (paused) await scheduler.PauseTrigger(job.TriggerKey, ct);
        return true;
    }
}

/// <summary>Schedules each catalogue job's default trigger when the store has none, and keeps a trigger that exists
/// (an edited cron survives restarts), moved to Beijing time when it was stored in another zone.</summary>
sealed class JobScheduleSeeder(ISchedulerFactory factory, ILogger<JobScheduleSeeder> log) : IHostedService
{
    public async Task StartAsync(CancellationToken ct)
    {
        var scheduler = await factory.GetScheduler(ct);
        foreach (var job in JobCatalog.All)
        {
            await scheduler.AddJob(JobBuilder.Create().OfType(job.Type).WithIdentity(job.JobKey).StoreDurably().WithDescription(job.Name).Build(), AddJobOptions.Replacing, ct);
            if (await JobCatalog.MoveToBusinessZoneAsync(scheduler, job, ct))
                log.LogInformation("Job {Job}: trigger moved to the business time zone {Zone}", job.Key, BusinessTime.Zone.Id);
            var result = await scheduler.ScheduleTrigger(JobCatalog.BuildTrigger(job, job.DefaultCron), TriggerConflict.Keep, ct);
            log.LogDebug("Job {Job}: {Outcome}", job.Key, result.Outcome);
        }
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
