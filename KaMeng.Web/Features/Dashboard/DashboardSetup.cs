namespace KaMeng.Web.Features.Dashboard;

public static class DashboardSetup
{
    public static WebApplicationBuilder AddDashboard(this WebApplicationBuilder builder)
    {
        builder.Services.AddDashboardServices();
        builder.Services.AddHostedService<DashboardWorker>();
        builder.Services.AddScoped<Admin.DashboardPageQueries>();
        return builder;
    }

    /// <summary>The rollups and their notifier without the background worker (tests and the benchmark drive them directly).</summary>
    public static IServiceCollection AddDashboardServices(this IServiceCollection services)
    {
        services.AddSingleton<DashboardSignals>();
        services.AddSingleton<DashboardRollup>();
        services.AddSingleton<StationRatingService>();
        return services;
    }
}
