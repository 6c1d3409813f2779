using KaMeng.Data;
using KaMeng.Web.Features.Jobs;
using KaMeng.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace KaMeng.Tests.Jobs;

public class ExportCleanupTests
{
    [Fact]
    public void Cleanup_deletes_export_files_older_than_the_retention_days_and_keeps_newer_ones()
    {
        var kameng = new KaMengOptions { DataDir = TestPaths.NewTempDir("cleanup") };
        var dir = Directory.CreateDirectory(ExportCleanupJob.ExportsDir(kameng)).FullName;
        var now = DateTimeOffset.UtcNow;
        string File(string name, double ageDays)
        {
            var path = Path.Combine(dir, name);
            System.IO.File.WriteAllText(path, name);
            System.IO.File.SetLastWriteTimeUtc(path, now.UtcDateTime.AddDays(-ageDays));
            return path;
        }
        var old = File("old.xlsx", 8);
        var oldMeta = File("old.json", 8);
        var fresh = File("fresh.xlsx", 6.9);

        var job = new ExportCleanupJob(Options.Create(kameng), Options.Create(new JobsOptions { ExportRetentionDays = 7 }), TimeProvider.System);
        Assert.Equal(2, job.Clean());
        Assert.False(System.IO.File.Exists(old));
        Assert.False(System.IO.File.Exists(oldMeta));
        Assert.True(System.IO.File.Exists(fresh));
        Assert.Equal(0, job.Clean());
    }
}
