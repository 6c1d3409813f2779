namespace KaMeng.Domain;

public enum StationStatus { Active = 0, Suspended = 1, Closed = 2 }

/// <summary>站点: the main station (总站, no parent) or a substation (分站).</summary>
public class Station
{
    public const int MainStationId = 1;

    public int Id { get; set; }
    public required string Code { get; set; }
    public required string Name { get; set; }
    public int? ParentId { get; set; }
    public Station? Parent { get; set; }
    public string? OwnerUserId { get; set; }
    public StationStatus Status { get; set; }
    public string? SuspensionReason { get; set; }
    public DateTimeOffset? SuspendedUntil { get; set; }
    public string Theme { get; set; } = "default";
    /// <summary>The station's overrides of its theme's design tokens, JSON object token → value (e.g. "--km-primary": "#e91e63").</summary>
    public string? ThemeTokensJson { get; set; }
    public string? Announcement { get; set; }
    public string? ContactQq { get; set; }
    public string? ContactWeChat { get; set; }
    public string? ContactEmail { get; set; }
    public string? ContactTelegram { get; set; }
    public int? LevelId { get; set; }
    public StationLevel? Level { get; set; }
    /// <summary>Null: does not expire.</summary>
    public DateTimeOffset? ExpiresAt { get; set; }
    /// <summary>Suspends the product listing only (the storefront stays up with a notice), until <see cref="ListingSuspendedUntil"/>.</summary>
    public bool ListingSuspended { get; set; }
    /// <summary>End of the listing-only suspension; null: until lifted.</summary>
    public DateTimeOffset? ListingSuspendedUntil { get; set; }
    public string? LogoUrl { get; set; }
    public string? FaviconUrl { get; set; }
    public string? SeoTitle { get; set; }
    public string? SeoDescription { get; set; }
    public string? FooterText { get; set; }
    /// <summary>What this station adds on top of the platform's opening price when it sells child substations.</summary>
    public Money ChildOpenMarkup { get; set; }
    /// <summary>How a refund of a signed-in buyer's gateway-paid order goes back by default: to their 余额 or back through the
    /// gateway (原路退回). Guests always get the gateway (or a manual task); balance orders always the balance.</summary>
    public RefundMethod GatewayRefundMethod { get; set; } = RefundMethod.Balance;
    public DateTimeOffset CreatedAt { get; set; }
    public List<StationHost> Hosts { get; set; } = [];

    public bool IsMain => ParentId is null;

    /// <summary>The listing-only suspension holds at <paramref name="now"/> (it ends by itself at its end time).</summary>
    public bool IsListingSuspendedAt(DateTimeOffset now) => IsListingSuspendedAt(ListingSuspended, ListingSuspendedUntil, now);

    public static bool IsListingSuspendedAt(bool suspended, DateTimeOffset? until, DateTimeOffset now) => suspended && (until is null || now < until);

    /// <summary>Codes that would clash with the platform's own routes and hosts.</summary>
    public static readonly IReadOnlySet<string> ReservedCodes = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "admin", "api", "www", "account", "s", "pay", "static", "assets", "healthz", "main", "root", "mail", "openapi", "_framework", "_content", "themes",
    };

    public static bool IsValidCode(string? code) =>
        !string.IsNullOrEmpty(code) && code.Length is >= 2 and <= 32
        && code.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
        && char.IsAsciiLetterOrDigit(code[0]) && char.IsAsciiLetterOrDigit(code[^1])
        && !ReservedCodes.Contains(code);
}

/// <summary>A host name (subdomain or custom domain) bound to a station.</summary>
/// <summary>A custom domain bound to a station. It serves the station only once verified (<see cref="VerifiedAt"/>): the
/// owner proves control by serving <see cref="VerificationToken"/> at /.well-known/kameng-verify on that host (the
/// platform answers it there itself once the domain points at it) or by a TXT record the platform's staff check.</summary>
public class StationHost
{
    public int Id { get; set; }
    public int StationId { get; set; }
    public required string Host { get; set; }
    public string VerificationToken { get; set; } = "";
    public DateTimeOffset? VerifiedAt { get; set; }

    public bool IsVerified => VerifiedAt is not null;

    /// <summary>The TXT record an operator checks by hand: name and value.</summary>
    public (string Name, string Value) TxtRecord => ("_kameng-verify." + Host, "kameng-verify=" + VerificationToken);

    public const string WellKnownPath = "/.well-known/kameng-verify";
}
