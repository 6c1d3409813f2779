using KaMeng.Web.Features.Admin.Docking;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace KaMeng.Web.Features.Docking;

/// <summary>KaMeng:Docking settings.</summary>
public sealed class DockingOptions
{
    /// <summary>Work the procurement queue in this process (off in tests that drive it by hand).</summary>
    public bool Background { get; set; } = true;
    public int PollSeconds { get; set; } = 5;
    public double RetryBaseSeconds { get; set; } = 15;
    public int TimeoutSeconds { get; set; } = 15;
}

public static class DockingSetup
{
    public static WebApplicationBuilder AddDocking(this WebApplicationBuilder builder)
    {
        builder.Services.Configure<DockingOptions>(builder.Configuration.GetSection("KaMeng:Docking"));
        var timeout = builder.Configuration.GetValue("KaMeng:Docking:TimeoutSeconds", 15);
        // Supplier base URLs are typed by station owners: every connection goes through the outbound guard.
        builder.Services.AddHttpClient<SupplierClient>(c => c.Timeout = TimeSpan.FromSeconds(timeout)).AddOutboundGuard();
        builder.Services.AddSingleton<SupplierService>();
        builder.Services.AddSingleton<SupplierQueries>();
        builder.Services.AddSingleton<SupplierSync>();
        builder.Services.AddSingleton<ProcurementProcessor>();
        // The notification centre replaces this when it is merged.
        builder.Services.AddSingleton<ISupplyAlerts, NotifiedSupplyAlerts>();
        builder.Services.AddHostedService<DockingWorker>();
        return builder;
    }
}
