using System.Net;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace KaMeng.Web.Features.Telemetry;

/// <summary>KaMeng:Telemetry. Everything off by default: no exporter, no SDK listening, no /metrics.</summary>
public sealed class TelemetryOptions
{
    /// <summary>OTLP collector address (e.g. http://otel-collector:4317): metrics and traces are pushed there.</summary>
    public string? OtlpEndpoint { get; set; }
    /// <summary><c>grpc</c> (the default, port 4317) or <c>http/protobuf</c> (port 4318).</summary>
    public string OtlpProtocol { get; set; } = "grpc";
    /// <summary>Serve /metrics in the Prometheus text format.</summary>
    public bool Prometheus { get; set; }
    /// <summary>Who may scrape /metrics (IPs or CIDRs, comma-separated; after the trusted proxies' X-Forwarded-For): anyone
    /// else gets 404. Loopback by default, so a public site never shows its figures through the reverse proxy.</summary>
    public string PrometheusAllowedNetworks { get; set; } = "127.0.0.0/8,::1/128";
    /// <summary>service.name of the resource.</summary>
    public string ServiceName { get; set; } = "kameng";

    public bool Enabled => Prometheus || !string.IsNullOrWhiteSpace(OtlpEndpoint);
}

/// <summary>
/// OpenTelemetry metrics (ASP.NET Core, HTTP clients, .NET runtime, KaMeng's own meter) and traces (ASP.NET Core, EF Core,
/// HTTP clients), exported by OTLP and/or scraped at /metrics (docs/decisions/0037-operators-telemetry-and-probes.md).
/// </summary>
public static class TelemetrySetup
{
    /// <summary>The KaMeng meter (idempotent: the commerce services call it too, for hosts without the web app).</summary>
    public static IServiceCollection AddKaMengMetrics(this IServiceCollection services)
    {
        services.AddMetrics();
        services.TryAddSingleton<KaMengMetrics>();
        return services;
    }

    public static WebApplicationBuilder AddKaMengTelemetry(this WebApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection("KaMeng:Telemetry");
        builder.Services.Configure<TelemetryOptions>(section);
        builder.Services.AddKaMengMetrics();
        var options = section.Get<TelemetryOptions>() ?? new TelemetryOptions();
        if (!options.Enabled) return builder;
        var allowed = ParseNetworks(options.PrometheusAllowedNetworks);
        // Parsed whether or not /metrics is on, so a bad network list fails at start either way.
        if (options.Prometheus) builder.Services.AddSingleton(new ScrapeGuard(allowed));

        var otlp = string.IsNullOrWhiteSpace(options.OtlpEndpoint) ? null : new Uri(options.OtlpEndpoint);
        var protocol = options.OtlpProtocol.Trim().ToLowerInvariant() switch
        {
            "grpc" => OtlpExportProtocol.Grpc,
            "http/protobuf" or "http" => OtlpExportProtocol.HttpProtobuf,
            var other => throw new InvalidOperationException($"KaMeng:Telemetry:OtlpProtocol: '{other}' is neither grpc nor http/protobuf"),
        };
        void Otlp(OtlpExporterOptions o, string signal)
        {
            // With http/protobuf the SDK takes the endpoint as the full URL of one signal.
            o.Endpoint = protocol == OtlpExportProtocol.HttpProtobuf && otlp!.AbsolutePath is "/" or "" ? new Uri(otlp, signal) : otlp!;
            o.Protocol = protocol;
        }

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(options.ServiceName, serviceInstanceId: $"{Environment.MachineName}:{Environment.ProcessId}"));
        telemetry.WithMetrics(m =>
        {
            m.AddMeter(KaMengMetrics.MeterName)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation();
            if (options.Prometheus) m.AddPrometheusExporter();
            if (otlp is not null) m.AddOtlpExporter(o => Otlp(o, "v1/metrics"));
        });
        // Traces need somewhere to go: Prometheus takes only metrics.
        if (otlp is not null)
            telemetry.WithTracing(t => t
                .AddAspNetCoreInstrumentation(o => o.Filter = c => !Health.OperatorPaths.Match(c.Request.Path)) // probes and scrapes: most spans, telling nothing
                .AddEntityFrameworkCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddSource("Quartz")
                .AddOtlpExporter(o => Otlp(o, "v1/traces")));
        return builder;
    }

    /// <summary>/metrics, when KaMeng:Telemetry:Prometheus is on, for the allowed networks only (everyone else: 404).</summary>
    public static WebApplication MapKaMengTelemetry(this WebApplication app)
    {
        if (app.Services.GetService<ScrapeGuard>() is not { } guard) return app;
        app.MapPrometheusScrapingEndpoint(Health.OperatorPaths.Metrics).AllowAnonymous();
        // Runs before the endpoint (endpoints execute at the end of the pipeline); the address is the client's after
        // UseKaMengForwardedHeaders, so a scrape through a trusted proxy counts as the client behind it.
        app.Use((context, next) =>
        {
            if (context.Request.Path.StartsWithSegments(Health.OperatorPaths.Metrics) && !guard.Allows(context.Connection.RemoteIpAddress))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }
            return next(context);
        });
        return app;
    }

    static IReadOnlyList<System.Net.IPNetwork> ParseNetworks(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(entry =>
            System.Net.IPNetwork.TryParse(entry, out var network) ? network
            : IPAddress.TryParse(entry, out var address) ? new System.Net.IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128)
            : throw new InvalidOperationException($"KaMeng:Telemetry:PrometheusAllowedNetworks: '{entry}' is not an IP address or CIDR network")).ToList();

    sealed class ScrapeGuard(IReadOnlyList<System.Net.IPNetwork> networks)
    {
        public bool Allows(IPAddress? address)
        {
            if (address is null) return false;
            if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
            return networks.Any(n => n.Contains(address));
        }
    }
}
