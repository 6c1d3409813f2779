using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace KaMeng.Data;

/// <summary>
/// Prepared, reused commands for the statements every purchase runs on SQLite (and the model-built INSERT of both providers). EF Core and a fresh SqliteCommand
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
    internal static void Keep(SqliteConnection connection) => Kept.AddOrUpdate(connection, []);

    internal static void Forget(SqliteConnection connection)
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

    /// <summary>A value as the model stores it in <paramref name="property"/>'s column (e.g. DateTimeOffset as UTC ticks).</summary>
    public static object? ToProvider(IReadOnlyProperty property, object? value) =>
        value is null ? null : property.GetTypeMapping().Converter is { } converter ? converter.ConvertToProvider(value) : value is Enum ? Convert.ToInt64(value) : value;

    /// <summary>
    /// Inserts a new entity and sets its generated key, without tracking it: one INSERT built from the EF model (every
    /// mapped column, so a column added to the model is written too), prepared on SQLite, a plain command elsewhere (EF's
    /// SaveChanges costs several times the statement for one row). Entity types the plain INSERT cannot express (shadow
    /// or store-generated columns besides the key, owned or complex types) go through SaveChanges. A unique violation
    /// surfaces as <see cref="DbUpdateException"/> either way.
    /// </summary>
    public static async Task InsertAsync<T>(this KaMengDbContext db, T entity, CancellationToken ct = default) where T : class
    {
        if (InsertPlan.For(db.Model, typeof(T)) is not { } plan)
        {
            db.Add(entity);
            await db.SaveChangesAsync(ct);
            db.Entry(entity).State = EntityState.Detached;
            return;
        }
        object? key;
        try
        {
            key = db.Provider == DatabaseProvider.Sqlite
                ? Scalar(db, plan.Sql, plan.Values(entity))
                : await ScalarAsync(db, plan.Sql.Replace("$p", "@p"), plan.Values(entity), ct);
        }
        catch (DbException e)
        {
            throw new DbUpdateException(e.Message, e);
        }
        plan.SetKey(entity, key!);
    }

    /// <summary>
    /// One command on the context's connection and transaction, parameters @p0, @p1, … (for providers other than SQLite,
    /// where statements are prepared instead): plain ADO.NET, without EF's per-call command building for raw SQL.
    /// </summary>
    public static async Task<TResult> RunAsync<TResult>(KaMengDbContext db, string sql, object?[] values, Func<DbCommand, Task<TResult>> run, CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using var command = db.Database.GetDbConnection().CreateCommand();
            command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
            command.CommandText = sql;
            for (var i = 0; i < values.Length; i++)
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = "p" + i;
                parameter.Value = values[i] ?? DBNull.Value;
                command.Parameters.Add(parameter);
            }
            return await run(command);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    static Task<object?> ScalarAsync(KaMengDbContext db, string sql, object?[] values, CancellationToken ct) =>
        RunAsync(db, sql, values, c => c.ExecuteScalarAsync(ct), ct);

    sealed class InsertPlan
    {
        static readonly ConcurrentDictionary<(IModel, Type), InsertPlan?> Plans = new();

        public required string Sql { get; init; }
        public required IProperty[] Columns { get; init; }
        public required IProperty Key { get; init; }

        public static InsertPlan? For(IModel model, Type type) => Plans.GetOrAdd((model, type), k => Build(k.Item1.FindEntityType(k.Item2)));

        static InsertPlan? Build(IEntityType? entityType)
        {
            if (entityType is null || entityType.GetTableName() is not { } table || entityType.BaseType is not null || entityType.GetDerivedTypes().Any()
                || entityType.GetComplexProperties().Any() || entityType.GetNavigations().Any(n => n.TargetEntityType.IsOwned()) || entityType.IsOwned())
                return null;
            var keyProperties = entityType.FindPrimaryKey()?.Properties;
            if (keyProperties is not [{ ValueGenerated: ValueGenerated.OnAdd } key] || key.PropertyInfo is null) return null;
            var columns = entityType.GetProperties().Where(p => p != key).ToArray();
            if (columns.Any(p => p.IsShadowProperty() || p.ValueGenerated != ValueGenerated.Never)) return null;
            var names = string.Join(", ", columns.Select(p => $"\"{p.GetColumnName()}\""));
            var parameters = string.Join(", ", columns.Select((_, i) => "$p" + i));
            return new InsertPlan
            {
                Sql = $"INSERT INTO \"{table}\" ({names}) VALUES ({parameters}) RETURNING \"{key.GetColumnName()}\"",
                Columns = columns,
                Key = key,
            };
        }

        public object?[] Values(object entity)
        {
            var values = new object?[Columns.Length];
            for (var i = 0; i < Columns.Length; i++)
                values[i] = ToProvider(Columns[i], Columns[i].GetGetter().GetClrValueUsingContainingEntity(entity));
            return values;
        }

        public void SetKey(object entity, object value)
        {
            var clr = Key.GetTypeMapping().Converter is { } converter ? converter.ConvertFromProvider(value) : Convert.ChangeType(value, Key.ClrType);
            Key.PropertyInfo!.SetValue(entity, clr);
        }
    }
}
