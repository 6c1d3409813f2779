using Microsoft.Extensions.DependencyInjection.Extensions;

namespace KaMeng.Web.Features.Outbound;

public static class OutboundSetup
{
    /// <summary>Binds KaMeng:Outbound (the guard itself is registered by every guarded client).</summary>
    public static WebApplicationBuilder AddOutboundGuard(this WebApplicationBuilder builder)
    {
        builder.Services.Configure<OutboundOptions>(builder.Configuration.GetSection(OutboundOptions.Section));
        builder.Services.AddOutboundGuardCore();
        return builder;
    }

    public static IServiceCollection AddOutboundGuardCore(this IServiceCollection services)
    {
        services.AddOptions<OutboundOptions>();
        services.TryAddSingleton<OutboundGuard>();
        return services;
    }

    /// <summary>The client's primary handler becomes the guarded one: every connection (each redirect hop too) is checked.</summary>
    public static IHttpClientBuilder AddOutboundGuard(this IHttpClientBuilder builder, bool allowRedirects = true)
    {
        builder.Services.AddOutboundGuardCore();
        return builder.ConfigurePrimaryHttpMessageHandler(sp => sp.GetRequiredService<OutboundGuard>().CreateHandler(allowRedirects));
    }

    /// <summary>A payment gateway's client: guarded, no redirects (the merchant key is in the URL), and a plain-http request
    /// refused unless AllowHttpGateways.</summary>
    public static IHttpClientBuilder AddGatewayGuard(this IHttpClientBuilder builder) =>
        builder.AddOutboundGuard(allowRedirects: false)
            .AddHttpMessageHandler(sp => new GatewaySchemeHandler(sp.GetRequiredService<OutboundGuard>(), sp.GetRequiredService<ILogger<GatewaySchemeHandler>>()));
}

/// <summary>Refuses a plain-http request to a payment gateway at request time (the save-time check's second line).</summary>
public sealed class GatewaySchemeHandler(OutboundGuard guard, ILogger<GatewaySchemeHandler> log) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        if (request.RequestUri is { } uri && guard.CheckGatewayScheme(uri) is not null)
        {
            log.LogWarning("Outbound guard refused a plain-http gateway request to {Host}", uri.Host);
            throw new OutboundRefusedException(uri.Host, null, "plain http to a payment gateway");
        }
        return base.SendAsync(request, ct);
    }
}
