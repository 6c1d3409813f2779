namespace KaMeng.Web.Features.Marketing;

public static class MarketingSetup
{
    /// <summary>The checkout side of marketing (coupons, flash sales and wholesale tiers are priced by the PriceResolver and
    /// reserved by <see cref="PromotionReservations"/>): the guard that pauses sales a cost rise put below cost.</summary>
    public static WebApplicationBuilder AddMarketing(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<FlashSaleGuard>();
        builder.Services.AddHostedService<FlashSaleGuardTrigger>();
        return builder;
    }
}

/// <summary>Runs the guard after every price change (a level price, a supply rule, a station's rules), not only every minute.</summary>
sealed class FlashSaleGuardTrigger(Orders.PriceResolver prices, FlashSaleGuard guard, ILogger<FlashSaleGuardTrigger> log) : IHostedService
{
    public Task StartAsync(CancellationToken ct)
    {
        prices.Invalidated += Check;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken ct)
    {
        prices.Invalidated -= Check;
        return Task.CompletedTask;
    }

    void Check()
    {
        // Another node's price change (or a dropped cache) is checked by that node; every node checking would pause a sale,
        // audit and notify once per node.
        if (Cluster.ClusterBus.IsApplyingRemote) return;
        _ = Task.Run(async () =>
        {
            try { await guard.PauseBelowCostAsync(); }
            catch (Exception e) { log.LogWarning(e, "Flash sale cost check after a price change failed; the minute job retries"); }
        });
    }
}
