using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Data;

/// <summary>The only way money moves: an atomic balance update plus its append-only ledger entry,
/// inside the caller's transaction. The cached balance and the ledger can therefore never drift.</summary>
public static class WalletLedger
{
    public static async Task<Wallet> EnsureWalletAsync(this KaMengDbContext db, string userId, CancellationToken ct = default)
    {
        var wallet = await db.Wallets.AsNoTracking().SingleOrDefaultAsync(w => w.UserId == userId, ct);
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
        // One statement: the check and the change cannot be separated by another writer.
        var rows = allowNegative
            ? await db.Database.ExecuteSqlInterpolatedAsync(
                $"""UPDATE "Wallets" SET "Balance" = "Balance" + {fen} WHERE "Id" = {walletId}""", ct)
            : await db.Database.ExecuteSqlInterpolatedAsync(
                $"""UPDATE "Wallets" SET "Balance" = "Balance" + {fen} WHERE "Id" = {walletId} AND "Balance" + {fen} >= 0""", ct);
        if (rows == 0) return null;
        var balance = await db.Wallets.Where(w => w.Id == walletId).Select(w => w.Balance).SingleAsync(ct);
        var entry = new LedgerEntry
        {
            WalletId = walletId, Type = type, Amount = amount, BalanceAfter = balance, OrderId = orderId,
            StationId = stationId, Reason = reason, OperatorUserId = operatorUserId, CreatedAt = now,
        };
        db.LedgerEntries.Add(entry);
        await db.SaveChangesAsync(ct);
        return entry;
    }
}
