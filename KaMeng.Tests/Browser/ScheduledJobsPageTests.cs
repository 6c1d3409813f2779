using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace KaMeng.Tests.Browser;

public class ScheduledJobsPageTests(BrowserFixture fx) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task Admin_runs_a_job_now_pauses_and_resumes_it_and_edits_its_cron_with_a_chinese_reading()
    {
        var page = await fx.NewPageAsync();
        await new LoginPage(page).LoginAsAsync("admin", TestAccounts.AdminPassword, "/admin/jobs");
        await new AdminPage(page).WaitForCircuitAsync();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("计划任务");

        var card = page.GetByTestId("job-export-cleanup");
        await Assertions.Expect(card.GetByTestId("job-reading")).ToHaveTextAsync("每天 03:30");
        await Assertions.Expect(card.GetByTestId("job-result")).ToHaveTextAsync("尚未执行");

        // Run now: the page follows the run to its recorded result and duration.
        await card.GetByTestId("job-run").ClickAsync();
        await Assertions.Expect(card.GetByTestId("job-result")).ToHaveTextAsync("无事可做：没有过期文件", new() { Timeout = 60_000 });
        await Assertions.Expect(card.GetByTestId("job-duration")).ToContainTextAsync("毫秒");
        await Assertions.Expect(card.GetByTestId("job-last")).Not.ToHaveTextAsync("—");

        // Pause and resume.
        await card.GetByTestId("job-pause").ClickAsync();
        await Assertions.Expect(card.GetByTestId("job-state")).ToHaveTextAsync("已暂停");
        await Assertions.Expect(card.GetByTestId("job-next")).ToContainTextAsync("已暂停");
        await card.GetByTestId("job-resume").ClickAsync();
        await Assertions.Expect(card.GetByTestId("job-state")).ToHaveTextAsync("运行中");

        // Change the schedule by picking a preset (the editor's validation and raw expression are covered by bUnit).
        await card.GetByTestId("job-edit").ClickAsync();
        var jobs = new ScheduledJobsPage(page);
        await jobs.ChoosePresetAsync(card, "每周一 8:00");
        await Assertions.Expect(card.GetByTestId("cron-preview")).ToContainTextAsync("每周一 08:00");
        await BrowserFixture.ScreenshotsAsync(page, "scheduled-jobs");
        await card.GetByTestId("cron-save").ClickAsync();
        // The store write can be slow on a loaded machine; the page says when it is done.
        await Assertions.Expect(new AdminPage(page).Notification("计划已更新")).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await Assertions.Expect(card.GetByTestId("job-cron")).ToHaveTextAsync("0 0 8 ? * MON");
        await Assertions.Expect(card.GetByTestId("job-reading")).ToHaveTextAsync("每周一 08:00");
        await Assertions.Expect(card.GetByTestId("job-next")).ToContainTextAsync("08:00:00");

        // The advanced option: a raw Quartz expression, read back in Chinese.
        await card.GetByTestId("job-edit").ClickAsync();
        await jobs.ChoosePresetAsync(card, "自定义 cron 表达式（高级）");
        await jobs.CronInput(card).FillAsync("0 0 8 ? * MON,WED");
        await Assertions.Expect(card.GetByTestId("cron-preview")).ToContainTextAsync("每周一、三 08:00");
        await card.GetByTestId("cron-save").ClickAsync();
        await Assertions.Expect(card.GetByTestId("job-cron")).ToHaveTextAsync("0 0 8 ? * MON,WED", new() { Timeout = 60_000 });

        // The schedule is the store's, not the page's: a reload shows it.
        await page.ReloadAsync();
        await new AdminPage(page).WaitForCircuitAsync();
        await Assertions.Expect(page.GetByTestId("job-export-cleanup").GetByTestId("job-cron")).ToHaveTextAsync("0 0 8 ? * MON,WED");
    }

    [Fact]
    public async Task Notification_centre_shows_the_unread_badge_and_marks_messages_read()
    {
        await using (var db = fx.App.NewContext())
        {
            var admin = await db.Users.SingleAsync(u => u.UserName == "admin");
            await db.Notifications.Where(n => n.UserId == admin.Id).ExecuteDeleteAsync();
            db.Notifications.AddRange(
                new Notification { UserId = admin.Id, Event = NotificationEvent.LowStock, Title = "补货提醒：测试商品 库存仅剩 2", Body = "请补货", Link = "/admin/card-keys", CreatedAt = DateTimeOffset.UtcNow },
                new Notification { UserId = admin.Id, Event = NotificationEvent.ReportReady, Title = "报表已生成：订单", CreatedAt = DateTimeOffset.UtcNow });
            await db.SaveChangesAsync();
        }
        var page = await fx.NewPageAsync();
        await new LoginPage(page).LoginAsAsync("admin", TestAccounts.AdminPassword, "/admin");
        await new AdminPage(page).WaitForCircuitAsync();
        await Assertions.Expect(page.GetByTestId("unread-count")).ToHaveTextAsync("2");

        await page.GetByTestId("notification-bell").ClickAsync();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("站内信");
        await new AdminPage(page).WaitForCircuitAsync();
        await Assertions.Expect(page.GetByTestId("notification")).ToHaveCountAsync(2);
        await BrowserFixture.ScreenshotsAsync(page, "notification-centre");

        var stock = page.GetByTestId("notification").Filter(new() { HasText = "补货提醒" });
        await stock.GetByTestId("mark-read").ClickAsync();
        await Assertions.Expect(stock).ToHaveAttributeAsync("data-read", "true");
        await Assertions.Expect(page.GetByTestId("unread-count")).ToHaveTextAsync("1");

        await page.GetByTestId("mark-all-read").ClickAsync();
        await Assertions.Expect(page.GetByTestId("unread-count")).ToHaveCountAsync(0);

        // A new message arrives while the page is open: the badge follows without a reload.
        var notifier = fx.App.Services.GetService(typeof(KaMeng.Web.Features.Notifications.Notifier)) as KaMeng.Web.Features.Notifications.Notifier;
        string adminId;
        await using (var db = fx.App.NewContext()) adminId = (await db.Users.SingleAsync(u => u.UserName == "admin")).Id;
        notifier!.Publish(new KaMeng.Web.Features.Notifications.NotificationRequest(NotificationEvent.System, "新消息", UserIds: [adminId]));
        await Assertions.Expect(page.GetByTestId("unread-count")).ToHaveTextAsync("1", new() { Timeout = 30_000 });
        await Assertions.Expect(page.GetByTestId("notification").Filter(new() { HasText = "新消息" })).ToBeVisibleAsync();
    }
}
