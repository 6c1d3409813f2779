using Microsoft.Extensions.Options;

namespace KaMeng.Web.Features.Docking;

/// <summary>
/// Works the procurement queue every few seconds and syncs suppliers every few minutes (until the lead's Quartz
/// schedule takes <see cref="SupplierSync.SyncAsync"/> over). A failing round is logged and the loop goes on.
/// </summary>
public sealed class DockingWorker(ProcurementProcessor processor, SupplierSync sync, IOptions<DockingOptions> options, TimeProvider clock, ILogger<DockingWorker> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        if (!o.Background) return;
        var nextSync = clock.GetUtcNow();
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(Math.Max(1, o.PollSeconds)), clock);
        do
        {
            try
            {
                if (clock.GetUtcNow() >= nextSync)
                {
                    await sync.SyncAsync(stoppingToken);
                    nextSync = clock.GetUtcNow().AddMinutes(Math.Max(1, o.SyncMinutes));
                }
                await processor.ProcessDueAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                log.LogError(e, "Docking round failed");
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
