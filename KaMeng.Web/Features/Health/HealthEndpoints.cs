using KaMeng.Data;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Health;

public sealed record HealthResult(string Provider, bool Answered);

/// <summary>
/// The operators' paths: liveness, readiness, the metrics scrape. They belong to no station and answer whether or not a
/// platform admin exists (so liveness answers while the database is down); they are not traced. Program.cs keeps them out of
/// the first-run and station-routing middleware in one place.
/// </summary>
public static class OperatorPaths
{
    public const string Liveness = "/healthz", Readiness = "/readyz", Metrics = "/metrics";

    public static bool Match(PathString path) =>
        path.StartsWithSegments(Liveness) || path.StartsWithSegments(Readiness) || path.StartsWithSegments(Metrics);
}

/// <summary>
/// The database check behind /readyz, run at most once a second (<see cref="MaxAge"/>) and shared by every caller in
/// between: a load balancer or a burst of probes never opens a connection per call (issue 18 §4).
/// </summary>
public sealed class HealthProbe(IDbContextFactory<KaMengDbContext> dbFactory, TimeProvider clock)
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(1);

    readonly Lock gate = new();
    Task<HealthResult>? current;
    Task<HealthResult>? lastAnswer;
    long startedAt;
    int checks;

    /// <summary>How many times the database was asked (for tests).</summary>
    public int Checks => Volatile.Read(ref checks);

    public Task<HealthResult> GetAsync()
    {
        lock (gate)
        {
            if (current is { IsCompleted: true }) lastAnswer = current;
            // A finished check is reused until it is MaxAge old; then one caller starts the next.
            if (current is null || (current.IsCompleted && clock.GetElapsedTime(startedAt) >= MaxAge))
            {
                startedAt = clock.GetTimestamp();
                current = CheckAsync();
            }
            // While a check is in flight for less than MaxAge the previous answer is given, so a burst of probes does not
            // queue behind one round trip; a check slower than that (a database in trouble) is waited for.
            return current.IsCompleted || lastAnswer is null || clock.GetElapsedTime(startedAt) >= MaxAge ? current : lastAnswer;
        }
    }

    async Task<HealthResult> CheckAsync()
    {
        Interlocked.Increment(ref checks);
        var provider = "unknown";
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await using var db = await dbFactory.CreateDbContextAsync(timeout.Token);
            provider = db.Provider.ToString();
            return new HealthResult(provider, await db.Database.CanConnectAsync(timeout.Token) && await db.Stations.AnyAsync(timeout.Token));
        }
        catch (Exception) { return new HealthResult(provider, false); }
    }
}

/// <summary>
/// Two probes (issue 22 §4). <c>/healthz</c> is liveness: 200 while the process serves requests, without touching the
/// database, so an orchestrator never restarts every node because the database blinked. <c>/readyz</c> is readiness: the
/// database answered (through <see cref="HealthProbe"/>), else 503, so a load balancer sends no traffic to a node that
/// cannot serve it.
/// </summary>
public static class HealthEndpoints
{
    public static void MapHealth(this WebApplication app)
    {
        app.MapGet(OperatorPaths.Liveness, () => Results.Ok(new { status = "ok" })).AllowAnonymous();
        app.MapGet(OperatorPaths.Readiness, async (HealthProbe probe) =>
        {
            var result = await probe.GetAsync();
            var body = new { status = result.Answered ? "ok" : "degraded", database = new { provider = result.Provider, answered = result.Answered } };
            return result.Answered ? Results.Ok(body) : Results.Json(body, statusCode: StatusCodes.Status503ServiceUnavailable);
        }).AllowAnonymous();
    }
}
