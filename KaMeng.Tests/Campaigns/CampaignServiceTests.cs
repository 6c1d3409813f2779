using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Campaigns;
using KaMeng.Web.Features.Notifications;
using KaMeng.Web.Features.Orders;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace KaMeng.Tests.Campaigns;

/// <summary>Issue 20 §5 on both providers: campaigns reach only opted-in buyers of their audience, once a day, never at night,
/// with their coupon; the unsubscribe link stops the next; triggers fire once; an empty audience is refused; the report counts.</summary>
public class CampaignServiceTests
{
    /// <summary>Noon in Beijing tomorrow: a daytime instant after the real now, so the services' own clock checks agree.</summary>
    static DateTimeOffset Noon() => BusinessTime.StartOfBusinessDay(DateTimeOffset.UtcNow).AddDays(1).AddHours(12);

    sealed class World(CommerceHarness h, FakeTimeProvider clock, CommerceHarness.SellingShop shop) : IAsyncDisposable
    {
        public CommerceHarness H => h;
        public FakeTimeProvider Clock => clock;
        public DateTimeOffset Now => clock.GetUtcNow();
        public int StationId => shop.Shop.Id;
        public CommerceHarness.SellingShop Shop => shop;
        public AuditActor Owner => new(shop.Owner, "owner", shop.Shop.Id);
        public CampaignService Campaigns => h.Get<CampaignService>();
        public CampaignSender Sender => h.Get<CampaignSender>();
        public InboxService Inbox => h.Get<InboxService>();
        public BuyerTagging Tagging => h.Get<BuyerTagging>();

        public async Task<List<string>> BuyersAsync(int n, bool withEmail = true)
        {
            var ids = await h.AddBuyersAsync(n, balanceFen: 100_000);
            await using var db = h.Db.NewContext();
            if (withEmail)
                foreach (var u in await db.Users.Where(u => ids.Contains(u.Id)).ToListAsync()) u.Email = u.UserName + "@example.test";
            await db.SaveChangesAsync();
            return ids;
        }

        /// <summary>A buyer's rollup row at the shop, with the last payment <paramref name="lastDaysAgo"/> days before now.</summary>
        public async Task StatAsync(string buyer, int firstDaysAgo, int lastDaysAgo, int orders = 2, long spendFen = 5_000)
        {
            await using var db = h.Db.NewContext();
            db.BuyerStats.Add(new BuyerStat { StationId = StationId, BuyerUserId = buyer, FirstPaidAt = Now.AddDays(-firstDaysAgo), LastPaidAt = Now.AddDays(-lastDaysAgo), PaidOrders = orders, SpendFen = spendFen });
            await db.SaveChangesAsync();
        }

        public async Task<Coupon> CouponAsync(string name = "回归券", int validDays = 7)
        {
            await using var db = h.Db.NewContext();
            var coupon = new Coupon { StationId = StationId, Name = name, Kind = CouponKind.AmountOff, AmountOff = Money.FromFen(500), ValidDays = validDays, CreatedAt = Now };
            db.Coupons.Add(coupon);
            await db.SaveChangesAsync();
            return coupon;
        }

        public async Task<int> CreateAsync(CampaignForm form)
        {
            var (id, error) = await Campaigns.CreateAsync(Owner, form);
            Assert.Null(error);
            return id!.Value;
        }

        public ValueTask DisposeAsync() => h.DisposeAsync();
    }

    static async Task<World> WorldAsync(DatabaseProvider provider)
    {
        var clock = new FakeTimeProvider(Noon());
        var h = await CommerceHarness.CreateAsync(provider, s =>
        {
            s.AddNotificationServices();
            s.AddCampaignServices();
            s.AddSingleton<TimeProvider>(clock);
        });
        return new World(h, clock, await h.OpenSellingShopAsync(keys: 10));
    }

