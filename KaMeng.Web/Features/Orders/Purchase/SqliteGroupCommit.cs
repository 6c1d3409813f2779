using System.Collections.Concurrent;
using KaMeng.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace KaMeng.Web.Features.Orders;

/// <summary>
/// Group commit for SQLite business transactions (decision record 0006). SQLite has one writer at a time and a
/// commit is the expensive part of a short transaction (its pages written to the WAL, the WAL index updated), so the
/// writer takes every body queued meanwhile and runs them in one transaction on its own connection, each inside its own
/// SAVEPOINT: a body that refuses or throws is rolled back to its savepoint alone, the others stay. One COMMIT ends the
/// batch, and only then does any caller get its result, so nobody is told "paid" before it is durable, and a failed
/// COMMIT fails every body of the batch (none of them happened). Bodies run one after another, in queue order, each
/// seeing what the earlier ones wrote: the same serial order the gate gave before, without a commit per purchase.
/// The writer holds the database's writer gate for one batch at a time, so other business transactions interleave.
/// It lives with the purchase it serves (docs/purchase-path.md): the data layer gives it the gate, prepared statements
/// and raw inserts, and never runs code of the web project.
/// </summary>
public sealed class SqliteGroupCommit
{
    static readonly ConcurrentDictionary<string, SqliteGroupCommit> Writers = new();

    /// <summary>Bodies per transaction at most: bounds the latency a batch adds and the time others wait for the gate.</summary>
    const int MaxBatch = 64;

    /// <summary>Batches committed between two checkpoints: ~1000 WAL pages, SQLite's own automatic checkpoint threshold.</summary>
    const int BatchesPerCheckpoint = 32;

    /// <summary>
    /// How long the WAL may grow before the writer restarts it (see <see cref="CatchUpCheckpoint"/>); also the
    /// connections' <c>journal_size_limit</c>, so a WAL that outgrew it is cut back to it when it restarts.
    /// </summary>
    public const long WalLimitBytes = SqliteWal.LimitBytes;

    /// <summary>Frames of the WAL at the limit, at SQLite's default 4 KB page.</summary>
    const long WalLimitFrames = WalLimitBytes / 4096;

    readonly SemaphoreSlim gate;
    readonly object sync = new();
    int batchesSinceCheckpoint;
    volatile bool walOverLimit;
    Task checkpoint = Task.CompletedTask;
    readonly Queue<Item> queue = new();
    bool running;
    long batches, bodies, busyTicks;

    SqliteGroupCommit(SemaphoreSlim gate) => this.gate = gate;

    public static SqliteGroupCommit Of(KaMengDbContext db) =>
        Writers.GetOrAdd(db.Database.GetConnectionString() ?? "", _ => new SqliteGroupCommit(BusinessTransaction.GateOf(db)));

    /// <summary>Transactions ended, bodies run and time spent running them (holding the gate) so far: the benchmark's report.</summary>
    public (long Batches, long Bodies, TimeSpan Busy) Counts =>
        (Interlocked.Read(ref batches), Interlocked.Read(ref bodies), TimeSpan.FromTicks(Interlocked.Read(ref busyTicks)));

    internal Task<T> RunAsync<T>(KaMengDbContext caller, Func<KaMengDbContext, CancellationToken, Task<BusinessOutcome<T>>> body, CancellationToken ct)
    {
        var item = new Item<T>(body, caller.ScopeStationId, ct);
        bool start;
        lock (sync)
        {
            queue.Enqueue(item);
            start = !running;
            running = true;
        }
        // The writer runs while there is work and stops when the queue is empty; the options of the context that
        // started it make the writer's own context (same model, provider, interceptors).
        if (start) _ = Task.Run(() => WriteAsync(caller.GetService<IDbContextOptions>()));
        return item.Result;
    }

