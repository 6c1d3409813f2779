using KaMeng.Domain;

namespace KaMeng.Tests.Domain;

/// <summary>Issue 20 §5: the rules every marketing message obeys, the triggers and the automatic tags, at their thresholds.</summary>
public class CampaignRulesTests
{
    /// <summary>An instant given as Beijing wall-clock time.</summary>
    static DateTimeOffset Beijing(int day, int hour, int minute = 0) => new(2026, 12, day, hour, minute, 0, TimeSpan.FromHours(8));

    static readonly DateTimeOffset Now = Beijing(10, 12);

    static BuyerHistory History(DateTimeOffset first, DateTimeOffset last, int orders = 1, long spendFen = 1000) =>
        new("u1", first, orders > 1 ? last : null, last, orders, spendFen);

    [Theory]
    [InlineData(21, 59, false)]
    [InlineData(22, 0, true)]
    [InlineData(23, 30, true)]
    [InlineData(0, 0, true)]
    [InlineData(7, 59, true)]
    [InlineData(8, 0, false)]
    [InlineData(12, 0, false)]
    public void Quiet_hours_are_22_to_8_Beijing_time_whatever_the_offset_of_the_instant(int hour, int minute, bool quiet)
    {
        var instant = Beijing(10, hour, minute);
        Assert.Equal(quiet, MarketingRules.IsQuietHour(instant));
        Assert.Equal(quiet, MarketingRules.IsQuietHour(instant.ToUniversalTime()));
    }

    [Fact]
    public void The_next_sendable_instant_after_a_quiet_hour_is_8_oclock_Beijing()
    {
        Assert.Equal(Beijing(11, 8), MarketingRules.NextSendable(Beijing(10, 22, 30)));
        Assert.Equal(Beijing(11, 8), MarketingRules.NextSendable(Beijing(11, 3)));
        Assert.Equal(Beijing(11, 9), MarketingRules.NextSendable(Beijing(11, 9)));
    }

    [Fact]
    public void One_marketing_message_per_buyer_per_station_per_Beijing_day()
    {
        // 23:30 UTC on the 9th is 07:30 on the 10th in Beijing: the same Beijing day as noon on the 10th.
        var day = MarketingRules.DayOf(new DateTimeOffset(2026, 12, 9, 23, 30, 0, TimeSpan.Zero));
        Assert.Equal(20261210, day);
        Assert.False(MarketingRules.UnderDailyLimit(day, Now));
        Assert.True(MarketingRules.UnderDailyLimit(day, Beijing(11, 8)));
        Assert.True(MarketingRules.UnderDailyLimit(null, Now));
        Assert.Equal("今天已收到本站的营销消息", MarketingRules.Refusal(true, false, day, Now));
    }

    [Fact]
    public void Only_opted_in_buyers_an_explicit_no_beats_the_stations_default()
    {
        Assert.True(MarketingRules.MayReceive(true, false));
        Assert.False(MarketingRules.MayReceive(false, true));
        Assert.False(MarketingRules.MayReceive(null, false));
        Assert.True(MarketingRules.MayReceive(null, true));
        Assert.Equal("买家未同意接收营销消息", MarketingRules.Refusal(null, false, null, Now));
        Assert.Equal("22:00–08:00 不发送营销消息", MarketingRules.Refusal(true, true, null, Beijing(10, 23)));
        Assert.Null(MarketingRules.Refusal(true, false, null, Now));
    }

    [Fact]
    public void The_welcome_is_due_from_3_days_after_the_first_order_within_its_window_and_the_win_back_after_the_dormant_days()
    {
        var s = MarketingSettings.DefaultFor(2);
        Assert.False(Triggers.IsDue(TriggerKind.Welcome, History(Now.AddDays(-3).AddMinutes(1), Now.AddDays(-3)), Now, s));
        Assert.True(Triggers.IsDue(TriggerKind.Welcome, History(Now.AddDays(-3), Now.AddDays(-3)), Now, s));
        Assert.True(Triggers.IsDue(TriggerKind.Welcome, History(Now.AddDays(-9), Now.AddDays(-1), orders: 3), Now, s));
        // Turning the trigger on does not greet buyers from long ago.
        Assert.False(Triggers.IsDue(TriggerKind.Welcome, History(Now.AddDays(-10), Now.AddDays(-10)), Now, s));

        Assert.False(Triggers.IsDue(TriggerKind.WinBack, History(Now.AddDays(-100), Now.AddDays(-59)), Now, s));
        Assert.True(Triggers.IsDue(TriggerKind.WinBack, History(Now.AddDays(-100), Now.AddDays(-60)), Now, s));
        s.DormantAfterDays = 90;
        Assert.False(Triggers.IsDue(TriggerKind.WinBack, History(Now.AddDays(-100), Now.AddDays(-60)), Now, s));
    }

