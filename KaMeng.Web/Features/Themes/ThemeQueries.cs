using KaMeng.Data;
using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Themes;

/// <summary>A station's live theme and its token overrides, as published by the builder.</summary>
public sealed record LiveTheme(string? Theme, string? TokensJson);

public sealed class ThemeQueries(IDbContextFactory<KaMengDbContext> dbFactory)
{
    public async Task<LiveTheme> MainStationAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Stations.AsNoTracking().Where(s => s.Id == Station.MainStationId)
            .Select(s => new LiveTheme(s.Theme, s.ThemeTokensJson)).SingleAsync(ct);
    }
}
