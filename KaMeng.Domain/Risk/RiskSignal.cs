namespace KaMeng.Domain;

public enum RiskSignalKind { SignIn, Registration, Order, Withdrawal }

/// <summary>
/// What the client looked like at a sign-in, registration, order or withdrawal (issue 21 §1): the address (as the trusted-proxy
/// setting resolved it), the first-party device cookie, a hash of the user agent and the address's region. Raw signals are kept
/// <see cref="Retention"/> and then purged by a job.
/// </summary>
public class RiskSignal
{
    public static readonly TimeSpan Retention = TimeSpan.FromDays(30);

    public long Id { get; set; }
    public RiskSignalKind Kind { get; set; }
    public string? UserId { get; set; }
    public int? StationId { get; set; }
    public long? OrderId { get; set; }
    public string? Ip { get; set; }
    public string? DeviceId { get; set; }
    public string? UserAgentHash { get; set; }
    public string? Region { get; set; }
    public DateTimeOffset At { get; set; }
}
