using KaMeng.Data;
using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Backups;

/// <summary>
/// <c>KaMeng.Web backup &lt;archive&gt;</c> and <c>KaMeng.Web restore &lt;archive&gt; [--force]</c>, run instead of the web host
/// with the app's own configuration (appsettings, environment variables, and any further <c>--Key=value</c> arguments).
/// Exit codes: 0 done, 1 usage or failure, 2 refused (target not empty, no passphrase, SQL Server), 3 wrong passphrase or
/// damaged archive, 4 the restored key ring does not match.
/// </summary>
public static class BackupCli
{
    const string Usage = """
        用法 / usage:
          KaMeng.Web backup <archive>             备份到加密归档（口令：KaMeng__Backup__Passphrase）
          KaMeng.Web restore <archive> [--force]  恢复到空的数据目录（PostgreSQL：空数据库）；--force 覆盖已有数据
        """;

    /// <summary>True when the arguments asked for backup or restore (which then ran and set the exit code).</summary>
    public static async Task<bool> TryRunAsync(string[] args)
    {
        if (args.Length == 0 || args[0] is not ("backup" or "restore")) return false;
        Environment.ExitCode = await RunAsync(args, Console.Out, Console.Error);
        return true;
    }

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter errors, CancellationToken ct = default)
    {
        var command = args[0];
        var rest = args.Skip(1).ToList();
        var force = rest.Remove("--force");
        var archive = rest.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal));
        if (archive is null || (force && command == "backup"))
        {
            errors.WriteLine(Usage);
            return (int)RestoreOutcome.Usage;
        }
        rest.Remove(archive);

        // The configuration the web host would read (content root, environment, appsettings, environment variables, arguments).
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = rest.ToArray() });
        if (BusinessTime.Use(builder.Configuration["KaMeng:BusinessTimeZone"]) is { } zoneError)
        {
            errors.WriteLine($"配置项 KaMeng:BusinessTimeZone 无效：{zoneError}");
            return (int)RestoreOutcome.Usage;
        }
        var site = BackupSite.From(builder.Configuration, builder.Environment.ContentRootPath);
        var backup = builder.Configuration.GetSection("KaMeng:Backup").Get<BackupOptions>() ?? new BackupOptions();
        try
        {
            return command == "backup"
                ? await BackupAsync(site, backup, archive, output, ct)
                : await RestoreAsync(site, backup, builder.Configuration, archive, force, output, ct);
        }
        catch (BackupRefusedException e)
        {
            errors.WriteLine(e.Message);
            return (int)RestoreOutcome.Refused;
        }
        catch (BackupArchiveException e)
        {
            errors.WriteLine(e.Message);
            return (int)RestoreOutcome.BadArchive;
        }
        catch (RestoreVerificationException e)
        {
            errors.WriteLine(e.Message);
            return (int)RestoreOutcome.VerificationFailed;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            errors.WriteLine($"{(command == "backup" ? "备份" : "恢复")}失败：{e.Message}");
            return (int)RestoreOutcome.Usage;
        }
    }

    static async Task<int> BackupAsync(BackupSite site, BackupOptions options, string archive, TextWriter output, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(options.Passphrase)) throw new BackupRefusedException(BackupMaker.PassphraseMissing);
        DatabaseSnapshot.EntryFor(site.Provider);
        var services = new ServiceCollection();
        DataServiceCollectionExtensions.AddKaMengDatabase(services, site.Provider, site.ConnectionString, site.DataDir);
        await using var sp = services.BuildServiceProvider();
        var dbFactory = sp.GetRequiredService<IDbContextFactory<KaMengDbContext>>();
        var run = new BackupRun { StartedAt = DateTimeOffset.UtcNow, Trigger = BackupTrigger.Cli, FileName = Path.GetFileName(archive), Result = BackupResult.Running };
        var keyRingInDb = await BackupMaker.KeyRingInDatabaseAsync(dbFactory, ct);
        try
        {
            await BackupRuns.StartAsync(dbFactory, run, ct);
        }
        catch (DbUpdateException)
        {
            // The history row is for the admin's 数据备份记录: when it cannot be written the backup still goes on, without it.
            run.Id = 0;
        }
        try
        {
            var made = await BackupMaker.CreateAsync(site, options.Passphrase, archive, keyRingInDb, run.Id == 0 ? null : run.Id, options.Iterations, ct);
            run.Succeed(made.SizeBytes, made.Sha256);
            output.WriteLine($"备份完成：{made.Path}");
            output.WriteLine($"大小 {BackupQueries.Size(made.SizeBytes)}，SHA-256 {made.Sha256}（另存于 {Path.GetFileName(made.Path)}{BackupMaker.ChecksumExtension}）");
            output.WriteLine($"订单 {made.Manifest.Counts.Orders}，卡密 {made.Manifest.Counts.CardKeys}，钱包 {made.Manifest.Counts.Wallets}；条目 {made.Manifest.Entries.Count} 个；密钥环：{made.Manifest.KeyRing}");
            return 0;
        }
        catch (Exception e)
        {
            run.Fail(e.Message);
            throw;
        }
        finally
        {
            if (run.Id != 0) await BackupRuns.FinishAsync(dbFactory, run, DateTimeOffset.UtcNow);
        }
    }

    static async Task<int> RestoreAsync(BackupSite site, BackupOptions options, IConfiguration configuration, string archive, bool force,
        TextWriter output, CancellationToken ct)
    {
        await BackupRestorer.RestoreAsync(archive, options.Passphrase, site, configuration, force, output, ct);
        output.WriteLine($"恢复完成：{site.DataDir}（{site.Provider}）。启动应用即可使用。");
        return (int)RestoreOutcome.Restored;
    }
}
