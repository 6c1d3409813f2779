using KaMeng.Web.Features.Dashboard;
using KaMeng.Web.Features.Docking;
using KaMeng.Web.Features.OpenApi;
using KaMeng.Web.Features.Payments;
using Quartz;

namespace KaMeng.Web.Features.Jobs;

// Jobs that call other features' operations; the features own the work, the scheduler only owns the timing.

/// <summary>Daily rollup check: applies any order whose status the dashboard rollups have not counted (the worker
/// already does this after each commit; this catches what a crash between commit and rollup left behind).</summary>
[DisallowConcurrentExecution]
public sealed class RollupCheckJob(DashboardRollup rollups) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken ct = default)
    {
        var n = await rollups.SweepAsync(ct);
        context.Result = n > 0 ? JobRunReport.Succeeded($"补记 {n} 笔订单的统计") : JobRunReport.Skipped("统计与订单一致");
    }
}

/// <summary>分站评级: recomputes every substation's rating from the rollups (the dashboard shows the same computation).</summary>
[DisallowConcurrentExecution]
public sealed class StationRatingJob(StationRatingService ratings) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken ct = default)
    {
        var rows = await ratings.ComputeAllAsync(ct);
        var grades = string.Join("，", rows.GroupBy(r => r.Rating.Grade).OrderBy(g => "SABCD".IndexOf(g.Key, StringComparison.Ordinal)).Select(g => $"{g.Key} {g.Count()} 个"));
        context.Result = rows.Count > 0 ? JobRunReport.Succeeded($"评级 {rows.Count} 个分站：{grades}") : JobRunReport.Skipped("没有分站");
    }
}

/// <summary>补单: asks the payment gateway about recent unpaid payments and completes those it reports paid.</summary>
[DisallowConcurrentExecution]
public sealed class EPayReconciliationJob(EPayReconciliation reconciliation) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken ct = default)
    {
        var r = await reconciliation.ReconcileAsync(ct: ct);
        var refunds = r.RefundsRetried == 0 ? "" : $"，重试退款 {r.RefundsRetried} 笔（成功 {r.RefundsCompleted} 笔）";
        context.Result = r.Checked == 0 && r.RefundsRetried == 0
            ? JobRunReport.Skipped("没有待核对的支付")
            : JobRunReport.Succeeded($"核对 {r.Checked} 笔，补单 {r.Completed} 笔，异常 {r.Mismatches} 笔，查询失败 {r.Errors} 笔{refunds}");
    }
}

/// <summary>上游同步: prices follow each supplier, and products whose supplier is gone or costs more go off shelf.</summary>
[DisallowConcurrentExecution]
public sealed class SupplierSyncJob(SupplierSync sync) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken ct = default)
    {
        var n = await sync.SyncAsync(ct);
        context.Result = n > 0 ? JobRunReport.Succeeded($"更新 {n} 个上游商品") : JobRunReport.Skipped("上游商品无变化");
    }
}

/// <summary>促销成本检查: flash sales a cost rise put below cost are paused and their owners alerted.</summary>
[DisallowConcurrentExecution]
public sealed class PromotionGuardJob(Marketing.FlashSaleGuard guard) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken ct = default)
    {
        var paused = await guard.PauseBelowCostAsync(ct);
        context.Result = paused.Count > 0 ? JobRunReport.Succeeded($"暂停 {paused.Count} 个低于成本的秒杀") : JobRunReport.Skipped("没有低于成本的秒杀");
    }
}

/// <summary>风控审核超时处理: held orders nobody reviewed in time are released or refunded, as the platform set.</summary>
[DisallowConcurrentExecution]
public sealed class RiskReviewTimeoutJob(Risk.RiskReviewService reviews) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken ct = default)
    {
        var n = await reviews.DecideOverdueAsync(ct);
        context.Result = n > 0 ? JobRunReport.Succeeded($"处理 {n} 笔超时未审核订单") : JobRunReport.Skipped("没有超时的待审核订单");
    }
}

/// <summary>对接 nonce 清理: nonces older than twice the signature window can never be replayed (their timestamp is refused first).</summary>
[DisallowConcurrentExecution]
public sealed class ApiNonceCleanupJob(ApiCredentialService credentials) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken ct = default)
    {
        var n = await credentials.DeleteExpiredNoncesAsync(ct);
        context.Result = n > 0 ? JobRunReport.Succeeded($"删除 {n} 个过期 nonce") : JobRunReport.Skipped("没有过期的 nonce");
    }
}
