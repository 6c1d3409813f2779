namespace KaMeng.Web.Features.Admin.Marketing;

public static class MarketingAdminSetup
{
    /// <summary>营销 in the admin: coupons, flash sales, wholesale tiers (issue 20). The batch downloads go through the
    /// reports' export folder and its /admin/exports/{id} endpoint, so there is nothing to map.</summary>
    public static WebApplicationBuilder AddMarketingAdmin(this WebApplicationBuilder builder)
    {
        builder.Services.AddMarketingAdminServices();
        return builder;
    }

    public static IServiceCollection AddMarketingAdminServices(this IServiceCollection services) =>
        services.AddSingleton<MarketingService>();
}
