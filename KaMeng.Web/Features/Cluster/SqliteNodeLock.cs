using KaMeng.Data;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace KaMeng.Web.Features.Cluster;

/// <summary>
/// SQLite is one node's database (issue 22 §1): the caches of a second process on the same file would never hear of the
/// first one's changes, and the group commit (decision 0006) assumes one writer. So a process on SQLite holds
/// "{database}.node-lock" open exclusively for its whole life; a second one fails at startup with a message saying what
/// to run instead. The lock is the operating system's (released when the process ends, however it ends).
/// </summary>
public static class SqliteNodeLock
{
    public const string Suffix = ".node-lock";

    public static string Message(string database) =>
        $"另一个 KaMeng 进程正在使用 SQLite 数据库 {database}：SQLite 只支持单节点运行。多个节点请改用 PostgreSQL（见 README 的「Several nodes」一节）。" +
        $" Another KaMeng process is using the SQLite database {database}; SQLite supports one node only. Run several nodes on PostgreSQL (README, \"Several nodes\").";

    /// <summary>Takes the lock when the database is a SQLite file; throws <see cref="SingleNodeException"/> when another process holds it.</summary>
    public static WebApplication EnsureSingleSqliteNode(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<KaMengOptions>>().Value;
        if (options.Database.Provider != DatabaseProvider.Sqlite) return app;
        var cs = app.Configuration.GetConnectionString("KaMeng");
        var database = new SqliteConnectionStringBuilder(DataServiceCollectionExtensions.SqliteConnectionString(cs, options.DataDir)).DataSource;
        if (string.IsNullOrEmpty(database) || database == ":memory:" || database.StartsWith("file:", StringComparison.OrdinalIgnoreCase)) return app;
        database = Path.GetFullPath(database);
        FileStream held;
        try
        {
            var lockOptions = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
            if (!OperatingSystem.IsWindows()) lockOptions.UnixCreateMode = PrivateFiles.FilePermissions;
            held = new FileStream(database + Suffix, lockOptions);
        }
        catch (IOException)
        {
            var message = Message(database);
            // Logged for the service's log; the exception ends the process (non-zero) with the same words on stderr.
            app.Logger.LogCritical("{Message}", message);
            throw new SingleNodeException(message);
        }
        app.Lifetime.ApplicationStopped.Register(held.Dispose);
        return app;
    }
}

/// <summary>A second node was started on a SQLite database.</summary>
public sealed class SingleNodeException(string message) : Exception(message);
