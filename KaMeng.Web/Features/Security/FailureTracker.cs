using Microsoft.Extensions.Caching.Memory;

namespace KaMeng.Web.Features.Security;

/// <summary>
/// Failed logins and failed 查单 per client IP. After <c>KaMeng:RateLimits:CaptchaAfterFailures</c> (3) failures the form asks
/// for a captcha; after <c>KaMeng:RateLimits:LockoutFailures</c> (10) failed logins the IP — never the account — is locked for
/// <c>KaMeng:RateLimits:LockoutMinutes</c> (15) from its first failure. A victim's account stays usable from anywhere else.
/// </summary>
public sealed class FailureTracker : IDisposable
{
    public const string Login = "login";
    public const string OrderQuery = "query";

    readonly MemoryCache failures = new(new MemoryCacheOptions { SizeLimit = 200_000 });
    readonly int captchaAfter, lockoutAfter;
    readonly TimeSpan window;

    public FailureTracker(IConfiguration config)
    {
        captchaAfter = config.GetValue("KaMeng:RateLimits:CaptchaAfterFailures", 3);
        lockoutAfter = config.GetValue("KaMeng:RateLimits:LockoutFailures", 10);
        window = TimeSpan.FromMinutes(config.GetValue("KaMeng:RateLimits:LockoutMinutes", 15));
    }

    sealed class Counter { public int Count; }

    public int Failures(string scope, string ip) => failures.TryGetValue((scope, ip), out Counter? c) ? Volatile.Read(ref c!.Count) : 0;

    public bool NeedsCaptcha(string scope, string ip) => Failures(scope, ip) >= captchaAfter;

    public bool IsLocked(string scope, string ip) => Failures(scope, ip) >= lockoutAfter;

    public void RecordFailure(string scope, string ip)
    {
        var counter = failures.GetOrCreate((scope, ip), e =>
        {
            e.AbsoluteExpirationRelativeToNow = window;
            e.Size = 1;
            return new Counter();
        });
        if (counter is not null) Interlocked.Increment(ref counter.Count);
    }

    public void Dispose() => failures.Dispose();
}
