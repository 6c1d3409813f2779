using KaMeng.Web.Features.Jobs;
using Quartz;

namespace KaMeng.Web.Features.Campaigns;

/// <summary>营销活动发送: due campaigns and the triggers (新人礼包, 回归礼包); nothing 22:00–08:00.</summary>
[DisallowConcurrentExecution]
public sealed class CampaignSendJob(CampaignSender sender) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken ct = default)
    {
        var r = await sender.RunAsync(ct);
        context.Result = r.QuietHours ? JobRunReport.Skipped("22:00–08:00 不发送营销消息")
            : r.Campaigns == 0 && r.TriggersFired == 0 ? JobRunReport.Skipped("没有到期的活动或礼包")
            : JobRunReport.Succeeded($"发送 {r.Campaigns} 个活动：送达 {r.Delivered} 人，跳过 {r.Skipped} 人；礼包 {r.TriggersFired} 份");
    }
}

/// <summary>买家自动标签: recomputes every station's automatic tags from the rollups, orders and refunds.</summary>
[DisallowConcurrentExecution]
public sealed class BuyerTagJob(BuyerTagging tagging, TimeProvider clock) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken ct = default)
    {
        var n = await tagging.RecomputeAllAsync(clock.GetUtcNow(), ct);
        context.Result = n > 0 ? JobRunReport.Succeeded($"更新 {n} 个自动标签") : JobRunReport.Skipped("自动标签无变化");
    }
}
