using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

namespace KaMeng.Tests.Jobs;

/// <summary>On PostgreSQL the store provisions its schema in the application database and runs clustered.</summary>
public class PostgresSchedulerTests(KaMengPostgresApp app) : IClassFixture<KaMengPostgresApp>
{
    [Fact]
    public async Task Clustered_scheduler_on_postgres_runs_the_expiry_job_from_its_own_tables()
    {
        var scheduler = await app.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
        var meta = await scheduler.GetMetadata();
        Assert.True(meta.JobStoreClustered);
        Assert.True(meta.JobStorePersistent);

        var tag = "PGX" + Guid.NewGuid().ToString("N")[..8];
        var now = DateTimeOffset.UtcNow;
        await using (var db = app.NewContext())
        {
            var product = await db.Products.OrderBy(p => p.Id).FirstAsync();
            db.Orders.Add(Order.Place(tag + "1", Station.MainStationId, product, 1, Money.FromFen(600), now.AddMinutes(-30), TimeSpan.FromMinutes(15)));
            db.Orders.Add(Order.Place(tag + "2", Station.MainStationId, product, 1, Money.FromFen(600), now, TimeSpan.FromMinutes(15)));
            await db.SaveChangesAsync();
        }
        await app.Services.GetRequiredService<JobAdminService>().RunNowAsync(JobCatalog.ExpireUnpaidOrders.Key);

        async Task<List<OrderStatus>> StatusesAsync()
        {
            await using var db = app.NewContext();
            return await db.Orders.Where(o => o.Number.StartsWith(tag)).OrderBy(o => o.Number).Select(o => o.Status).ToListAsync();
        }
        await Poll.UntilAsync(async () => (await StatusesAsync())[0] == OrderStatus.Cancelled, "the expiry job to cancel the expired order", 90);
        Assert.Equal(OrderStatus.PendingPayment, (await StatusesAsync())[1]);
        await using (var db = app.NewContext())
        {
            var conn = db.Database.GetDbConnection();
            await conn.OpenAsync();
            await using var cmd = conn.CreateCommand();
            cmd.CommandText = "SELECT count(*) FROM qrtz_scheduler_state";
            Assert.True(Convert.ToInt64(await cmd.ExecuteScalarAsync()) >= 1); // this node checks in
        }
    }
}
