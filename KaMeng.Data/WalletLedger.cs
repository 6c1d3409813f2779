using System.Collections.Concurrent;
using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

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
        return wallet ?? await AddWalletAsync(db, userId, ct);
    }

    static async Task<Wallet> AddWalletAsync(KaMengDbContext db, string userId, CancellationToken ct)
    {
        var wallet = new Wallet { UserId = userId };
        db.Wallets.Add(wallet);
        await db.SaveChangesAsync(ct);
        db.Entry(wallet).State = EntityState.Detached;
        return wallet;
    }

    /// <summary>Adds <paramref name="amount"/> (negative to debit) to a bucket of the wallet (余额 unless said otherwise). Returns
    /// null when a debit would take that bucket below zero and <paramref name="allowNegative"/> is false; nothing is written then.
    /// An earning on hold carries <paramref name="availableAt"/>: it counts as 待结算 until then.</summary>
    public static Task<LedgerEntry?> PostAsync(this KaMengDbContext db, int walletId, LedgerEntryType type, Money amount,
        DateTimeOffset now, long? orderId = null, int? stationId = null, string? reason = null, string? operatorUserId = null,
        bool allowNegative = false, WalletBucket bucket = WalletBucket.Balance, DateTimeOffset? availableAt = null, CancellationToken ct = default) =>
        PostAsync(db, new WalletRef(walletId, null), NewEntry(type, amount, now, orderId, stationId, reason, operatorUserId, bucket, availableAt), allowNegative, ct);

    /// <summary>
    /// <see cref="PostAsync(KaMengDbContext, int, LedgerEntryType, Money, DateTimeOffset, long?, int?, string?, string?, bool, WalletBucket, DateTimeOffset?, CancellationToken)"/>
    /// to the wallet of a user, found by the update itself (no lookup first); a user without a wallet gets one.
    /// </summary>
    public static async Task<LedgerEntry?> PostToUserAsync(this KaMengDbContext db, string userId, LedgerEntryType type, Money amount,
        DateTimeOffset now, long? orderId = null, int? stationId = null, string? reason = null, string? operatorUserId = null,
        bool allowNegative = false, WalletBucket bucket = WalletBucket.Balance, DateTimeOffset? availableAt = null, CancellationToken ct = default)
    {
        var entry = NewEntry(type, amount, now, orderId, stationId, reason, operatorUserId, bucket, availableAt);
        if (await PostAsync(db, new WalletRef(null, userId), entry, allowNegative, ct) is { } posted) return posted;
        // No row updated: too little balance, or no wallet yet (rare: then create it and post to it, as EnsureWallet + Post did).
        if (await WalletOfUser(db, userId) is not null) return null;
        var wallet = await AddWalletAsync(db, userId, ct);
        return await PostAsync(db, new WalletRef(wallet.Id, null), entry, allowNegative, ct);
    }

    /// <summary>The entry of a posting; its wallet and balance after are set by the update.</summary>
    static LedgerEntry NewEntry(LedgerEntryType type, Money amount, DateTimeOffset now, long? orderId, int? stationId, string? reason, string? operatorUserId,
        WalletBucket bucket, DateTimeOffset? availableAt) =>
        new()
        {
            Type = type, Amount = amount, OrderId = orderId, StationId = stationId, Reason = reason, OperatorUserId = operatorUserId, CreatedAt = now,
            Bucket = bucket, AvailableAt = bucket == WalletBucket.Earnings && availableAt > now ? availableAt : null,
        };

    /// <summary>
    /// 收益 of a user's wallet at <paramref name="now"/>: the total and what of it is still 待结算 (and until when). Inside a
    /// business transaction that locked the wallet (<see cref="LockWalletAsync"/>) the answer holds until the commit.
    /// </summary>
    public static async Task<EarningsState> EarningsOfAsync(this KaMengDbContext db, string userId, DateTimeOffset now, CancellationToken ct = default)
    {
        var wallet = await db.Wallets.AsNoTracking().Where(w => w.UserId == userId).Select(w => new { w.Id, w.Earnings }).SingleOrDefaultAsync(ct);
        if (wallet is null) return new(Money.Zero, Money.Zero, null);
        // A handful of entries are on hold at any time: summed here (Money does not translate in a SUM).
        var pending = await db.LedgerEntries.AsNoTracking()
            .Where(e => e.WalletId == wallet.Id && e.Bucket == WalletBucket.Earnings && e.AvailableAt > now)
            .Select(e => new { e.Amount, e.AvailableAt }).ToListAsync(ct);
        var pendingFen = pending.Sum(e => e.Amount.Fen);
        return new(wallet.Earnings, Money.FromFen(Math.Max(0, pendingFen)), pendingFen > 0 ? pending.Max(e => e.AvailableAt) : null);
    }

    /// <summary>Until when an earning booked now to each of these stations stays 待结算: its level's hold, else the platform's.</summary>
    public static async Task<Dictionary<int, DateTimeOffset?>> EarningHoldsAsync(this KaMengDbContext db, IReadOnlyCollection<int> stationIds,
        DateTimeOffset now, CancellationToken ct = default)
    {
        var platform = await db.PlatformSettings.AsNoTracking().Select(p => p.EarningHoldDays).SingleAsync(ct);
        var levels = await db.Stations.IgnoreQueryFilters().AsNoTracking().Where(s => stationIds.Contains(s.Id))
            .Select(s => new { s.Id, Days = s.Level == null ? null : s.Level.EarningHoldDays }).ToListAsync(ct);
        return levels.ToDictionary(s => s.Id, s => EarningsState.HoldUntil(now, platform, s.Days));
    }

    /// <summary>Takes the wallet's row lock for the rest of the transaction (PostgreSQL; SQLite's business transaction already
    /// holds the single writer lock), so a check of its buckets and the posting that follows cannot be split by another writer.</summary>
    public static async Task LockWalletAsync(this KaMengDbContext db, string userId, CancellationToken ct = default)
    {
        await db.EnsureWalletAsync(userId, ct);
        await db.LockRowAsync("Wallets", "UserId", userId, ct);
    }

    readonly record struct WalletRef(int? Id, string? UserId);

    /// <summary>The SQLite posting statements, indexed by bucket (×4), by wallet id rather than user (×2), no floor (×1).</summary>
    static readonly string[] SqlitePostings =
        [.. from bucket in new[] { "Balance", "Earnings" }
            from byId in new[] { false, true }
            from noFloor in new[] { false, true }
            select SqliteSql.PostToWallet(bucket, byId, noFloor)];

    static async Task<LedgerEntry?> PostAsync(KaMengDbContext db, WalletRef wallet, LedgerEntry entry, bool allowNegative, CancellationToken ct)
    {
        // Pending changes of the caller are saved before the entry, as they always were.
        if (db.ChangeTracker.HasChanges()) await db.SaveChangesAsync(ct);
        var fen = entry.Amount.Fen;
        // Only a debit can be refused: a credit to a wallet that is below zero (an owner's earnings taken back on a refund)
        // must still land, or a recharge or an earning would be lost.
        var noFloor = allowNegative || fen >= 0;
        object walletKey = wallet.Id is int id ? id : wallet.UserId!;
        if (db.Provider == DatabaseProvider.Sqlite)
        {
            // The check and the change in one statement, so no other writer can come between them; RETURNING hands back the
            // wallet and its new balance in the same step. Prepared: this runs in every purchase, inside the SQLite writer.
            var sql = SqlitePostings[(entry.Bucket == WalletBucket.Earnings ? 4 : 0) + (wallet.Id is not null ? 2 : 0) + (noFloor ? 1 : 0)];
            var updated = SqlitePrepared.Run(db, sql, [fen, walletKey], command =>
            {
                using var reader = command.ExecuteReader();
                return reader.Read() ? (Id: reader.GetInt32(0), Balance: reader.GetInt64(1)) : ((int Id, long Balance)?)null;
            });
            if (updated is not { } row) return null;
            entry.WalletId = row.Id;
            entry.BalanceAfter = Money.FromFen(row.Balance);
            await db.InsertAsync(entry, ct);
            return entry;
        }
        // PostgreSQL and SQL Server: the debit and its ledger entry in one command (one round trip); no row when refused.
        var posted = await LedgerInsert.RunAsync(db, wallet.Id is not null, noFloor, entry.Bucket, fen, walletKey, entry, ct);
        return posted ? entry : null;
    }
}

