using KaMeng.Data;
using KaMeng.Web.Features.Orders;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Quartz;

namespace KaMeng.Web.Features.Jobs;

// A job never runs twice at once (a slow pass overlapping the next firing would double-alert or double-cancel);
// each reports what it did, which the execution history keeps as the 计划任务 page's "last result".

[DisallowConcurrentExecution]
public sealed class RestockAlertJob(RestockService restock) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken ct = default)
    {
        var r = await restock.CheckAsync(ct);
        context.Result = r.Alerted > 0 ? JobRunReport.Succeeded($"检查 {r.Checked} 项，发出 {r.Alerted} 条提醒") : JobRunReport.Skipped($"检查 {r.Checked} 项，无新提醒");
    }
}

[DisallowConcurrentExecution]
public sealed class ExpireUnpaidOrdersJob(OrderService orders) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken ct = default)
    {
        var n = await orders.ExpireUnpaidAsync(ct);
        context.Result = n > 0 ? JobRunReport.Succeeded($"关闭 {n} 笔超时订单") : JobRunReport.Skipped("没有超时订单");
    }
}

/// <summary>上下架: an off-shelf product whose ShelfFrom has come goes on the shelf; an on-shelf product whose
/// ShelfUntil has passed comes off. The time is cleared once applied, so a manual change afterwards sticks.</summary>
[DisallowConcurrentExecution]
public sealed class ShelfScheduleJob(IDbContextFactory<KaMengDbContext> dbFactory, TimeProvider clock) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken ct = default)
    {
        var (on, off) = await ApplyAsync(ct);
        context.Result = on + off > 0 ? JobRunReport.Succeeded($"上架 {on} 个，下架 {off} 个") : JobRunReport.Skipped("没有到时的商品");
    }

    public async Task<(int On, int Off)> ApplyAsync(CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var due = await db.Products.Where(p => !p.Deleted && ((p.ShelfFrom != null && p.ShelfFrom <= now) || (p.ShelfUntil != null && p.ShelfUntil <= now))).ToListAsync(ct);
        int on = 0, off = 0;
        foreach (var p in due)
        {
            if (p.ShelfUntil is { } until && until <= now)
            {
                if (p.OnShelf) off++;
                p.OnShelf = false;
                p.ShelfUntil = null;
                if (p.ShelfFrom <= now) p.ShelfFrom = null;
            }
            else if (p.ShelfFrom is { } from && from <= now)
            {
                if (!p.OnShelf) on++;
                p.OnShelf = true;
                p.ShelfFrom = null;
            }
        }
        await db.SaveChangesAsync(ct);
        return (on, off);
    }
}

/// <summary>Deletes generated export files (data/exports) older than the retention days.</summary>
[DisallowConcurrentExecution]
public sealed class ExportCleanupJob(IOptions<KaMengOptions> kameng, IOptions<JobsOptions> jobs, TimeProvider clock) : IJob
{
    public static string ExportsDir(KaMengOptions o) => Path.Combine(o.DataDir, "exports");

    public ValueTask Execute(IJobExecutionContext context, CancellationToken ct = default)
    {
        var n = Clean();
        context.Result = n > 0 ? JobRunReport.Succeeded($"删除 {n} 个过期文件") : JobRunReport.Skipped("没有过期文件");
        return ValueTask.CompletedTask;
    }

    public int Clean()
    {
        var dir = ExportsDir(kameng.Value);
        if (!Directory.Exists(dir)) return 0;
        var cutoff = clock.GetUtcNow().UtcDateTime.AddDays(-jobs.Value.ExportRetentionDays);
        var n = 0;
        foreach (var file in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories))
        {
            if (File.GetLastWriteTimeUtc(file) >= cutoff) continue;
            try { File.Delete(file); n++; }
            catch (IOException) { } // in use by a download right now: next run
        }
        return n;
    }
}
