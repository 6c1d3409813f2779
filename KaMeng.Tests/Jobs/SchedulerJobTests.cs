using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

namespace KaMeng.Tests.Jobs;

/// <summary>The jobs run by the app's real Quartz scheduler on its persistent SQLite store.</summary>
public class SchedulerJobTests(QuickMisfireApp app) : IClassFixture<QuickMisfireApp>
{
    JobAdminService Jobs => app.Services.GetRequiredService<JobAdminService>();

    static Task WaitForAsync(Func<Task<bool>> condition, string what) => Poll.UntilAsync(condition, what, 90);

    async Task<long> RunCountAsync(JobDefinition job)
    {
        await using var db = app.NewContext();
        var conn = db.Database.GetDbConnection();
        await conn.OpenAsync();
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = "SELECT RUN_COUNT FROM QRTZ_JOB_STATUS WHERE JOB_NAME = $name";
        var p = cmd.CreateParameter(); p.ParameterName = "$name"; p.Value = job.Key; cmd.Parameters.Add(p);
        return await cmd.ExecuteScalarAsync() is { } v and not DBNull ? Convert.ToInt64(v) : 0;
    }

    /// <summary>Fires the job through the scheduler ("run now") and waits until its run is recorded.</summary>
    async Task RunAndWaitAsync(JobDefinition job)
    {
        var before = await RunCountAsync(job);
        await Jobs.RunNowAsync(job.Key);
        await WaitForAsync(async () => await RunCountAsync(job) > before, job.Key + " to run");
    }

    async Task<int> LowStockNoticesAsync(string productName)
    {
        await using var db = app.NewContext();
        return await db.Notifications.CountAsync(n => n.Event == NotificationEvent.LowStock && n.Title.Contains(productName));
    }

    async Task SetAvailableKeysAsync(int productId, int available)
    {
        await using var db = app.NewContext();
        var keys = await db.CardKeys.Where(k => k.ProductId == productId && k.Status != CardKeyStatus.Sold).OrderBy(k => k.Id).ToListAsync();
        for (var i = 0; i < keys.Count; i++) keys[i].Status = i < available ? CardKeyStatus.Available : CardKeyStatus.Void;
        await db.SaveChangesAsync();
    }

    [Fact]
    public async Task Restock_job_alerts_once_per_crossing_and_again_after_stock_recovers()
    {
        Product product;
        await using (var db = app.NewContext())
            product = await db.Products.OrderBy(p => p.Id).FirstAsync(p => p.DeliveryType == DeliveryType.CardKey);
        Assert.Equal(5, product.LowStockThreshold);
        var admins = 1; // the seeded platform admin is the main station's recipient

        await RunAndWaitAsync(JobCatalog.RestockAlerts);
        Assert.Equal(0, await LowStockNoticesAsync(product.Name));

        await SetAvailableKeysAsync(product.Id, 3);
        await RunAndWaitAsync(JobCatalog.RestockAlerts);
        await WaitForAsync(async () => await LowStockNoticesAsync(product.Name) == admins, "the low-stock notice");
        await RunAndWaitAsync(JobCatalog.RestockAlerts);
        await RunAndWaitAsync(JobCatalog.RestockAlerts);
        Assert.Equal(admins, await LowStockNoticesAsync(product.Name));

        await SetAvailableKeysAsync(product.Id, 10); // recovered: re-armed, no alert
        await RunAndWaitAsync(JobCatalog.RestockAlerts);
        await SetAvailableKeysAsync(product.Id, 2); // a new crossing
        await RunAndWaitAsync(JobCatalog.RestockAlerts);
        await WaitForAsync(async () => await LowStockNoticesAsync(product.Name) == 2 * admins, "the second crossing's notice");

        await using var check = app.NewContext();
        var alert = await check.RestockAlerts.SingleAsync(a => a.ProductId == product.Id && a.StationId == Station.MainStationId);
        Assert.True(alert.Alerted);
        Assert.Equal(2, alert.LastStock);
        await SetAvailableKeysAsync(product.Id, 20);
    }

