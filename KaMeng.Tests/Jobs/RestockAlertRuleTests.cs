using KaMeng.Domain;

namespace KaMeng.Tests.Jobs;

public class RestockAlertRuleTests
{
    static readonly DateTimeOffset T0 = new(2026, 11, 22, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Falling_under_the_threshold_alerts_once_however_many_checks_see_it()
    {
        var a = new RestockAlert();
        Assert.False(a.Observe(10, 5, T0));
        Assert.True(a.Observe(4, 5, T0.AddMinutes(5)));
        Assert.False(a.Observe(3, 5, T0.AddMinutes(10)));
        Assert.False(a.Observe(0, 5, T0.AddMinutes(15)));
    }

    [Fact]
    public void Recovering_stock_rearms_the_alert_for_the_next_crossing()
    {
        var a = new RestockAlert();
        Assert.True(a.Observe(2, 5, T0));
        Assert.False(a.Observe(5, 5, T0.AddMinutes(5))); // at the threshold is not under it
        Assert.True(a.Observe(4, 5, T0.AddMinutes(10)));
    }

    [Fact]
    public void A_snooze_holds_the_alert_back_until_it_ends()
    {
        var a = new RestockAlert();
        a.Snooze(T0.AddHours(1));
        Assert.False(a.Observe(1, 5, T0));
        Assert.False(a.Observe(1, 5, T0.AddMinutes(30)));
        Assert.True(a.Observe(1, 5, T0.AddHours(1)));
        Assert.False(a.Observe(1, 5, T0.AddHours(2)));
    }

    [Fact]
    public void A_failed_delivery_is_retried_with_growing_backoff_then_given_up()
    {
        var d = new NotificationDelivery { UserId = "u", Target = "x", Title = "t", Payload = "p", NextAttemptAt = T0 };
        d.AttemptFailed("boom", T0);
        Assert.Equal(DeliveryStatus.Pending, d.Status);
        Assert.Equal(T0.AddSeconds(30), d.NextAttemptAt);
        d.AttemptFailed("boom", T0);
        Assert.Equal(T0.AddSeconds(60), d.NextAttemptAt);
        for (var i = 2; i < NotificationDelivery.MaxAttempts; i++) d.AttemptFailed("boom", T0);
        Assert.Equal(DeliveryStatus.Failed, d.Status);
        Assert.Equal("boom", d.LastError);
    }
}
