using System.Collections.Concurrent;
using System.Data.Common;
using System.Text;
using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace KaMeng.Data;

/// <summary>
/// Several questions about past orders asked in one statement (<c>SELECT (…) AS c0, (…) AS c1, …</c>): the risk rules' counts,
/// sums and existence checks for an order being placed. One round trip and one statement to compile instead of one EF Core
/// query per rule, which made the rules cost ~2 ms of CPU per checkout on SQLite (docs/performance.md, issue 21). Each
/// question is a scalar subquery over an index that covers it; the column names it takes are the fixed ones below, never
/// input; values are parameters. The dialects differ only in how a row count is capped (LIMIT or TOP) and how values are joined.
/// </summary>
public sealed class OrderProbe(KaMengDbContext db)
{
    public enum Column { BuyerUserId, ClientIp, DeviceId, Contact }

    readonly List<string> questions = [];
    readonly List<object> values = [];
    readonly DatabaseProvider provider = db.Provider;

    string P(object value)
    {
        values.Add(value is DateTimeOffset at && provider == DatabaseProvider.Sqlite ? (long)SqliteDates.ConvertToProvider(at)! : value);
        return "@kp" + (values.Count - 1);
    }

    static readonly DateTimeOffsetToBinaryConverter SqliteDates = new();

    int Add(string sql)
    {
        questions.Add(sql);
        return questions.Count - 1;
    }

    string Capped(string select, string fromWhere, long cap) => provider switch
    {
        DatabaseProvider.Sqlite or DatabaseProvider.Postgres => $"SELECT COUNT(*) FROM (SELECT {select} FROM \"Orders\" WHERE {fromWhere} LIMIT {cap}) t",
        DatabaseProvider.SqlServer => $"SELECT COUNT(*) FROM (SELECT TOP ({cap}) {select} FROM \"Orders\" WHERE {fromWhere}) t",
        var other => throw ProviderSql.Unsupported(other),
    };

    static string Exists(string where) => $"CASE WHEN EXISTS (SELECT 1 FROM \"Orders\" WHERE {where}) THEN 1 ELSE 0 END";

    /// <summary>Live (not cancelled) orders with <paramref name="column"/> = <paramref name="value"/> since <paramref name="since"/>, counted up to <paramref name="cap"/>.</summary>
    public int CountSince(Column column, object value, DateTimeOffset since, long cap) =>
        Add(Capped("1 AS x", $"\"{column}\" = {P(value)} AND \"CreatedAt\" >= {P(since)} AND \"Status\" <> {(int)OrderStatus.Cancelled}", cap));

    /// <summary>Σ Total (fen) of those orders.</summary>
    public int SumSince(Column column, object value, DateTimeOffset since) =>
        Add($"SELECT COALESCE(SUM(\"Total\"), 0) FROM \"Orders\" WHERE \"{column}\" = {P(value)} AND \"CreatedAt\" >= {P(since)} AND \"Status\" <> {(int)OrderStatus.Cancelled}");

    /// <summary>Distinct signed-in buyers behind a device, counted up to <paramref name="cap"/>.</summary>
    public int AccountsOnDevice(string device, long cap) => Add(provider == DatabaseProvider.SqlServer
        ? $"SELECT COUNT(*) FROM (SELECT DISTINCT TOP ({cap}) \"BuyerUserId\" FROM \"Orders\" WHERE \"DeviceId\" = {P(device)} AND \"BuyerUserId\" IS NOT NULL AND \"Status\" <> {(int)OrderStatus.Cancelled}) t"
        : Capped("DISTINCT \"BuyerUserId\"", $"\"DeviceId\" = {P(device)} AND \"BuyerUserId\" IS NOT NULL AND \"Status\" <> {(int)OrderStatus.Cancelled}", cap));

    /// <summary>1 when a live order of one of <paramref name="buyers"/> was placed from the device.</summary>
    public int DeviceUsedBy(string device, IReadOnlyCollection<string> buyers) =>
        Add(Exists($"\"DeviceId\" = {P(device)} AND \"Status\" <> {(int)OrderStatus.Cancelled} AND \"BuyerUserId\" IN ({string.Join(", ", buyers.Select(b => P(b)))})"));

    /// <summary>1 when the buyer has a live order from the region.</summary>
    public int OrderedFrom(string buyer, string region) =>
        Add(Exists($"\"BuyerUserId\" = {P(buyer)} AND \"Region\" = {P(region)} AND \"Status\" <> {(int)OrderStatus.Cancelled}"));

    /// <summary>The buyer's refunded or refunding orders closed since <paramref name="since"/>, up to <paramref name="cap"/>.</summary>
    public int RefundsSince(string buyer, DateTimeOffset since, long cap) =>
        Add(Capped("1 AS x", $"\"BuyerUserId\" = {P(buyer)} AND \"Status\" IN ({(int)OrderStatus.Refunded}, {(int)OrderStatus.Refunding}) AND \"ClosedAt\" >= {P(since)}", cap));

