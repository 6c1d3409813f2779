using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Data;

/// <summary>
/// Where the code meets a provider's own SQL: each helper is a switch over the three providers whose default throws,
/// and each provider's statements live in one file a reader can find — <see cref="SqliteSql"/>, <see cref="PostgresSql"/>,
/// <see cref="SqlServerSql"/> (docs/decisions/0031-provider-specific-sql.md).
/// </summary>
public static class ProviderSql
{
    public static NotSupportedException Unsupported(DatabaseProvider provider) =>
        new($"KaMeng has no statement for the database provider {provider}.");

    /// <summary>
    /// Takes the row lock of the row whose <paramref name="columns"/> equal <paramref name="values"/> for the rest of the
    /// transaction, so a read-check-write on it cannot be split by another writer. SQLite: nothing to do, the business
    /// transaction already holds the database's single writer lock.
    /// </summary>
    public static Task LockRowAsync(this KaMengDbContext db, string table, string[] columns, object[] values, CancellationToken ct = default) =>
        db.Provider switch
        {
            DatabaseProvider.Sqlite => Task.CompletedTask,
            DatabaseProvider.Postgres => db.Database.ExecuteSqlRawAsync(PostgresSql.LockRow(table, columns), values, ct),
            DatabaseProvider.SqlServer => db.Database.ExecuteSqlRawAsync(SqlServerSql.LockRow(table, columns), values, ct),
            var other => throw Unsupported(other),
        };

    public static Task LockRowAsync(this KaMengDbContext db, string table, string column, object value, CancellationToken ct = default) =>
        db.LockRowAsync(table, [column], [value], ct);

    /// <summary>The rows whose <paramref name="columns"/> equal <paramref name="values"/>, read and locked for the rest of
    /// the transaction in one statement (SQLite: read; its writer lock is held already).</summary>
    public static IQueryable<T> LockedRows<T>(this KaMengDbContext db, string table, string[] columns, object[] values) where T : class =>
        db.Set<T>().FromSqlRaw(db.Provider switch
        {
            DatabaseProvider.Sqlite => $"SELECT * FROM \"{table}\" WHERE {Matching(columns)}",
            DatabaseProvider.Postgres => PostgresSql.LockRow(table, columns, "*"),
            DatabaseProvider.SqlServer => SqlServerSql.LockRow(table, columns, "*"),
            var other => throw Unsupported(other),
        }, values);

    /// <summary>"c0" = {0} AND "c1" = {1} … (EF's raw-SQL placeholders, turned into parameters).</summary>
    internal static string Matching(string[] columns) =>
        string.Join(" AND ", columns.Select((c, i) => $"\"{c}\" = {{{i}}}"));
}