    async Task WriteAsync(IDbContextOptions options)
    {
        KaMengDbContext? writer = null;
        try
        {
            while (true)
            {
                List<Item> batch;
                lock (sync)
                {
                    if (queue.Count == 0)
                    {
                        running = false;
                        if (writer is not null && batchesSinceCheckpoint > 0) StartCheckpoint(writer);
                        return;
                    }
                    batch = new List<Item>(Math.Min(queue.Count, MaxBatch));
                    while (batch.Count < MaxBatch && queue.TryDequeue(out var next)) batch.Add(next);
                }

                Exception? failure = null;
                await gate.WaitAsync();
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                try
                {
                    writer ??= await OpenWriterAsync(options);
                    await RunBatchAsync(writer, batch);
                    if (walOverLimit) CatchUpCheckpoint(writer);
                    if (++batchesSinceCheckpoint >= BatchesPerCheckpoint) StartCheckpoint(writer);
                }
                catch (Exception e)
                {
                    failure = e;
                    // The connection may be unusable; the next batch starts on a fresh one.
                    await DisposeQuietlyAsync(writer);
                    writer = null;
                }
                finally
                {
                    Interlocked.Add(ref busyTicks, System.Diagnostics.Stopwatch.GetElapsedTime(started).Ticks);
                    gate.Release();
                }
                Interlocked.Increment(ref batches);
                Interlocked.Add(ref bodies, batch.Count);
                foreach (var item in batch) item.Complete(failure);
            }
        }
        finally
        {
            await DisposeQuietlyAsync(writer);
        }
    }

    /// <summary>
    /// The writer's connection never checkpoints on COMMIT (decision record 0015): a checkpoint copies the WAL into the
    /// database and fsyncs both, and inside the writer it stalled every purchase queued behind it. Instead a PASSIVE
    /// checkpoint runs on another connection, off the writer and without the gate, every <see cref="BatchesPerCheckpoint"/>
    /// batches and when the writer goes idle; one at a time. PASSIVE never waits for readers or the writer: what it cannot
    /// copy yet, the next one does.
    /// </summary>
    void StartCheckpoint(KaMengDbContext writer)
    {
        if (!checkpoint.IsCompleted) return;
        batchesSinceCheckpoint = 0;
        var connectionString = writer.Database.GetConnectionString()!;
        checkpoint = Task.Run(() =>
        {
            try
            {
                if (CheckpointBeside(connectionString)) walOverLimit = true;
            }
            catch (Exception) { /* the next checkpoint (or any later connection's automatic one) copies what this one did not */ }
        });
    }

    /// <summary>A PASSIVE checkpoint on a connection of its own; true when the WAL has passed <see cref="WalLimitBytes"/>,
    /// so the writer is to catch up (<see cref="CatchUpCheckpoint"/>). The claim bench's raw writer uses it too.</summary>
    public static bool CheckpointBeside(string connectionString)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection(connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
        // Its row: busy, frames in the WAL, frames copied.
        using var reader = command.ExecuteReader();
        return reader.Read() && reader.GetInt64(1) >= WalLimitFrames;
    }

    /// <summary>
    /// SQLite starts the WAL over only when a write transaction begins with every frame already copied. Under sustained
    /// load that never happens with the checkpoint beside the writer, which always finishes behind newer frames, and the
    /// WAL grew by ~90 MB/s in the claim benchmark. So once it passes <see cref="WalLimitBytes"/> the writer, between two
    /// batches and holding the gate, copies the few frames written since the last checkpoint itself (~10 ms), and its next
    /// batch starts the WAL over. PASSIVE, so it never waits for a reader; if one still needs old frames, the WAL starts
    /// over at the next try.
    /// </summary>
    void CatchUpCheckpoint(KaMengDbContext writer)
    {
        walOverLimit = false;
        SqlitePrepared.NonQuery(writer, "PRAGMA wal_checkpoint(PASSIVE)");
    }

