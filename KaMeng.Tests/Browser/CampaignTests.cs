using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Campaigns;
using KaMeng.Web.Features.Orders;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace KaMeng.Tests.Browser;

/// <summary>Issue 20 §5 in the browser: an owner's campaign to a tag, and a buyer's 消息中心 on a phone.</summary>
public class CampaignTests(BrowserFixture fx) : IClassFixture<BrowserFixture>
{
    async Task<(int StationId, AuditActor Owner)> DemoAsync()
    {
        await using var db = fx.App.NewContext();
        var station = await db.Stations.SingleAsync(s => s.Code == "demo");
        return (station.Id, new AuditActor(station.OwnerUserId!, "demo-owner", station.Id));
    }

    /// <summary>A buyer of the demo station (a rollup row there), created when missing.</summary>
    async Task<string> BuyerOfDemoAsync(int stationId, string userName)
    {
        await using var db = fx.App.NewContext();
        var user = await db.Users.SingleOrDefaultAsync(u => u.UserName == userName);
        if (user is null)
        {
            user = new AppUser { UserName = userName, NormalizedUserName = userName.ToUpperInvariant(), CreatedAt = DateTimeOffset.UtcNow };
            db.Users.Add(user);
        }
        if (!await db.BuyerStats.AnyAsync(b => b.StationId == stationId && b.BuyerUserId == user.Id))
            db.BuyerStats.Add(new BuyerStat { StationId = stationId, BuyerUserId = user.Id, FirstPaidAt = DateTimeOffset.UtcNow.AddDays(-20), LastPaidAt = DateTimeOffset.UtcNow.AddDays(-2), PaidOrders = 2, SpendFen = 3_000 });
        await db.SaveChangesAsync();
        return user.Id;
    }

    [Fact]
    public async Task An_owner_creates_a_campaign_to_a_tag_and_sees_it_in_the_list_and_an_empty_audience_is_refused()
    {
        var (stationId, owner) = await DemoAsync();
        // A buyer of its own (never opted in): this campaign reaches nobody the other test watches.
        var buyer = await BuyerOfDemoAsync(stationId, "campaign-ui-buyer");
        var tag = "界面测试";
        var tagging = fx.App.Services.GetRequiredService<BuyerTagging>();
        await tagging.AddManualAsync(owner, buyer, tag);

        var page = await fx.NewPageAsync();
        await new LoginPage(page).LoginAsAsync("demo-owner", TestAccounts.DemoPassword, "/admin/marketing/campaigns/new");
        var admin = new AdminPage(page);
        await admin.WaitForCircuitAsync();
        var campaigns = new CampaignAdminPage(page);
        await Assertions.Expect(page.GetByTestId("campaign-save")).ToBeVisibleAsync();

        // No audience: refused in Chinese, nothing stored.
        await page.Locator("[name=campaign-name]").FillAsync("空受众");
        await campaigns.SaveAsync();
        await Assertions.Expect(admin.Notification("请选择活动受众：用户分层、标签或会员等级至少选一项")).ToBeVisibleAsync();
        await using (var db = fx.App.NewContext())
            Assert.False(await db.Campaigns.AnyAsync(c => c.Name == "空受众"));
        await admin.CloseNotificationsAsync();

        await campaigns.FillAsync("周末老客回馈", tag, "周末专享", "本周末全场 **九折**。");
        await campaigns.PreviewAsync();
        await Assertions.Expect(campaigns.PreviewResult).ToHaveTextAsync("匹配 1 人，其中同意接收 0 人");
        await campaigns.SaveAsync();
        await Assertions.Expect(admin.Notification("活动「周末老客回馈」已保存")).ToBeVisibleAsync();
        await page.WaitForURLAsync("**/admin/marketing/campaigns");
        var row = campaigns.Row("周末老客回馈");
        await Assertions.Expect(row).ToHaveCountAsync(1);
        await Assertions.Expect(row.GetByTestId("campaign-audience")).ToHaveTextAsync($"标签：{tag}");
        await BrowserFixture.ScreenshotsAsync(page, "campaign-list");

        await using (var db = fx.App.NewContext())
        {
            var saved = await db.Campaigns.SingleAsync(c => c.Name == "周末老客回馈");
            Assert.Equal((stationId, tag, "周末专享"), (saved.StationId, saved.Tag, saved.Title));
        }
    }