    /// <summary>The totals (fen) of the buyer's last <paramref name="last"/> delivered orders, comma-joined.</summary>
    public int RecentDeliveredTotals(string buyer, int last)
    {
        var where = $"\"BuyerUserId\" = {P(buyer)} AND \"Status\" = {(int)OrderStatus.Delivered}";
        return Add(provider switch
        {
            DatabaseProvider.Sqlite => $"SELECT group_concat(\"Total\", ',') FROM (SELECT \"Total\" FROM \"Orders\" WHERE {where} ORDER BY \"Id\" DESC LIMIT {last}) t",
            DatabaseProvider.Postgres => $"SELECT string_agg(\"Total\"::text, ',') FROM (SELECT \"Total\" FROM \"Orders\" WHERE {where} ORDER BY \"Id\" DESC LIMIT {last}) t",
            DatabaseProvider.SqlServer => $"SELECT STRING_AGG(CAST(\"Total\" AS varchar(20)), ',') FROM (SELECT TOP ({last}) \"Total\" FROM \"Orders\" WHERE {where} ORDER BY \"Id\" DESC) t",
            var other => throw ProviderSql.Unsupported(other),
        });
    }

    // Email as typed, not NormalizedEmail: a row written around Identity may lack the normalized copy. Both sides are the
    // accounts' primary keys, so no index is needed. (NULL never equals: an account without a phone shares none.)
    static string Email(string alias) => $"UPPER(TRIM({alias}.\"Email\"))";
    static string Phone(string alias) => $"TRIM({alias}.\"PhoneNumber\")";

    /// <summary>1 when an account among <paramref name="users"/> has the buyer's email or phone, or <paramref name="contact"/> as either.</summary>
    public int SharesContact(IReadOnlyCollection<string> users, string? buyer, string? contact)
    {
        var ids = string.Join(", ", users.Select(u => P(u)));
        var conditions = new List<string>();
        if (buyer is not null)
            conditions.Add($"EXISTS (SELECT 1 FROM \"AspNetUsers\" b WHERE b.\"Id\" = {P(buyer)} AND ({Email("b")} = {Email("o")} OR {Phone("b")} = {Phone("o")}))");
        if (contact?.Trim() is { Length: > 0 } c)
            conditions.Add($"{Email("o")} = {P(c.ToUpperInvariant())} OR {Phone("o")} = {P(c)}");
        if (conditions.Count == 0) conditions.Add("1 = 0");
        return Add($"CASE WHEN EXISTS (SELECT 1 FROM \"AspNetUsers\" o WHERE o.\"Id\" IN ({ids}) AND ({string.Join(" OR ", conditions)})) THEN 1 ELSE 0 END");
    }

    // The text varies with the rules that apply (stations may add their own) and the order's chain, and each prepared text
    // holds a plan in every server connection that ran it: only the first texts this process meets are prepared.
    const int MaxPreparedTexts = 64;
    static readonly ConcurrentDictionary<string, byte> PreparedTexts = new();

    static bool Preparable(string sql) =>
        PreparedTexts.ContainsKey(sql) || PreparedTexts.Count < MaxPreparedTexts && PreparedTexts.TryAdd(sql, 0);

    /// <summary>Asks every question in one statement; the answers in the order they were added (numbers as long, joined values as string, none as null).</summary>
    public async Task<object?[]> AskAsync(CancellationToken ct)
    {
        if (questions.Count == 0) return [];
        var sql = new StringBuilder("SELECT ");
        for (var i = 0; i < questions.Count; i++) sql.Append(i == 0 ? "" : ", ").Append('(').Append(questions[i]).Append(") AS c").Append(i);
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using DbCommand command = db.Database.GetDbConnection().CreateCommand();
            command.CommandText = sql.ToString();
            command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
            for (var i = 0; i < values.Count; i++)
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = "@kp" + i;
                parameter.Value = values[i];
                command.Parameters.Add(parameter);
            }
            // PostgreSQL: prepared, so a checkout skips parsing and planning the ten-subquery statement (about 1.1 ms of the
            // server's 1.5 ms, decision 0038). Npgsql keeps it prepared on the pooled connection under its text. The generic
            // plan is remade when ANALYZE changes the table's statistics.
            if (provider == DatabaseProvider.Postgres && Preparable(command.CommandText)) await command.PrepareAsync(ct);
            await using var reader = await command.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct)) throw new InvalidOperationException("The order probe returned no row.");
            var answers = new object?[questions.Count];
            for (var i = 0; i < answers.Length; i++)
                answers[i] = reader.IsDBNull(i) ? null : reader.GetValue(i) switch
                {
                    string s => s,
                    bool b => b ? 1L : 0L,
                    var n => Convert.ToInt64(n, System.Globalization.CultureInfo.InvariantCulture),
                };
            return answers;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }
}
