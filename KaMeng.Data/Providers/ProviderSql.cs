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
    /// <summary>Σ "Total" (fen) of the orders, not cancelled, whose <paramref name="column"/> equals <paramref name="value"/>, created at
    /// or after <paramref name="since"/>: the risk rules' velocity amount as one SUM instead of reading every order (Money has a
    /// converter, so EF Core cannot sum it in SQL). The same statement on every provider; only the time parameter differs (SQLite
    /// stores DateTimeOffset as binary ticks).</summary>
    public static Task<long> OrderTotalSinceAsync(this KaMengDbContext db, string column, object value, DateTimeOffset since, CancellationToken ct = default)
    {
        if (column is not ("BuyerUserId" or "ClientIp" or "DeviceId" or "Contact")) throw new ArgumentOutOfRangeException(nameof(column));
        object at = db.Provider switch
        {
            DatabaseProvider.Sqlite => (long)new Microsoft.EntityFrameworkCore.Storage.ValueConversion.DateTimeOffsetToBinaryConverter().ConvertToProvider(since)!,
            DatabaseProvider.Postgres or DatabaseProvider.SqlServer => since,
            var other => throw Unsupported(other),
        };
        // The column is one of the four names above, never input.
        var sql = "SELECT CAST(COALESCE(SUM(\"Total\"), 0) AS BIGINT) AS \"Value\" FROM \"Orders\" WHERE \"" + column
            + "\" = {0} AND \"CreatedAt\" >= {1} AND \"Status\" <> {2}";
        return db.Database.SqlQueryRaw<long>(sql, value, at, (int)OrderStatus.Cancelled).SingleAsync(ct);
    }

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
