using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace KaMeng.Web.Features.Admin.Reports;

/// <summary>
/// Reads an export's rows on a background task, in batches, while the caller writes the batches before them: reading
/// from the database and writing the workbook (markup and deflate) each take about half of a large export's time, and
/// this way they run on two cores instead of one after the other. At most a few batches are in flight, so memory stays
/// flat. The source must not be touched by the caller meanwhile (a DbContext is not thread-safe).
/// </summary>
public static class ReadAhead
{
    public const int BatchSize = 1024;
    const int InFlight = 4;

    public static async IAsyncEnumerable<ArraySegment<T>> Batches<T>(IAsyncEnumerable<T> source, [EnumeratorCancellation] CancellationToken ct = default)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var full = Channel.CreateBounded<(T[] Rows, int Count)>(new BoundedChannelOptions(InFlight) { SingleReader = true, SingleWriter = true });
        // Batches the writer is done with go back to the reader, so a long export allocates only the first few.
        var free = new ConcurrentQueue<T[]>();
        var producer = Task.Run(async () =>
        {
            try
            {
                var rows = new T[BatchSize];
                var n = 0;
                await foreach (var row in source.WithCancellation(stop.Token))
                {
                    rows[n++] = row;
                    if (n < BatchSize) continue;
                    await full.Writer.WriteAsync((rows, n), stop.Token);
                    rows = free.TryDequeue(out var reused) ? reused : new T[BatchSize];
                    n = 0;
                }
                if (n > 0) await full.Writer.WriteAsync((rows, n), stop.Token);
                full.Writer.Complete();
            }
            catch (Exception ex)
            {
                full.Writer.Complete(ex);
            }
        }, CancellationToken.None);
        try
        {
            while (await full.Reader.WaitToReadAsync(ct))
                while (full.Reader.TryRead(out var batch))
                {
                    yield return new ArraySegment<T>(batch.Rows, 0, batch.Count);
                    if (batch.Count == BatchSize) free.Enqueue(batch.Rows);
                }
        }
        finally
        {
            // The caller stopped early (a failed write, a cancelled download): stop the reader before its source goes away.
            stop.Cancel();
            try { await producer; } catch (OperationCanceledException) { }
        }
    }
}