/// <summary>
/// PostgreSQL and SQL Server: a balance change and its ledger entry as one command, so a purchase pays one round trip for
/// both (<see cref="PostgresSql.PostToLedger"/>, <see cref="SqlServerSql.PostToLedger"/>). The INSERT is built from the EF
/// model (every mapped column, values through the model's converters), so a column added to <see cref="LedgerEntry"/> is
/// written without touching this code. The wallet's id and new balance come from the UPDATE; when it updates nothing (too
/// little balance, no such wallet) nothing is inserted.
/// </summary>
public static class LedgerInsert
{
    sealed record Plan(string Sql, IProperty[] Parameters);

    static readonly ConcurrentDictionary<(IModel, DatabaseProvider, bool ById, bool NoFloor, WalletBucket Bucket), Plan> Plans = new();

    internal static async Task<bool> RunAsync(KaMengDbContext db, bool byId, bool noFloor, WalletBucket bucket, long fen, object walletKey, LedgerEntry entry, CancellationToken ct)
    {
        var plan = Plans.GetOrAdd((db.Model, db.Provider, byId, noFloor, bucket), k => Build(k.Item1, k.Item2, k.ById, k.NoFloor, k.Bucket));
        var values = new object?[2 + plan.Parameters.Length];
        values[0] = fen;
        values[1] = walletKey;
        for (var i = 0; i < plan.Parameters.Length; i++)
            values[2 + i] = RawCommands.ColumnValue(plan.Parameters[i], entry);
        return await RawCommands.RunAsync(db, plan.Sql, values, async command =>
        {
            await using var reader = await command.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct)) return false;
            entry.Id = reader.GetInt64(0);
            entry.WalletId = reader.GetInt32(1);
            entry.BalanceAfter = Money.FromFen(reader.GetInt64(2));
            return true;
        }, ct);
    }

    /// <summary>The command for the provider (for the T-SQL parse test and readers).</summary>
    public static string Sql(IModel model, DatabaseProvider provider, bool byId, bool noFloor, WalletBucket bucket) => Build(model, provider, byId, noFloor, bucket).Sql;

    static Plan Build(IModel model, DatabaseProvider provider, bool byId, bool noFloor, WalletBucket bucket)
    {
        var column = bucket == WalletBucket.Earnings ? "Earnings" : "Balance";
        var type = model.FindEntityType(typeof(LedgerEntry))!;
        var key = type.FindPrimaryKey()!.Properties.Single();
        var columns = type.GetProperties().Where(p => p != key).ToArray();
        if (columns.Any(p => p.IsShadowProperty() || p.ValueGenerated != ValueGenerated.Never))
            throw new NotSupportedException("LedgerEntry has columns the ledger's INSERT cannot write; extend LedgerInsert.");
        var walletId = type.FindProperty(nameof(LedgerEntry.WalletId))!;
        var balanceAfter = type.FindProperty(nameof(LedgerEntry.BalanceAfter))!;
        var parameters = columns.Where(p => p != walletId && p != balanceAfter).ToArray();
        // @p0 the amount, @p1 the wallet's id or user id, then one parameter per remaining column, cast to its column type
        // (a parameter in a SELECT list has no type of its own).
        var values = columns.Select(p => p == walletId ? "d.\"Id\"" : p == balanceAfter ? "d.\"After\""
            : $"CAST(@p{2 + Array.IndexOf(parameters, p)} AS {p.GetColumnType()})");
        var wallets = model.FindEntityType(typeof(Wallet))!.GetTableName()!;
        var names = columns.Select(p => p.GetColumnName()).ToArray();
        string[] returning = [key.GetColumnName(), walletId.GetColumnName(), balanceAfter.GetColumnName()];
        var sql = provider switch
        {
            DatabaseProvider.Postgres => PostgresSql.PostToLedger(wallets, column, byId, noFloor, type.GetTableName()!, names, values, returning),
            DatabaseProvider.SqlServer => SqlServerSql.PostToLedger(wallets, column, byId, noFloor, type.GetTableName()!, names, values, returning),
            var other => throw ProviderSql.Unsupported(other),
        };
        return new Plan(sql, parameters);
    }
}
