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
    public static SemaphoreSlim GateOf(KaMengDbContext db) =>
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

    public Task CommitAsync(CancellationToken ct = default) => transaction.CommitAsync(ct);

    public Task RollbackAsync(CancellationToken ct = default) => transaction.RollbackAsync(ct);

    public async ValueTask DisposeAsync()
    {
        try { await transaction.DisposeAsync(); }
        finally { gate?.Release(); }
    }
}

public static class BusinessTransactionExtensions
{
    public static Task<BusinessTransaction> BeginBusinessTransactionAsync(this KaMengDbContext db, CancellationToken ct = default) =>
        BusinessTransaction.BeginAsync(db, ct);
}
