using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Builder;
using KaMeng.Web.Features.Dashboard;
using KaMeng.Web.Features.Notifications;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Risk;
using KaMeng.Web.Features.Risk.Blacklists;
using KaMeng.Web.Features.Stations;
using KaMeng.Web.Features.Storefront;
using Microsoft.Extensions.Options;

namespace KaMeng.Web.Features.Cluster;

public static class ClusterSetup
{
    /// <summary>
    /// The cluster bus. On PostgreSQL the caches and live signals are wired to it and it runs over LISTEN/NOTIFY; on SQLite
    /// (one node, enforced at startup) and SQL Server (clusters not supported yet) it stays in-process: nothing is wired,
    /// so a single node pays nothing for it.
    /// </summary>
    public static WebApplicationBuilder AddCluster(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ClusterBus>();
        var provider = builder.Configuration.GetSection("KaMeng:Database").Get<DatabaseOptions>()?.Provider ?? DatabaseProvider.Sqlite;
        if (provider != DatabaseProvider.Postgres) return builder;

        builder.Services.Configure<ClusterOptions>(builder.Configuration.GetSection("KaMeng:Cluster"));
        var connectionString = builder.Configuration.GetConnectionString("KaMeng")
            ?? throw new InvalidOperationException("KaMeng:Database:Provider is Postgres but ConnectionStrings:KaMeng is empty.");
        // Wired before the transport starts: its first connect drops every cache through the handlers registered here.
        builder.Services.AddHostedService<ClusterWiring>();
        builder.Services.AddSingleton(sp => new PostgresBusTransport(sp.GetRequiredService<ClusterBus>(), connectionString,
            sp.GetRequiredService<IOptions<ClusterOptions>>().Value, sp.GetRequiredService<ILogger<PostgresBusTransport>>()));
        builder.Services.AddHostedService(sp => sp.GetRequiredService<PostgresBusTransport>());
        return builder;
    }
}

/// <summary>The message kinds on the bus.</summary>
public static class BusKinds
{
    public const string Prices = "prices";
    public const string Stations = "stations";
    public const string Layouts = "layouts";
    public const string Risk = "risk";
    public const string Blacklist = "blacklist";
    public const string Storefront = "storefront";
    public const string Dashboard = "dashboard";
    public const string Notifications = "notifications";
    public const string Sessions = "sessions";
}

/// <summary>
/// Every in-memory cache and live signal on the bus: a local invalidation or publication is sent, a received one applied
/// (locally only). Order events themselves are not sent: their subscribers do work once per order (rollups, mails,
/// notifications) on the node that committed it; what other nodes show comes from the dashboard signals that follow.
/// </summary>
sealed class ClusterWiring(ClusterBus bus, PriceResolver prices, StationDirectory directory, PublishedLayouts layouts, RiskEvaluator risk,
    BlacklistGate blacklist, StorefrontCache storefront, DashboardSignals signals, NotificationCenter notifications, SessionRevocations sessions) : IHostedService
{
    IDisposable? dashboardSubscription;

    public Task StartAsync(CancellationToken ct)
    {
        prices.Invalidated += () => bus.Broadcast(BusKinds.Prices);
        bus.On(BusKinds.Prices, prices.Invalidate);
        bus.OnDrop(prices.Invalidate);

        directory.Invalidated += () => bus.Broadcast(BusKinds.Stations);
        bus.On(BusKinds.Stations, directory.Invalidate);
        bus.OnDrop(directory.Invalidate);

        layouts.Invalidated += stationId => bus.Broadcast(BusKinds.Layouts, stationId);
        bus.On<int>(BusKinds.Layouts, layouts.Invalidate);
        bus.OnDrop(() => layouts.Invalidate(Station.MainStationId)); // the main station's forgets every station's

        risk.Invalidated += () => bus.Broadcast(BusKinds.Risk);
        bus.On(BusKinds.Risk, risk.Invalidate);
        bus.OnDrop(risk.Invalidate);

        blacklist.Invalidated += () => bus.Broadcast(BusKinds.Blacklist);
        bus.On(BusKinds.Blacklist, blacklist.Invalidate);
        bus.OnDrop(blacklist.Invalidate);

        storefront.Evicted += stationId => bus.Broadcast(BusKinds.Storefront, stationId);
        bus.On<int>(BusKinds.Storefront, storefront.Evict);   // a drop evicts through the prices' invalidation above

        dashboardSubscription = signals.Subscribe(signal => bus.Broadcast(BusKinds.Dashboard, signal));
        bus.On<DashboardSignal>(BusKinds.Dashboard, signals.Publish);

        notifications.Changed += userId => bus.Broadcast(BusKinds.Notifications, userId);
        bus.On<string>(BusKinds.Notifications, userId => notifications.RaiseChanged([userId]));

        sessions.Revoked += userId => bus.Broadcast(BusKinds.Sessions, userId);
        bus.On<string>(BusKinds.Sessions, sessions.Revoke);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken ct)
    {
        dashboardSubscription?.Dispose();
        return Task.CompletedTask;
    }
}
