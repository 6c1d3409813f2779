namespace KaMeng.Data;

/// <summary>PostgreSQL's own statements (parameters @p0, @p1, …, or EF's {0} placeholders where noted).</summary>
public static class PostgresSql
{
    /// <summary>A backup's snapshot: in a read-only repeatable-read transaction, the snapshot pg_dump --snapshot then shares,
    /// so the counts taken in it describe exactly what the dump holds.</summary>
    public const string SetReadOnly = "SET TRANSACTION READ ONLY";
    public const string ExportSnapshot = "SELECT pg_export_snapshot()";

    /// <summary>Tables outside the system schemas: a restore goes only into a database with none (unless forced).</summary>
    public const string CountUserTables = "SELECT COUNT(*) FROM pg_catalog.pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')";

    /// <summary>A forced restore starts from an empty public schema (every KaMeng and Quartz table goes).</summary>
    public const string ResetPublicSchema = "DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public";

    /// <summary>Row lock until the transaction ends, selecting <paramref name="select"/>; EF placeholders {0}, {1}, ….</summary>
    public static string LockRow(string table, string[] columns, string select = "1") =>
        $"SELECT {select} FROM \"{table}\" WHERE {ProviderSql.Matching(columns)} FOR UPDATE";

    /// <summary>
    /// Takes up to @p2 available (@p1) keys of product @p0 with an id of at least @p6, in id order, for order @p4 (status
    /// @p3, sold at @p5); its one row is how many and the lowest id taken. The claim bench's raw baseline runs it too. The
    /// locking CTE runs once. (Written as `WHERE "Id" IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)` the planner may re-run
    /// the subquery per row and sell more keys than ordered — a test caught exactly that.)
    /// </summary>
    public const string ClaimKeys = """
        WITH picked AS (
            SELECT "Id" FROM "CardKeys"
            WHERE "ProductId" = @p0 AND "Status" = @p1 AND "Id" >= @p6
            ORDER BY "Id" LIMIT @p2
            FOR UPDATE SKIP LOCKED),
        taken AS (
            UPDATE "CardKeys" AS k SET "Status" = @p3, "OrderId" = @p4, "SoldAt" = @p5
            FROM picked WHERE k."Id" = picked."Id" AND k."Status" = @p1
            RETURNING k."Id")
        SELECT COUNT(*)::int, COALESCE(MIN("Id"), 0) FROM taken
        """;

    public static string Insert(string table, string[] columns, string key) => SqliteSql.Insert(table, columns, key, "@p");

    /// <summary>
    /// A balance change and its ledger entry as one statement (a data-modifying CTE: one round trip). @p0 the amount, @p1
    /// the wallet's id or user id; <paramref name="values"/> are the entry's column values, where d."Id" and d."After" are
    /// the wallet's id and new amount. Nothing is inserted when the UPDATE updates nothing.
    /// </summary>
    public static string PostToLedger(string wallets, string bucket, bool byId, bool noFloor, string ledger, string[] columns, IEnumerable<string> values, string[] returning) => $"""
        WITH d AS (
            UPDATE "{wallets}" SET "{bucket}" = "{bucket}" + @p0
            WHERE {(byId ? "\"Id\"" : "\"UserId\"")} = @p1{(noFloor ? "" : $" AND \"{bucket}\" + @p0 >= 0")}
            RETURNING "Id", "{bucket}" AS "After")
        INSERT INTO "{ledger}" ({SqliteSql.Names(columns)})
        SELECT {string.Join(", ", values)} FROM d
        RETURNING {SqliteSql.Names(returning)}
        """;

    public static string Upsert(string table, string[] keys, string[] sums, int rows) => SqliteSql.Upsert(table, keys, sums, rows);

    /// <summary>Moves the Stations id sequence past the explicitly inserted main station.</summary>
    public const string ResetStationSequence = """SELECT setval(pg_get_serial_sequence('"Stations"', 'Id'), (SELECT MAX("Id") FROM "Stations"))""";
}
