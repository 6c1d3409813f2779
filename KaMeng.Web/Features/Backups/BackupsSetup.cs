namespace KaMeng.Web.Features.Backups;

public static class BackupsSetup
{
    /// <summary>数据备份 (issue 22 §3; docs/decisions/0035-backups.md): the service behind the job, 立即备份 and the dashboard card.
    /// The command line (backup / restore) runs before the host, see <see cref="BackupCli"/>.</summary>
    public static WebApplicationBuilder AddBackups(this WebApplicationBuilder builder)
    {
        builder.Services.Configure<BackupOptions>(builder.Configuration.GetSection("KaMeng:Backup"));
        builder.Services.AddSingleton<BackupService>();
        builder.Services.AddSingleton<BackupQueries>();
        return builder;
    }
}
