using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace KaMeng.Data;

/// <summary>
/// One business operation = one database transaction. On SQLite, writers are serialised by the database anyway;
/// queueing them on an in-process async gate first avoids SQLite's busy handler, which sleeps in growing steps
/// and would turn 32 racing buyers into a stampede of retries. PostgreSQL needs no gate (row locks do the work).
/// </summary>
public sealed class BusinessTransaction : IAsyncDisposable
{
    static readonly ConcurrentDictionary<string, SemaphoreSlim> Gates = new();

    readonly IDbContextTransaction transaction;
    readonly SemaphoreSlim? gate;

    BusinessTransaction(IDbContextTransaction transaction, SemaphoreSlim? gate)
    {
        this.transaction = transaction;
        this.gate = gate;
    }

    /// <summary>The writer gate of one SQLite database (keyed by connection string, shared by every context on it).</summary>
    internal static SemaphoreSlim GateOf(KaMengDbContext db) =>
        Gates.GetOrAdd(db.Database.GetConnectionString() ?? "", _ => new SemaphoreSlim(1, 1));

    public static async Task<BusinessTransaction> BeginAsync(KaMengDbContext db, CancellationToken ct = default)
    {
        // SQLite has one writer: the gate queues business transactions in-process instead of in busy_timeout retries.
        // The servers lock rows themselves.
        var gate = db.Provider switch
        {
            DatabaseProvider.Sqlite => GateOf(db),
            DatabaseProvider.Postgres or DatabaseProvider.SqlServer => null,
            var other => throw ProviderSql.Unsupported(other),
        };
        if (gate is not null) await gate.WaitAsync(ct);
        try
        {
            return new BusinessTransaction(await db.Database.BeginTransactionAsync(ct), gate);
        }
        catch
        {
            gate?.Release();
            throw;
        }
    }

    /// <summary>
    /// Runs <paramref name="body"/> as one business transaction: its writes are committed when it returns
    /// <see cref="BusinessOutcome.Commit{T}"/>, rolled back when it returns <see cref="BusinessOutcome.Rollback{T}"/> or throws.
    /// The body must do its reads and writes through the context it is given, which on SQLite is not the caller's:
    /// there the group-commit writer runs several queued bodies in one transaction, each inside its own savepoint
    /// (see <see cref="SqliteGroupCommit"/>). The caller gets the result only after that transaction has committed.
    /// A body must not start another business transaction (the gate is held while it runs).
    /// </summary>
    public static async Task<T> RunAsync<T>(KaMengDbContext db, Func<KaMengDbContext, CancellationToken, Task<BusinessOutcome<T>>> body, CancellationToken ct = default)
    {
        if (db.Provider == DatabaseProvider.Sqlite) return await SqliteGroupCommit.Of(db).RunAsync(db, body, ct);
        await using var tx = await BeginAsync(db, ct);
        var outcome = await body(db, ct);
        if (outcome.Committed) await tx.CommitAsync(ct);
        else await tx.RollbackAsync(ct);
        return outcome.Value;
    }

    public Task CommitAsync(CancellationToken ct = default) => transaction.CommitAsync(ct);

    public Task RollbackAsync(CancellationToken ct = default) => transaction.RollbackAsync(ct);

    public async ValueTask DisposeAsync()
    {
        try { await transaction.DisposeAsync(); }
        finally { gate?.Release(); }
    }
}

/// <summary>What the body of <see cref="BusinessTransaction.RunAsync{T}"/> decided: keep its writes or undo them, and what to return.</summary>
public readonly record struct BusinessOutcome<T>(T Value, bool Committed);

public static class BusinessOutcome
{
    public static BusinessOutcome<T> Commit<T>(T value) => new(value, true);
    public static BusinessOutcome<T> Rollback<T>(T value) => new(value, false);
}

public static class BusinessTransactionExtensions
{
    public static Task<BusinessTransaction> BeginBusinessTransactionAsync(this KaMengDbContext db, CancellationToken ct = default) =>
        BusinessTransaction.BeginAsync(db, ct);

    /// <inheritdoc cref="BusinessTransaction.RunAsync{T}"/>
    public static Task<T> RunBusinessTransactionAsync<T>(this KaMengDbContext db, Func<KaMengDbContext, CancellationToken, Task<BusinessOutcome<T>>> body, CancellationToken ct = default) =>
        BusinessTransaction.RunAsync(db, body, ct);
}
