using Microsoft.Extensions.Options;

namespace KaMeng.Web.Features.Docking;

/// <summary>
/// Works the procurement queue every few seconds (a queue wants a short poll, not a cron). Supplier price/stock sync is
/// the scheduler's job (上游同步 in the 计划任务 list). A failing round is logged and the loop goes on.
/// </summary>
public sealed class DockingWorker(ProcurementProcessor processor, IOptions<DockingOptions> options, TimeProvider clock, ILogger<DockingWorker> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        if (!o.Background) return;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(Math.Max(1, o.PollSeconds)), clock);
        do
        {
            try
            {
                await processor.ProcessDueAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                log.LogError(e, "Docking round failed");
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
