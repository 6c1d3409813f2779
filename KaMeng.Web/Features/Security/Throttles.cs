using System.Collections.Concurrent;
using System.Globalization;
using System.Threading.RateLimiting;

namespace KaMeng.Web.Features.Security;

/// <summary>One throttle: at most <see cref="PermitLimit"/> attempts per partition in a fixed window of <see cref="WindowSeconds"/>.</summary>
public sealed record ThrottleLimit(int PermitLimit, int WindowSeconds);

/// <summary>
/// The throttles, as ASP.NET Core's own partitioned fixed-window limiters (System.Threading.RateLimiting): one limiter per
/// name, partitioned by IP, account, order number, contact or API key. Each is configurable under
/// <c>KaMeng:RateLimits:{Name}:PermitLimit</c> / <c>:WindowSeconds</c>. The HTTP endpoints (EPay notify, Open API) use them
/// through the rate-limiting middleware (<see cref="RateLimitSetup"/>); the static SSR forms (login, registration, 查单,
/// checkout) call <see cref="Acquire"/> from their handlers, where the account, order number or contact is known.
/// </summary>
public sealed class Throttles : IDisposable
{
    public const string OrderQueryPerIp = nameof(OrderQueryPerIp);
    public const string OrderQueryPerOrder = nameof(OrderQueryPerOrder);
    public const string LoginPerIp = nameof(LoginPerIp);
    public const string LoginPerAccount = nameof(LoginPerAccount);
    public const string RegisterPerIp = nameof(RegisterPerIp);
    public const string CheckoutPerIp = nameof(CheckoutPerIp);
    public const string CheckoutPerContact = nameof(CheckoutPerContact);
    public const string EPayNotifyPerIp = nameof(EPayNotifyPerIp);
    public const string OpenApiPerKey = nameof(OpenApiPerKey);
    public const string OpenApiFailuresPerIp = nameof(OpenApiFailuresPerIp);

    /// <summary>The production defaults.</summary>
    public static readonly IReadOnlyDictionary<string, ThrottleLimit> Defaults = new Dictionary<string, ThrottleLimit>
    {
        [OrderQueryPerIp] = new(10, 60),
        [OrderQueryPerOrder] = new(5, 60),
        [LoginPerIp] = new(10, 60),
        [LoginPerAccount] = new(20, 900),
        [RegisterPerIp] = new(5, 600),
        [CheckoutPerIp] = new(20, 60),
        [CheckoutPerContact] = new(10, 60),
        [EPayNotifyPerIp] = new(600, 60),
        [OpenApiPerKey] = new(600, 60),
        [OpenApiFailuresPerIp] = new(60, 60),
    };

    readonly ConcurrentDictionary<string, PartitionedRateLimiter<string>> limiters = new();
    readonly IConfiguration config;

    public Throttles(IConfiguration config) => this.config = config;

    public ThrottleLimit LimitOf(string name)
    {
        var d = Defaults[name];
        var section = config.GetSection($"KaMeng:RateLimits:{name}");
        return new ThrottleLimit(section.GetValue("PermitLimit", d.PermitLimit), section.GetValue("WindowSeconds", d.WindowSeconds));
    }

    PartitionedRateLimiter<string> Limiter(string name) => limiters.GetOrAdd(name, n =>
    {
        var limit = LimitOf(n);
        return PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = Math.Max(1, limit.PermitLimit),
            Window = TimeSpan.FromSeconds(Math.Max(1, limit.WindowSeconds)),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
    });

    /// <summary>Takes one permit from <paramref name="name"/>'s partition <paramref name="key"/>; refused with the wait.</summary>
    public ThrottleResult Acquire(string name, string? key)
    {
        using var lease = Limiter(name).AttemptAcquire(Normalise(key));
        if (lease.IsAcquired) return ThrottleResult.Allowed;
        var wait = lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(LimitOf(name).WindowSeconds);
        return new ThrottleResult(false, wait);
    }

    /// <summary>Whether <paramref name="key"/>'s partition has no permit left, without taking one.</summary>
    public bool IsExhausted(string name, string? key)
    {
        using var lease = Limiter(name).AttemptAcquire(Normalise(key), 0);
        return !lease.IsAcquired;
    }

    /// <summary>Several throttles at once (e.g. per IP and per account): the first refusal wins.</summary>
    public ThrottleResult Acquire(params (string Name, string? Key)[] throttles)
    {
        foreach (var (name, key) in throttles)
        {
            var result = Acquire(name, key);
            if (!result.IsAllowed) return result;
        }
        return ThrottleResult.Allowed;
    }

    static string Normalise(string? key) => (key ?? "").Trim().ToLowerInvariant() is { Length: > 0 } k ? (k.Length > 200 ? k[..200] : k) : "-";

    public void Dispose()
    {
        foreach (var l in limiters.Values) l.Dispose();
    }
}

public readonly record struct ThrottleResult(bool IsAllowed, TimeSpan RetryAfter)
{
    public static readonly ThrottleResult Allowed = new(true, TimeSpan.Zero);

    public int RetryAfterSeconds => Math.Max(1, (int)Math.Ceiling(RetryAfter.TotalSeconds));

    /// <summary>The Chinese message every refusal shows.</summary>
    public string Message => ThrottleMessages.TooMany(RetryAfterSeconds);

    /// <summary>A refused form: 429 with Retry-After (the page renders <see cref="Message"/>).</summary>
    public void Apply(HttpContext http)
    {
        http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        http.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
    }
}

public static class ThrottleMessages
{
    public static string TooMany(int seconds) => $"操作过于频繁，请 {seconds} 秒后再试";
}