    [Fact]
    public async Task Expiry_job_run_by_the_scheduler_cancels_exactly_the_expired_orders()
    {
        var now = DateTimeOffset.UtcNow;
        var tag = "EXP" + Guid.NewGuid().ToString("N")[..8];
        await using (var db = app.NewContext())
        {
            var product = await db.Products.OrderBy(p => p.Id).FirstAsync();
            Order Pending(int i, TimeSpan age) => Order.Place($"{tag}{i}", Station.MainStationId, product, 1, Money.FromFen(600), now - age, TimeSpan.FromMinutes(15));
            db.Orders.AddRange(Pending(1, TimeSpan.FromMinutes(16)), Pending(2, TimeSpan.FromMinutes(60)), Pending(3, TimeSpan.FromMinutes(5)), Pending(4, TimeSpan.FromMinutes(1)));
            await db.SaveChangesAsync();
        }
        await RunAndWaitAsync(JobCatalog.ExpireUnpaidOrders);

        await using var check = app.NewContext();
        var statuses = await check.Orders.Where(o => o.Number.StartsWith(tag)).OrderBy(o => o.Number).Select(o => o.Status).ToListAsync();
        Assert.Equal([OrderStatus.Cancelled, OrderStatus.Cancelled, OrderStatus.PendingPayment, OrderStatus.PendingPayment], statuses);
    }

    [Fact]
    public async Task Shelf_job_puts_products_on_and_off_the_shelf_at_their_times()
    {
        int onId, offId;
        await using (var db = app.NewContext())
        {
            var category = await db.Categories.OrderBy(c => c.Id).FirstAsync();
            Product P(string name, bool onShelf) => new()
            {
                StationId = Station.MainStationId, CategoryId = category.Id, Name = name, OnShelf = onShelf, CreatedAt = DateTimeOffset.UtcNow,
                BasePrice = Money.FromFen(100), CostPrice = Money.FromFen(50), FaceValue = Money.FromFen(100),
            };
            var on = P("定时上架" + Guid.NewGuid().ToString("N")[..6], false);
            on.ShelfFrom = DateTimeOffset.UtcNow.AddMinutes(-1);
            var off = P("定时下架" + Guid.NewGuid().ToString("N")[..6], true);
            off.ShelfUntil = DateTimeOffset.UtcNow.AddMinutes(-1);
            var later = P("以后上架", false);
            later.ShelfFrom = DateTimeOffset.UtcNow.AddDays(1);
            db.Products.AddRange(on, off, later);
            await db.SaveChangesAsync();
            (onId, offId) = (on.Id, off.Id);
        }
        await RunAndWaitAsync(JobCatalog.ShelfSchedule);
        await using var check = app.NewContext();
        Assert.True((await check.Products.SingleAsync(p => p.Id == onId)).OnShelf);
        Assert.False((await check.Products.SingleAsync(p => p.Id == offId)).OnShelf);
        Assert.False((await check.Products.SingleAsync(p => p.Name == "以后上架")).OnShelf);
    }

