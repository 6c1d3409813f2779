using System.Diagnostics;
using KaMeng.Data;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace KaMeng.Web.Features.Backups;

/// <summary>A backup that cannot be taken or restored as asked; the message says why, in Chinese (and English).</summary>
public sealed class BackupRefusedException(string message) : Exception(message);

/// <summary>Where a KaMeng installation keeps its state: the database, the data folder (keys/, uploads/) and the themes folder.
/// Built from the same configuration the app reads (<see cref="From"/>), or by tests from their harness.</summary>
public sealed record BackupSite(DatabaseProvider Provider, string ConnectionString, string DataDir, string? SharedDir = null)
{
    /// <summary>The folder every node shares (KaMeng:SharedDir; the data folder when unset).</summary>
    public string SharedRoot => SharedFolders.Root(DataDir, SharedDir);
    /// <summary>The card-key pepper's folder (shared).</summary>
    public string KeysDir => SharedFolders.Keys(SharedRoot);
    /// <summary>Key files of an install from before the key ring moved into the database (imported at start; see KeyRingSetup).</summary>
    public string LegacyKeysDir => SharedFolders.Keys(DataDir);
    public string UploadsDir => SharedFolders.Uploads(SharedRoot);
    /// <summary>The operator's own themes (the shipped ones come with the app and are not backed up).</summary>
    public string ThemesDir => SharedFolders.Themes(SharedRoot);

    /// <summary>The SQLite file (only for <see cref="DatabaseProvider.Sqlite"/>).</summary>
    public string SqliteFile => new SqliteConnectionStringBuilder(ConnectionString).DataSource;

    /// <summary>As <see cref="DataServiceCollectionExtensions.AddKaMengData"/> reads it: KaMeng:DataDir under the content root,
    /// KaMeng:Database:Provider, ConnectionStrings:KaMeng (SQLite defaults to {DataDir}/kameng.db).</summary>
    public static BackupSite From(IConfiguration configuration, string contentRoot)
    {
        var options = new KaMengOptions();
        configuration.GetSection("KaMeng").Bind(options);
        var dataDir = Path.GetFullPath(options.DataDir, contentRoot);
        var cs = configuration.GetConnectionString("KaMeng");
        if (options.Database.Provider == DatabaseProvider.Sqlite) cs = DataServiceCollectionExtensions.SqliteConnectionString(cs, dataDir);
        var shared = string.IsNullOrWhiteSpace(options.SharedDir) ? null : Path.GetFullPath(options.SharedDir, contentRoot);
        return new BackupSite(options.Database.Provider, cs ?? "", dataDir, shared);
    }
}

/// <summary>
/// The database part of a backup. SQLite: <c>VACUUM INTO</c> a file (one consistent read; writers carry on). PostgreSQL:
/// <c>pg_dump -Fc</c> sharing a repeatable-read snapshot in which the counts are taken. SQL Server: refused — its own
/// BACKUP DATABASE belongs to the server's operator.
/// </summary>
public static class DatabaseSnapshot
{
    public const string SqliteEntry = "database/kameng.db";
    public const string PostgresEntry = "database/kameng.pgdump";
    public const string SqlServerRefused = "SQL Server 的数据库请用 SQL Server 自己的 BACKUP DATABASE 备份；KaMeng 的备份只支持 SQLite 与 PostgreSQL（SQL Server is not supported: use BACKUP DATABASE）";

    const string CountsSql = """SELECT (SELECT COUNT(*) FROM "Orders"), (SELECT COUNT(*) FROM "CardKeys"), (SELECT COUNT(*) FROM "Wallets")""";

    public static string EntryFor(DatabaseProvider provider) => provider switch
    {
        DatabaseProvider.Sqlite => SqliteEntry,
        DatabaseProvider.Postgres => PostgresEntry,
        DatabaseProvider.SqlServer => throw new BackupRefusedException(SqlServerRefused),
        var other => throw ProviderSql.Unsupported(other),
    };

