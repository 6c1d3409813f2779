using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace KaMeng.Data;

/// <summary>
/// Prepared, reused commands for the statements every purchase runs on SQLite (<see cref="RawCommands"/> holds the
/// provider-neutral ones: the model-built INSERT, @p commands for PostgreSQL). EF Core and a fresh SqliteCommand
/// both compile each statement anew (sqlite3_prepare) on every execution, and under the group-commit writer those
/// statements are the serial section of the whole shop. On the writer's connection, which stays open while there is
/// work, each statement is compiled once and reused with new parameter values. Values go through the model's converters.
/// </summary>
public static class SqlitePrepared
{
    // Only connections that stay open keep their commands: the group-commit writer's. Everywhere else a command is made
    // per call, as EF would (a statement cached across a close and reopen of a pooled connection is not worth the risk).
    static readonly ConditionalWeakTable<SqliteConnection, Dictionary<string, SqliteCommand>> Kept = new();

    /// <summary>Keeps prepared commands for <paramref name="connection"/> until <see cref="Forget"/>.</summary>
    public static void Keep(SqliteConnection connection) => Kept.AddOrUpdate(connection, []);

    public static void Forget(SqliteConnection connection)
    {
        if (!Kept.TryGetValue(connection, out var commands)) return;
        Kept.Remove(connection);
        foreach (var command in commands.Values) command.Dispose();
    }

    /// <summary>
    /// Runs <paramref name="sql"/> (parameters $p0, $p1, … set from <paramref name="values"/>) on the context's SQLite
    /// connection in its current transaction: prepared once and reused on the writer's connection, a one-off command elsewhere.
    /// Opens the connection for the call when it is closed (EF counts the opens).
    /// </summary>
    public static TResult Run<TResult>(KaMengDbContext db, string sql, ReadOnlySpan<object?> values, Func<SqliteCommand, TResult> run)
    {
        db.Database.OpenConnection();
        try
        {
            var connection = (SqliteConnection)db.Database.GetDbConnection();
            var transaction = (SqliteTransaction?)db.Database.CurrentTransaction?.GetDbTransaction();
            if (Kept.TryGetValue(connection, out var commands))
            {
                if (!commands.TryGetValue(sql, out var kept))
                {
                    kept = Create(connection, sql, values.Length);
                    commands[sql] = kept;
                }
                kept.Transaction = transaction;
                Bind(kept, values);
                return run(kept);
            }
            using var command = Create(connection, sql, values.Length);
            command.Transaction = transaction;
            Bind(command, values);
            return run(command);
        }
        finally
        {
            db.Database.CloseConnection();
        }
    }

    static SqliteCommand Create(SqliteConnection connection, string sql, int parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        for (var i = 0; i < parameters; i++) command.Parameters.Add(new SqliteParameter("$p" + i, null));
        return command;
    }

    static void Bind(SqliteCommand command, ReadOnlySpan<object?> values)
    {
        for (var i = 0; i < values.Length; i++) command.Parameters[i].Value = values[i] ?? DBNull.Value;
    }

    public static object? Scalar(KaMengDbContext db, string sql, params ReadOnlySpan<object?> values) => Run(db, sql, values, c => c.ExecuteScalar());

    public static int NonQuery(KaMengDbContext db, string sql, params ReadOnlySpan<object?> values) => Run(db, sql, values, c => c.ExecuteNonQuery());
}

/// <summary>How large SQLite's WAL may grow before the purchase writer restarts it; also the connections'
/// <c>journal_size_limit</c>, so a WAL that outgrew it is cut back when it restarts.</summary>
public static class SqliteWal
{
    public const long LimitBytes = 64L << 20;
}
