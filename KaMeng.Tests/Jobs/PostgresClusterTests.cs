using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Jobs;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Quartz;
using Quartz.Extensibility;

namespace KaMeng.Tests.Jobs;

/// <summary>Issue #7: two app instances on one PostgreSQL database form one Quartz cluster, so a firing runs on one node only.</summary>
public class PostgresClusterTests
{
    /// <summary>One more app instance on an existing database, configured like KaMengApp (no Kestrel: the scheduler is what is under test).</summary>
    sealed class Node(string connectionString) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Development");
            builder.UseSetting("KaMeng:DataDir", TestPaths.NewTempDir("node"));
            builder.UseSetting("KaMeng:Seed:AdminPassword", TestAccounts.AdminPassword);
            builder.UseSetting("KaMeng:Database:Provider", "Postgres");
            builder.UseSetting("ConnectionStrings:KaMeng", connectionString);
        }

        public Task<IScheduler> SchedulerAsync() => Services.GetRequiredService<ISchedulerFactory>().GetScheduler().AsTask();
    }

    [Fact]
    public async Task Two_instances_on_one_postgres_store_run_each_firing_once()
    {
        const int firings = 5;
        var job = JobCatalog.ApiNonceCleanup;
        var (cs, database) = await TestDatabase.CreatePostgresDatabaseAsync();
        try
        {
            await using var first = new Node(cs);
            var a = await first.SchedulerAsync(); // the first start migrates and seeds; the second joins that database
            await using var second = new Node(cs);
            var b = await second.SchedulerAsync();

            var nodeIds = new[] { await a.GetSchedulerInstanceId(), await b.GetSchedulerInstanceId() };
            Assert.NotEqual(nodeIds[0], nodeIds[1]);
            Assert.True((await a.GetMetadata()).JobStoreClustered);
            Assert.True((await b.GetMetadata()).JobStoreClustered);
            await Poll.UntilAsync(async () => await ScalarAsync(cs, "SELECT count(DISTINCT instance_name) FROM qrtz_scheduler_state") == 2,
                "both nodes to check in", 60);

            // Run-now from both instances, as two admins on two nodes would; whichever node acquires a trigger runs it.
            for (var i = 0; i < firings; i++)
                await (i % 2 == 0 ? first : second).Services.GetRequiredService<JobAdminService>().RunNowAsync(job.Key);

            var history = first.Services.GetRequiredService<IExecutionHistoryStore>();
            async Task<IReadOnlyList<ExecutionHistoryEntry>> ManualRunsAsync() =>
                (await history.QueryExecutions(new ExecutionHistoryQuery { SchedulerName = a.SchedulerName, Job = job.JobKey })).Items
                    .Where(e => e.Manual).ToList();
            // Generous: the jobs disallow concurrent runs, and a node that is not signalled in-process only rescans the store
            // on its idle wait (30 s), so on a loaded machine the five runs can take a few of those.
            await Poll.UntilAsync(async () => (await ManualRunsAsync()).Count >= firings, $"{firings} manual runs", 240);

            // Let anything still in flight on either node finish (a duplicate would be recorded by then), then count.
            await a.Shutdown(waitForJobsToComplete: true);
            await b.Shutdown(waitForJobsToComplete: true);
            var runs = await ManualRunsAsync();
            Assert.Equal(firings, runs.Count);
            Assert.Equal(firings, runs.Select(r => r.TriggerName).Distinct().Count()); // each one-shot trigger ran once
            Assert.All(runs, r => Assert.Contains(r.SchedulerInstanceId, nodeIds));
            Assert.Equal(0, await ScalarAsync(cs, "SELECT count(*) FROM qrtz_triggers WHERE trigger_name LIKE 'MT\\_%'")); // none left to fire
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await using var conn = new NpgsqlConnection(TestDatabase.PostgresAdminConnectionString);
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS {database} WITH (FORCE)", conn);
            await cmd.ExecuteNonQueryAsync();
        }
    }

    static async Task<long> ScalarAsync(string cs, string sql)
    {
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync());
    }
}
