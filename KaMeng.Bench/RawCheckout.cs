using System.Data.Common;
using System.Runtime.CompilerServices;
using System.Text.Json;
using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Orders;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace KaMeng.Bench;

public enum RawOutcome { Delivered, OutOfStock, NoBalance }

/// <summary>A hand-written baseline purchase of one key (<see cref="RawCheckout"/>, <see cref="RawGroupCheckout"/>).</summary>
public interface IRawCheckout : IAsyncDisposable
{
    Task<RawOutcome> PlaceAsync(Buyer buyer);
}

/// <summary>
/// The balance purchase of one card key written by hand with ADO.NET, no EF Core: the baseline the service is compared to.
/// Per order: begin, insert the order, conditional wallet debit, ledger entry, claim one key with the same SQL as
/// <c>CardKeyClaim</c> (SKIP LOCKED on PostgreSQL), mark the order delivered, commit. SQLite writers queue on an
/// in-process gate like BusinessTransaction does; each order opens a pooled connection like a request would.
/// </summary>
public sealed class RawCheckout(BenchDatabase database, Product product) : IRawCheckout
{
    readonly bool sqlite = database.Provider == DatabaseProvider.Sqlite;
    readonly SemaphoreSlim gate = new(1, 1);
    readonly NpgsqlDataSource? pg = database.Provider == DatabaseProvider.Postgres ? NpgsqlDataSource.Create(database.ConnectionString) : null;
    static readonly ConditionalWeakTable<object, object> PreparedHandles = new();

    public async Task<RawOutcome> PlaceAsync(Buyer buyer)
    {
        var now = DateTimeOffset.UtcNow;
        var number = OrderNumber.New(now);
        var chain = JsonSerializer.Serialize(new[] { new { stationId = Station.MainStationId, price = product.BasePrice.Fen, cost = product.CostPrice.Fen } });
        var total = product.BasePrice.Fen;
        object ts(DateTimeOffset t) => sqlite ? BenchDatabase.SqliteTicks(t) : t;

        await using DbConnection conn = sqlite ? new SqliteConnection(database.ConnectionString) : pg!.CreateConnection();
        await conn.OpenAsync();
        if (sqlite) ApplySqlitePragmasOnce((SqliteConnection)conn);
        if (sqlite) await gate.WaitAsync();
        try
        {
            await using var tx = await conn.BeginTransactionAsync();

            long orderId;
            await using (var cmd = Command(conn, tx, """
                INSERT INTO "Orders" ("Number", "StationId", "BuyerUserId", "ProductId", "ProductName", "DeliveryType", "Quantity",
                    "UnitPrice", "Total", "PriceChainJson", "PaymentMethod", "Status", "IdempotencyKey", "CreatedAt", "ExpiresAt", "OwnerCollected", "AwaitingDeposit", "CouponDiscount")
                VALUES (@number, @station, @buyer, @product, @name, 0, 1, @price, @price, @chain, 0, 0, @idem, @now, @expires, FALSE, FALSE, 0)
                RETURNING "Id"
                """,
                ("number", number), ("station", Station.MainStationId), ("buyer", buyer.UserId), ("product", product.Id), ("name", product.Name),
                ("price", total), ("chain", chain), ("idem", CheckoutRequest.NewIdempotencyKey()), ("now", ts(now)), ("expires", ts(now.AddMinutes(15)))))
                orderId = (long)(await cmd.ExecuteScalarAsync())!;

            // The conditional debit: check and change in one statement.
            object? balance;
            await using (var cmd = Command(conn, tx, """
                UPDATE "Wallets" SET "Balance" = "Balance" + @amount WHERE "Id" = @wallet AND "Balance" + @amount >= 0 RETURNING "Balance"
                """, ("amount", -total), ("wallet", buyer.WalletId)))
                balance = await cmd.ExecuteScalarAsync();
            if (balance is null)
            {
                await tx.RollbackAsync();
                return RawOutcome.NoBalance;
            }

            await using (var cmd = Command(conn, tx, """
                INSERT INTO "LedgerEntries" ("WalletId", "Type", "Amount", "BalanceAfter", "OrderId", "StationId", "Reason", "CreatedAt", "Bucket")
                VALUES (@wallet, 1, @amount, @balance, @order, @station, @reason, @now, 0)
                """, ("wallet", buyer.WalletId), ("amount", -total), ("balance", balance), ("order", orderId), ("station", Station.MainStationId),
                ("reason", $"购买 {product.Name} ×1"), ("now", ts(now))))
                await cmd.ExecuteNonQueryAsync();

            // The claim, exactly the SQL of CardKeyClaim per provider (on PostgreSQL from the product's floor, as there);
            // the count taken decides.
            int taken;
            if (sqlite)
            {
                await using var cmd = Command(conn, tx, """
                    UPDATE "CardKeys" SET "Status" = 1, "OrderId" = @order, "SoldAt" = @now
                    WHERE "Id" IN (SELECT "Id" FROM "CardKeys" WHERE "ProductId" = @product AND "Status" = 0 ORDER BY "Id" LIMIT @qty) AND "Status" = 0
                    """, ("order", orderId), ("now", ts(now)), ("product", product.Id), ("qty", 1));
                taken = await cmd.ExecuteNonQueryAsync();
            }
            else
            {
                taken = await ClaimFloor.ClaimAsync(database.ConnectionString, product.Id, 1, async (fromId, count) =>
                {
                    await using var cmd = Command(conn, tx, PostgresSql.ClaimKeys, ("p0", product.Id), ("p1", 0), ("p2", count), ("p3", 1),
                        ("p4", orderId), ("p5", ts(now)), ("p6", fromId));
                    await using var reader = await cmd.ExecuteReaderAsync();
                    await reader.ReadAsync();
                    return (reader.GetInt32(0), reader.GetInt64(1));
                });
            }
            if (taken != 1)
            {
                await tx.RollbackAsync();
                return RawOutcome.OutOfStock;
            }

            await using (var cmd = Command(conn, tx, """
                UPDATE "Orders" SET "Status" = 3, "PaymentMethod" = 0, "PaidAt" = @now, "DeliveredAt" = @now WHERE "Id" = @order AND "Status" = 0
                """, ("now", ts(now)), ("order", orderId)))
                if (await cmd.ExecuteNonQueryAsync() != 1) throw new InvalidOperationException("order changed under us");

            await tx.CommitAsync();
            return RawOutcome.Delivered;
        }
        finally
        {
            if (sqlite) gate.Release();
        }
    }

    static DbCommand Command(DbConnection conn, DbTransaction tx, string sql, params (string Name, object Value)[] parameters)
    {
        var cmd = conn.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var p = cmd.CreateParameter();
            p.ParameterName = name;
            p.Value = value;
            cmd.Parameters.Add(p);
        }
        return cmd;
    }

    /// <summary>The same per-connection settings as the app (<see cref="DataServiceCollectionExtensions.SqliteConnectionPragmas"/>),
    /// applied once per physical connection: they survive in the pool.</summary>
    static void ApplySqlitePragmasOnce(SqliteConnection conn)
    {
        var handle = conn.Handle!;
        if (PreparedHandles.TryGetValue(handle, out _)) return;
        using var cmd = conn.CreateCommand();
        cmd.CommandText = DataServiceCollectionExtensions.SqliteConnectionPragmas;
        cmd.ExecuteNonQuery();
        PreparedHandles.AddOrUpdate(handle, handle);
    }

    public async ValueTask DisposeAsync()
    {
        if (pg is not null) await pg.DisposeAsync();
    }
}
