namespace KaMeng.Data;

/// <summary>Configuration section "KaMeng".</summary>
public sealed class KaMengOptions
{
    /// <summary>Folder of the SQLite file, uploads, key ring and generated reports. Relative paths are under the content root.</summary>
    public string DataDir { get; set; } = "data";
    /// <summary>The folder every node of a cluster shares (a network mount): uploads, custom themes and the card-key pepper.
    /// Unset: the data dir (one node). Relative paths are under the content root.</summary>
    public string? SharedDir { get; set; }
    /// <summary>The shared folder in use: <see cref="SharedDir"/>, else <see cref="DataDir"/>.</summary>
    public string SharedRoot => SharedFolders.Root(DataDir, SharedDir);
    public DatabaseOptions Database { get; set; } = new();
    public SeedOptions Seed { get; set; } = new();
    /// <summary>Minutes an unpaid order waits before it expires.</summary>
    public int PaymentWindowMinutes { get; set; } = 15;
    /// <summary>The address buyers and gateways reach the platform at (e.g. https://kameng.example): every link the server
    /// hands to others (EPay notify/return, mails, Open API) is built from it, never from a request's Host header. Unset:
    /// the request's own address is used, which is only right in Development.</summary>
    public string? PublicBaseUrl { get; set; }
}

/// <summary>What lives in the shared folder, named once for the app, the card-key vault and backups.</summary>
public static class SharedFolders
{
    public static string Root(string dataDir, string? sharedDir) => sharedDir ?? dataDir;
    /// <summary>The card-key pepper's folder.</summary>
    public static string Keys(string root) => Path.Combine(root, "keys");
    public static string Uploads(string root) => Path.Combine(root, "uploads");
    /// <summary>The operator's own themes (the shipped ones come with the app).</summary>
    public static string Themes(string root) => Path.Combine(root, "themes");
}

public sealed class DatabaseOptions
{
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;
}

public sealed class SeedOptions
{
    public string? AdminPassword { get; set; }
    public string? DemoPassword { get; set; }
    /// <summary>Seed the demo substation, buyer and catalogue. Defaults to true in Development; never in Production.</summary>
    public bool? Demo { get; set; }
    /// <summary>With the demo, 60 days of order history placed through the real services (the web app seeds it). Defaults
    /// to <see cref="Demo"/>; never in Production.</summary>
    public bool? History { get; set; }
    /// <summary>Without <see cref="AdminPassword"/>: create the admin with a generated password printed once on the console
    /// (true, the Development default) or leave the platform admin to the first-run page /setup (false, elsewhere).</summary>
    public bool? GenerateAdminPassword { get; set; }
}
