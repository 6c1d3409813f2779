using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Backups;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KaMeng.Tests.Backups;

/// <summary>`KaMeng.Web backup|restore` as an operator runs it (in process, configuration passed as --Key=value arguments).</summary>
public class BackupCliTests
{
    static string[] Settings(BackupSite site, string passphrase) =>
    [
        $"--KaMeng:DataDir={site.DataDir}", $"--KaMeng:Database:Provider={site.Provider}", $"--ConnectionStrings:KaMeng={site.ConnectionString}",
        $"--KaMeng:Backup:Passphrase={passphrase}", $"--KaMeng:Backup:Iterations={BackupRestoreTests.FastIterations}",
    ];

    static async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        var (output, errors) = (new StringWriter(), new StringWriter());
        var code = await BackupCli.RunAsync(args, output, errors);
        return (code, output.ToString(), errors.ToString());
    }

    static async Task<long> TablesAsync(BackupSite site)
    {
        await using var conn = new Npgsql.NpgsqlConnection(site.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new Npgsql.NpgsqlCommand(PostgresSql.CountUserTables, conn);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Restore_refuses_a_wrong_passphrase_and_a_non_empty_target_without_force_and_writes_nothing(DatabaseProvider provider)
    {
        await using var h = await CommerceHarness.CreateAsync(provider);
        var source = new BackupSite(provider, h.Db.ConnectionString, h.Db.DataDir, null);
        var archive = Path.Combine(TestPaths.NewTempDir("cli"), "nightly" + BackupMaker.Extension);

        var backup = await RunAsync(["backup", archive, .. Settings(source, BackupRestoreTests.Passphrase)]);
        Assert.True(backup.Code == 0, backup.Err);
        Assert.Contains("备份完成", backup.Out);
        var sha = await BackupArchive.FileSha256Async(archive);
        Assert.StartsWith(sha, await File.ReadAllTextAsync(archive + BackupMaker.ChecksumExtension));
        await using (var db = h.Db.NewContext())
        {
            var run = await db.BackupRuns.SingleAsync();
            Assert.Equal((BackupTrigger.Cli, BackupResult.Succeeded, sha), (run.Trigger, run.Result, run.Sha256));
        }

        // A wrong passphrase: a clear message, exit code 3, and the target as empty as it was.
        var target = await RestoreTargets.FreshTargetAsync(provider);
        var wrong = await RunAsync(["restore", archive, .. Settings(target, "not the passphrase")]);
        Assert.Equal((int)RestoreOutcome.BadArchive, wrong.Code);
        Assert.Contains("备份口令不正确", wrong.Err);
        Assert.Contains("wrong passphrase", wrong.Err);
        Assert.False(Directory.Exists(target.DataDir) && Directory.EnumerateFileSystemEntries(target.DataDir).Any());
        if (provider == DatabaseProvider.Postgres) Assert.Equal(0, await TablesAsync(target));

        var restore = await RunAsync(["restore", archive, .. Settings(target, BackupRestoreTests.Passphrase)]);
        Assert.True(restore.Code == 0, restore.Err + restore.Out);
        Assert.Contains("可以解密", restore.Out);
        Assert.Contains("卡密 未售", restore.Out);

        // The run that made the archive was 进行中 inside its own snapshot; the restore records how it ended.
        await using (var sp = RestoreTargets.Services(target))
        await using (var db = sp.GetRequiredService<IDbContextFactory<KaMengDbContext>>().CreateDbContext())
        {
            var run = await db.BackupRuns.SingleAsync();
            Assert.Equal((BackupResult.Succeeded, sha), (run.Result, run.Sha256));
        }

        // Now the target holds data: refused without --force, nothing touched.
        var dbFile = Path.Combine(target.DataDir, "kameng.db");
        var stamp = provider == DatabaseProvider.Sqlite ? File.GetLastWriteTimeUtc(dbFile) : default;
        var again = await RunAsync(["restore", archive, .. Settings(target, BackupRestoreTests.Passphrase)]);
        Assert.Equal((int)RestoreOutcome.Refused, again.Code);
        Assert.Contains("--force", again.Err);
        if (provider == DatabaseProvider.Sqlite) Assert.Equal(stamp, File.GetLastWriteTimeUtc(dbFile));

        var forced = await RunAsync(["restore", archive, "--force", .. Settings(target, BackupRestoreTests.Passphrase)]);
        Assert.True(forced.Code == 0, forced.Err + forced.Out);
        await RestoreTargets.DropAsync(target);
    }

    [Fact]
    public async Task Backup_is_refused_without_a_passphrase_and_on_sql_server_with_a_clear_message()
    {
        var dir = TestPaths.NewTempDir("cli-refused");
        var archive = Path.Combine(dir, "x" + BackupMaker.Extension);
        var site = new BackupSite(DatabaseProvider.Sqlite, $"Data Source={Path.Combine(dir, "data", "kameng.db")}", Path.Combine(dir, "data"), null);

        var none = await RunAsync(["backup", archive, .. Settings(site, "")]);
        Assert.Equal((int)RestoreOutcome.Refused, none.Code);
        Assert.Contains("KaMeng__Backup__Passphrase", none.Err);
        Assert.False(File.Exists(archive));

        var sqlServer = await RunAsync(["backup", archive, .. Settings(site with { Provider = DatabaseProvider.SqlServer, ConnectionString = "Server=127.0.0.1;Database=x" }, "p")]);
        Assert.Equal((int)RestoreOutcome.Refused, sqlServer.Code);
        Assert.Contains("BACKUP DATABASE", sqlServer.Err);
        Assert.False(File.Exists(archive));

        var usage = await RunAsync(["restore"]);
        Assert.Equal((int)RestoreOutcome.Usage, usage.Code);
        Assert.Contains("用法", usage.Err);
    }
}
