using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace KaMeng.Bench;

/// <summary>--profile: counts what EF Core does per order (commands, transactions, savepoints, connection opens,
/// SaveChanges) from its DiagnosticListener, and which statements the commands are.</summary>
public sealed class EfProfiler : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
{
    readonly ConcurrentDictionary<string, int> events = new();
    readonly ConcurrentDictionary<string, int> commands = new();
    // Per statement: the slowest execution and how many took over 50 ms (where a latency tail comes from).
    readonly ConcurrentDictionary<string, (double MaxMs, int Slow, double TotalMs)> durations = new();
    readonly List<IDisposable> subscriptions = [];
    readonly IDisposable all;

    public EfProfiler() => all = DiagnosticListener.AllListeners.Subscribe(this);

    public void OnNext(DiagnosticListener listener)
    {
        if (listener.Name == DbLoggerCategory.Name) lock (subscriptions) subscriptions.Add(listener.Subscribe(this));
    }

    public void OnNext(KeyValuePair<string, object?> e)
    {
        var name = e.Key[(e.Key.LastIndexOf('.') + 1)..];
        events.AddOrUpdate(name, 1, (_, n) => n + 1);
        if (name == "QueryCompilationStarting" && e.Value is QueryExpressionEventData q)
            commands.AddOrUpdate("COMPILED: " + Trim(q.Expression.ToString()), 1, (_, n) => n + 1);
        if (name == "CommandExecuted" && e.Value is CommandExecutedEventData d)
        {
            var sql = string.Join(' ', d.Command.CommandText.Split((char[])['\n', '\r', ' '], StringSplitOptions.RemoveEmptyEntries));
            var key = sql.Length > 90 ? sql[..90] : sql;
            commands.AddOrUpdate(key, 1, (_, n) => n + 1);
            var ms = d.Duration.TotalMilliseconds;
            durations.AddOrUpdate(key, (ms, ms > 50 ? 1 : 0, ms), (_, v) => (Math.Max(v.MaxMs, ms), v.Slow + (ms > 50 ? 1 : 0), v.TotalMs + ms));
        }
    }

    static string Trim(string s)
    {
        s = string.Join(' ', s.Split((char[])['\n', '\r', ' '], StringSplitOptions.RemoveEmptyEntries));
        return s.Length > 160 ? s[..160] : s;
    }

    public void Report(int orders)
    {
        if (orders == 0) return;
        Console.WriteLine("  EF profile (per delivered order):");
        foreach (var (k, v) in events.OrderBy(kv => kv.Key)) Console.WriteLine($"    {k,-30} {(double)v / orders,6:F2}");
        Console.WriteLine("  commands (per delivered order):");
        foreach (var (k, v) in commands.OrderByDescending(kv => kv.Value))
        {
            var (max, slow, total) = durations.GetValueOrDefault(k);
            Console.WriteLine($"    {(double)v / orders,6:F2}  mean {total / v,6:F2} ms  max {max,7:F1} ms  >50ms {slow,5}  {k}");
        }
    }

    public void Dispose()
    {
        all.Dispose();
        lock (subscriptions) foreach (var s in subscriptions) s.Dispose();
    }

    public void OnCompleted() { }
    public void OnError(Exception error) { }
}
