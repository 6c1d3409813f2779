using System.Globalization;
using System.Security.Claims;
using KaMeng.Data;
using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Admin.Reports;

public static class ReportsSetup
{
    public const string XlsxContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    public const string OrdersPath = "/admin/finance/reports/orders.xlsx";
    public const string LedgerPath = "/admin/finance/reports/ledger.xlsx";

    public static WebApplicationBuilder AddReports(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<BackgroundExports>();
        builder.Services.AddSingleton<ReportQueries>();
        return builder;
    }

    /// <summary>GET the order and ledger exports: the filter in the query string (from, to, status, q); the station scope
    /// from the signed-in user (platform admins and finance: all stations; a station owner: their own).</summary>
    public static WebApplication MapReports(this WebApplication app)
    {
        var group = app.MapGroup("/admin/finance/reports")
            .RequireAuthorization(p => p.RequireRole(Roles.PlatformAdmin, Roles.Finance, Roles.StationOwner));
        group.MapGet("/orders.xlsx", (string? from, string? to, string? status, string? q, ClaimsPrincipal user,
                IDbContextFactory<KaMengDbContext> dbFactory, TimeProvider clock, CancellationToken ct) =>
            ExportAsync(FinanceExports.Orders, ReportFilter.Parse(from, to, status, q), user, dbFactory, clock, ct));
        group.MapGet("/ledger.xlsx", (string? from, string? to, string? status, string? q, ClaimsPrincipal user,
                IDbContextFactory<KaMengDbContext> dbFactory, TimeProvider clock, CancellationToken ct) =>
            ExportAsync(FinanceExports.Ledger, ReportFilter.Parse(from, to, status, q), user, dbFactory, clock, ct));
        group.MapGet("/more/{kind}.xlsx", (string kind, string? from, string? to, string? status, string? q, ClaimsPrincipal user,
                IDbContextFactory<KaMengDbContext> dbFactory, TimeProvider clock, CancellationToken ct) =>
            MoreExports.Find(kind) is not null && FinanceExports.Find(kind) is { } export
                ? ExportAsync(export, ReportFilter.Parse(from, to, status, q), user, dbFactory, clock, ct)
                : Task.FromResult(Results.NotFound()));
        // A finished background export, for the user who made it only.
        app.MapGet("/admin/exports/{id}", (string id, ClaimsPrincipal user, BackgroundExports exports) =>
                exports.Find(id, user) is { } f ? Results.File(f.Path, XlsxContentType, f.FileName) : Results.NotFound())
            .RequireAuthorization(p => p.RequireRole(Roles.PlatformAdmin, Roles.Finance, Roles.StationOwner));
        return app;
    }

    /// <summary>File name of a download: 订单_20261122.xlsx (the date in Beijing, <see cref="BusinessTime"/>).</summary>
    public static string FileName(string report, DateTimeOffset now) =>
        $"{report}_{BusinessTime.Format(now, "yyyyMMdd")}.xlsx";

    static async Task<IResult> ExportAsync(FinanceExports.Export export, ReportFilter filter, ClaimsPrincipal user, IDbContextFactory<KaMengDbContext> dbFactory,
        TimeProvider clock, CancellationToken ct)
    {
        if (filter.Error is { } error) return Results.Problem(title: error, statusCode: StatusCodes.Status400BadRequest);
        var station = await ReportScope.StationOfAsync(dbFactory, user, ct);
        // The workbook goes to a temp file first, so a failure mid-export is an error response rather than a truncated
        // download; it is then streamed out and deleted on close.
        var path = Path.Combine(Path.GetTempPath(), "kameng-report-" + Guid.NewGuid().ToString("N") + ".xlsx");
        var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
        try
        {
            await using (var db = (await dbFactory.CreateDbContextAsync(ct)).ScopedTo(station))
                await export.WriteAsync(db, filter, file, null, ct);
            file.Position = 0;
            // Results.File writes Content-Disposition with both filename and filename* (UTF-8) for the Chinese name.
            return Results.File(file, XlsxContentType, FileName(export.Name, clock.GetUtcNow()));
        }
        catch
        {
            await file.DisposeAsync();
            throw;
        }
    }
}
