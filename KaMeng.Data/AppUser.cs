using Microsoft.AspNetCore.Identity;

namespace KaMeng.Data;

/// <summary>A person who signs in: buyer, station owner, finance clerk or platform admin.</summary>
public class AppUser : IdentityUser
{
    public string? DisplayName { get; set; }
    /// <summary>The station where the user registered (buyers belong to a station's storefront).</summary>
    public int StationId { get; set; } = KaMeng.Domain.Station.MainStationId;
    public DateTimeOffset CreatedAt { get; set; }
    /// <summary>Set by the platform (issue 21 §4): a disabled user cannot sign in, and disabling ends their sessions.</summary>
    public DateTimeOffset? DisabledAt { get; set; }
    public string? DisabledReason { get; set; }
    public bool IsDisabled => DisabledAt is not null;
}

public static class Roles
{
    public const string PlatformAdmin = nameof(PlatformAdmin);
    public const string StationOwner = nameof(StationOwner);
    public const string Finance = nameof(Finance);
    public const string Buyer = nameof(Buyer);
    public static readonly string[] All = [PlatformAdmin, StationOwner, Finance, Buyer];
    /// <summary>Roles that may enter /admin.</summary>
    public const string AdminArea = PlatformAdmin + "," + StationOwner + "," + Finance;
}
