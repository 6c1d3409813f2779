using KaMeng.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace KaMeng.Web.Features.Account;

public static class AccountEndpoints
{
    public static void MapAccount(this WebApplication app)
    {
        // A form POST with [FromForm] is antiforgery-checked by UseAntiforgery.
        app.MapPost("/account/logout", async (HttpContext http, [FromServices] SignInManager<AppUser> signIn, [FromForm] string? returnUrl) =>
        {
            await signIn.SignOutAsync();
            return Results.LocalRedirect(http.Request.PathBase + IdentitySetup.SafeReturnUrl(returnUrl));
        });
    }
}
