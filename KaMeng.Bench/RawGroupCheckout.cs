using System.Text.Json;
using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Orders;
using Microsoft.Data.Sqlite;

namespace KaMeng.Bench;

/// <summary>
/// The fair raw baseline for SQLite since the service group-commits: the same purchase as plain ADO.NET, no EF Core,
/// with the same writer structure (queued purchases run one after another on one connection, each in its own savepoint,
/// one COMMIT per batch, results after it, checkpoints beside it) and every statement prepared once: INSERT order (final
/// state), conditional debit, ledger entry, the claim of CardKeyClaim.
/// </summary>
public sealed class RawGroupCheckout(BenchDatabase database, Product product) : IRawCheckout
{
    const int MaxBatch = 64;
    readonly object sync = new();
    readonly Queue<(Buyer Buyer, TaskCompletionSource<RawOutcome> Done)> queue = new();
    bool running;
    Task? writer;

    public Task<RawOutcome> PlaceAsync(Buyer buyer)
    {
        var done = new TaskCompletionSource<RawOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        bool start;
        lock (sync)
        {
            queue.Enqueue((buyer, done));
            start = !running;
            running = true;
        }
        if (start) writer = Task.Run(WriteAsync);
        return done.Task;
    }

    async Task WriteAsync()
    {
        await using var conn = new SqliteConnection(database.ConnectionString);
        await conn.OpenAsync();
        using (var pragmas = conn.CreateCommand())
        {
            // As the service's writer (decision record 0015): no checkpoint inside the writer's COMMIT.
            pragmas.CommandText = DataServiceCollectionExtensions.SqliteConnectionPragmas + " PRAGMA wal_autocheckpoint = 0;";
            pragmas.ExecuteNonQuery();
        }
        var chain = JsonSerializer.Serialize(new[] { new { stationId = Station.MainStationId, price = product.BasePrice.Fen, cost = product.CostPrice.Fen } });
        var total = product.BasePrice.Fen;
        SqliteCommand Prepare(string sql, params string[] names)
        {
            var cmd = conn.CreateCommand();
            cmd.CommandText = sql;
            foreach (var n in names) cmd.Parameters.Add(new SqliteParameter(n, null));
            return cmd;
        }
        using var savepoint = Prepare("SAVEPOINT body");
        using var release = Prepare("RELEASE body");
        using var rollbackTo = Prepare("ROLLBACK TO body");
        using var insertOrder = Prepare("""
            INSERT INTO "Orders" ("Number", "StationId", "BuyerUserId", "ProductId", "ProductName", "DeliveryType", "Quantity",
                "UnitPrice", "Total", "PriceChainJson", "PaymentMethod", "Status", "IdempotencyKey", "CreatedAt", "ExpiresAt", "PaidAt", "DeliveredAt", "OwnerCollected", "AwaitingDeposit", "CouponDiscount")
            VALUES ($number, $station, $buyer, $product, $name, 0, 1, $price, $price, $chain, 0, 3, $idem, $now, $expires, $now, $now, 0, 0, 0)
            RETURNING "Id"
            """, "$number", "$station", "$buyer", "$product", "$name", "$price", "$chain", "$idem", "$now", "$expires");
        using var debit = Prepare("""UPDATE "Wallets" SET "Balance" = "Balance" + $amount WHERE "Id" = $wallet AND "Balance" + $amount >= 0 RETURNING "Balance" """, "$amount", "$wallet");
        using var ledger = Prepare("""
            INSERT INTO "LedgerEntries" ("WalletId", "Type", "Amount", "BalanceAfter", "OrderId", "StationId", "Reason", "CreatedAt", "Bucket")
            VALUES ($wallet, 1, $amount, $balance, $order, $station, $reason, $now, 0)
            """, "$wallet", "$amount", "$balance", "$order", "$station", "$reason", "$now");
        using var claim = Prepare("""
            UPDATE "CardKeys" SET "Status" = 1, "OrderId" = $order, "SoldAt" = $now
            WHERE "Id" IN (SELECT "Id" FROM "CardKeys" WHERE "ProductId" = $product AND "Status" = 0 ORDER BY "Id" LIMIT $qty) AND "Status" = 0
            """, "$order", "$now", "$product", "$qty");
        SqliteCommand[] all = [savepoint, release, rollbackTo, insertOrder, debit, ledger, claim];
        // The service's checkpoint beside the writer: PASSIVE, on another connection, every 32 batches and at the end; and
        // its catch-up in the writer once the WAL passes the limit, so the WAL starts over as the service's does.
        var batches = 0;
        var checkpoint = Task.CompletedTask;
        var walOverLimit = false;
        using var catchUp = Prepare("PRAGMA wal_checkpoint(PASSIVE)");
        void Checkpoint()
        {
            if (!checkpoint.IsCompleted) return;
            batches = 0;
            checkpoint = Task.Run(() =>
            {
                if (SqliteGroupCommit.CheckpointBeside(database.ConnectionString)) Volatile.Write(ref walOverLimit, true);
            });
        }

        while (true)
        {
            List<(Buyer Buyer, TaskCompletionSource<RawOutcome> Done)> batch = [];
            lock (sync)
            {
                if (queue.Count == 0)
                {
                    running = false;
                    using var reset = Prepare("PRAGMA wal_autocheckpoint = 1000");
                    reset.ExecuteNonQuery();
                    Checkpoint();
                    return;
                }
                while (batch.Count < MaxBatch && queue.TryDequeue(out var next)) batch.Add(next);
            }
            var outcomes = new RawOutcome[batch.Count];
            try
            {
                using var tx = conn.BeginTransaction();
                foreach (var c in all) c.Transaction = tx;
                for (var i = 0; i < batch.Count; i++)
                {
                    var buyer = batch[i].Buyer;
                    var now = BenchDatabase.SqliteTicks(DateTimeOffset.UtcNow);
                    var key = CheckoutRequest.NewIdempotencyKey();
                    savepoint.ExecuteNonQuery();
                    // Idempotency as in the service: the unique index on the key (no lookup per purchase).
                    var p = insertOrder.Parameters;
                    p[0].Value = OrderNumber.New(DateTimeOffset.UtcNow); p[1].Value = Station.MainStationId; p[2].Value = buyer.UserId; p[3].Value = product.Id;
                    p[4].Value = product.Name; p[5].Value = total; p[6].Value = chain; p[7].Value = key; p[8].Value = now;
                    p[9].Value = BenchDatabase.SqliteTicks(DateTimeOffset.UtcNow.AddMinutes(15));
                    var orderId = (long)insertOrder.ExecuteScalar()!;
                    debit.Parameters[0].Value = -total; debit.Parameters[1].Value = buyer.WalletId;
                    var balance = debit.ExecuteScalar();
                    if (balance is null) { outcomes[i] = RawOutcome.NoBalance; rollbackTo.ExecuteNonQuery(); release.ExecuteNonQuery(); continue; }
                    var l = ledger.Parameters;
                    l[0].Value = buyer.WalletId; l[1].Value = -total; l[2].Value = balance; l[3].Value = orderId; l[4].Value = Station.MainStationId;
                    l[5].Value = $"购买 {product.Name} ×1"; l[6].Value = now;
                    ledger.ExecuteNonQuery();
                    claim.Parameters[0].Value = orderId; claim.Parameters[1].Value = now; claim.Parameters[2].Value = product.Id; claim.Parameters[3].Value = 1;
                    if (claim.ExecuteNonQuery() != 1) { outcomes[i] = RawOutcome.OutOfStock; rollbackTo.ExecuteNonQuery(); release.ExecuteNonQuery(); continue; }
                    release.ExecuteNonQuery();
                    outcomes[i] = RawOutcome.Delivered;
                }
                tx.Commit();
                if (Volatile.Read(ref walOverLimit))
                {
                    walOverLimit = false;
                    catchUp.Transaction = null;
                    catchUp.ExecuteNonQuery();
                }
                if (++batches >= 32) Checkpoint();
            }
            catch (Exception e)
            {
                foreach (var (_, done) in batch) done.TrySetException(e);
                continue;
            }
            for (var i = 0; i < batch.Count; i++) batch[i].Done.TrySetResult(outcomes[i]);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (writer is not null) await writer;
    }
}
