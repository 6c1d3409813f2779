using System.Runtime.CompilerServices;
using KaMeng.Web.Features.Admin.Reports;

namespace KaMeng.Tests.Reports;

/// <summary>The exports' read-ahead: rows come out in order and complete, a failing read fails the export, and an export
/// that stops early stops the read before its source goes away.</summary>
public class ReadAheadTests
{
    static async IAsyncEnumerable<int> Numbers(int count, Action<int>? onRead = null, [EnumeratorCancellation] CancellationToken ct = default)
    {
        for (var i = 0; i < count; i++)
        {
            ct.ThrowIfCancellationRequested();
            onRead?.Invoke(i);
            yield return i;
            if (i % 500 == 0) await Task.Yield();
        }
    }

    [Fact]
    public async Task Every_row_arrives_once_and_in_order_across_batches()
    {
        var seen = new List<int>();
        await foreach (var batch in ReadAhead.Batches(Numbers(3 * ReadAhead.BatchSize + 17)))
        {
            Assert.InRange(batch.Count, 1, ReadAhead.BatchSize);
            seen.AddRange(batch);
        }
        Assert.Equal(Enumerable.Range(0, 3 * ReadAhead.BatchSize + 17), seen);
    }

    [Fact]
    public async Task A_failing_read_fails_the_writer_with_its_exception()
    {
        var rows = 0;
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await foreach (var batch in ReadAhead.Batches(Numbers(10 * ReadAhead.BatchSize, i => { if (i == 2500) throw new InvalidOperationException("disk"); })))
                rows += batch.Count;
        });
        Assert.Equal("disk", ex.Message);
        Assert.Equal(2 * ReadAhead.BatchSize, rows); // the full batches before the failure were written
    }

    [Fact]
    public async Task A_writer_that_stops_early_stops_the_reader_before_returning()
    {
        var read = 0;
        await foreach (var _ in ReadAhead.Batches(Numbers(1_000_000, _ => Interlocked.Increment(ref read))))
            break;
        var after = Volatile.Read(ref read);
        await Task.Delay(100);
        // Stopped, and never more than the batches in flight ahead of the writer.
        Assert.Equal(after, Volatile.Read(ref read));
        Assert.True(after < 10 * ReadAhead.BatchSize, $"read {after} rows");
    }
}
