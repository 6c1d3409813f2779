using System.Collections.Concurrent;

namespace KaMeng.Web.Features.Risk.Blacklists;

/// <summary>
/// Users whose sessions were ended on this node (disabled), with when. The cookie validator refuses any cookie of theirs issued
/// before that moment on the very next request, without the per-request database read a zero stamp-validation interval would
/// cost on every page and asset. Other nodes catch the new security stamp within <see cref="BlacklistSetup.StampValidationInterval"/>.
/// </summary>
public sealed class SessionRevocations(TimeProvider clock)
{
    readonly ConcurrentDictionary<string, DateTimeOffset> revoked = new();

    /// <summary>Raised by <see cref="Revoke"/> (the cluster bus ends the sessions on the other nodes at once too).</summary>
    public event Action<string>? Revoked;

    public void Revoke(string userId)
    {
        Revoked?.Invoke(userId);
        var now = clock.GetUtcNow();
        revoked[userId] = now;
        // Older marks are covered by the stamp check by now.
        foreach (var (id, at) in revoked)
            if (now - at > BlacklistSetup.StampValidationInterval * 2) revoked.TryRemove(id, out _);
    }

    /// <summary>Whether a session issued at <paramref name="issuedUtc"/> (whole seconds in the cookie) was ended since.</summary>
    public bool IsRevoked(string? userId, DateTimeOffset? issuedUtc) =>
        userId is not null && revoked.TryGetValue(userId, out var at)
        && (issuedUtc is null || issuedUtc.Value <= new DateTimeOffset(at.Ticks - at.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero));
}
