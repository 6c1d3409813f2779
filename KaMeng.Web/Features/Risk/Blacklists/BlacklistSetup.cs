using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.AspNetCore.Identity;

namespace KaMeng.Web.Features.Risk.Blacklists;

public static class BlacklistSetup
{
    /// <summary>How often a cookie's security stamp is compared with the database (a disabled user's cookie on this node is
    /// refused at once through <see cref="SessionRevocations"/>; this bounds it on other nodes).</summary>
    public static readonly TimeSpan StampValidationInterval = TimeSpan.FromMinutes(1);

    /// <summary>Blacklists, signals and disabled users (issue 21 §4). After AddKaMengIdentity and AddKaMengUi: it replaces the
    /// circuits' authentication state provider.</summary>
    public static WebApplicationBuilder AddBlacklists(this WebApplicationBuilder builder)
    {
        builder.Services.AddBlacklistServices();
        builder.Services.AddScoped<UserAccessService>();
        builder.Services.AddSingleton<SessionRevocations>();
        builder.Services.Configure<SecurityStampValidatorOptions>(o => o.ValidationInterval = StampValidationInterval);
        builder.Services.PostConfigure<CookieAuthenticationOptions>(IdentityConstants.ApplicationScheme, o =>
        {
            var inner = o.Events.OnValidatePrincipal;
            o.Events.OnValidatePrincipal = async context =>
            {
                var revocations = context.HttpContext.RequestServices.GetRequiredService<SessionRevocations>();
                if (revocations.IsRevoked(context.Principal?.FindFirstValue(ClaimTypes.NameIdentifier), context.Properties.IssuedUtc))
                {
                    context.RejectPrincipal();
                    await context.HttpContext.SignOutAsync(IdentityConstants.ApplicationScheme);
                    return;
                }
                await inner(context);
            };
        });
        // Circuits re-check their user (disabled, stamp changed) and lose the sign-in when it fails.
        builder.Services.AddScoped<AuthenticationStateProvider, RevalidatingIdentityStateProvider>();
        // The client signals of an interactive circuit (its connection's address, device cookie, user agent).
        builder.Services.AddScoped<CircuitSignals>();
        builder.Services.AddScoped<CircuitHandler, CircuitSignalsHandler>();
        return builder;
    }

    /// <summary>The gate, the lists and the signal recorder without UI (the app and the tests; needs AddRiskServices too).</summary>
    public static IServiceCollection AddBlacklistServices(this IServiceCollection services)
    {
        services.AddSingleton<BlacklistGate>();
        services.AddSingleton<BlacklistService>();
        services.AddSingleton<SignalRecorder>();
        return services;
    }
}