    [Fact]
    public async Task Pause_resume_and_a_new_cron_are_kept_by_the_persistent_store()
    {
        var job = JobCatalog.ExportCleanup;
        Assert.Contains("不会再触发", await Jobs.RescheduleAsync(job.Key, "0 0 0 1 1 ? 2000"));
        Assert.Null(await Jobs.RescheduleAsync(job.Key, "0 0 8 ? * MON"));
        await Jobs.PauseAsync(job.Key, "test");
        var row = (await Jobs.ListAsync()).Single(r => r.Job.Key == job.Key);
        Assert.True(row.Paused);
        Assert.Equal("0 0 8 ? * MON", row.Cron);
        Assert.Equal("每周一 08:00", row.Reading);

        // What the page shows is what the database holds (another instance would see the same).
        await using (var db = app.NewContext())
        {
            var conn = db.Database.GetDbConnection();
            await conn.OpenAsync();
            await using var cmd = conn.CreateCommand();
            cmd.CommandText = "SELECT t.TRIGGER_STATE, c.CRON_EXPRESSION FROM QRTZ_TRIGGERS t JOIN QRTZ_CRON_TRIGGERS c ON c.TRIGGER_NAME = t.TRIGGER_NAME AND c.TRIGGER_GROUP = t.TRIGGER_GROUP WHERE t.TRIGGER_NAME = 'export-cleanup'";
            await using var reader = await cmd.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            Assert.Equal("PAUSED", reader.GetString(0));
            Assert.Equal("0 0 8 ? * MON", reader.GetString(1));
        }
        await Jobs.ResumeAsync(job.Key);
        Assert.False((await Jobs.ListAsync()).Single(r => r.Job.Key == job.Key).Paused);
        Assert.Null(await Jobs.RescheduleAsync(job.Key, job.DefaultCron));
    }

    [Fact]
    public async Task A_trigger_stored_in_another_zone_is_moved_to_beijing_time_keeping_its_cron_and_pause()
    {
        var job = JobCatalog.SupplierSync;
        var scheduler = await app.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
        var inUtc = TriggerBuilder.Create().WithIdentity(job.TriggerKey).ForJob(job.JobKey)
            .WithCronSchedule("0 30 3 * * ?", c => c.InTimeZone(TimeZoneInfo.Utc)).Build();
        await scheduler.RescheduleJob(job.TriggerKey, inUtc);
        await scheduler.PauseTrigger(job.TriggerKey);

        Assert.True(await JobCatalog.MoveToBusinessZoneAsync(scheduler, job));
        var moved = Assert.IsAssignableFrom<ICronTrigger>(await scheduler.GetTrigger(job.TriggerKey));
        Assert.Equal(BusinessTime.Zone.Id, moved.TimeZone.Id);
        Assert.Equal("0 30 3 * * ?", moved.CronExpressionString);
        Assert.Equal(TriggerState.Paused, await scheduler.GetTriggerState(job.TriggerKey));
        Assert.False(await JobCatalog.MoveToBusinessZoneAsync(scheduler, job)); // already in Beijing time

        Assert.Null(await Jobs.RescheduleAsync(job.Key, job.DefaultCron));
        await Jobs.ResumeAsync(job.Key);
    }

    [Fact]
    public async Task Scheduled_report_job_writes_yesterdays_finance_workbook_with_a_sheet_per_report_and_notifies()
    {
        var tag = "RPTJ" + Guid.NewGuid().ToString("N")[..8];
        var yesterday = BusinessTime.DateOf(DateTimeOffset.UtcNow).AddDays(-1);
        var yesterdayNoon = BusinessTime.FromBusiness(yesterday.ToDateTime(new TimeOnly(12, 0)));
        await using (var db = app.NewContext())
        {
            var product = await db.Products.OrderBy(p => p.Id).FirstAsync();
            var order = Order.Place(tag, Station.MainStationId, product, 2, Money.FromFen(1234), yesterdayNoon, TimeSpan.FromMinutes(15));
            db.Orders.Add(order);
            await db.SaveChangesAsync();
        }
        await RunAndWaitAsync(JobCatalog.ScheduledReports);

        var dir = Path.Combine(app.DataDir, "exports");
        static string NameIn(string metaPath) => System.Text.Json.JsonDocument.Parse(File.ReadAllText(metaPath)).RootElement.GetProperty("FileName").GetString()!;
        var file = Directory.GetFiles(dir, "*.xlsx").Single(f => NameIn(Path.ChangeExtension(f, ".json")).StartsWith("财务日报_平台"));
        using var book = new KaMeng.Tests.Reports.Workbook(await File.ReadAllBytesAsync(file));
        Assert.Equal(["订单", "资金流水", "提现", "分站收益", "汇总"], book.SheetNames);
        var orderRows = book.Rows("订单").Skip(1).Where(r => KaMeng.Tests.Reports.Workbook.Text(r[0]) == tag).ToList();
        Assert.Single(orderRows);
        await using var check = app.NewContext();
        var from = BusinessTime.StartOfBusinessDay(yesterday);
        var to = BusinessTime.StartOfBusinessDay(yesterday.AddDays(1));
        var expected = (await check.Orders.Where(o => o.CreatedAt >= from && o.CreatedAt < to).Select(o => o.Total).ToListAsync()).Sum(m => m.Fen);
        var summary = book.Rows("汇总").First(c => KaMeng.Tests.Reports.Workbook.Text(c[0]) == "订单");
        Assert.Equal(expected / 100m, KaMeng.Tests.Reports.Workbook.Number(summary[2]));
        await WaitForAsync(async () =>
        {
            await using var db = app.NewContext();
            return await db.Notifications.AnyAsync(n => n.Event == NotificationEvent.ReportReady && n.Title == "财务日报已生成：平台");
        }, "the report-ready notice");
    }

