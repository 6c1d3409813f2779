using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Telemetry;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace KaMeng.Tests.Telemetry;

/// <summary>What a balance purchase (the demo buyer, the cheapest main-station card key in stock) leaves behind.</summary>
static class TelemetryPurchase
{
    public static async Task<CheckoutResult> BuyAsync(KaMengApp app)
    {
        await using var db = app.NewContext();
        var buyer = await db.Users.Where(u => u.UserName == "demo-buyer").Select(u => u.Id).SingleAsync();
        var productId = await db.Products.Where(p => p.StationId == Station.MainStationId && p.DeliveryType == DeliveryType.CardKey && !p.ReusableKey
                && db.CardKeys.Any(k => k.ProductId == p.Id && k.Status == CardKeyStatus.Available))
            .OrderBy(p => p.BasePrice).Select(p => p.Id).FirstAsync();
        var result = await app.Services.GetRequiredService<CheckoutService>()
            .PlaceBalanceOrderAsync(CommerceHarness.Main, new CheckoutRequest(productId, 1, buyer, CheckoutRequest.NewIdempotencyKey()));
        Assert.True(result.Succeeded, result.Error);
        return result;
    }
}

/// <summary>Issue 22 §4: KaMeng's own meter records what operators watch, and with telemetry off (the default) there is no /metrics.</summary>
public class KaMengMeterTests(KaMengApp app) : IClassFixture<KaMengApp>
{
    [Fact]
    public async Task A_purchase_a_payment_notify_and_a_job_run_are_recorded_in_the_KaMeng_meter()
    {
        // Only this app's meter (the host's IMeterFactory is its scope), not those of other test apps in the process.
        var factory = app.Services.GetRequiredService<IMeterFactory>();
        var seen = new ConcurrentQueue<(string Instrument, double Value, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == KaMengMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, factory)) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((i, value, tags, _) => seen.Enqueue((i.Name, value, ToDictionary(tags))));
        listener.SetMeasurementEventCallback<double>((i, value, tags, _) => seen.Enqueue((i.Name, value, ToDictionary(tags))));
        listener.Start();

        await TelemetryPurchase.BuyAsync(app);
        using var http = app.NewHttpClient();
        // A notify for a payment that does not exist: refused, answered "fail", counted as such.
        Assert.Equal("fail", await http.GetStringAsync("/pay/epay/notify?pid=1&trade_no=T1&out_trade_no=NOPE&type=alipay&money=1.00&trade_status=TRADE_SUCCESS&sign=x"));

        var all = seen.ToList();
        Assert.Contains(all, m => m.Instrument == "kameng.orders.created" && m.Value == 1 && (string?)m.Tags["payment_method"] == "balance");
        Assert.Contains(all, m => m.Instrument == "kameng.orders.paid" && m.Value == 1);
        Assert.Contains(all, m => m.Instrument == "kameng.orders.delivered" && m.Value == 1);
        var claim = Assert.Single(all, m => m.Instrument == "kameng.checkout.claim.duration");
        Assert.InRange(claim.Value, 0, 30);
        Assert.Contains(all, m => m.Instrument == "kameng.payments.notify" && (string?)m.Tags["gateway"] == "epay" && (string?)m.Tags["outcome"] == "rejected");

        // A scheduled job run now: counted with its key and result once Quartz reports it done.
        await app.Services.GetRequiredService<KaMeng.Web.Features.Jobs.JobAdminService>().RunNowAsync(KaMeng.Web.Features.Jobs.JobCatalog.ApiNonceCleanup.Key);
        await Poll.UntilAsync(() => seen.Any(m => m.Instrument == "kameng.jobs.runs" && (string?)m.Tags["job"] == "api-nonce-cleanup"
            && (string?)m.Tags["result"] is "succeeded" or "skipped"), "the job run in the meter", 15);
        Assert.Contains(seen, m => m.Instrument == "kameng.jobs.duration" && (string?)m.Tags["job"] == "api-nonce-cleanup");
    }

    [Fact]
    public async Task Without_telemetry_configured_there_is_no_metrics_endpoint()
    {
        using var http = app.NewHttpClient();
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/metrics")).StatusCode);
    }

    static Dictionary<string, object?> ToDictionary(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var d = new Dictionary<string, object?>();
        foreach (var (k, v) in tags) d[k] = v;
        return d;
    }
}

