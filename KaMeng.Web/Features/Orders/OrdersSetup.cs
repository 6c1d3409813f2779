using KaMeng.Web.Features.Stations;
using KaMeng.Web.Features.Substations;
using KaMeng.Web.Features.Telemetry;

namespace KaMeng.Web.Features.Orders;

public static class OrdersSetup
{
    public static WebApplicationBuilder AddOrders(this WebApplicationBuilder builder)
    {
        builder.Services.AddCommerceServices();
        builder.Services.AddScoped<CurrentAdmin>();
        // The reads of the admin pages over orders, stations and wallets (each next to its page).
        builder.Services.AddSingleton<Admin.Orders.AdminOrderQueries>();
        builder.Services.AddSingleton<Admin.Substations.SubstationQueries>();
        builder.Services.AddSingleton<Admin.Platform.PlatformSettingsQueries>();
        builder.Services.AddSingleton<Admin.OwnStation.OwnStationQueries>();
        builder.Services.AddSingleton<Admin.Children.ChildStationQueries>();
        builder.Services.AddSingleton<Admin.Finance.WithdrawalQueries>();
        builder.Services.AddSingleton<Admin.Wallets.WalletQueries>();
        return builder;
    }

    /// <summary>The selling core (prices, checkout, orders, wallets, substations) without any UI: the app, the tests
    /// and the benchmark all build it through this one method.</summary>
    public static IServiceCollection AddCommerceServices(this IServiceCollection services)
    {
        services.AddSingleton<StationDirectory>();
        services.AddSingleton<PriceResolver>();
        services.AddSingleton<Risk.RiskEvaluator>();
        services.AddSingleton<Risk.RiskReviewService>();
        services.AddSingleton<OrderEvents>();
        // The KaMeng meter: recorded by checkout, payments, delivery and jobs whether or not anything exports it.
        services.AddKaMengMetrics();
        services.AddSingleton<CheckoutService>();
        services.AddSingleton<RefundService>();
        services.AddSingleton<OrderService>();
        services.AddSingleton<WalletService>();
        services.AddSingleton<DepositReleases>();
        services.AddScoped<SubstationService>();
        services.AddHttpClient(SubstationService.DomainVerificationClient, c => c.Timeout = TimeSpan.FromSeconds(10))
            .AddOutboundGuard(allowRedirects: false);
        services.AddSingleton<PriceRuleService>();
        services.AddSingleton<WithdrawalService>();
        services.AddSingleton<StationSettingsService>();
        return services;
    }
}
