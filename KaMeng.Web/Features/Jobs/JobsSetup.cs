using KaMeng.Data;
using Microsoft.Data.Sqlite;
using Quartz;

namespace KaMeng.Web.Features.Jobs;

public sealed class JobsOptions
{
    /// <summary>Run the scheduler in this process (KaMeng:Jobs:Enabled).</summary>
    public bool Enabled { get; set; } = true;
    /// <summary>Quartz clustering; defaults to on with PostgreSQL (two app instances never run one firing twice).</summary>
    public bool? Clustered { get; set; }
    /// <summary>Days a generated export file is kept before the cleanup job deletes it.</summary>
    public int ExportRetentionDays { get; set; } = 7;
    /// <summary>How late a firing may be before it counts as missed; Quartz's misfire handler also looks this often.</summary>
    public TimeSpan MisfireThreshold { get; set; } = TimeSpan.FromMinutes(1);
}

public static class JobsSetup
{
    /// <summary>
    /// Quartz with its ADO job store in the application database: SQLite (Microsoft.Data.Sqlite) by default, PostgreSQL
    /// clustered when configured. Quartz creates its own QRTZ_ tables at start when they are missing (ProvisionSchema:
    /// create-only, idempotent), job data is System.Text.Json, and the execution history (last result, duration) is
    /// kept in the same database.
    /// </summary>
    public static WebApplicationBuilder AddJobs(this WebApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection("KaMeng:Jobs");
        builder.Services.Configure<JobsOptions>(section);
        var jobs = section.Get<JobsOptions>() ?? new JobsOptions();
        var kameng = builder.Configuration.GetSection("KaMeng").Get<KaMengOptions>() ?? new KaMengOptions();
        var dataDir = Path.GetFullPath(kameng.DataDir, builder.Environment.ContentRootPath);
        var connectionString = builder.Configuration.GetConnectionString("KaMeng");

        builder.Services.AddSingleton<JobAdminService>();
        builder.Services.AddSingleton<RestockService>();
        builder.Services.AddSingleton<RestockAlertList>();

        builder.Services.AddQuartz(q =>
        {
            q.ConfigureScheduler(s => s.InstanceName = "KaMeng");
            // Every run, on whichever node ran it, counted in the KaMeng meter (kameng.jobs.runs / .duration).
            q.AddJobListener<Telemetry.JobRunMetrics>();
            q.UsePersistentStore(store =>
            {
                switch (kameng.Database.Provider)
                {
                    case DatabaseProvider.Postgres: store.UsePostgres(connectionString!); break;
                    case DatabaseProvider.SqlServer: store.UseSqlServer(connectionString!); break;
                    case DatabaseProvider.Sqlite:
                        store.UseSqlite(string.IsNullOrWhiteSpace(connectionString)
                            ? new SqliteConnectionStringBuilder { DataSource = Path.Combine(dataDir, "kameng.db"), DefaultTimeout = 30 }.ToString()
                            : connectionString);
                        break;
                    default:
                        throw new InvalidOperationException($"No Quartz store for database provider {kameng.Database.Provider}.");
                }
                // Clustered by default on a server (several nodes share it); on SQLite only when asked.
                if (jobs.Clustered ?? kameng.Database.Provider != DatabaseProvider.Sqlite)
                    store.UseClustering(c => c.CheckinInterval = TimeSpan.FromSeconds(10));
                store.UseSystemTextJsonSerializer();
                store.ProvisionSchema();
                store.UseExecutionHistory();
                // A firing missed by more than the threshold (a minute; the app was down) is a misfire: each trigger says what to do
                // (run once now, or skip to the next time), see JobCatalog.
                store.ConfigureStore(o => o.MisfireThreshold = jobs.MisfireThreshold);
            });
            // The jobs themselves (group "kameng") and their triggers are added by JobScheduleSeeder.
        });
        if (jobs.Enabled)
        {
            builder.Services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
            builder.Services.AddHostedService<JobScheduleSeeder>();
        }
        return builder;
    }
}