/// <summary>KaMeng:Telemetry:Prometheus on, loopback trusted as a proxy (so a test can speak for an outside client).</summary>
public sealed class PrometheusApp : KaMengApp
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("KaMeng:Telemetry:Prometheus", "true");
        builder.UseSetting("KaMeng:Network:KnownProxies", "127.0.0.1,::1");
    }
}

public class PrometheusEndpointTests(PrometheusApp app) : IClassFixture<PrometheusApp>
{
    [Fact]
    public async Task Metrics_serves_the_KaMeng_series_in_the_Prometheus_text_format()
    {
        await TelemetryPurchase.BuyAsync(app);
        using var http = app.NewHttpClient();
        // The exporter collects on scrape and caches a scrape briefly: poll until the purchase shows.
        string text = "";
        await Poll.UntilAsync(async () =>
        {
            using var response = await http.GetAsync("/metrics");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType);
            text = await response.Content.ReadAsStringAsync();
            return text.Contains("kameng_orders_paid_total");
        }, "kameng_ series on /metrics", 10);

        Assert.Contains("# TYPE kameng_orders_created_total counter", text);
        Assert.Contains("kameng_orders_delivered_total", text);
        Assert.Contains("# TYPE kameng_checkout_claim_duration_seconds histogram", text);
        Assert.Contains("kameng_checkout_claim_duration_seconds_bucket{", text);
        // ASP.NET Core's own instruments come along.
        Assert.Contains("http_server_request_duration_seconds", text);
    }

    [Fact]
    public async Task Metrics_is_not_shown_to_a_client_outside_the_allowed_networks()
    {
        using var http = app.NewHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Add("X-Forwarded-For", "203.0.113.7");
        Assert.Equal(HttpStatusCode.NotFound, (await http.SendAsync(request)).StatusCode);
    }
}


/// <summary>Issue 22 §4: liveness never asks the database; readiness does.</summary>
public class ProbeTests(KaMengPostgresApp app) : IClassFixture<KaMengPostgresApp>
{
    [Fact]
    public async Task Healthz_stays_200_and_readyz_turns_503_while_the_database_refuses_connections()
    {
        using var http = app.NewHttpClient();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/readyz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);

        var database = new Npgsql.NpgsqlConnectionStringBuilder(app.Services.GetRequiredService<IConfiguration>().GetConnectionString("KaMeng")).Database!;
        await AdminAsync($"ALTER DATABASE \"{database}\" ALLOW_CONNECTIONS false");
        try
        {
            await AdminAsync($"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}' AND pid <> pg_backend_pid()");
            Npgsql.NpgsqlConnection.ClearAllPools();

            // Not a 500 from some middleware on the way: the probe's own 503.
            await Poll.UntilAsync(async () => (await http.GetAsync("/readyz")).StatusCode == HttpStatusCode.ServiceUnavailable, "/readyz to report the database down", 15);
            using var live = await http.GetAsync("/healthz");
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
            Assert.Contains("\"ok\"", await live.Content.ReadAsStringAsync());
            using var ready = await http.GetAsync("/readyz");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Contains("\"answered\":false", await ready.Content.ReadAsStringAsync());
        }
        finally
        {
            await AdminAsync($"ALTER DATABASE \"{database}\" ALLOW_CONNECTIONS true");
        }
        // And back when the database is.
        await Poll.UntilAsync(async () => (await http.GetAsync("/readyz")).StatusCode == HttpStatusCode.OK, "/readyz to report the database back", 15);
    }

    static async Task AdminAsync(string sql)
    {
        await using var conn = new Npgsql.NpgsqlConnection(TestDatabase.PostgresAdminConnectionString);
        await conn.OpenAsync();
        await using var cmd = new Npgsql.NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }
}
