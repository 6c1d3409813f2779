using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace KaMeng.Data;

/// <summary>
/// Plain ADO.NET on a context's connection and transaction, for every provider: the model-built INSERT (prepared through
/// <see cref="SqlitePrepared"/> on SQLite), one-off @p commands, and values converted as the model stores them.
/// </summary>
public static class RawCommands
{
    /// <summary>A value as the model stores it in <paramref name="property"/>'s column (e.g. DateTimeOffset as UTC ticks).</summary>
    public static object? ToProvider(IReadOnlyProperty property, object? value) =>
        value is null ? null : property.GetTypeMapping().Converter is { } converter ? converter.ConvertToProvider(value) : value is Enum ? Convert.ToInt64(value) : value;

    /// <summary><paramref name="entity"/>'s value of <paramref name="property"/>, as its column stores it.</summary>
    public static object? ColumnValue(IProperty property, object entity) =>
        ToProvider(property, property.GetGetter().GetClrValueUsingContainingEntity(entity));

    /// <summary>
    /// Inserts a new entity and sets its generated key, without tracking it: one INSERT built from the EF model (every
    /// mapped column, so a column added to the model is written too), prepared on SQLite, a plain command elsewhere (EF's
    /// SaveChanges costs several times the statement for one row). Entity types the plain INSERT cannot express (shadow
    /// or store-generated columns besides the key, owned or complex types) go through SaveChanges. A unique violation
    /// surfaces as <see cref="DbUpdateException"/> either way.
    /// </summary>
    public static async Task InsertAsync<T>(this KaMengDbContext db, T entity, CancellationToken ct = default) where T : class
    {
        if (InsertPlan.For(db.Model, db.Provider, typeof(T)) is not { } plan)
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
                ? SqlitePrepared.Scalar(db, plan.Sql, plan.Values(entity))
                : await ScalarAsync(db, plan.Sql, plan.Values(entity), ct);
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

    /// <summary>The INSERT <see cref="InsertAsync"/> runs for the entity type on the provider (null: it goes through
    /// SaveChanges). For the T-SQL parse test and readers.</summary>
    public static string? InsertSql(IModel model, DatabaseProvider provider, Type type) => InsertPlan.For(model, provider, type)?.Sql;

    sealed class InsertPlan
    {
        static readonly ConcurrentDictionary<(IModel, DatabaseProvider, Type), InsertPlan?> Plans = new();

        /// <summary>The provider's INSERT returning the key: parameters $p0, $p1, … on SQLite (prepared), @p0, @p1, … elsewhere.</summary>
        public required string Sql { get; init; }
        public required IProperty[] Columns { get; init; }
        public required IProperty Key { get; init; }

        public static InsertPlan? For(IModel model, DatabaseProvider provider, Type type) =>
            Plans.GetOrAdd((model, provider, type), k => Build(k.Item1.FindEntityType(k.Item3), k.Item2));

        static InsertPlan? Build(IEntityType? entityType, DatabaseProvider provider)
        {
            if (entityType is null || entityType.GetTableName() is not { } table || entityType.BaseType is not null || entityType.GetDerivedTypes().Any()
                || entityType.GetComplexProperties().Any() || entityType.GetNavigations().Any(n => n.TargetEntityType.IsOwned()) || entityType.IsOwned())
                return null;
            var keyProperties = entityType.FindPrimaryKey()?.Properties;
            if (keyProperties is not [{ ValueGenerated: ValueGenerated.OnAdd } key] || key.PropertyInfo is null) return null;
            var columns = entityType.GetProperties().Where(p => p != key).ToArray();
            if (columns.Any(p => p.IsShadowProperty() || p.ValueGenerated != ValueGenerated.Never)) return null;
            var names = columns.Select(p => p.GetColumnName()).ToArray();
            return new InsertPlan
            {
                Sql = provider switch
                {
                    DatabaseProvider.Sqlite => SqliteSql.Insert(table, names, key.GetColumnName(), "$p"),
                    DatabaseProvider.Postgres => PostgresSql.Insert(table, names, key.GetColumnName()),
                    DatabaseProvider.SqlServer => SqlServerSql.Insert(table, names, key.GetColumnName()),
                    var other => throw ProviderSql.Unsupported(other),
                },
                Columns = columns,
                Key = key,
            };
        }

        public object?[] Values(object entity)
        {
            var values = new object?[Columns.Length];
            for (var i = 0; i < Columns.Length; i++) values[i] = ColumnValue(Columns[i], entity);
            return values;
        }

        public void SetKey(object entity, object value)
        {
            var clr = Key.GetTypeMapping().Converter is { } converter ? converter.ConvertFromProvider(value) : Convert.ChangeType(value, Key.ClrType);
            Key.PropertyInfo!.SetValue(entity, clr);
        }
    }
}
