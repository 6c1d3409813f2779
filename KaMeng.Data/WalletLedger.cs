using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Data;

/// <summary>The only way money moves: an atomic balance update plus its append-only ledger entry,
/// inside the caller's transaction. The cached balance and the ledger can therefore never drift.</summary>
public static class WalletLedger
{
    // Compiled once: every purchase looks its buyer's wallet up, and building and matching the LINQ expression each time
    // cost more than running the query. A compiled query binds to the first model it runs with: one per provider.
    static readonly Func<KaMengDbContext, string, Task<Wallet?>>[] WalletOfUserByProvider =
        [.. Enum.GetValues<DatabaseProvider>().Select(_ => EF.CompileAsyncQuery((KaMengDbContext db, string userId) =>
            db.Wallets.AsNoTracking().SingleOrDefault(w => w.UserId == userId)))];

    static Task<Wallet?> WalletOfUser(KaMengDbContext db, string userId) => WalletOfUserByProvider[(int)db.Provider](db, userId);

    public static async Task<Wallet> EnsureWalletAsync(this KaMengDbContext db, string userId, CancellationToken ct = default)
    {
        var wallet = await WalletOfUser(db, userId);
        if (wallet is not null) return wallet;
        wallet = new Wallet { UserId = userId };
        db.Wallets.Add(wallet);
        await db.SaveChangesAsync(ct);
        db.Entry(wallet).State = EntityState.Detached;
        return wallet;
    }

    /// <summary>Adds <paramref name="amount"/> (negative to debit) to the wallet. Returns null when a debit
    /// would take the balance below zero and <paramref name="allowNegative"/> is false; nothing is written then.</summary>
    public static async Task<LedgerEntry?> PostAsync(this KaMengDbContext db, int walletId, LedgerEntryType type, Money amount,
        DateTimeOffset now, long? orderId = null, int? stationId = null, string? reason = null, string? operatorUserId = null,
        bool allowNegative = false, CancellationToken ct = default)
    {
        var fen = amount.Fen;
        // One statement: the check and the change cannot be separated by another writer. RETURNING hands back the new
        // balance in the same round trip (SQLite 3.35+, PostgreSQL) instead of a second SELECT.
        long? newBalance;
        if (db.Provider == DatabaseProvider.Sqlite)
        {
            // A prepared statement: this runs in every purchase, inside the serial section of the SQLite writer.
            var sql = allowNegative
                ? """UPDATE "Wallets" SET "Balance" = "Balance" + $p0 WHERE "Id" = $p1 RETURNING "Balance" """
                : """UPDATE "Wallets" SET "Balance" = "Balance" + $p0 WHERE "Id" = $p1 AND "Balance" + $p0 >= 0 RETURNING "Balance" """;
            newBalance = SqlitePrepared.Scalar(db, sql, fen, walletId) is { } value ? Convert.ToInt64(value) : null;
        }
        else
        {
            var balances = allowNegative
                ? await db.Database.SqlQuery<long>(
                    $"""UPDATE "Wallets" SET "Balance" = "Balance" + {fen} WHERE "Id" = {walletId} RETURNING "Balance" AS "Value" """).ToListAsync(ct)
                : await db.Database.SqlQuery<long>(
                    $"""UPDATE "Wallets" SET "Balance" = "Balance" + {fen} WHERE "Id" = {walletId} AND "Balance" + {fen} >= 0 RETURNING "Balance" AS "Value" """).ToListAsync(ct);
            newBalance = balances.Count == 0 ? null : balances[0];
        }
        if (newBalance is null) return null;
        var entry = new LedgerEntry
        {
            WalletId = walletId, Type = type, Amount = amount, BalanceAfter = Money.FromFen(newBalance.Value), OrderId = orderId,
            StationId = stationId, Reason = reason, OperatorUserId = operatorUserId, CreatedAt = now,
        };
        // Pending changes of the caller are saved with the entry, as before the entry had its own prepared INSERT.
        if (db.ChangeTracker.HasChanges()) await db.SaveChangesAsync(ct);
        await db.InsertAsync(entry, ct);
        return entry;
    }
}
