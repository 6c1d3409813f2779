using KaMeng.Data;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Health;

public static class HealthEndpoints
{
    public static void MapHealth(this WebApplication app) =>
        app.MapGet("/healthz", async (IDbContextFactory<KaMengDbContext> dbFactory, CancellationToken ct) =>
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            bool answered;
            try { answered = await db.Database.CanConnectAsync(ct) && await db.Stations.AnyAsync(ct); }
            catch (Exception) { answered = false; }
            var body = new { status = answered ? "ok" : "degraded", database = new { provider = db.Provider.ToString(), answered } };
            return answered ? Results.Ok(body) : Results.Json(body, statusCode: StatusCodes.Status503ServiceUnavailable);
        }).AllowAnonymous();
}
