using KaMeng.Data;
using KaMeng.Domain;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Npgsql;
using NpgsqlTypes;

namespace KaMeng.Web.Features.Dashboard;

/// <summary>
/// The full rebuild, set-based: every order's facts (<see cref="OrderFacts"/>, computed in C# from its frozen price chain)
/// go into a temporary table of the rebuild's own connection (SQLite prepared inserts, PostgreSQL binary COPY), then one
/// transaction empties every rollup table and refills each with one <c>INSERT … SELECT … GROUP BY</c> over that table,
/// the same SQL on both providers. The staging happens before the transaction (a temp table is private to the
/// connection), so writers wait only for the GROUP BYs.
/// </summary>
public static class RollupRebuild
{
    /// <summary>The staging table, private to the rebuild's connection (a # table on SQL Server).</summary>
    static string Facts(DatabaseProvider provider) => provider == DatabaseProvider.SqlServer ? "#rollup_facts" : "rollup_facts";

    /// <summary>Each order once per bucket: the selling station's (its margin) and the platform's (the main station's margin).</summary>
    static string Buckets(DatabaseProvider provider) => $"""
        WITH f AS (
            SELECT CASE WHEN k."P" = 1 THEN {OrderFacts.PlatformBucket} ELSE r."StationId" END AS "B",
                   CASE WHEN k."P" = 1 THEN r."PlatformMargin" ELSE r."StationMargin" END AS "Margin",
                   r."ProductId", r."BuyerUserId", r."Status", r."IsPaid", r."IsBalance", r."IsEPay", r."TotalFen", r."Quantity",
                   r."CreatedHour", r."PaidHour", r."PaidDay", r."PaidAt", r."PaidTicks", r."RefundHour"
            FROM {Facts(provider)} r CROSS JOIN (SELECT 0 AS "P" UNION ALL SELECT 1) k)

        """;