    static async Task DisposeQuietlyAsync(KaMengDbContext? writer)
    {
        if (writer is null) return;
        var connection = (Microsoft.Data.Sqlite.SqliteConnection)writer.Database.GetDbConnection();
        try
        {
            SqlitePrepared.Forget(connection);
            // The connection goes back to the pool: other users of it checkpoint on their commits again, as by default.
            SqlitePrepared.NonQuery(writer, "PRAGMA wal_autocheckpoint = 1000");
            await writer.DisposeAsync();
        }
        catch (Exception)
        {
            // Already failed (the batch's callers have the error); never hand a connection without checkpoints to the pool.
            Microsoft.Data.Sqlite.SqliteConnection.ClearPool(connection);
        }
    }

    static async Task<KaMengDbContext> OpenWriterAsync(IDbContextOptions options)
    {
        var writer = new SqliteKaMengDbContext((DbContextOptions<SqliteKaMengDbContext>)options);
        // The writer manages the savepoints; EF's automatic one around each SaveChanges would only double them.
        writer.Database.AutoSavepointsEnabled = false;
        await writer.Database.OpenConnectionAsync();
        SqlitePrepared.Keep((Microsoft.Data.Sqlite.SqliteConnection)writer.Database.GetDbConnection());
        // Checkpoints run beside the writer, not inside its COMMIT (see StartCheckpoint).
        SqlitePrepared.NonQuery(writer, "PRAGMA wal_autocheckpoint = 0");
        return writer;
    }

    static async Task RunBatchAsync(KaMengDbContext writer, List<Item> batch)
    {
        await using var tx = await writer.Database.BeginTransactionAsync();
        foreach (var item in batch)
        {
            if (item.Cancellation.IsCancellationRequested)
            {
                item.Cancel();
                continue;
            }
            writer.ScopedTo(item.ScopeStationId);
            // Prepared like the purchase's own statements (EF's savepoint API compiles each one anew).
            SqlitePrepared.NonQuery(writer, "SAVEPOINT body");
            var keep = await item.RunAsync(writer);
            // Entities a body tracked belong to it; the next body starts with an empty change tracker.
            writer.ChangeTracker.Clear();
            if (!keep) SqlitePrepared.NonQuery(writer, "ROLLBACK TO body");
            SqlitePrepared.NonQuery(writer, "RELEASE body");
        }
        await tx.CommitAsync();
    }

    abstract class Item
    {
        public abstract int? ScopeStationId { get; }
        public abstract CancellationToken Cancellation { get; }
        /// <summary>Runs the body; true when its writes are to be kept. An exception of the body is kept for its caller.</summary>
        public abstract Task<bool> RunAsync(KaMengDbContext writer);
        public abstract void Cancel();
        /// <summary>Hands the caller its result once the batch has ended; <paramref name="batchFailure"/> means nothing was committed.</summary>
        public abstract void Complete(Exception? batchFailure);
    }

    sealed class Item<T>(Func<KaMengDbContext, CancellationToken, Task<BusinessOutcome<T>>> body, int? scopeStationId, CancellationToken ct) : Item
    {
        readonly TaskCompletionSource<T> result = new(TaskCreationOptions.RunContinuationsAsynchronously);
        BusinessOutcome<T> outcome;
        Exception? error;
        bool cancelled;

        public Task<T> Result => result.Task;
        public override int? ScopeStationId => scopeStationId;
        public override CancellationToken Cancellation => ct;

        public override async Task<bool> RunAsync(KaMengDbContext writer)
        {
            try
            {
                outcome = await body(writer, ct);
                return outcome.Committed;
            }
            catch (Exception e)
            {
                error = e;
                return false;
            }
        }

        public override void Cancel() => cancelled = true;

        public override void Complete(Exception? batchFailure)
        {
            if (cancelled) result.TrySetCanceled(ct);
            else if (error is not null) result.TrySetException(error);
            else if (batchFailure is not null) result.TrySetException(new InvalidOperationException("The business transaction was not committed.", batchFailure));
            else result.TrySetResult(outcome.Value);
        }
    }
}
