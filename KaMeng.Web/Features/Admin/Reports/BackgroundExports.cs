using System.Collections.Concurrent;
using System.Security.Claims;
using System.Text.Json;
using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Jobs;
using KaMeng.Web.Features.Notifications;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace KaMeng.Web.Features.Admin.Reports;

public enum ExportState { Running, Done, Failed }

/// <summary>One background export: how far it is, and where the file is once done.</summary>
public sealed class ExportProgress
{
    public required string Id { get; init; }
    public required string UserId { get; init; }
    public required string Report { get; init; }
    public long Total { get; set; }
    public long Written;
    public ExportState State { get; set; }
    public string? Error { get; set; }
    public string? FileName { get; set; }
    public int Percent => State == ExportState.Done ? 100 : Total <= 0 ? 0 : (int)Math.Min(99, Interlocked.Read(ref Written) * 100 / Total);
    public string DownloadUrl => BackgroundExports.DownloadPath(Id);
}

/// <summary>
/// Large exports run in the background with the same writers as the direct downloads and the same filter the page
/// shows; the file lands under data/exports (deleted after N days by the cleanup job), and the user is told in the
/// notification centre with a download link that only they can open.
/// </summary>
public sealed class BackgroundExports(IDbContextFactory<KaMengDbContext> dbFactory, Notifier notifier,
    IOptions<KaMengOptions> kameng, IOptions<JobsOptions> jobs, TimeProvider clock, ILogger<BackgroundExports> log)
{
    readonly ConcurrentDictionary<string, ExportProgress> running = new();

    public static string DownloadPath(string id) => "/admin/exports/" + id;

    string Dir => Directory.CreateDirectory(ExportCleanupJob.ExportsDir(kameng.Value)).FullName;

    public ExportProgress? Get(string id) => running.GetValueOrDefault(id);

    /// <summary>Starts one of <see cref="FinanceExports.All"/> for the user, scoped to their station (null = platform).</summary>
    public ExportProgress Start(string userId, int? station, FinanceExports.Export export, ReportFilter filter)
    {
        var p = new ExportProgress { Id = Guid.NewGuid().ToString("N"), UserId = userId, Report = export.Name };
        running[p.Id] = p;
        _ = Task.Run(() => RunAsync(p, station, export, filter));
        return p;
    }

    async Task RunAsync(ExportProgress p, int? station, FinanceExports.Export export, ReportFilter filter)
    {
        var path = Path.Combine(Dir, p.Id + ".xlsx");
        try
        {
            await using (var db = (await dbFactory.CreateDbContextAsync()).ScopedTo(station))
            {
                p.Total = await export.CountAsync(db, filter, default);
                // Synchronous: Progress<T> posts to the pool, and a late report could overwrite the final count.
                var progress = new RowProgress(p);
                await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16);
                var totals = await export.WriteAsync(db, filter, file, progress, default);
                Interlocked.Exchange(ref p.Written, totals.Count);
            }
            p.FileName = ReportsSetup.FileName(p.Report, clock.GetUtcNow());
            WriteMeta(Dir, p.Id, [p.UserId], p.FileName);
            p.State = ExportState.Done;
            notifier.Publish(new NotificationRequest(NotificationEvent.ReportReady, $"报表已生成：{p.Report}（{p.Written} 行）",
                $"{filter.Describe(filter.Status)}。文件保留 {jobs.Value.ExportRetentionDays} 天。", p.DownloadUrl, UserIds: [p.UserId]));
        }
        catch (Exception ex)
        {
            log.LogWarning(ex, "Background export {Id} failed", p.Id);
            p.Error = "导出失败：" + ex.Message;
            p.State = ExportState.Failed;
            try { File.Delete(path); } catch (IOException) { }
        }
    }

    sealed record ExportMeta(IReadOnlyList<string> UserIds, string FileName);

    /// <summary>Who may download a file of the exports folder, and its download name.</summary>
    public static void WriteMeta(string dir, string id, IReadOnlyList<string> userIds, string fileName) =>
        File.WriteAllText(Path.Combine(dir, id + ".json"), JsonSerializer.Serialize(new ExportMeta(userIds, fileName)));

    sealed class RowProgress(ExportProgress p) : IProgress<long>
    {
        public void Report(long value) => Interlocked.Exchange(ref p.Written, value);
    }

    /// <summary>The file of a finished export, if this user made it and it has not been cleaned up.</summary>
    public (string Path, string FileName)? Find(string id, ClaimsPrincipal user)
    {
        if (id.Length != 32 || !id.All(char.IsAsciiHexDigitLower)) return null;
        var meta = Path.Combine(Dir, id + ".json");
        var file = Path.Combine(Dir, id + ".xlsx");
        if (!File.Exists(meta) || !File.Exists(file)) return null;
        var m = JsonSerializer.Deserialize<ExportMeta>(File.ReadAllText(meta));
        return m is not null && m.UserIds.Contains(user.FindFirstValue(ClaimTypes.NameIdentifier)) ? (file, m.FileName) : null;
    }
}