    [Fact]
    public async Task Rollup_check_rating_and_payment_reconciliation_jobs_run_on_the_scheduler_and_report_what_they_did()
    {
        foreach (var job in new[] { JobCatalog.RollupCheck, JobCatalog.StationRating, JobCatalog.EPayReconciliation })
            await RunAndWaitAsync(job);
        var rows = (await Jobs.ListAsync()).ToDictionary(r => r.Job.Key);
        // The seeded demo substation is rated; nothing was missed by the rollups; no gateway payment is waiting.
        Assert.Matches(@"^评级 \d+ 个分站：", rows[JobCatalog.StationRating.Key].LastSummary);
        Assert.Matches(@"^(统计与订单一致|补记 \d+ 笔订单的统计)$", rows[JobCatalog.RollupCheck.Key].LastSummary);
        Assert.Equal("没有待核对的支付", rows[JobCatalog.EPayReconciliation.Key].LastSummary);
    }

    [Fact]
    public async Task A_missed_firing_runs_once_when_the_scheduler_notices_it_then_the_schedule_proceeds()
    {
        // As if the app had been down over a firing: the daily cleanup's next fire time ten minutes in the past.
        var job = JobCatalog.ExportCleanup;
        var before = await RunCountAsync(job);
        async Task<object?> SqlAsync(string sql)
        {
            await using var db = app.NewContext();
            var conn = db.Database.GetDbConnection();
            await conn.OpenAsync();
            await using var cmd = conn.CreateCommand();
            cmd.CommandText = sql;
            return await cmd.ExecuteScalarAsync();
        }
        Assert.Equal(1L, Convert.ToInt64(await SqlAsync("SELECT MISFIRE_INSTR FROM QRTZ_TRIGGERS WHERE TRIGGER_NAME = 'export-cleanup'"))); // FireAndProceed
        var missed = DateTimeOffset.UtcNow.AddMinutes(-10).UtcTicks;
        await SqlAsync($"UPDATE QRTZ_TRIGGERS SET NEXT_FIRE_TIME = {missed} WHERE TRIGGER_NAME = 'export-cleanup'");

        // Quartz's misfire handler looks every threshold (5 s here, a minute in production): allow for a loaded machine.
        await Poll.UntilAsync(async () => await RunCountAsync(job) > before, "the missed firing to run", 240);
        var next = Convert.ToInt64(await SqlAsync("SELECT NEXT_FIRE_TIME FROM QRTZ_TRIGGERS WHERE TRIGGER_NAME = 'export-cleanup'"));
        Assert.True(next > DateTimeOffset.UtcNow.UtcTicks, "after the catch-up run the trigger waits for its next scheduled time");
        Assert.Equal(before + 1, await RunCountAsync(job));
    }
}

/// <summary>The app with a 5-second misfire threshold, so a missed firing is noticed within seconds, not a minute.</summary>
public sealed class QuickMisfireApp : KaMengApp
{
    protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("KaMeng:Jobs:MisfireThreshold", "00:00:05");
    }
}
