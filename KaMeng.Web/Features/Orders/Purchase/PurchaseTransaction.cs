using KaMeng.Data;

namespace KaMeng.Web.Features.Orders;

/// <summary>What the body of <see cref="PurchaseTransaction.RunBusinessTransactionAsync{T}"/> decided: keep its writes or
/// undo them, and what to return.</summary>
public readonly record struct BusinessOutcome<T>(T Value, bool Committed);

public static class BusinessOutcome
{
    public static BusinessOutcome<T> Commit<T>(T value) => new(value, true);
    public static BusinessOutcome<T> Rollback<T>(T value) => new(value, false);
}

/// <summary>The purchase's transaction (docs/purchase-path.md).</summary>
public static class PurchaseTransaction
{
    /// <summary>
    /// Runs <paramref name="body"/> as one business transaction: its writes are committed when it returns
    /// <see cref="BusinessOutcome.Commit{T}"/>, rolled back when it returns <see cref="BusinessOutcome.Rollback{T}"/> or throws.
    /// The body must do its reads and writes through the context it is given, which on SQLite is not the caller's:
    /// there the group-commit writer runs several queued bodies in one transaction, each inside its own savepoint
    /// (see <see cref="SqliteGroupCommit"/>). The caller gets the result only after that transaction has committed.
    /// A body must not start another business transaction (the gate is held while it runs).
    /// </summary>
    public static async Task<T> RunBusinessTransactionAsync<T>(this KaMengDbContext db, Func<KaMengDbContext, CancellationToken, Task<BusinessOutcome<T>>> body, CancellationToken ct = default)
    {
        switch (db.Provider)
        {
            case DatabaseProvider.Sqlite:
                return await SqliteGroupCommit.Of(db).RunAsync(db, body, ct);
            case DatabaseProvider.Postgres or DatabaseProvider.SqlServer:
                await using (var tx = await db.BeginBusinessTransactionAsync(ct))
                {
                    var outcome = await body(db, ct);
                    if (outcome.Committed) await tx.CommitAsync(ct);
                    else await tx.RollbackAsync(ct);
                    return outcome.Value;
                }
            default:
                throw ProviderSql.Unsupported(db.Provider);
        }
    }
}
