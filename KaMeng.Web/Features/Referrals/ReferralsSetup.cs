using System.Security.Claims;
using KaMeng.Web.Features.Risk;
using KaMeng.Web.Features.Stations;

namespace KaMeng.Web.Features.Referrals;

public static class ReferralsSetup
{
    /// <summary>The first-touch cookie of a station: the code of the link a visitor first came through, kept 30 days.</summary>
    public static string FirstTouchCookie(int stationId) => "km_ref_" + stationId;

    public static WebApplicationBuilder AddReferrals(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ReferralService>();
        return builder;
    }

    /// <summary>
    /// ?ref=CODE on a storefront page: the visit is counted and the code kept in a 30-day first-touch cookie, set once and never
    /// moved by a later link. A signed-in buyer carrying it is bound to the code's owner (once; see <see cref="ReferralService.BindAsync"/>).
    /// Only these requests and signed-in ones set cookies, so anonymous pages stay cacheable.
    /// </summary>
    public static WebApplication UseReferralTracking(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            var request = context.Request;
            var path = request.Path.Value ?? "/";
            if (!HttpMethods.IsGet(request.Method) || path.StartsWith("/_", StringComparison.Ordinal) || path.Contains('.')
                || path.StartsWith("/admin", StringComparison.OrdinalIgnoreCase) || path.StartsWith("/api", StringComparison.OrdinalIgnoreCase)
                || context.RequestServices.GetService<CurrentStation>() is not { IsResolved: true } current)
            {
                await next(context);
                return;
            }
            var stationId = current.Station.Id;
            var signedIn = context.User.Identity?.IsAuthenticated == true;
            var refCode = request.Query["ref"].ToString();
            if (refCode.Length == 0 && !signedIn)
            {
                await next(context);
                return;
            }
            var referrals = context.RequestServices.GetRequiredService<ReferralService>();
            // The same first-party device cookie the risk signals use (issued here when the visitor has none).
            var device = ClientSignals.Of(context).DeviceId;
            var touchCookie = FirstTouchCookie(stationId);
            var touched = request.Cookies[touchCookie];
            if (refCode.Length > 0 && touched is null && await referrals.ClickAsync(stationId, refCode, context.RequestAborted) is { } code)
            {
                touched = code;
                context.Response.Cookies.Append(touchCookie, code, new CookieOptions { HttpOnly = true, IsEssential = true, SameSite = SameSiteMode.Lax, MaxAge = TimeSpan.FromDays(30), Secure = request.IsHttps });
            }
            if (signedIn && touched is not null && request.Cookies[touchCookie + "_bound"] is null
                && context.User.FindFirstValue(ClaimTypes.NameIdentifier) is { } userId)
            {
                await referrals.BindAsync(stationId, userId, touched, device, context.RequestAborted);
                // Looked at once per station and browser: bound, or not invitable (an earlier buyer, their own link).
                context.Response.Cookies.Append(touchCookie + "_bound", "1", new CookieOptions { HttpOnly = true, IsEssential = true, SameSite = SameSiteMode.Lax, MaxAge = TimeSpan.FromDays(30), Secure = request.IsHttps });
            }
            await next(context);
        });
        return app;
    }
}