    static CampaignForm Form(string name, BuyerSegment? segment = null, string? tag = null, int? couponId = null) =>
        new() { Name = name, Segment = segment, Tag = tag, Title = name + "：好久不见", Body = "全场 **九折**，速来！", CouponId = couponId, SendEmail = true };

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task A_campaign_to_a_segment_reaches_only_its_opted_in_buyers_once_a_day_never_at_night_and_grants_its_coupon(DatabaseProvider provider)
    {
        await using var w = await WorldAsync(provider);
        var b = await w.BuyersAsync(5);
        var (yes, undecided, no, active, noMail) = (b[0], b[1], b[2], b[3], b[4]);
        foreach (var dormant in new[] { yes, undecided, no, noMail }) await w.StatAsync(dormant, firstDaysAgo: 200, lastDaysAgo: 90);
        await w.StatAsync(active, firstDaysAgo: 200, lastDaysAgo: 5);
        await w.Inbox.SetConsentAsync(w.StationId, yes, true);
        await w.Inbox.SetConsentAsync(w.StationId, no, false);
        await w.Inbox.SetConsentAsync(w.StationId, active, true);
        await w.Inbox.SetConsentAsync(w.StationId, noMail, true);
        await using (var db = w.H.Db.NewContext())
            await db.Users.Where(u => u.Id == noMail).ExecuteUpdateAsync(s => s.SetProperty(u => u.Email, (string?)null));
        var coupon = await w.CouponAsync();
        Assert.Equal((4, 2), await w.Campaigns.PreviewAsync(w.Owner, Form("x", BuyerSegment.Dormant)));

        // Created at 23:00: nothing goes out until 08:00.
        w.Clock.SetUtcNow(BusinessTime.StartOfBusinessDay(w.Now).AddHours(23));
        var first = await w.CreateAsync(Form("回归活动", BuyerSegment.Dormant, couponId: coupon.Id));
        Assert.True((await w.Sender.RunAsync(w.Now)).QuietHours);
        w.Clock.Advance(TimeSpan.FromHours(8.5)); // 07:30
        Assert.True((await w.Sender.RunAsync(w.Now)).QuietHours);
        await using (var db = w.H.Db.NewContext())
        {
            Assert.False(await db.InboxMessages.AnyAsync());
            Assert.Equal(CampaignStatus.Scheduled, (await db.Campaigns.SingleAsync(c => c.Id == first)).Status);
        }
        w.Clock.Advance(TimeSpan.FromMinutes(30)); // 08:00
        var sent = await w.Sender.RunAsync(w.Now);
        Assert.Equal((1, 2, 2), (sent.Campaigns, sent.Delivered, sent.Skipped));

        await using (var db = w.H.Db.NewContext())
        {
            var messages = await db.InboxMessages.Where(m => m.CampaignId == first).ToListAsync();
            Assert.Equal(new[] { yes, noMail }.Order(), messages.Select(m => m.UserId).Order());
            Assert.All(messages, m => Assert.Contains("unsubscribe/", m.Body));
            var grants = await db.CouponGrants.Where(g => g.CouponId == coupon.Id).ToListAsync();
            Assert.Equal(new[] { yes, noMail }.Order(), grants.Select(g => g.UserId).Order());
            Assert.All(grants, g => { Assert.Equal(CampaignSender.CampaignGrantSource, g.Source); Assert.Equal(w.Now.AddDays(7), g.ExpiresAt); });
            var email = await db.CampaignDeliveries.Where(d => d.CampaignId == first && d.Channel == CampaignChannel.Email).Select(d => d.UserId).ToListAsync();
            Assert.Equal([yes], email);
            var c = await db.Campaigns.SingleAsync(x => x.Id == first);
            Assert.Equal((CampaignStatus.Sent, 4, 2, 1, 2, 2), (c.Status, c.AudienceCount, c.DeliveredCount, c.EmailCount, c.GrantedCount, c.SkippedCount));
        }

        // A second campaign the same day: nobody gets a second marketing message from the station.
        var second = await w.CreateAsync(Form("再次提醒", BuyerSegment.Dormant));
        w.Clock.Advance(TimeSpan.FromHours(2));
        var again = await w.Sender.RunAsync(w.Now);
        Assert.Equal((0, 4), (again.Delivered, again.Skipped));
        // The active buyer, not in the segment, never heard of either.
        await using (var db = w.H.Db.NewContext())
        {
            Assert.False(await db.InboxMessages.AnyAsync(m => m.UserId == active || m.UserId == undecided || m.UserId == no));
            Assert.Equal(CampaignStatus.Sent, (await db.Campaigns.SingleAsync(x => x.Id == second)).Status);
        }

        // The next day a third campaign reaches them again.
        w.Clock.Advance(TimeSpan.FromDays(1));
        await w.CreateAsync(Form("第三次", BuyerSegment.Dormant));
        Assert.Equal(2, (await w.Sender.RunAsync(w.Now)).Delivered);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task The_unsubscribe_link_works_without_sign_in_and_stops_the_next_campaign(DatabaseProvider provider)
    {
        await using var w = await WorldAsync(provider);
        var buyer = (await w.BuyersAsync(1))[0];
        await w.StatAsync(buyer, 30, 2);
        Assert.Null(await w.Tagging.AddManualAsync(w.Owner, buyer, "老客"));
        await w.Inbox.SetConsentAsync(w.StationId, buyer, true);
        await w.CreateAsync(Form("老客专享", tag: "老客"));
        Assert.Equal(1, (await w.Sender.RunAsync(w.Now)).Delivered);

        string token;
        await using (var db = w.H.Db.NewContext())
        {
            token = await db.MarketingConsents.Where(c => c.UserId == buyer).Select(c => c.UnsubscribeToken).SingleAsync();
            Assert.Contains($"unsubscribe/{token}", (await db.InboxMessages.SingleAsync(m => m.UserId == buyer)).Body);
        }
        Assert.Null(await w.Inbox.UnsubscribeAsync("not-a-token"));
        Assert.Equal(w.StationId, await w.Inbox.UnsubscribeAsync(token));
        Assert.Equal(w.StationId, await w.Inbox.UnsubscribeAsync(token));
        Assert.Equal(new ConsentView(false, true), await w.Inbox.ConsentAsync(w.StationId, buyer));

        w.Clock.Advance(TimeSpan.FromDays(1));
        await w.CreateAsync(Form("老客专享 2", tag: "老客"));
        var next = await w.Sender.RunAsync(w.Now);
        Assert.Equal((0, 1), (next.Delivered, next.Skipped));

        // Opting in again in 消息中心 lets the following one through.
        await w.Inbox.SetConsentAsync(w.StationId, buyer, true);
        w.Clock.Advance(TimeSpan.FromDays(1));
        await w.CreateAsync(Form("老客专享 3", tag: "老客"));
        Assert.Equal(1, (await w.Sender.RunAsync(w.Now)).Delivered);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task The_welcome_and_win_back_gifts_fire_once_per_buyer_and_only_for_opted_in_buyers(DatabaseProvider provider)
    {
        await using var w = await WorldAsync(provider);
        var b = await w.BuyersAsync(4);
        var (newcomer, tooSoon, sleeper, silent) = (b[0], b[1], b[2], b[3]);
        await w.StatAsync(newcomer, firstDaysAgo: 4, lastDaysAgo: 4, orders: 1);
        await w.StatAsync(tooSoon, firstDaysAgo: 2, lastDaysAgo: 2, orders: 1);
        await w.StatAsync(sleeper, firstDaysAgo: 300, lastDaysAgo: 61);
        await w.StatAsync(silent, firstDaysAgo: 300, lastDaysAgo: 70);
        foreach (var id in new[] { newcomer, tooSoon, sleeper }) await w.Inbox.SetConsentAsync(w.StationId, id, true);
        var welcome = await w.CouponAsync("新人券");
        var winBack = await w.CouponAsync("回归券");

        // A trigger without its coupon is refused at save, nothing stored.
        Assert.Equal("开启新人礼包时请选择要发放的优惠券", await w.Tagging.SaveSettingsAsync(w.Owner, new MarketingSettings { WelcomeEnabled = true }));
        await using (var db = w.H.Db.NewContext()) Assert.False(await db.MarketingSettings.AnyAsync());
        Assert.Null(await w.Tagging.SaveSettingsAsync(w.Owner, new MarketingSettings
        {
            WelcomeEnabled = true, WelcomeCouponId = welcome.Id, WinBackEnabled = true, WinBackCouponId = winBack.Id,
        }));

        Assert.Equal(2, (await w.Sender.RunAsync(w.Now)).TriggersFired);
        w.Clock.Advance(TimeSpan.FromDays(1));
        // tooSoon's third day has come; the others have had theirs.
        Assert.Equal(1, (await w.Sender.RunAsync(w.Now)).TriggersFired);
        w.Clock.Advance(TimeSpan.FromDays(1));
        Assert.Equal(0, (await w.Sender.RunAsync(w.Now)).TriggersFired);

        await using (var db = w.H.Db.NewContext())
        {
            var grants = await db.CouponGrants.Where(g => g.StationId == w.StationId).ToListAsync();
            Assert.Equal(new[] { (newcomer, "新人礼包"), (tooSoon, "新人礼包") }.Order(),
                grants.Where(g => g.CouponId == welcome.Id).Select(g => (g.UserId, g.Source!)).Order());
            Assert.Equal([(sleeper, "回归礼包")], grants.Where(g => g.CouponId == winBack.Id).Select(g => (g.UserId, g.Source!)));
            Assert.Equal(3, await db.TriggersFired.CountAsync(t => t.GrantId != null));
            Assert.False(await db.InboxMessages.AnyAsync(m => m.UserId == silent));
            Assert.Equal("新人礼包已到账", (await db.InboxMessages.SingleAsync(m => m.UserId == newcomer)).Title);
        }
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task An_empty_audience_a_foreign_coupon_or_a_past_time_is_refused_in_Chinese_and_nothing_is_written(DatabaseProvider provider)
    {
        await using var w = await WorldAsync(provider);
        Assert.Equal((null, "请选择活动受众：用户分层、标签或会员等级至少选一项"), await w.Campaigns.CreateAsync(w.Owner, Form("无受众")));
        int mainCoupon;
        await using (var db = w.H.Db.NewContext())
        {
            var c = new Coupon { StationId = Station.MainStationId, Name = "总站券", Kind = CouponKind.AmountOff, AmountOff = Money.FromFen(100), ValidDays = 3, CreatedAt = w.Now };
            db.Coupons.Add(c);
            await db.SaveChangesAsync();
            mainCoupon = c.Id;
        }
        Assert.Equal((null, "优惠券不存在或不属于本站"), await w.Campaigns.CreateAsync(w.Owner, Form("别人的券", BuyerSegment.Active, couponId: mainCoupon)));
        var past = Form("过去", BuyerSegment.Active);
        past.ScheduledAt = w.Now.AddHours(-2);
        Assert.Equal((null, "发送时间不能早于现在"), await w.Campaigns.CreateAsync(w.Owner, past));
        Assert.Equal("只能给本站的买家添加标签", await w.Tagging.AddManualAsync(w.Owner, (await w.BuyersAsync(1))[0], "老客"));
        await using (var db = w.H.Db.NewContext())
        {
            Assert.False(await db.Campaigns.AnyAsync());
            Assert.False(await db.BuyerTags.AnyAsync());
        }
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task The_report_counts_delivered_opened_and_the_orders_and_GMV_of_recipients_within_7_days(DatabaseProvider provider)
    {
        await using var w = await WorldAsync(provider);
        var b = await w.BuyersAsync(3);
        var (reader, other, outsider) = (b[0], b[1], b[2]);
        foreach (var id in b) await w.StatAsync(id, 100, 10);
        foreach (var id in new[] { reader, other }) await w.Inbox.SetConsentAsync(w.StationId, id, true);
        var id1 = await w.CreateAsync(Form("双十二", BuyerSegment.Active));
        Assert.Equal(2, (await w.Sender.RunAsync(w.Now)).Delivered);

        // The reader opens the message: read in 消息中心, opened in the report; the unread count goes to zero.
        Assert.Equal(1, await w.Inbox.UnreadCountAsync(w.StationId, reader));
        var message = (await w.Inbox.MessagesAsync(w.StationId, reader)).Single();
        Assert.Null(await w.Inbox.ReadAsync(w.StationId, other, message.Id));
        Assert.NotNull(await w.Inbox.ReadAsync(w.StationId, reader, message.Id));
        Assert.Equal(0, await w.Inbox.UnreadCountAsync(w.StationId, reader));

        async Task BuyAsync(string buyer)
        {
            var r = await w.H.Checkout.PlaceBalanceOrderAsync(w.Shop.Shop, new CheckoutRequest(w.Shop.Product.Id, 1, buyer, CheckoutRequest.NewIdempotencyKey()));
            Assert.True(r.Succeeded, r.Error);
        }
        w.Clock.Advance(TimeSpan.FromDays(2));
        await BuyAsync(reader);
        await BuyAsync(outsider);
        w.Clock.Advance(TimeSpan.FromDays(3));
        await BuyAsync(other);
        w.Clock.Advance(TimeSpan.FromDays(3)); // day 8: outside the window
        await BuyAsync(reader);

        var report = await w.Campaigns.ReportAsync(w.Owner, id1);
        Assert.NotNull(report);
        Assert.Equal((2, 2, 1, 2), (report.Delivered, report.Emailed, report.Opened, report.Orders));
        Assert.Equal(2 * 10_800, report.Gmv.Fen);
        Assert.Null(await w.Campaigns.ReportAsync(new AuditActor("x", "x", -1), id1));
        await w.H.AssertBooksAsync();
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Automatic_tags_follow_the_orders_and_refunds_and_manual_tags_stay(DatabaseProvider provider)
    {
        await using var w = await WorldAsync(provider);
        var buyer = (await w.BuyersAsync(1))[0];
        await w.StatAsync(buyer, firstDaysAgo: 3, lastDaysAgo: 3, orders: 1, spendFen: 10_800);
        Assert.Null(await w.Tagging.AddManualAsync(w.Owner, buyer, " 老客 "));
        Assert.Equal("该买家已有标签「老客」", await w.Tagging.AddManualAsync(w.Owner, buyer, "老客"));
        var order = await w.H.Checkout.PlaceBalanceOrderAsync(w.Shop.Shop, new CheckoutRequest(w.Shop.Product.Id, 1, buyer, CheckoutRequest.NewIdempotencyKey()));
        Assert.True(order.Succeeded, order.Error);

        await w.Tagging.RecomputeStationAsync(w.StationId, w.Now);
        var (rows, total) = await w.Tagging.BuyersAsync(w.Owner, null, null, 0, 20);
        Assert.Equal(1, total);
        var tags = rows[0].Tags.ToDictionary(t => t.Text, t => t.Source);
        Assert.Equal(BuyerTagSource.Manual, tags["老客"]);
        Assert.Equal(BuyerTagSource.Auto, tags["新用户"]);
        Assert.Equal(BuyerTagSource.Auto, tags[AutoTags.MidSpend]);
        Assert.Equal(BuyerTagSource.Auto, tags[AutoTags.Within7Days]);
        Assert.Contains(tags.Keys, t => t.StartsWith(AutoTags.CategoryPrefix));

        // Two months later: the recency tag is gone, the segment is 沉睡用户, the manual tag is still there.
        w.Clock.Advance(TimeSpan.FromDays(70));
        await w.Tagging.RecomputeStationAsync(w.StationId, w.Now);
        tags = (await w.Tagging.BuyersAsync(w.Owner, null, "老客", 0, 20)).Rows.Single().Tags.ToDictionary(t => t.Text, t => t.Source);
        Assert.Contains("沉睡用户", tags.Keys);
        Assert.DoesNotContain("新用户", tags.Keys);
        Assert.DoesNotContain(AutoTags.Within7Days, tags.Keys);
        Assert.Contains("老客", tags.Keys);
        Assert.Equal("自动标签由系统按规则计算，不能手动删除", await w.Tagging.RemoveManualAsync(w.Owner, buyer, "沉睡用户"));
        Assert.Null(await w.Tagging.RemoveManualAsync(w.Owner, buyer, "老客"));
    }
}
