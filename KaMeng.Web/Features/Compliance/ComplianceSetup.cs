using KaMeng.Web.Features.Notifications;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace KaMeng.Web.Features.Compliance;

public static class ComplianceSetup
{
    public static WebApplicationBuilder AddCompliance(this WebApplicationBuilder builder)
    {
        builder.Services.AddComplianceServices();
        return builder;
    }

    /// <summary>The compliance services without UI (the app and the tests).</summary>
    public static IServiceCollection AddComplianceServices(this IServiceCollection services)
    {
        services.TryAddSingleton<Notifier>();
        services.TryAddSingleton<IComplianceNotices, NotifierComplianceNotices>();
        services.AddSingleton<ComplianceService>();
        services.AddSingleton<ComplianceQueries>();
        return services;
    }
}
