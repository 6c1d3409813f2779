using KaMeng.Data;
using Microsoft.AspNetCore.Identity;

namespace KaMeng.Web.Features.Account;

public static class IdentitySetup
{
    public static WebApplicationBuilder AddKaMengIdentity(this WebApplicationBuilder builder)
    {
        builder.Services.AddAuthentication(IdentityConstants.ApplicationScheme).AddIdentityCookies();
        builder.Services.AddAuthorization();
        builder.Services.AddIdentityCore<AppUser>(o =>
            {
                o.Password.RequiredLength = 8;
                o.Password.RequireDigit = true;
                o.Password.RequireLowercase = true;
                o.Password.RequireUppercase = false;
                o.Password.RequireNonAlphanumeric = false;
                // Wrong passwords never lock an account (anyone could lock the admin out): sign-in passes lockoutOnFailure: false
                // and the failing IP is locked instead (Features/Security/FailureTracker). A lock staff set by hand still holds.
                o.Lockout.MaxFailedAccessAttempts = 5;
                o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
                o.Lockout.AllowedForNewUsers = true;
                o.User.AllowedUserNameCharacters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._@";
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<KaMengDbContext>()
            // Refuses disabled users (issue 21 §4).
            .AddSignInManager<KaMeng.Web.Features.Risk.Blacklists.KaMengSignInManager>()
            .AddErrorDescriber<ChineseIdentityErrorDescriber>()
            .AddPasswordValidator<KaMeng.Web.Features.Security.CommonPasswordValidator>()
            .AddDefaultTokenProviders();
        builder.Services.ConfigureApplicationCookie(o =>
        {
            o.LoginPath = "/account/login";
            o.LogoutPath = "/account/logout";
            o.AccessDeniedPath = "/account/access-denied";
            o.Cookie.Name = "kameng.auth";
            // Without a fixed path the cookie would be scoped to the /s/{code} PathBase it was issued under.
            o.Cookie.Path = "/";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.SlidingExpiration = true;
            o.ExpireTimeSpan = TimeSpan.FromDays(7);
            // Signing in honours the login page's returnUrl: only a clean local path (a control character there made the
            // Location header throw, a 500).
            o.Events.OnRedirectToReturnUrl = context =>
            {
                context.Response.Redirect(SafeReturnUrl(context.RedirectUri, context.Request.PathBase + "/"));
                return Task.CompletedTask;
            };
        });
        builder.Services.AddAntiforgery(o => o.Cookie.Path = "/");
        return builder;
    }

    /// <summary>Only local paths: never redirect to another site after sign-in. Whitespace, control characters and backslashes
    /// anywhere make it the fallback (browsers strip some of them, so "/\t/evil" would leave the site; others broke the redirect).</summary>
    public static string SafeReturnUrl(string? returnUrl, string fallback = "/") =>
        !string.IsNullOrEmpty(returnUrl) && returnUrl.Length <= 2000 && returnUrl.StartsWith('/') && !returnUrl.StartsWith("//")
        && !returnUrl.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c == '\\') && Uri.IsWellFormedUriString(returnUrl, UriKind.Relative)
            ? returnUrl : fallback;
}

sealed class ChineseIdentityErrorDescriber : IdentityErrorDescriber
{
    public override IdentityError DuplicateUserName(string userName) => new() { Code = nameof(DuplicateUserName), Description = $"用户名 {userName} 已被使用" };
    public override IdentityError InvalidUserName(string? userName) => new() { Code = nameof(InvalidUserName), Description = "用户名只能包含字母、数字和 - . _ @" };
    public override IdentityError PasswordTooShort(int length) => new() { Code = nameof(PasswordTooShort), Description = $"密码至少 {length} 位" };
    public override IdentityError PasswordRequiresDigit() => new() { Code = nameof(PasswordRequiresDigit), Description = "密码必须包含数字" };
    public override IdentityError PasswordRequiresLower() => new() { Code = nameof(PasswordRequiresLower), Description = "密码必须包含小写字母" };
    public override IdentityError PasswordRequiresUpper() => new() { Code = nameof(PasswordRequiresUpper), Description = "密码必须包含大写字母" };
    public override IdentityError PasswordRequiresNonAlphanumeric() => new() { Code = nameof(PasswordRequiresNonAlphanumeric), Description = "密码必须包含符号" };
    public override IdentityError PasswordMismatch() => new() { Code = nameof(PasswordMismatch), Description = "密码错误" };
    public override IdentityError DuplicateEmail(string email) => new() { Code = nameof(DuplicateEmail), Description = $"邮箱 {email} 已被使用" };
    public override IdentityError InvalidEmail(string? email) => new() { Code = nameof(InvalidEmail), Description = "邮箱格式不正确" };
    public override IdentityError DefaultError() => new() { Code = nameof(DefaultError), Description = "操作失败，请稍后再试" };
}