    /// <summary>Writes the snapshot to <paramref name="file"/> and returns the counts inside it.</summary>
    public static async Task<BackupCounts> TakeAsync(BackupSite site, string file, CancellationToken ct = default)
    {
        switch (site.Provider)
        {
            case DatabaseProvider.Sqlite:
            {
                await using (var conn = new SqliteConnection(site.ConnectionString))
                {
                    await conn.OpenAsync(ct);
                    await using var cmd = conn.CreateCommand();
                    cmd.CommandText = SqliteSql.VacuumInto;
                    cmd.Parameters.AddWithValue("$p0", file);
                    cmd.CommandTimeout = 0;
                    await cmd.ExecuteNonQueryAsync(ct);
                }
                // Counted in the copy itself, so they are the snapshot's whatever was written meanwhile.
                var copy = new SqliteConnectionStringBuilder { DataSource = file, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString();
                await using var snapshot = new SqliteConnection(copy);
                await snapshot.OpenAsync(ct);
                return await CountAsync(snapshot, ct);
            }
            case DatabaseProvider.Postgres:
            {
                await using var conn = new NpgsqlConnection(site.ConnectionString);
                await conn.OpenAsync(ct);
                // Held open while pg_dump runs: an exported snapshot lives as long as its transaction (rolled back at the end: it only read).
                await using var tx = await conn.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
                await Execute(conn, PostgresSql.SetReadOnly, ct);
                string snapshotId;
                await using (var cmd = new NpgsqlCommand(PostgresSql.ExportSnapshot, conn))
                    snapshotId = (string)(await cmd.ExecuteScalarAsync(ct))!;
                var counts = await CountAsync(conn, ct);
                await PgTools.RunAsync("pg_dump", site.ConnectionString, ["--format=custom", "--no-owner", "--no-privileges", $"--snapshot={snapshotId}", $"--file={file}"], ct);
                return counts;
            }
            case DatabaseProvider.SqlServer:
                throw new BackupRefusedException(SqlServerRefused);
            default:
                throw ProviderSql.Unsupported(site.Provider);
        }
    }

    /// <summary>Orders, card keys and wallets in the database behind <paramref name="conn"/> (open).</summary>
    public static async Task<BackupCounts> CountAsync(System.Data.Common.DbConnection conn, CancellationToken ct = default)
    {
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = CountsSql;
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new BackupCounts(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }

    static async Task Execute(NpgsqlConnection conn, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync(ct);
    }
}

/// <summary>pg_dump and pg_restore: from PATH, else the newest under /usr/lib/postgresql/*/bin; the server, database and user from
/// the connection string, its password through PGPASSWORD (never on the command line).</summary>
public static class PgTools
{
    public static string Find(string tool)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, tool);
            if (File.Exists(candidate)) return candidate;
        }
        if (Directory.Exists("/usr/lib/postgresql"))
        {
            var found = Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => (Version: int.TryParse(Path.GetFileName(d), out var v) ? v : 0, Path: Path.Combine(d, "bin", tool)))
                .Where(x => File.Exists(x.Path)).OrderByDescending(x => x.Version).FirstOrDefault();
            if (found.Path is not null) return found.Path;
        }
        throw new BackupRefusedException($"找不到 {tool}：请安装 PostgreSQL 客户端（Debian: apt-get install postgresql-client）（{tool} not found on PATH or under /usr/lib/postgresql/*/bin）");
    }

    public static async Task RunAsync(string tool, string connectionString, IEnumerable<string> arguments, CancellationToken ct = default)
    {
        var cs = new NpgsqlConnectionStringBuilder(connectionString);
        var start = new ProcessStartInfo(Find(tool)) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        if (!string.IsNullOrEmpty(cs.Host)) start.ArgumentList.Add($"--host={cs.Host}");
        if (cs.Port != 0) start.ArgumentList.Add($"--port={cs.Port}");
        if (!string.IsNullOrEmpty(cs.Username)) start.ArgumentList.Add($"--username={cs.Username}");
        start.ArgumentList.Add("--no-password");
        foreach (var a in arguments) start.ArgumentList.Add(a);
        start.ArgumentList.Add($"--dbname={cs.Database}");
        if (!string.IsNullOrEmpty(cs.Password)) start.Environment["PGPASSWORD"] = cs.Password;
        if (cs.SslMode is not SslMode.Disable and not SslMode.Prefer) start.Environment["PGSSLMODE"] = cs.SslMode.ToString().ToLowerInvariant() switch
        {
            "verifyca" => "verify-ca", "verifyfull" => "verify-full", var m => m,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{tool} did not start");
        var stderr = process.StandardError.ReadToEndAsync(ct);
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        var errors = (await stderr).Trim();
        await stdout;
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{tool} 失败（退出码 {process.ExitCode}）：{(errors.Length > 1500 ? errors[..1500] + "…" : errors)}");
    }
}