    [Fact]
    public async Task A_buyer_on_a_phone_opens_the_message_centre_reads_the_campaign_and_the_unread_badge_goes_away()
    {
        var (stationId, owner) = await DemoAsync();
        string buyer;
        await using (var db = fx.App.NewContext())
            buyer = await db.Users.Where(u => u.UserName == "demo-buyer").Select(u => u.Id).SingleAsync();
        await BuyerOfDemoAsync(stationId, "demo-buyer");
        var tagging = fx.App.Services.GetRequiredService<BuyerTagging>();
        await tagging.AddManualAsync(owner, buyer, "手机测试");
        await fx.App.Services.GetRequiredService<InboxService>().SetConsentAsync(stationId, buyer, true);
        var (id, error) = await fx.App.Services.GetRequiredService<CampaignService>().CreateAsync(owner,
            new CampaignForm { Name = "手机消息", Tag = "手机测试", Title = "双十二福利", Body = "全场 **九折**，今晚 12 点截止。", SendEmail = false });
        Assert.Null(error);
        // Sent now, or at 08:00 when the test runs at night (the quiet hours).
        await fx.App.Services.GetRequiredService<CampaignSender>().RunAsync(MarketingRules.NextSendable(DateTimeOffset.UtcNow.AddSeconds(1)));
        await using (var db = fx.App.NewContext())
            Assert.Equal(CampaignStatus.Sent, (await db.Campaigns.SingleAsync(c => c.Id == id)).Status);

        var page = await fx.NewPageAsync(mobile: true);
        await new LoginPage(page, "/s/demo").LoginAsAsync("demo-buyer", TestAccounts.DemoPassword, "/s/demo/");
        var inbox = new InboxPage(page, "/s/demo");
        await Assertions.Expect(inbox.HeaderBadge).ToHaveTextAsync("1");
        await inbox.HeaderLink.ClickAsync();
        await page.WaitForURLAsync("**/s/demo/my/inbox");
        await Assertions.Expect(inbox.UnreadCount).ToHaveTextAsync("1 条未读");
        await Assertions.Expect(inbox.ConsentState).ToHaveTextAsync("已开启");
        var item = inbox.Item("双十二福利");
        await Assertions.Expect(item).ToHaveAttributeAsync("data-read", "false");
        await BrowserFixture.ScreenshotsAsync(page, "inbox-unread");

        await item.GetByTestId("inbox-item-link").ClickAsync();
        await Assertions.Expect(inbox.MessageTitle).ToHaveTextAsync("双十二福利");
        await Assertions.Expect(inbox.MessageBody.Locator("strong")).ToHaveTextAsync("九折");
        await Assertions.Expect(inbox.MessageBody.GetByRole(AriaRole.Link, new() { Name = "退订" })).ToHaveAttributeAsync("href", new System.Text.RegularExpressions.Regex("^unsubscribe/[0-9a-f]{32}$"));
        await inbox.BackAsync();
        await page.WaitForURLAsync("**/s/demo/my/inbox");
        await Assertions.Expect(inbox.Item("双十二福利")).ToHaveAttributeAsync("data-read", "true");
        await Assertions.Expect(inbox.UnreadCount).ToHaveCountAsync(0);
        await Assertions.Expect(inbox.HeaderBadge).ToHaveCountAsync(0);
        await BrowserFixture.ScreenshotsAsync(page, "inbox-read");

        // The switch: off, and the next campaign skips the buyer.
        await inbox.ToggleConsentAsync();
        await Assertions.Expect(inbox.ConsentState).ToHaveTextAsync("已关闭");
        Assert.Equal(new ConsentView(false, true), await fx.App.Services.GetRequiredService<InboxService>().ConsentAsync(stationId, buyer));
        await using (var db = fx.App.NewContext())
            Assert.NotNull((await db.CampaignDeliveries.SingleAsync(d => d.CampaignId == id && d.Channel == CampaignChannel.Inbox)).OpenedAt);
    }
}
