namespace KaMeng.Web.Features.Risk;

public static class RiskSetup
{
    public static WebApplicationBuilder AddRisk(this WebApplicationBuilder builder)
    {
        builder.Services.AddRiskServices(builder.Configuration["KaMeng:Risk:IpRegionFile"]);
        return builder;
    }

    /// <summary>The risk services without UI (the app and the tests).</summary>
    public static IServiceCollection AddRiskServices(this IServiceCollection services, string? ipRegionFile = null)
    {
        var path = string.IsNullOrWhiteSpace(ipRegionFile) ? Path.Combine(AppContext.BaseDirectory, "Features", "Risk", "ip-regions.csv") : ipRegionFile;
        services.AddSingleton(_ => IpRegions.Load(path));
        return services;
    }
}
