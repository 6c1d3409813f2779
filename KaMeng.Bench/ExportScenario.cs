using System.Diagnostics;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;
using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Admin.Reports;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace KaMeng.Bench;

public sealed record ExportOptions(DatabaseProvider Provider, int Rows, string? PgAdmin);

/// <summary>
/// export: N orders bulk-inserted with raw SQL, exported to a temp .xlsx through the same <see cref="OrderExport"/> the
/// finance page uses, and the file re-read with the SAX reader to count its rows. Measures rows/s of the export and how
/// far the process's working set grew above where it stood before the export.
/// </summary>
public static class ExportScenario
{
    const int Batch = 50_000;

    public static async Task<int> RunAsync(ExportOptions o)
    {
        await using var bench = await BenchDatabase.CreateAsync(o.Provider, o.PgAdmin);
        var product = await bench.AddCardKeyProductAsync("导出基准 =SUM(A1)", 0, 1234);
        var seed = Stopwatch.StartNew();
        var expectedFen = await InsertOrdersAsync(bench, product, o.Rows);
        Console.WriteLine($"inserted {o.Rows} orders in {seed.Elapsed.TotalSeconds:F1}s");

        var path = Path.Combine(Path.GetTempPath(), $"kameng-export-bench-{Guid.NewGuid():N}.xlsx");
        try
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            using var self = Process.GetCurrentProcess();
            self.Refresh();
            var baseline = self.WorkingSet64;
            long peak = baseline;
            using var sampling = new CancellationTokenSource();
            var sampler = Task.Run(async () =>
            {
                using var p = Process.GetCurrentProcess();
                while (!sampling.IsCancellationRequested)
                {
                    p.Refresh();
                    peak = Math.Max(peak, p.WorkingSet64);
                    try { await Task.Delay(20, sampling.Token); } catch (OperationCanceledException) { }
                }
            });

            if (Environment.GetEnvironmentVariable("KAMENG_EXPORT_PROFILE") == "1")
            {
                // Where the time goes: the query and materialisation alone, without writing anything.
                self.Refresh();
                var q0 = self.TotalProcessorTime;
                var qsw = Stopwatch.StartNew();
                long n = 0;
                await using (var db = await bench.DbFactory.CreateDbContextAsync())
                    await foreach (var _ in OrderExport.Query(db, new ReportFilter()).AsAsyncEnumerable()) n++;
                self.Refresh();
                // The same SQL through the bare ADO.NET reader: SQLite's scan and sort without EF's materialisation.
                await using (var db = await bench.DbFactory.CreateDbContextAsync())
                {
                    var sql = OrderExport.Query(db, new ReportFilter()).ToQueryString();
                    var conn = db.Database.GetDbConnection();
                    await conn.OpenAsync();
                    await using var cmd = conn.CreateCommand();
                    // ToQueryString declares the parameters (the station filter's) as ".param set NAME VALUE" lines.
                    var lines = sql.Split('\n');
                    foreach (var p in lines.Where(l => l.StartsWith(".param set ")).Select(l => l.Split(' ', 4)))
                    {
                        var value = p[3].Trim();
                        cmd.Parameters.Add(new SqliteParameter(p[2], value == "NULL" ? DBNull.Value : value.Trim('\'')));
                    }
                    cmd.CommandText = string.Join('\n', lines.Where(l => !l.StartsWith(".param set ")));
                    self.Refresh();
                    var r0 = self.TotalProcessorTime;
                    var rsw = Stopwatch.StartNew();
                    long m = 0;
                    await using (var reader = await cmd.ExecuteReaderAsync())
                        while (await reader.ReadAsync()) { for (var c = 0; c < reader.FieldCount; c++) _ = reader.GetValue(c); m++; }
                    self.Refresh();
                    Console.WriteLine($"profile: raw reader {m} rows in {rsw.Elapsed.TotalSeconds:F1}s, cpu {(self.TotalProcessorTime - r0).TotalMilliseconds / m * 1000:F2} ms/1000 rows");
                    Console.WriteLine(sql);
                }
                Console.WriteLine($"profile: query alone {n} rows in {qsw.Elapsed.TotalSeconds:F1}s, cpu {(self.TotalProcessorTime - q0).TotalMilliseconds / n * 1000:F2} ms/1000 rows");
            }
            self.Refresh();
            var cpuBefore = self.TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            ReportTotals totals;
            await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16))
            await using (var db = await bench.DbFactory.CreateDbContextAsync())
                totals = await OrderExport.WriteAsync(db, new ReportFilter(), file);
            sw.Stop();
            self.Refresh();
            // Process user+sys time: less sensitive than wall time to other work on a shared machine.
            var cpuMsPer1000 = (self.TotalProcessorTime - cpuBefore).TotalMilliseconds / Math.Max(1, totals.Count) * 1000;
            sampling.Cancel();
            await sampler;

            var fileMb = new FileInfo(path).Length / 1024d / 1024d;
            var counted = CountRows(path);
            var rowsPerS = totals.Count / sw.Elapsed.TotalSeconds;
            var growthMb = (peak - baseline) / 1024d / 1024d;
            Console.WriteLine($"exported {totals.Count} rows in {sw.Elapsed.TotalSeconds:F1}s ({rowsPerS:F0} rows/s), file {fileMb:F1} MB, re-read {counted} rows, "
                              + $"working set {baseline / 1048576d:F0} MB → peak {peak / 1048576d:F0} MB");
            var ok = counted == o.Rows && totals.Count == o.Rows && totals.SumFen == expectedFen;
            if (!ok) Console.WriteLine($"VERIFICATION FAILED: counted={counted} totals={totals} expectedFen={expectedFen}");
            var json = new Dictionary<string, object?>
            {
                ["scenario"] = "export",
                ["provider"] = o.Provider == DatabaseProvider.Sqlite ? "sqlite" : "postgres",
                ["rows_written"] = counted,
                ["rows_per_s"] = Math.Round(rowsPerS, 0),
                ["peak_mb_growth"] = Math.Round(growthMb, 1),
                ["file_mb"] = Math.Round(fileMb, 1),
                ["seconds"] = Math.Round(sw.Elapsed.TotalSeconds, 2),
                ["cpu_ms_per_1000_rows"] = Math.Round(cpuMsPer1000, 2),
            };
            Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(json));
            return ok ? 0 : 1;
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Data rows of the 订单 sheet, read with OpenXmlReader (SAX): the file is never loaded whole.</summary>
    static long CountRows(string path)
    {
        using var doc = SpreadsheetDocument.Open(path, false);
        var sheet = doc.WorkbookPart!.Workbook.Sheets!.Elements<Sheet>().Single(s => s.Name == OrderExport.SheetName);
        using var reader = OpenXmlReader.Create(doc.WorkbookPart.GetPartById(sheet.Id!));
        long rows = 0;
        while (reader.Read())
            if (reader.ElementType == typeof(Row) && reader.IsStartElement) rows++;
        return rows - 1;
    }

    /// <summary>Inserts delivered orders in batches of raw SQL (SQLite: a prepared INSERT per row, one transaction per batch;
    /// PostgreSQL: binary COPY). Returns the sum of their totals in fen.</summary>
    static async Task<long> InsertOrdersAsync(BenchDatabase bench, Product product, int rows)
    {
        var start = DateTimeOffset.UtcNow.AddDays(-30);
        long sum = 0;
        static (int Qty, long Unit) Shape(int i) => (1 + i % 5, 100 + i % 9_901);
        if (bench.Provider == DatabaseProvider.Postgres)
        {
            await using var conn = new NpgsqlConnection(bench.ConnectionString);
            await conn.OpenAsync();
            for (var from = 0; from < rows; from += Batch)
            {
                await using var import = await conn.BeginBinaryImportAsync(
                    """COPY "Orders" ("Number", "StationId", "Contact", "ProductId", "ProductName", "DeliveryType", "Quantity", "UnitPrice", "Total", "PaymentMethod", "Status", "CreatedAt", "PaidAt", "ExpiresAt", "OwnerCollected", "AwaitingDeposit", "CouponDiscount") FROM STDIN (FORMAT BINARY)""");
                for (var i = from; i < Math.Min(rows, from + Batch); i++)
                {
                    var (qty, unit) = Shape(i);
                    var at = start.AddMilliseconds(i * 2L);
                    sum += qty * unit;
                    await import.StartRowAsync();
                    await import.WriteAsync($"B{i:D12}", NpgsqlDbType.Varchar);
                    await import.WriteAsync(Station.MainStationId, NpgsqlDbType.Integer);
                    await import.WriteAsync(i % 7 == 0 ? "+86-138" : $"buyer{i % 1000}@example.cn", NpgsqlDbType.Varchar);
                    await import.WriteAsync(product.Id, NpgsqlDbType.Integer);
                    await import.WriteAsync(product.Name, NpgsqlDbType.Varchar);
                    await import.WriteAsync((int)DeliveryType.CardKey, NpgsqlDbType.Integer);
                    await import.WriteAsync(qty, NpgsqlDbType.Integer);
                    await import.WriteAsync(unit, NpgsqlDbType.Bigint);
                    await import.WriteAsync(qty * unit, NpgsqlDbType.Bigint);
                    await import.WriteAsync((int)PaymentMethod.Balance, NpgsqlDbType.Integer);
                    await import.WriteAsync((int)OrderStatus.Delivered, NpgsqlDbType.Integer);
                    await import.WriteAsync(at, NpgsqlDbType.TimestampTz);
                    await import.WriteAsync(at, NpgsqlDbType.TimestampTz);
                    await import.WriteAsync(at.AddMinutes(15), NpgsqlDbType.TimestampTz);
                    await import.WriteAsync(false, NpgsqlDbType.Boolean);
                    await import.WriteAsync(false, NpgsqlDbType.Boolean);
                    await import.WriteAsync(0L, NpgsqlDbType.Bigint);
                }
                await import.CompleteAsync();
            }
            await using var analyze = new NpgsqlCommand("""ANALYZE "Orders" """, conn);
            await analyze.ExecuteNonQueryAsync();
        }
        else
        {
            await using var conn = new SqliteConnection(bench.ConnectionString);
            await conn.OpenAsync();
            for (var from = 0; from < rows; from += Batch)
            {
                await using var tx = conn.BeginTransaction();
                await using var cmd = conn.CreateCommand();
                cmd.Transaction = tx;
                cmd.CommandText = """
                    INSERT INTO "Orders" ("Number", "StationId", "Contact", "ProductId", "ProductName", "DeliveryType", "Quantity", "UnitPrice", "Total", "PaymentMethod", "Status", "CreatedAt", "PaidAt", "ExpiresAt", "OwnerCollected", "AwaitingDeposit", "CouponDiscount")
                    VALUES ($n, $s, $c, $p, $pn, $d, $q, $u, $t, $pm, $st, $at, $at, $ex, 0, 0, 0)
                    """;
                var pn = cmd.Parameters.Add("$n", SqliteType.Text);
                cmd.Parameters.AddWithValue("$s", Station.MainStationId);
                var pc = cmd.Parameters.Add("$c", SqliteType.Text);
                cmd.Parameters.AddWithValue("$p", product.Id);
                cmd.Parameters.AddWithValue("$pn", product.Name);
                cmd.Parameters.AddWithValue("$d", (int)DeliveryType.CardKey);
                var pq = cmd.Parameters.Add("$q", SqliteType.Integer);
                var pu = cmd.Parameters.Add("$u", SqliteType.Integer);
                var pt = cmd.Parameters.Add("$t", SqliteType.Integer);
                cmd.Parameters.AddWithValue("$pm", (int)PaymentMethod.Balance);
                cmd.Parameters.AddWithValue("$st", (int)OrderStatus.Delivered);
                var pat = cmd.Parameters.Add("$at", SqliteType.Integer);
                var pex = cmd.Parameters.Add("$ex", SqliteType.Integer);
                cmd.Prepare();
                for (var i = from; i < Math.Min(rows, from + Batch); i++)
                {
                    var (qty, unit) = Shape(i);
                    var at = start.AddMilliseconds(i * 2L);
                    sum += qty * unit;
                    pn.Value = $"B{i:D12}";
                    pc.Value = i % 7 == 0 ? "+86-138" : $"buyer{i % 1000}@example.cn";
                    pq.Value = qty;
                    pu.Value = unit;
                    pt.Value = qty * unit;
                    pat.Value = BenchDatabase.SqliteTicks(at);
                    pex.Value = BenchDatabase.SqliteTicks(at.AddMinutes(15));
                    cmd.ExecuteNonQuery();
                }
                tx.Commit();
            }
            await using var analyze = conn.CreateCommand();
            analyze.CommandText = "ANALYZE";
            analyze.ExecuteNonQuery();
        }
        return sum;
    }
}
