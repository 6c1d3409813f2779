using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Notifications;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace KaMeng.Web.Features.Backups;

/// <summary>Configuration section KaMeng:Backup.</summary>
public sealed class BackupOptions
{
    /// <summary>The archive's passphrase (KaMeng__Backup__Passphrase). No passphrase, no backup.</summary>
    public string? Passphrase { get; set; }
    /// <summary>Where the job and 立即备份 write archives; default {DataDir}/backups.</summary>
    public string? Folder { get; set; }
    /// <summary>How many of the newest archives the folder keeps.</summary>
    public int Keep { get; set; } = 7;
    /// <summary>PBKDF2 iterations of new archives (tests lower it; never below 200,000 outside them).</summary>
    public int Iterations { get; set; } = BackupCipher.Iterations;
}

/// <summary>How a requested backup went: the history row, or why none was started.</summary>
public sealed record BackupOutcome(BackupRun? Run, string? Refusal)
{
    public bool Succeeded => Run?.Result == BackupResult.Succeeded;
    public string Message => Refusal ?? (Succeeded ? $"备份完成：{Run!.FileName}" : $"备份失败：{Run!.Error}");
}

/// <summary>
/// Backups of this installation into KaMeng:Backup:Folder: one at a time in this process, each a BackupRun row from start to
/// outcome, the oldest archives pruned after a success, and the platform admins alerted (站内信 and their chosen channels) on
/// a failure.
/// </summary>
public sealed class BackupService(
    IDbContextFactory<KaMengDbContext> dbFactory,
    IOptions<BackupOptions> options,
    IOptions<KaMengOptions> kameng,
    IConfiguration configuration,
    IWebHostEnvironment environment,
    Notifier notifier,
    TimeProvider clock,
    ILogger<BackupService> log)
{
    readonly SemaphoreSlim gate = new(1, 1);

    public string Folder => Path.GetFullPath(options.Value.Folder is { Length: > 0 } f ? f : Path.Combine(kameng.Value.DataDir, "backups"), environment.ContentRootPath);

    public bool Running => gate.CurrentCount == 0;

    public BackupSite Site() => BackupSite.From(configuration, environment.ContentRootPath);

    public async Task<BackupOutcome> RunAsync(BackupTrigger trigger, string? userId = null, CancellationToken ct = default)
    {
        if (!await gate.WaitAsync(0, ct)) return new(null, "已有一个备份正在进行，请稍后再试");
        try
        {
            var started = clock.GetUtcNow();
            var run = new BackupRun { StartedAt = started, Trigger = trigger, StartedBy = userId, FileName = BackupMaker.FileNameFor(started), Result = BackupResult.Running };
            await BackupRuns.StartAsync(dbFactory, run, ct);
            try
            {
                var o = options.Value;
                var keyRingInDb = await BackupMaker.KeyRingInDatabaseAsync(dbFactory, ct);
                var made = await BackupMaker.CreateAsync(Site(), o.Passphrase, Path.Combine(Folder, run.FileName), keyRingInDb, run.Id, o.Iterations, ct);
                run.Succeed(made.SizeBytes, made.Sha256);
                var pruned = BackupMaker.Prune(Folder, Math.Max(1, o.Keep));
                if (pruned.Count > 0) log.LogInformation("Backup retention removed {Files}", string.Join(", ", pruned));
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                log.LogError(e, "Backup {File} failed", run.FileName);
                run.Fail(e is BackupRefusedException or BackupArchiveException ? e.Message : $"{e.GetType().Name}: {e.Message}");
                notifier.Publish(new NotificationRequest(NotificationEvent.System, "数据备份失败", $"{BackupRun.TriggerName(trigger)}的备份 {run.FileName} 失败：{run.Error}",
                    "/admin/system/backups", StationId: Station.MainStationId));
            }
            await BackupRuns.FinishAsync(dbFactory, run, clock.GetUtcNow());
            return new(run, null);
        }
        finally
        {
            gate.Release();
        }
    }
}

/// <summary>A backup's row in 数据备份记录, written when it starts (as 进行中, so the archive carries it) and when it ends; the
/// app's job and button and the command line keep it alike.</summary>
public static class BackupRuns
{
    public static async Task StartAsync(IDbContextFactory<KaMengDbContext> dbFactory, BackupRun run, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        db.BackupRuns.Add(run);
        await db.SaveChangesAsync(ct);
    }

    /// <summary>Records the outcome (never cancelled: a backup that ran must not stay 进行中).</summary>
    public static async Task FinishAsync(IDbContextFactory<KaMengDbContext> dbFactory, BackupRun run, DateTimeOffset at)
    {
        run.FinishedAt = at;
        await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
        db.BackupRuns.Update(run);
        await db.SaveChangesAsync(CancellationToken.None);
    }
}

/// <summary>The backups page and the dashboard card read the history here (no EF Core in .razor files).</summary>
public sealed class BackupQueries(IDbContextFactory<KaMengDbContext> dbFactory, TimeProvider clock)
{
    /// <summary>No successful backup for this long, or a failed last one: the dashboard card warns.</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromHours(26);

    public async Task<(IReadOnlyList<BackupRun> Rows, int Total)> HistoryAsync(int page, int pageSize, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var total = await db.BackupRuns.CountAsync(ct);
        var rows = await db.BackupRuns.AsNoTracking().OrderByDescending(r => r.StartedAt).ThenByDescending(r => r.Id)
            .Skip(page * pageSize).Take(pageSize).ToListAsync(ct);
        return (rows, total);
    }

    public sealed record LatestBackup(BackupRun? Last, BackupRun? LastSucceeded, string? Warning);

    public async Task<LatestBackup> LatestAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var last = await db.BackupRuns.AsNoTracking().Where(r => r.Result != BackupResult.Running).OrderByDescending(r => r.StartedAt).FirstOrDefaultAsync(ct);
        var ok = last?.Result == BackupResult.Succeeded ? last
            : await db.BackupRuns.AsNoTracking().Where(r => r.Result == BackupResult.Succeeded).OrderByDescending(r => r.StartedAt).FirstOrDefaultAsync(ct);
        string? warning = null;
        if (last?.Result == BackupResult.Failed) warning = $"最近一次备份失败：{last.Error}";
        else if (ok is null) warning = "还没有成功的备份";
        else if (clock.GetUtcNow() - (ok.FinishedAt ?? ok.StartedAt) > StaleAfter) warning = $"已超过 {StaleAfter.TotalHours:0} 小时没有成功的备份";
        return new(last, ok, warning);
    }

    public static string Size(long? bytes) => bytes switch
    {
        null => "—",
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => $"{bytes / 1024.0:0.0} KB",
        < 1024L * 1024 * 1024 => $"{bytes / 1024.0 / 1024:0.0} MB",
        _ => $"{bytes / 1024.0 / 1024 / 1024:0.00} GB",
    };
}
