using KaMeng.Data;
using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Themes;

/// <summary>A station's live theme and its token overrides, as published by the builder.</summary>
public sealed record LiveTheme(string? Theme, string? TokensJson);

public static class ThemeQueries
{
    public static async Task<LiveTheme> MainStationAsync(IDbContextFactory<KaMengDbContext> dbFactory, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Stations.AsNoTracking().Where(s => s.Id == Station.MainStationId)
            .Select(s => new LiveTheme(s.Theme, s.ThemeTokensJson)).SingleAsync(ct);
    }
}