    public static async Task<int> RunAsync(KaMengDbContext db, CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct);
        var provider = db.Provider;
        await ExecAsync(db, DropSql(provider), ct);
        await ExecAsync(db, CreateSql(provider), ct);
        try
        {
            var total = await StageAsync(db, ct);
            await using (var tx = await db.BeginBusinessTransactionAsync(ct))
            {
                foreach (var sql in EmptySql(provider).Concat(FillSql(provider))) await ExecAsync(db, sql, ct);
                await tx.CommitAsync(ct);
            }
            return total;
        }
        finally
        {
            await ExecAsync(db, DropSql(provider), CancellationToken.None);
        }
    }

    /// <summary>Every statement of a rebuild on the provider, in order (for the T-SQL parse test and readers).</summary>
    public static IEnumerable<string> Statements(DatabaseProvider provider) =>
        [DropSql(provider), CreateSql(provider), .. EmptySql(provider), .. FillSql(provider)];

    static string DropSql(DatabaseProvider provider) => provider switch
    {
        DatabaseProvider.Sqlite => $"DROP TABLE IF EXISTS temp.{Facts(provider)}",
        DatabaseProvider.Postgres or DatabaseProvider.SqlServer => $"DROP TABLE IF EXISTS {Facts(provider)}",
        var other => throw ProviderSql.Unsupported(other),
    };

    static string CreateSql(DatabaseProvider provider)
    {
        var (create, text, paidAt) = provider switch
        {
            DatabaseProvider.Sqlite => ("CREATE TEMP TABLE", "text", "integer"),
            DatabaseProvider.Postgres => ("CREATE TEMP TABLE", "text", "timestamp with time zone"),
            // Grouped and compared, so not nvarchar(max); the column it copies is nvarchar(450).
            DatabaseProvider.SqlServer => ("CREATE TABLE", "nvarchar(450)", "datetimeoffset"),
            var other => throw ProviderSql.Unsupported(other),
        };
        return $"""
            {create} {Facts(provider)} ("OrderId" bigint NOT NULL, "StationId" integer NOT NULL, "ProductId" integer NOT NULL, "BuyerUserId" {text} NULL,
                "Status" integer NOT NULL, "IsPaid" integer NOT NULL, "IsBalance" integer NOT NULL, "IsEPay" integer NOT NULL, "TotalFen" bigint NOT NULL,
                "Quantity" bigint NOT NULL, "StationMargin" bigint NOT NULL, "PlatformMargin" bigint NOT NULL, "CreatedHour" bigint NOT NULL,
                "PaidHour" bigint NULL, "PaidDay" integer NULL, "PaidAt" {paidAt} NULL, "PaidTicks" bigint NULL, "RefundHour" bigint NULL)
            """;
    }

    static readonly string[] RollupTables = ["OrderRollupStates", "StationHourStats", "StationDayStats", "ProductDayStats", "BuyerStats", "BuyerDayStats"];

    static IEnumerable<string> EmptySql(DatabaseProvider provider) => RollupTables.Select(table => provider switch
    {
        DatabaseProvider.Sqlite => $"DELETE FROM \"{table}\"",
        DatabaseProvider.Postgres => $"TRUNCATE \"{table}\"",
        DatabaseProvider.SqlServer => $"TRUNCATE TABLE \"{table}\"",
        var other => throw ProviderSql.Unsupported(other),
    });

    static IEnumerable<string> FillSql(DatabaseProvider provider)
    {
        var Buckets = RollupRebuild.Buckets(provider);
        var Facts = RollupRebuild.Facts(provider);
        // Whether the second payment came within the window: a boolean expression on SQLite and PostgreSQL, a bit on SQL Server.
        string Within(string a, string b, long limit) => provider == DatabaseProvider.SqlServer
            ? $"CAST(CASE WHEN {a} - {b} < {limit} THEN 1 ELSE 0 END AS bit)"
            : $"COALESCE({a} - {b} < {limit}, FALSE)";
        var counters = string.Join(", ", StatRow.CounterColumns.Select(c => $"\"{c}\""));
        var sums = string.Join(", ", StatRow.CounterColumns.Select(c => $"SUM(\"{c}\")"));
        string Row(string hour, params (string Column, string Value)[] set) =>
            $"SELECT \"B\", {hour} AS \"H\", " + string.Join(", ", StatRow.CounterColumns.Select(c => (set.FirstOrDefault(s => s.Column == c).Value ?? "0") + $" AS \"{c}\""));
        string Is(OrderStatus s) => $"CASE WHEN \"Status\" = {(int)s} THEN 1 ELSE 0 END";

        // The three parts of OrderFacts.Contribution: the creation hour's cohort, the payment hour's sale, the refund hour's refund.
        yield return Buckets + $"""
            INSERT INTO "StationHourStats" ("StationId", "Hour", {counters})
            SELECT "B", "H", {sums} FROM (
                {Row("\"CreatedHour\"", ("Created", "1"), ("CohortPaid", "\"IsPaid\""), ("CohortDelivered", Is(OrderStatus.Delivered)),
                    ("CohortFailed", Is(OrderStatus.Failed)), ("CohortCancelled", Is(OrderStatus.Cancelled)))} FROM f
                UNION ALL
                {Row("\"PaidHour\"", ("Paid", "1"), ("PaidQuantity", "\"Quantity\""), ("GmvFen", "\"TotalFen\""), ("ProfitFen", "\"Margin\""),
                    ("BalancePaid", "\"IsBalance\""), ("EPayPaid", "\"IsEPay\""))} FROM f WHERE "IsPaid" = 1
                UNION ALL
                {Row("\"RefundHour\"", ("Refunds", "1"), ("RefundFen", "\"TotalFen\""), ("RefundProfitFen", "\"Margin\""))} FROM f WHERE "RefundHour" IS NOT NULL
            ) u GROUP BY "B", "H"
            """;
        // Business-time day of a UTC hour key (StatTime.DayOfHour; hours since 1970 plus the offset are positive, so division floors).
        var offset = (int)BusinessTime.Offset.TotalHours;
        yield return $"""
            INSERT INTO "StationDayStats" ("StationId", "Day", {counters})
            SELECT "StationId", CAST(("Hour" + {offset}) / 24 AS integer), {sums} FROM "StationHourStats" GROUP BY "StationId", CAST(("Hour" + {offset}) / 24 AS integer)
            """;
        yield return Buckets + """
            INSERT INTO "ProductDayStats" ("StationId", "Day", "ProductId", "Paid", "Quantity", "GmvFen")
            SELECT "B", "PaidDay", "ProductId", COUNT(*), SUM("Quantity"), SUM("TotalFen") FROM f WHERE "IsPaid" = 1 GROUP BY "B", "PaidDay", "ProductId"
            """;
        yield return Buckets + """
            INSERT INTO "BuyerDayStats" ("StationId", "Day", "BuyerUserId", "Paid")
            SELECT "B", "PaidDay", "BuyerUserId", COUNT(*) FROM f WHERE "IsPaid" = 1 AND "BuyerUserId" IS NOT NULL GROUP BY "B", "PaidDay", "BuyerUserId"
            """;
        // BuyerStat.AddPayment over all of a buyer's payments: first, second and last payment, count, spend less refunds.
        yield return Buckets + $"""
            , p AS (SELECT "B", "BuyerUserId", "PaidAt", "PaidTicks", CASE WHEN "Status" = {(int)OrderStatus.Refunded} THEN 0 ELSE "TotalFen" END AS "Spend",
                           ROW_NUMBER() OVER (PARTITION BY "B", "BuyerUserId" ORDER BY "PaidTicks") AS "N"
                    FROM f WHERE "IsPaid" = 1 AND "BuyerUserId" IS NOT NULL)
            INSERT INTO "BuyerStats" ("StationId", "BuyerUserId", "FirstPaidAt", "SecondPaidAt", "LastPaidAt", "PaidOrders", "SpendFen", "RepurchasedInWindow")
            SELECT "B", "BuyerUserId", MAX(CASE WHEN "N" = 1 THEN "PaidAt" END), MAX(CASE WHEN "N" = 2 THEN "PaidAt" END), MAX("PaidAt"), COUNT(*), SUM("Spend"),
                   {Within("MAX(CASE WHEN \"N\" = 2 THEN \"PaidTicks\" END)", "MAX(CASE WHEN \"N\" = 1 THEN \"PaidTicks\" END)", TimeSpan.TicksPerDay * Repurchase.WindowDays)}
            FROM p GROUP BY "B", "BuyerUserId"
            """;
        yield return $"""INSERT INTO "OrderRollupStates" ("OrderId", "StationId", "Status") SELECT "OrderId", "StationId", "Status" FROM {Facts}""";
    }

    /// <summary>Reads the orders in id order and chunks, and writes their facts to the temp table.</summary>
    static async Task<int> StageAsync(KaMengDbContext db, CancellationToken ct)
    {
        long last = 0;
        var total = 0;
        await using IFactWriter writer = db.Provider switch
        {
            DatabaseProvider.Sqlite => new SqliteWriter(db),
            DatabaseProvider.Postgres => new CopyWriter(db),
            DatabaseProvider.SqlServer => new BulkCopyWriter(db),
            var other => throw ProviderSql.Unsupported(other),
        };
        while (true)
        {
            var chunk = await DashboardRollup.Rows(db.Orders.Where(o => o.Id > last).OrderBy(o => o.Id).Take(50_000)).ToListAsync(ct);
            if (chunk.Count == 0) break;
            last = chunk[^1].Id;
            total += chunk.Count;
            await writer.WriteAsync(chunk.Select(DashboardRollup.Facts), ct);
        }
        return total;
    }

    static async Task ExecAsync(KaMengDbContext db, string sql, CancellationToken ct)
    {
        await using var cmd = db.Database.GetDbConnection().CreateCommand();
        cmd.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        cmd.CommandTimeout = 0; // a rebuild of a large history runs for minutes
        cmd.CommandText = sql;
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The columns of the temp table for one order (hours and days as the rollup keys; PaidTicks in UTC ticks).</summary>
    static object?[] Values(OrderFacts f)
    {
        var paid = f.IsPaid ? f.PaidAt : null;
        var refund = f.Status == OrderStatus.Refunded && f.ClosedAt is { } closed ? StatTime.HourOf(closed) : (long?)null;
        return [f.OrderId, f.StationId, f.ProductId, f.BuyerUserId, (int)f.Status, f.IsPaid ? 1 : 0, f.Method == PaymentMethod.Balance ? 1 : 0,
            f.Method == PaymentMethod.EPay ? 1 : 0, f.TotalFen, (long)f.Quantity, f.StationMarginFen, f.PlatformMarginFen, StatTime.HourOf(f.CreatedAt),
            paid is { } p1 ? StatTime.HourOf(p1) : null, paid is { } p2 ? StatTime.DayOf(p2) : null, paid, paid?.UtcTicks, refund];
    }

    interface IFactWriter : IAsyncDisposable
    {
        Task WriteAsync(IEnumerable<OrderFacts> facts, CancellationToken ct);
    }

    /// <summary>Prepared INSERTs into the temp table, a transaction per chunk (it touches only the temp database, so
    /// the application's writers are not held up).</summary>
    sealed class SqliteWriter : IFactWriter
    {
        static readonly DateTimeOffsetToBinaryConverter Binary = new();
        readonly SqliteConnection connection;
        readonly SqliteCommand command;

        public SqliteWriter(KaMengDbContext db)
        {
            connection = (SqliteConnection)db.Database.GetDbConnection();
            command = connection.CreateCommand();
            command.CommandText = $"INSERT INTO {Facts(DatabaseProvider.Sqlite)} VALUES ({string.Join(", ", Enumerable.Range(0, 18).Select(i => "$" + i))})";
            for (var i = 0; i < 18; i++) command.Parameters.Add(new SqliteParameter("$" + i, null));
        }

        public async Task WriteAsync(IEnumerable<OrderFacts> facts, CancellationToken ct)
        {
            // Deferred: Microsoft.Data.Sqlite's default is BEGIN IMMEDIATE, which would take the main database's write lock.
            await using var tx = connection.BeginTransaction(deferred: true);
            command.Transaction = tx;
            command.Prepare();
            foreach (var f in facts)
            {
                var values = Values(f);
                for (var i = 0; i < values.Length; i++)
                    command.Parameters[i].Value = values[i] switch { null => DBNull.Value, DateTimeOffset t => Binary.ConvertToProvider(t), var v => v };
                await command.ExecuteNonQueryAsync(ct);
            }
            await tx.CommitAsync(ct);
        }

        public ValueTask DisposeAsync() => command.DisposeAsync();
    }

    /// <summary>Binary COPY into the temp table.</summary>
    sealed class CopyWriter(KaMengDbContext db) : IFactWriter
    {
        static readonly NpgsqlDbType[] Types = [NpgsqlDbType.Bigint, NpgsqlDbType.Integer, NpgsqlDbType.Integer, NpgsqlDbType.Text, NpgsqlDbType.Integer,
            NpgsqlDbType.Integer, NpgsqlDbType.Integer, NpgsqlDbType.Integer, NpgsqlDbType.Bigint, NpgsqlDbType.Bigint, NpgsqlDbType.Bigint, NpgsqlDbType.Bigint,
            NpgsqlDbType.Bigint, NpgsqlDbType.Bigint, NpgsqlDbType.Integer, NpgsqlDbType.TimestampTz, NpgsqlDbType.Bigint, NpgsqlDbType.Bigint];

        public async Task WriteAsync(IEnumerable<OrderFacts> facts, CancellationToken ct)
        {
            var connection = (NpgsqlConnection)db.Database.GetDbConnection();
            await using var import = await connection.BeginBinaryImportAsync($"COPY {Facts(DatabaseProvider.Postgres)} FROM STDIN (FORMAT BINARY)", ct);
            foreach (var f in facts)
            {
                await import.StartRowAsync(ct);
                var values = Values(f);
                for (var i = 0; i < values.Length; i++)
                {
                    var write = values[i] switch
                    {
                        null => import.WriteNullAsync(ct),
                        long v => import.WriteAsync(v, Types[i], ct),
                        int v => import.WriteAsync(v, Types[i], ct),
                        string v => import.WriteAsync(v, Types[i], ct),
                        DateTimeOffset v => import.WriteAsync(v.ToUniversalTime(), Types[i], ct),
                        var v => throw new InvalidOperationException($"No COPY type for {v.GetType()}"),
                    };
                    await write;
                }
            }
            await import.CompleteAsync(ct);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    /// <summary>SqlBulkCopy into the # table (same connection, so the same session sees it).</summary>
    sealed class BulkCopyWriter(KaMengDbContext db) : IFactWriter
    {
        static readonly string[] Columns = ["OrderId", "StationId", "ProductId", "BuyerUserId", "Status", "IsPaid", "IsBalance", "IsEPay", "TotalFen",
            "Quantity", "StationMargin", "PlatformMargin", "CreatedHour", "PaidHour", "PaidDay", "PaidAt", "PaidTicks", "RefundHour"];
        static readonly Type[] Types = [typeof(long), typeof(int), typeof(int), typeof(string), typeof(int), typeof(int), typeof(int), typeof(int), typeof(long),
            typeof(long), typeof(long), typeof(long), typeof(long), typeof(long), typeof(int), typeof(DateTimeOffset), typeof(long), typeof(long)];

        public async Task WriteAsync(IEnumerable<OrderFacts> facts, CancellationToken ct)
        {
            using var table = new System.Data.DataTable();
            for (var i = 0; i < Columns.Length; i++) table.Columns.Add(Columns[i], Types[i]);
            foreach (var f in facts) table.Rows.Add(Values(f).Select(v => v ?? DBNull.Value).ToArray());
            using var bulk = new Microsoft.Data.SqlClient.SqlBulkCopy((Microsoft.Data.SqlClient.SqlConnection)db.Database.GetDbConnection())
            {
                DestinationTableName = Facts(DatabaseProvider.SqlServer), BulkCopyTimeout = 0,
            };
            foreach (var column in Columns) bulk.ColumnMappings.Add(column, column);
            await bulk.WriteToServerAsync(table, ct);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
