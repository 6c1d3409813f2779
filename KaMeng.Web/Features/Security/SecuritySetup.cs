using System.Globalization;
using System.Threading.RateLimiting;
using KaMeng.Web.Features.OpenApi;
using Microsoft.AspNetCore.RateLimiting;

namespace KaMeng.Web.Features.Security;

public static class SecuritySetup
{
    public static WebApplicationBuilder AddKaMengSecurity(this WebApplicationBuilder builder)
    {
        builder.AddKaMengForwardedHeaders();
        builder.Services.AddSingleton<Throttles>();
        builder.Services.AddSingleton<FailureTracker>();
        builder.Services.AddSingleton<ICaptchaStore, MemoryCaptchaStore>();
        builder.Services.AddSingleton<CaptchaService>();
        builder.Services.AddRateLimiter(_ => { });
        builder.Services.AddOptions<RateLimiterOptions>().Configure<Throttles>((o, throttles) =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http => Partition(http) is { } p
                ? RateLimitPartition.GetFixedWindowLimiter(p.Key, _ => Options(throttles.LimitOf(p.Name)))
                : RateLimitPartition.GetNoLimiter("-"));
            o.OnRejected = (context, ct) => RejectAsync(context.HttpContext, context.Lease, ct);
        });
        return builder;
    }

    /// <summary>The HTTP endpoints throttled by the middleware: EPay notifies per IP, the Open API per verified key.</summary>
    static (string Name, string Key)? Partition(HttpContext http)
    {
        var path = http.Request.Path;
        if (path.StartsWithSegments("/pay/epay/notify"))
            return (Throttles.EPayNotifyPerIp, $"{Throttles.EPayNotifyPerIp}:{ClientAddress.Of(http)}");
        if (http.Items[OpenApiSignatureFilter.CallerKey] is OpenApiCaller caller)
            return (Throttles.OpenApiPerKey, $"{Throttles.OpenApiPerKey}:{caller.Credential.KeyId}");
        return null;
    }

    static FixedWindowRateLimiterOptions Options(ThrottleLimit limit) => new()
    {
        PermitLimit = Math.Max(1, limit.PermitLimit),
        Window = TimeSpan.FromSeconds(Math.Max(1, limit.WindowSeconds)),
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    static async ValueTask RejectAsync(HttpContext http, RateLimitLease lease, CancellationToken ct)
    {
        var seconds = lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)) : 60;
        http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        var message = ThrottleMessages.TooMany(seconds);
        if (http.Request.Path.StartsWithSegments("/api"))
            await OpenApiEndpoints.Problem(StatusCodes.Status429TooManyRequests, "rate_limited", message).ExecuteAsync(http);
        else
        {
            http.Response.ContentType = "text/plain; charset=utf-8";
            await http.Response.WriteAsync(message, ct);
        }
    }
}
