namespace KaMeng.Data;

/// <summary>
/// SQL Server's own statements (T-SQL; identifiers in double quotes, which SqlClient's QUOTED_IDENTIFIER ON accepts;
/// parameters @p0, @p1, … or EF's {0} placeholders where noted). Every statement here is parsed by ScriptDom's T-SQL
/// parser in the default test run (SqlServerReadinessTests), and run against a server when KAMENG_TEST_SQLSERVER is set.
/// </summary>
public static class SqlServerSql
{
    /// <summary>Update lock on the row until the transaction ends (the equivalent of FOR UPDATE); EF placeholders.</summary>
    public static string LockRow(string table, string[] columns, string select = "1") =>
        $"SELECT {select} FROM \"{table}\" WITH (UPDLOCK, ROWLOCK) WHERE {ProviderSql.Matching(columns)}";

    /// <summary>The same claim as <see cref="PostgresSql.ClaimKeys"/> with the same parameters: READPAST skips keys another
    /// buyer's transaction holds (SKIP LOCKED), UPDLOCK keeps the picked ones until commit, OUTPUT hands back the ids.</summary>
    public const string ClaimKeys = """
        DECLARE @taken TABLE ("Id" bigint NOT NULL);
        WITH picked AS (
            SELECT TOP (@p2) "Id", "Status", "OrderId", "SoldAt" FROM "CardKeys" WITH (UPDLOCK, READPAST, ROWLOCK)
            WHERE "ProductId" = @p0 AND "Status" = @p1 AND "Id" >= @p6
            ORDER BY "Id")
        UPDATE picked SET "Status" = @p3, "OrderId" = @p4, "SoldAt" = @p5
        OUTPUT inserted."Id" INTO @taken
        WHERE "Status" = @p1;
        SELECT COUNT(*), COALESCE(MIN("Id"), 0) FROM @taken;
        """;

    public static string Insert(string table, string[] columns, string key) =>
        $"INSERT INTO \"{table}\" ({SqliteSql.Names(columns)}) OUTPUT inserted.\"{key}\" VALUES ({string.Join(", ", columns.Select((_, i) => "@p" + i))})";

    /// <summary>The ledger posting of <see cref="PostgresSql.PostToLedger"/> in one batch: the wallet UPDATE outputs its
    /// id and new amount into a table variable (empty when refused), the INSERT reads it and outputs the entry's key.</summary>
    public static string PostToLedger(string wallets, string bucket, bool byId, bool noFloor, string ledger, string[] columns, IEnumerable<string> values, string[] returning) => $"""
        DECLARE @d TABLE ("Id" int NOT NULL, "After" bigint NOT NULL);
        UPDATE "{wallets}" SET "{bucket}" = "{bucket}" + @p0
        OUTPUT inserted."Id", inserted."{bucket}" INTO @d
        WHERE {(byId ? "\"Id\"" : "\"UserId\"")} = @p1{(noFloor ? "" : $" AND \"{bucket}\" + @p0 >= 0")};
        INSERT INTO "{ledger}" ({SqliteSql.Names(columns)})
        OUTPUT {string.Join(", ", returning.Select(c => $"inserted.\"{c}\""))}
        SELECT {string.Join(", ", values)} FROM @d AS d;
        """;

    /// <summary>Adds <paramref name="sums"/> to existing rows or inserts new ones; HOLDLOCK makes the MERGE's check and
    /// insert atomic against a concurrent MERGE of the same key (without it both may insert).</summary>
    public static string Upsert(string table, string[] keys, string[] sums, int rows) => $"""
        MERGE INTO "{table}" WITH (HOLDLOCK) AS t
        USING (VALUES {SqliteSql.Rows(keys.Length + sums.Length, rows)}) AS s ({SqliteSql.Names(keys.Concat(sums))})
        ON {string.Join(" AND ", keys.Select(k => $"t.\"{k}\" = s.\"{k}\""))}
        WHEN MATCHED THEN UPDATE SET {string.Join(", ", sums.Select(c => $"\"{c}\" = t.\"{c}\" + s.\"{c}\""))}
        WHEN NOT MATCHED THEN INSERT ({SqliteSql.Names(keys.Concat(sums))}) VALUES ({string.Join(", ", keys.Concat(sums).Select(c => $"s.\"{c}\""))});
        """;

    /// <summary>Lets the seed insert the main station with its fixed id into the identity column (the identity then
    /// moves past it by itself: SQL Server's counterpart of PostgreSQL's setval needs no statement).</summary>
    public static string IdentityInsert(string table, bool on) => $"SET IDENTITY_INSERT \"{table}\" {(on ? "ON" : "OFF")}";
}
