using System.Security.Claims;
using KaMeng.Data;
using KaMeng.Domain;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Admin.CardKeys;

public static class CardKeysSetup
{
    /// <summary>Largest circuit message: a pasted import of tens of thousands of keys arrives as one textarea value
    /// (SignalR's default is 32 KB). Bigger imports go through the file upload, which streams.</summary>
    public const long MaxCircuitMessageBytes = 4 * 1024 * 1024;

    public static WebApplicationBuilder AddCardKeys(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<CardKeyImportService>();
        builder.Services.AddSingleton<CardKeyInventoryService>();
        builder.Services.Configure<HubOptions>(o =>
        {
            if ((o.MaximumReceiveMessageSize ?? 0) < MaxCircuitMessageBytes) o.MaximumReceiveMessageSize = MaxCircuitMessageBytes;
        });
        return builder;
    }

    /// <summary>GET /admin/card-keys/batches/{batchId}/export: the unsold keys of a batch as a .txt download (audit-logged).</summary>
    public static WebApplication MapCardKeyExports(this WebApplication app)
    {
        app.MapGet("/admin/card-keys/batches/{batchId:int}/export", async (int batchId, ClaimsPrincipal user,
                IDbContextFactory<KaMengDbContext> dbFactory, CardKeyInventoryService inventory, CancellationToken ct) =>
            {
                if (await CardKeyAccess.StationOfAsync(dbFactory, user, ct) is not { } stationId) return Results.Forbid();
                try
                {
                    var file = await inventory.ExportUnsoldAsync(stationId, batchId, CardKeyActor.From(user), ct);
                    return Results.File(file.Content, "text/plain; charset=utf-8", file.FileName);
                }
                catch (DomainException e)
                {
                    return Results.Problem(e.Message, statusCode: e.Code == "cardkey.batch-not-found" ? StatusCodes.Status404NotFound : StatusCodes.Status409Conflict);
                }
            })
            .RequireAuthorization(p => p.RequireRole(Roles.PlatformAdmin, Roles.StationOwner));
        return app;
    }
}
