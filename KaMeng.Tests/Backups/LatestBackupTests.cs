using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Backups;
using Microsoft.Extensions.Time.Testing;

namespace KaMeng.Tests.Backups;

/// <summary>The dashboard's 最近备份: quiet after a recent success, a warning when none succeeded in 26 h or the last one failed.</summary>
public class LatestBackupTests
{
    static readonly DateTimeOffset Now = new(2026, 12, 5, 4, 0, 0, TimeSpan.Zero);

    static BackupRun Run(DateTimeOffset at, BackupResult result) => new()
    {
        StartedAt = at, FinishedAt = at.AddSeconds(3), Trigger = BackupTrigger.Job, FileName = BackupMaker.FileNameFor(at), Result = result,
        SizeBytes = result == BackupResult.Succeeded ? 4096 : null, Error = result == BackupResult.Failed ? "磁盘已满" : null,
    };

    [Fact]
    public async Task The_card_warns_without_a_success_after_26_hours_or_after_a_failure()
    {
        await using var db = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        var queries = new BackupQueries(db.DbFactory, new FakeTimeProvider(Now));
        async Task<string?> WarningAfterAsync(BackupRun run)
        {
            await using (var ctx = db.NewContext())
            {
                ctx.BackupRuns.Add(run);
                await ctx.SaveChangesAsync();
            }
            return (await queries.LatestAsync()).Warning;
        }

        Assert.Equal("还没有成功的备份", (await queries.LatestAsync()).Warning);
        Assert.Equal("已超过 26 小时没有成功的备份", await WarningAfterAsync(Run(Now.AddHours(-27), BackupResult.Succeeded)));
        Assert.Null(await WarningAfterAsync(Run(Now.AddHours(-25), BackupResult.Succeeded)));
        // A run still going is not the last result.
        Assert.Null(await WarningAfterAsync(Run(Now.AddMinutes(-1), BackupResult.Running)));
        Assert.Equal("最近一次备份失败：磁盘已满", await WarningAfterAsync(Run(Now.AddHours(-1), BackupResult.Failed)));

        var latest = await queries.LatestAsync();
        Assert.Equal(BackupResult.Failed, latest.Last!.Result);
        Assert.Equal(Now.AddHours(-25), latest.LastSucceeded!.StartedAt);
    }

    [Fact]
    public void Retention_keeps_the_newest_archives_and_their_checksum_files_and_nothing_else_is_touched()
    {
        var folder = TestPaths.NewTempDir("retention");
        var names = Enumerable.Range(0, 5).Select(i => BackupMaker.FileNameFor(Now.AddDays(-i))).ToList();
        foreach (var n in names)
        {
            File.WriteAllText(Path.Combine(folder, n), "x");
            File.WriteAllText(Path.Combine(folder, n + BackupMaker.ChecksumExtension), "y");
        }
        File.WriteAllText(Path.Combine(folder, "manual.kmbak"), "operator's own");

        var removed = BackupMaker.Prune(folder, keep: 2);

        Assert.Equal(names.Skip(2).Order(), removed.Order());
        Assert.Equal([.. names.Take(2).Order(), "manual.kmbak"], Directory.GetFiles(folder, "*.kmbak").Select(Path.GetFileName).Order());
        Assert.Equal(2, Directory.GetFiles(folder, "*" + BackupMaker.ChecksumExtension).Length);
    }
}
