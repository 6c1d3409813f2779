namespace KaMeng.Web.Features.Campaigns;

public static class CampaignsSetup
{
    /// <summary>Tags, segments and campaigns (issue 20 §5); the jobs are in <see cref="Jobs.JobCatalog"/>.</summary>
    public static WebApplicationBuilder AddCampaigns(this WebApplicationBuilder builder)
    {
        builder.Services.AddCampaignServices();
        return builder;
    }

    /// <summary>The services without the app around them (tests add the commerce and notification services themselves).</summary>
    public static IServiceCollection AddCampaignServices(this IServiceCollection services)
    {
        services.AddSingleton<BuyerTagging>();
        services.AddSingleton<CampaignService>();
        services.AddSingleton<CampaignSender>();
        services.AddSingleton<InboxService>();
        return services;
    }
}
