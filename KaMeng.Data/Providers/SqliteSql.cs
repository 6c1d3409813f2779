namespace KaMeng.Data;

/// <summary>SQLite's own statements (parameters $p0, $p1, …: they run prepared, see <see cref="SqlitePrepared"/>). SQLite
/// has one writer at a time (the business transaction's gate), so none of them needs a lock hint.</summary>
public static class SqliteSql
{
    /// <summary>A consistent copy of the whole database into the file named by $p0 (a backup's snapshot: one read transaction,
    /// writers go on meanwhile).</summary>
    public const string VacuumInto = "VACUUM INTO $p0";

    /// <summary>Sells up to $p5 available ($p4) keys of product $p3, in id order, to order $p1 (status $p0, sold at $p2);
    /// the same UPDATE EF's ExecuteUpdate generated, prepared.</summary>
    public const string ClaimKeys = """
        UPDATE "CardKeys" SET "Status" = $p0, "OrderId" = $p1, "SoldAt" = $p2
        WHERE "Id" IN (
            SELECT "Id" FROM "CardKeys"
            WHERE "ProductId" = $p3 AND "Status" = $p4
            ORDER BY "Id" LIMIT $p5)
          AND "Status" = $p4
        """;

    /// <summary>Adds $p0 to a wallet's bucket, refused (no row) when it would go below zero unless <paramref name="noFloor"/>;
    /// hands back the wallet's id and the new amount.</summary>
    public static string PostToWallet(string bucket, bool byId, bool noFloor) =>
        $"""UPDATE "Wallets" SET "{bucket}" = "{bucket}" + $p0 WHERE {(byId ? "\"Id\"" : "\"UserId\"")} = $p1{(noFloor ? "" : $" AND \"{bucket}\" + $p0 >= 0")} RETURNING "Id", "{bucket}" """;

    /// <summary>An INSERT of the columns that returns the generated key.</summary>
    public static string Insert(string table, string[] columns, string key, string parameterPrefix) =>
        $"INSERT INTO \"{table}\" ({Names(columns)}) VALUES ({string.Join(", ", columns.Select((_, i) => parameterPrefix + i))}) RETURNING \"{key}\"";

    internal static string Names(IEnumerable<string> columns) => string.Join(", ", columns.Select(c => $"\"{c}\""));

    /// <summary>Multi-row upsert adding <paramref name="sums"/> on a key conflict; the same text serves PostgreSQL.</summary>
    public static string Upsert(string table, string[] keys, string[] sums, int rows) =>
        $"INSERT INTO \"{table}\" ({Names(keys.Concat(sums))}) VALUES {Rows(keys.Length + sums.Length, rows)}"
        + $" ON CONFLICT ({Names(keys)}) DO UPDATE SET " + string.Join(", ", sums.Select(c => $"\"{c}\" = \"{table}\".\"{c}\" + excluded.\"{c}\""));

    /// <summary>(@p0, @p1, …), (…) for <paramref name="rows"/> rows of <paramref name="width"/> values.</summary>
    internal static string Rows(int width, int rows) =>
        string.Join(", ", Enumerable.Range(0, rows).Select(r => "(" + string.Join(", ", Enumerable.Range(0, width).Select(c => "@p" + (r * width + c))) + ")"));
}
