using KaMeng.Data;
using KaMeng.Web.Features.Orders;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Risk.Blacklists;

/// <summary>
/// Disabling a user (issue 21 §4): the platform sets a reason, the user can no longer sign in, and the security stamp changes so
/// every cookie they hold is refused on its next request (<see cref="SessionRevocations"/> on this node, the stamp check on others) and
/// every open admin circuit signs out at its next revalidation (<see cref="RevalidatingIdentityStateProvider"/>).
/// </summary>
public sealed class UserAccessService(UserManager<AppUser> users, IDbContextFactory<KaMengDbContext> dbFactory, TimeProvider clock, SessionRevocations? revocations = null)
{
    public const string DisabledMessage = "该账号已被停用，请联系客服";

    public async Task<string?> DisableAsync(string userId, string? reason, AuditActor actor, CancellationToken ct = default)
    {
        if (!await IsPlatformAdminAsync(actor)) return "只有平台管理员可以停用用户";
        if (string.IsNullOrWhiteSpace(reason)) return "请填写停用原因";
        if (reason.Trim().Length > 200) return "停用原因最多 200 字";
        if (userId == actor.UserId) return "不能停用自己的账号";
        var user = await users.FindByIdAsync(userId);
        if (user is null) return "用户不存在";
        if (user.IsDisabled) return "该用户已被停用";
        var now = clock.GetUtcNow();
        user.DisabledAt = now;
        user.DisabledReason = reason.Trim();
        // A new stamp ends every session at once: the cookie validator compares it on each request.
        var result = await users.UpdateSecurityStampAsync(user);
        if (!result.Succeeded) return "停用失败，请稍后再试";
        revocations?.Revoke(user.Id);
        await AuditAsync(actor, "user.disable", user.UserName, reason.Trim(), now, ct);
        return null;
    }

    public async Task<string?> EnableAsync(string userId, AuditActor actor, CancellationToken ct = default)
    {
        if (!await IsPlatformAdminAsync(actor)) return "只有平台管理员可以启用用户";
        var user = await users.FindByIdAsync(userId);
        if (user is null) return "用户不存在";
        if (!user.IsDisabled) return "该用户未被停用";
        var reason = user.DisabledReason;
        user.DisabledAt = null;
        user.DisabledReason = null;
        var result = await users.UpdateAsync(user);
        if (!result.Succeeded) return "启用失败，请稍后再试";
        await AuditAsync(actor, "user.enable", user.UserName, $"原停用原因：{reason}", clock.GetUtcNow(), ct);
        return null;
    }

    // Finance acts platform-wide too (its actor has no station), but only the platform's admins disable accounts.
    async Task<bool> IsPlatformAdminAsync(AuditActor actor) =>
        actor.StationId is null && await users.FindByIdAsync(actor.UserId) is { } staff && await users.IsInRoleAsync(staff, Roles.PlatformAdmin);

    async Task AuditAsync(AuditActor actor, string action, string? target, string? detail, DateTimeOffset now, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        db.AuditEntries.Add(actor.Entry(action, target, detail, now, null));
        await db.SaveChangesAsync(ct);
    }
}

/// <summary>Refuses sign-in to a disabled user (password sign-in, refresh, external): Identity asks this before anything else.</summary>
public sealed class KaMengSignInManager(UserManager<AppUser> userManager, IHttpContextAccessor contextAccessor, IUserClaimsPrincipalFactory<AppUser> claimsFactory,
    Microsoft.Extensions.Options.IOptions<IdentityOptions> optionsAccessor, ILogger<SignInManager<AppUser>> logger, Microsoft.AspNetCore.Authentication.IAuthenticationSchemeProvider schemes,
    IUserConfirmation<AppUser> confirmation)
    : SignInManager<AppUser>(userManager, contextAccessor, claimsFactory, optionsAccessor, logger, schemes, confirmation)
{
    public override async Task<bool> CanSignInAsync(AppUser user) => !user.IsDisabled && await base.CanSignInAsync(user);

    /// <summary>A disabled user's cookie fails validation even if its stamp were somehow current.</summary>
    public override async Task<AppUser?> ValidateSecurityStampAsync(System.Security.Claims.ClaimsPrincipal? principal) =>
        await base.ValidateSecurityStampAsync(principal) is { IsDisabled: false } user ? user : null;
}

/// <summary>An interactive circuit re-checks its user every <see cref="RevalidationInterval"/>: a disabled user's (or one whose
/// stamp changed) circuit loses its sign-in and the router sends it to the login page.</summary>
public sealed class RevalidatingIdentityStateProvider(ILoggerFactory loggerFactory, IServiceScopeFactory scopeFactory,
    Microsoft.Extensions.Options.IOptions<IdentityOptions> options)
    : Microsoft.AspNetCore.Components.Server.RevalidatingServerAuthenticationStateProvider(loggerFactory)
{
    protected override TimeSpan RevalidationInterval => TimeSpan.FromSeconds(10);

    protected override async Task<bool> ValidateAuthenticationStateAsync(Microsoft.AspNetCore.Components.Authorization.AuthenticationState authenticationState, CancellationToken ct)
    {
        var principal = authenticationState.User;
        if (principal.Identity?.IsAuthenticated != true) return true;
        await using var scope = scopeFactory.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var user = await users.GetUserAsync(principal);
        if (user is null || user.IsDisabled) return false;
        if (!users.SupportsUserSecurityStamp) return true;
        var stamp = principal.FindFirst(options.Value.ClaimsIdentity.SecurityStampClaimType)?.Value;
        return stamp == await users.GetSecurityStampAsync(user);
    }
}
