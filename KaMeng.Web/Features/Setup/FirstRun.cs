using KaMeng.Data;
using KaMeng.Domain;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Setup;

/// <summary>
/// The first run of a database without a platform admin (Production's default: no password is generated or printed). Until
/// an admin exists every page redirects to /setup, where the first visitor creates one; afterwards /setup is a 404.
/// </summary>
public sealed class FirstRun(IServiceScopeFactory scopes, IDbContextFactory<KaMengDbContext> dbFactory, TimeProvider clock, ILogger<FirstRun> log)
{
    public const string Path = "/setup";

    /// <summary>The id of the admin the first-run page creates: a second submission, even from another server, cannot insert
    /// a second user with it (the primary key refuses), whatever user name it asks for.</summary>
    public const string FirstAdminId = "00000000-0000-4000-8000-00000000a001";

    readonly SemaphoreSlim gate = new(1, 1);
    volatile bool adminExists;

    /// <summary>Whether a platform admin exists. Once true it stays true without asking the database again.</summary>
    public async Task<bool> AdminExistsAsync(CancellationToken ct = default)
    {
        if (adminExists) return true;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var exists = await (from ur in db.UserRoles
                            join r in db.Roles on ur.RoleId equals r.Id
                            where r.Name == Roles.PlatformAdmin
                            select ur.UserId).AnyAsync(ct);
        if (exists) adminExists = true;
        return exists;
    }

    /// <summary>Creates the platform admin, once. Returns Chinese errors, or an empty list when it was created.</summary>
    public async Task<IReadOnlyList<string>> CreateAdminAsync(string userName, string password, CancellationToken ct = default)
    {
        await gate.WaitAsync(ct);
        try
        {
            if (await AdminExistsAsync(ct)) return [AlreadyDone];
            await using var scope = scopes.CreateAsyncScope();
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            // Identity's stores use the scope's context: the user and its role are written in this one transaction.
            var db = scope.ServiceProvider.GetRequiredService<KaMengDbContext>();
            // On SQLite the writer gate queues it behind any other writer instead of failing busy.
            await using var tx = await db.BeginBusinessTransactionAsync(ct);
            var user = new AppUser
            {
                Id = FirstAdminId, UserName = userName.Trim(), DisplayName = "平台管理员", StationId = Station.MainStationId,
                CreatedAt = clock.GetUtcNow(), EmailConfirmed = true,
            };
            IdentityResult result;
            try
            {
                result = await users.CreateAsync(user, password);
                if (result.Succeeded) result = await users.AddToRoleAsync(user, Roles.PlatformAdmin);
            }
            catch (DbUpdateException e) when (e.IsUniqueViolation())
            {
                return [AlreadyDone];
            }
            if (!result.Succeeded) return [.. result.Errors.Select(e => e.Description)];
            db.AuditEntries.Add(new AuditEntry { Action = "platform.setup", UserId = user.Id, UserName = user.UserName, Target = user.UserName, Detail = "首次运行创建平台管理员", CreatedAt = clock.GetUtcNow() });
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            adminExists = true;
            log.LogInformation("First run: platform admin {UserName} created", user.UserName);
            return [];
        }
        finally { gate.Release(); }
    }

    public const string AlreadyDone = "平台管理员已创建，请直接登录";

    /// <summary>Requests that pass while there is no admin: the page itself, its assets, the error pages (the operators' probes
    /// never reach this middleware: see <see cref="Health.OperatorPaths"/>).</summary>
    public static bool Passes(PathString path) =>
        path.StartsWithSegments(Path) || path.StartsWithSegments("/_framework") || path.StartsWithSegments("/_content")
        || path.StartsWithSegments("/not-found") || path.StartsWithSegments("/error")
        || System.IO.Path.HasExtension(path.Value);
}

public static class FirstRunSetup
{
    public static WebApplicationBuilder AddFirstRun(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<FirstRun>();
        builder.Services.AddSingleton<DemoHistory>();
        return builder;
    }

    /// <summary>Until a platform admin exists every page redirects to /setup; afterwards /setup answers 404.</summary>
    public static IApplicationBuilder UseFirstRun(this IApplicationBuilder app)
    {
        app.Use(async (context, next) =>
        {
            var firstRun = context.RequestServices.GetRequiredService<FirstRun>();
            var path = context.Request.Path;
            if (await firstRun.AdminExistsAsync(context.RequestAborted))
            {
                if (path.StartsWithSegments(FirstRun.Path))
                {
                    context.Response.StatusCode = StatusCodes.Status404NotFound;
                    return;
                }
            }
            else if (!FirstRun.Passes(path))
            {
                context.Response.Redirect(FirstRun.Path);
                return;
            }
            await next();
        });
        return app;
    }
}