    [Fact]
    public void Segment_thresholds_are_the_stations_with_the_old_constants_as_defaults()
    {
        var s = MarketingSettings.DefaultFor(2);
        Assert.Equal(SegmentThresholds.Default, s.Thresholds);
        var h = History(Now.AddDays(-40), Now.AddDays(-40), spendFen: 20_000);
        Assert.Equal(BuyerSegment.Active, BuyerSegments.Classify(h, Now, s.Thresholds));
        Assert.Equal(BuyerSegments.Classify(h, Now), BuyerSegments.Classify(h, Now, s.Thresholds));
        s.DormantAfterDays = 40;
        Assert.Equal(BuyerSegment.Dormant, BuyerSegments.Classify(h, Now, s.Thresholds));
        s.DormantAfterDays = 60;
        s.HighValueSpend = Money.FromFen(20_000);
        Assert.Equal(BuyerSegment.HighValue, BuyerSegments.Classify(h, Now, s.Thresholds));
        s.NewWithinDays = 45;
        s.HighValueSpend = Money.FromFen(50_000);
        Assert.Equal(BuyerSegment.New, BuyerSegments.Classify(h, Now, s.Thresholds));
    }

    [Fact]
    public void Automatic_tags_at_their_thresholds()
    {
        var s = MarketingSettings.DefaultFor(2);
        IReadOnlyList<string> Tags(BuyerHistory h, int refunds = 0, int discounted = 0, params string[] categories) =>
            AutoTags.Compute(new BuyerFacts(h, refunds, discounted, categories), s, Now);

        var fresh = Tags(History(Now.AddDays(-2), Now.AddDays(-2), spendFen: 9_999));
        Assert.Equal(["新用户", AutoTags.LowSpend, AutoTags.Within7Days], fresh);
        Assert.Contains(AutoTags.MidSpend, Tags(History(Now.AddDays(-2), Now.AddDays(-2), spendFen: 10_000)));
        Assert.Contains(AutoTags.HighSpend, Tags(History(Now.AddDays(-2), Now.AddDays(-2), spendFen: 50_000)));
        Assert.Contains(AutoTags.Within30Days, Tags(History(Now.AddDays(-20), Now.AddDays(-7))));
        Assert.DoesNotContain(AutoTags.Within30Days, Tags(History(Now.AddDays(-40), Now.AddDays(-30))));

        // 售后高频 at two refunds; 价格敏感 at 60% of at least 3 paid orders.
        Assert.DoesNotContain(AutoTags.FrequentRefunds, Tags(History(Now.AddDays(-20), Now.AddDays(-1), orders: 3), refunds: 1));
        Assert.Contains(AutoTags.FrequentRefunds, Tags(History(Now.AddDays(-20), Now.AddDays(-1), orders: 3), refunds: 2));
        Assert.DoesNotContain(AutoTags.PriceSensitive, Tags(History(Now.AddDays(-20), Now.AddDays(-1), orders: 2), discounted: 2));
        Assert.Contains(AutoTags.PriceSensitive, Tags(History(Now.AddDays(-20), Now.AddDays(-1), orders: 5), discounted: 3));
        Assert.DoesNotContain(AutoTags.PriceSensitive, Tags(History(Now.AddDays(-20), Now.AddDays(-1), orders: 5), discounted: 2));

        var categories = Tags(History(Now.AddDays(-20), Now.AddDays(-1), orders: 4), 0, 0, "游戏点卡", "视频会员", "游戏点卡", "话费", "流量");
        Assert.Equal(["类目:游戏点卡", "类目:视频会员", "类目:话费"], categories.Where(t => t.StartsWith(AutoTags.CategoryPrefix)));
    }

    [Fact]
    public void A_manual_tag_is_trimmed_and_an_automatic_tags_text_is_refused()
    {
        Assert.Equal(("老客 VIP", null), BuyerTag.NormalizeManual("  老客   VIP "));
        Assert.Equal("请填写标签", BuyerTag.NormalizeManual("  ").Error);
        Assert.Equal("「高价值用户」是自动标签，由系统按规则计算，不能手动添加", BuyerTag.NormalizeManual("高价值用户").Error);
        Assert.NotNull(BuyerTag.NormalizeManual("类目:游戏").Error);
        Assert.Equal($"标签最多 {BuyerTag.MaxText} 个字", BuyerTag.NormalizeManual(new string('标', 17)).Error);
    }

    [Fact]
    public void An_empty_campaign_audience_is_refused_in_Chinese()
    {
        var c = new Campaign { Name = "双十二", Title = "大促", Body = "全场九折", ScheduledAt = Now };
        Assert.Equal("请选择活动受众：用户分层、标签或会员等级至少选一项", c.Validate(Now));
        c.Tag = "  ";
        Assert.Equal("请选择活动受众：用户分层、标签或会员等级至少选一项", c.Validate(Now));
        c.Tag = "老客";
        Assert.Null(c.Validate(Now));
        c.ScheduledAt = Now.AddHours(-1);
        Assert.Equal("发送时间不能早于现在", c.Validate(Now));
        Assert.Equal("分层：沉睡用户 且 标签：老客", new Campaign { Name = "x", Title = "x", Body = "x", Segment = BuyerSegment.Dormant, Tag = "老客" }.AudienceText());
    }

    [Fact]
    public void Settings_refuse_a_trigger_without_its_coupon_and_crossed_thresholds()
    {
        var s = MarketingSettings.DefaultFor(2);
        Assert.Null(s.Validate());
        s.WelcomeEnabled = true;
        Assert.Equal("开启新人礼包时请选择要发放的优惠券", s.Validate());
        s.WelcomeCouponId = 5;
        s.NewWithinDays = 60;
        Assert.Equal("新用户天数必须小于沉睡天数", s.Validate());
    }
}
