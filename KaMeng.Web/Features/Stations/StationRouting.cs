using KaMeng.Data;
using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace KaMeng.Web.Features.Stations;

public static class StationRouting
{
    public static WebApplicationBuilder AddStations(this WebApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton<StationDirectory>();
        builder.Services.AddScoped<CurrentStation>();
        return builder;
    }

    /// <summary>
    /// Finds the station of a request: <c>/s/{code}/…</c> (always works, no DNS needed) or a bound host such as
    /// <c>demo.localhost</c>; otherwise the main station. The <c>/s/{code}</c> prefix becomes the request's PathBase,
    /// so every storefront page is written once with relative links and serves every station.
    /// Must run before UseRouting.
    /// </summary>
    public static IApplicationBuilder UseStationRouting(this IApplicationBuilder app)
    {
        app.Use(async (context, next) =>
        {
            var directory = context.RequestServices.GetRequiredService<StationDirectory>();
            var current = context.RequestServices.GetRequiredService<CurrentStation>();
            var path = context.Request.Path;
            // The 404 page re-executed for a substation's unknown page keeps that substation (its brand, its home link):
            // the request's PathBase is still the /s/{code} this middleware gave it.
            if (context.Features.Get<Microsoft.AspNetCore.Diagnostics.IStatusCodeReExecuteFeature>() is { } reExecuted
                && new PathString(reExecuted.OriginalPathBase).StartsWithSegments("/s", out var originalAfterS)
                && await directory.ByCodeAsync(originalAfterS.Value!.Trim('/')) is { } original)
            {
                current.Set(original, "/s/" + original.Code);
                await next(context);
                return;
            }
            if (path.StartsWithSegments("/s", out var afterS) && afterS.HasValue)
            {
                var rest = afterS.Value!.TrimStart('/');
                var slash = rest.IndexOf('/');
                var code = slash < 0 ? rest : rest[..slash];
                var station = await directory.ByCodeAsync(code);
                var remaining = slash < 0 ? "/" : rest[slash..];
                // The admin lives only at /admin; a station prefix never leads there.
                if (station is null || remaining.StartsWith("/admin", StringComparison.OrdinalIgnoreCase))
                {
                    current.Set(await directory.MainAsync(), "");
                    context.Response.StatusCode = StatusCodes.Status404NotFound; // rendered by the status-code page
                    return;
                }
                if (slash < 0 && !path.Value!.EndsWith('/'))
                {
                    context.Response.Redirect(context.Request.PathBase + path + "/" + context.Request.QueryString);
                    return;
                }
                var basePath = "/s/" + station.Code;
                current.Set(station, basePath);
                context.Request.PathBase = context.Request.PathBase.Add(basePath);
                context.Request.Path = remaining;
            }
            else
            {
                current.Set(await directory.ByHostAsync(context.Request.Host.Host) ?? await directory.MainAsync(), "");
            }
            await next(context);
        });
        return app;
    }

    /// <summary>
    /// /.well-known/kameng-verify: on a host bound to a station (verified or not), its verification token. Once the owner's
    /// domain points at the platform, the platform's own check of this URL finds the token and the domain goes live.
    /// </summary>
    public static WebApplication MapDomainVerification(this WebApplication app)
    {
        app.MapGet(StationHost.WellKnownPath, async (HttpContext http, IDbContextFactory<KaMengDbContext> dbFactory, CancellationToken ct) =>
        {
            var host = http.Request.Host.Host.ToLowerInvariant().TrimEnd('.');
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var token = await db.StationHosts.AsNoTracking().Where(h => h.Host == host).Select(h => h.VerificationToken).SingleOrDefaultAsync(ct);
            return string.IsNullOrEmpty(token) ? Results.NotFound() : Results.Text(token, "text/plain");
        });
        return app;
    }
}
