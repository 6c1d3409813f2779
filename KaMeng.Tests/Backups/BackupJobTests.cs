using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Backups;
using KaMeng.Web.Features.Jobs;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KaMeng.Tests.Backups;

/// <summary>The app with a backup passphrase, keeping the 2 newest archives (fast key derivation for tests).</summary>
public sealed class BackupApp : KaMengApp
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("KaMeng:Backup:Passphrase", BackupRestoreTests.Passphrase);
        builder.UseSetting("KaMeng:Backup:Keep", "2");
        builder.UseSetting("KaMeng:Backup:Iterations", BackupRestoreTests.FastIterations.ToString());
    }
}

static class BackupJobRuns
{
    /// <summary>Fires 数据备份 through the app's scheduler and waits until <paramref name="rows"/> history rows have finished.</summary>
    public static async Task RunJobAsync(KaMengApp app, int rows)
    {
        await app.Services.GetRequiredService<JobAdminService>().RunNowAsync(JobCatalog.Backup.Key);
        await Poll.UntilAsync(async () =>
        {
            await using var db = app.NewContext();
            return await db.BackupRuns.CountAsync(r => r.Result != BackupResult.Running) >= rows;
        }, $"backup run {rows} to finish", 120);
    }
}

public class BackupJobTests(BackupApp app) : IClassFixture<BackupApp>
{
    [Fact]
    public async Task The_daily_job_writes_archives_into_the_backup_folder_keeps_the_newest_two_and_records_each_run()
    {
        Assert.Equal("0 0 3 * * ?", JobCatalog.Backup.DefaultCron);
        for (var i = 1; i <= 3; i++) await BackupJobRuns.RunJobAsync(app, i);

        await using var db = app.NewContext();
        var runs = await db.BackupRuns.OrderBy(r => r.Id).ToListAsync();
        Assert.Equal(3, runs.Count);
        Assert.All(runs, r => Assert.Equal((BackupTrigger.Job, BackupResult.Succeeded, (string?)null), (r.Trigger, r.Result, r.Error)));
        var folder = Path.Combine(app.DataDir, "backups");
        var archives = Directory.GetFiles(folder, "*" + BackupMaker.Extension).Select(Path.GetFileName).Order().ToList();
        Assert.Equal(runs.Skip(1).Select(r => r.FileName), archives);
        foreach (var run in runs.Skip(1))
        {
            var path = Path.Combine(folder, run.FileName);
            Assert.Equal(run.SizeBytes, new FileInfo(path).Length);
            Assert.Equal(run.Sha256, await BackupArchive.FileSha256Async(path));
        }
        Assert.False(File.Exists(Path.Combine(folder, runs[0].FileName + BackupMaker.ChecksumExtension)));
        Assert.Empty(Directory.GetDirectories(folder)); // no staging left behind
    }
}

/// <summary>The default test app has no backup passphrase: the job's run fails, is recorded, and the platform admin is told.</summary>
public class BackupFailureAlertTests(KaMengApp app) : IClassFixture<KaMengApp>
{
    [Fact]
    public async Task A_failed_backup_is_recorded_with_its_reason_and_alerts_the_platform_admin()
    {
        await BackupJobRuns.RunJobAsync(app, 1);

        await using var db = app.NewContext();
        var run = await db.BackupRuns.SingleAsync();
        Assert.Equal(BackupResult.Failed, run.Result);
        Assert.Equal(BackupMaker.PassphraseMissing, run.Error);
        Assert.False(File.Exists(Path.Combine(app.DataDir, "backups", run.FileName)));
        var admin = await db.Users.SingleAsync(u => u.UserName == "admin");
        await Poll.UntilAsync(async () =>
        {
            await using var check = app.NewContext();
            return await check.Notifications.AnyAsync(n => n.UserId == admin.Id && n.Title == "数据备份失败" && n.Body!.Contains("KaMeng__Backup__Passphrase"));
        }, "the failure alert to reach the platform admin", 30);
    }
}
