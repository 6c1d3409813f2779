using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Orders;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace KaMeng.Web.Features.Dashboard;

/// <summary>
/// Keeps the dashboard rollups equal to what the orders say, without ever touching the checkout transaction:
/// <list type="bullet">
/// <item><see cref="ApplyAsync"/> rolls up orders right after their commit (the worker calls it from order events). Per order,
/// <see cref="OrderRollupState"/> remembers which status is rolled up, so applying twice changes nothing and a later status
/// replaces the earlier contribution.</item>
/// <item><see cref="SweepAsync"/> finds every order whose status differs from its rolled-up one (a crash between commit and
/// rollup, a lost event) and applies it.</item>
/// <item><see cref="RebuildAsync"/> empties the rollups and recomputes them from all orders (the platform admin's 从订单重建统计 button
/// on /admin; the dashboard benchmark builds its history the same way).</item>
/// </list>
/// All three run one at a time in this process (a rebuild must not interleave with an apply).
/// </summary>
public sealed class DashboardRollup(IDbContextFactory<KaMengDbContext> dbFactory, ILogger<DashboardRollup> log)
{
    readonly SemaphoreSlim gate = new(1, 1);

    internal sealed record OrderRow(long Id, int StationId, int ProductId, string? BuyerUserId, OrderStatus Status, PaymentMethod PaymentMethod,
        Money Total, Money UnitPrice, int Quantity, string? PriceChainJson, DateTimeOffset CreatedAt, DateTimeOffset? PaidAt, DateTimeOffset? ClosedAt);

    internal static IQueryable<OrderRow> Rows(IQueryable<Order> orders) => orders.AsNoTracking().Select(o => new OrderRow(o.Id, o.StationId, o.ProductId, o.BuyerUserId,
        o.Status, o.PaymentMethod, o.Total, o.UnitPrice, o.Quantity, o.PriceChainJson, o.CreatedAt, o.PaidAt, o.ClosedAt));

    internal static OrderFacts Facts(OrderRow o)
    {
        var steps = PriceResolver.ReadSnapshot(o.PriceChainJson);
        var (station, platform) = OrderMargins.Of([.. steps.Select(s => s.CostFen)], o.UnitPrice.Fen, o.Quantity, [.. steps.Select(s => s.FundsFen)]);
        return new OrderFacts(o.Id, o.StationId, o.ProductId, o.BuyerUserId, o.Status, o.PaymentMethod, o.Total.Fen, o.Quantity, station, platform,
            o.CreatedAt, o.PaidAt, o.ClosedAt);
    }

    /// <summary>Rolls up the current status of these orders. Returns the orders that changed the rollups (with their status).</summary>
    public async Task<IReadOnlyList<OrderFacts>> ApplyAsync(IReadOnlyCollection<long> orderIds, CancellationToken ct = default)
    {
        if (orderIds.Count == 0) return [];
        await gate.WaitAsync(ct);
        try
        {
            try { return await ApplyBatchAsync(orderIds, ct); }
            catch (DbUpdateException) when (orderIds.Count > 1)
            {
                // Another applier (a second server) won one of them: apply one by one, each retrying on its own.
                var applied = new List<OrderFacts>();
                foreach (var id in orderIds) applied.AddRange(await ApplyOneWithRetryAsync(id, ct));
                return applied;
            }
        }
        finally { gate.Release(); }
    }

    async Task<IReadOnlyList<OrderFacts>> ApplyOneWithRetryAsync(long id, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            try { return await ApplyBatchAsync([id], ct); }
            catch (DbUpdateException) when (attempt < 3) { }
        }
    }

    async Task<IReadOnlyList<OrderFacts>> ApplyBatchAsync(IReadOnlyCollection<long> orderIds, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct); // unscoped: the rollups cover every station
        await db.Database.OpenConnectionAsync(ct);
        await using var tx = await db.BeginBusinessTransactionAsync(ct);
        var ids = orderIds.Distinct().ToList();
        var orders = await Rows(db.Orders.Where(o => ids.Contains(o.Id))).ToListAsync(ct);
        var states = await db.OrderRollupStates.Where(s => ids.Contains(s.OrderId)).ToDictionaryAsync(s => s.OrderId, ct);
        var delta = new RollupDelta();
        var applied = new List<OrderFacts>();
        foreach (var order in orders)
        {
            var state = states.GetValueOrDefault(order.Id);
            if (state?.Status == order.Status) continue;
            var facts = Facts(order);
            delta.Add(facts, state?.Status);
            applied.Add(facts);
            if (state is null) db.OrderRollupStates.Add(new OrderRollupState { OrderId = order.Id, StationId = order.StationId, Status = order.Status });
            else state.Status = order.Status;
        }
        if (applied.Count == 0) return [];
        await WriteCountersAsync(db, delta, ct);
        await ApplyBuyersAsync(db, delta, ct);
        await db.SaveChangesAsync(ct); // states (a concurrency token) and buyer histories: a lost race throws and rolls back
        await tx.CommitAsync(ct);
        return applied;
    }

    /// <summary>Applies every order whose status is not the rolled-up one (the 统计核对 job). Reads the orders in id ranges so
    /// that each query stays short on a large history. Returns how many orders it repaired.</summary>
    public Task<int> SweepAsync(CancellationToken ct = default) => SweepFromAsync(0, ct);

    /// <summary>Applies the orders committed after the last rolled-up one: what a crash between commit and rollup most
    /// likely left behind, found by an index range instead of a pass over every order (the worker runs it at start).</summary>
    public async Task<int> CatchUpAsync(CancellationToken ct = default)
    {
        long last;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
            last = await db.OrderRollupStates.MaxAsync(s => (long?)s.OrderId, ct) ?? 0;
        return await SweepFromAsync(last, ct);
    }

    async Task<int> SweepFromAsync(long afterId, CancellationToken ct)
    {
        var repaired = 0;
        long maxId;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
            maxId = await db.Orders.MaxAsync(o => (long?)o.Id, ct) ?? 0;
        const int Range = 50_000;
        for (var start = afterId; start < maxId; start += Range)
        {
            List<long> stale;
            await using (var db = await dbFactory.CreateDbContextAsync(ct))
            {
                var end = start + Range;
                stale = await (from o in db.Orders.AsNoTracking()
                               where o.Id > start && o.Id <= end
                               join s in db.OrderRollupStates.AsNoTracking() on o.Id equals s.OrderId into rolled
                               from s in rolled.DefaultIfEmpty()
                               where s == null || s.Status != o.Status
                               select o.Id).ToListAsync(ct);
            }
            foreach (var chunk in stale.Chunk(500))
                repaired += (await ApplyAsync(chunk, ct)).Count;
        }
        if (repaired > 0) log.LogInformation("Dashboard sweep rolled up {Count} missed order changes", repaired);
        return repaired;
    }

    /// <summary>Throws the rollups away and recomputes them from the orders, set-based (see <see cref="RollupRebuild"/>).
    /// Orders that change meanwhile wait for the gate and are then applied against the rebuilt state.</summary>
    public async Task<int> RebuildAsync(CancellationToken ct = default)
    {
        await gate.WaitAsync(ct);
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var total = await RollupRebuild.RunAsync(db, ct);
            log.LogInformation("Dashboard rollups rebuilt from {Count} orders", total);
            return total;
        }
        finally { gate.Release(); }
    }

    static async Task ApplyBuyersAsync(KaMengDbContext db, RollupDelta delta, CancellationToken ct)
    {
        var touched = new Dictionary<(int, string), BuyerStat>();
        async Task<BuyerStat?> LoadAsync(int station, string buyer, bool create)
        {
            if (touched.TryGetValue((station, buyer), out var known)) return known;
            // Read and locked until commit in one statement, so two servers cannot lose each other's update.
            var row = await db.LockedRows<BuyerStat>("BuyerStats", ["StationId", "BuyerUserId"], [station, buyer]).SingleOrDefaultAsync(ct);
            if (row is null && create) db.BuyerStats.Add(row = new BuyerStat { StationId = station, BuyerUserId = buyer });
            if (row is not null) touched[(station, buyer)] = row;
            return row;
        }
        foreach (var (station, buyer, paidAt, fen) in delta.BuyerPayments)
            (await LoadAsync(station, buyer, true))!.AddPayment(paidAt, fen);
        foreach (var (station, buyer, fen) in delta.BuyerRefunds)
            if (await LoadAsync(station, buyer, false) is { } row) row.SpendFen -= fen;
    }

    static readonly string[] HourKey = ["StationId", "Hour"];
    static readonly string[] DayKey = ["StationId", "Day"];
    static readonly string[] ProductKey = ["StationId", "Day", "ProductId"];
    static readonly string[] ProductSums = ["Paid", "Quantity", "GmvFen"];
    static readonly string[] BuyerDayKey = ["StationId", "Day", "BuyerUserId"];
    static readonly string[] BuyerDaySums = ["Paid"];

    /// <summary>The upserts' targets: table, key columns, summed columns (for the T-SQL parse test and readers).</summary>
    public static IEnumerable<(string Table, string[] Keys, string[] Sums)> UpsertTargets =>
    [
        ("StationHourStats", HourKey, StatRow.CounterColumns), ("StationDayStats", DayKey, StatRow.CounterColumns),
        ("ProductDayStats", ProductKey, ProductSums), ("BuyerDayStats", BuyerDayKey, BuyerDaySums),
    ];

    /// <summary>Adds the counter deltas with multi-row upserts (the same SQL on SQLite and PostgreSQL), so concurrent
    /// appliers add up instead of overwriting each other.</summary>
    static async Task WriteCountersAsync(KaMengDbContext db, RollupDelta delta, CancellationToken ct)
    {
        await UpsertAsync(db, "StationHourStats", HourKey, StatRow.CounterColumns,
            delta.Hours.Where(x => !x.Value.IsZero).Select(x => (object[])[x.Key.Station, x.Key.Hour, .. StatRow.ValuesOf(x.Value).Cast<object>()]), ct);
        await UpsertAsync(db, "StationDayStats", DayKey, StatRow.CounterColumns,
            delta.Days.Where(x => !x.Value.IsZero).Select(x => (object[])[x.Key.Station, x.Key.Day, .. StatRow.ValuesOf(x.Value).Cast<object>()]), ct);
        await UpsertAsync(db, "ProductDayStats", ProductKey, ProductSums,
            delta.Products.Select(x => new object[] { x.Key.Station, x.Key.Day, x.Key.Product, x.Value.Paid, x.Value.Quantity, x.Value.GmvFen }), ct);
        await UpsertAsync(db, "BuyerDayStats", BuyerDayKey, BuyerDaySums,
            delta.BuyerDays.Select(x => new object[] { x.Key.Station, x.Key.Day, x.Key.Buyer, x.Value }), ct);
    }

    /// <summary>Multi-row upserts adding the sums (ON CONFLICT on SQLite and PostgreSQL, MERGE … HOLDLOCK on SQL Server).
    /// Each statement carries at most ~2,000 parameters (SQL Server's limit is 2,100).</summary>
    static async Task UpsertAsync(KaMengDbContext db, string table, string[] keys, string[] sums, IEnumerable<object[]> rows, CancellationToken ct)
    {
        var width = keys.Length + sums.Length;
        foreach (var chunk in rows.Chunk(Math.Max(1, 2000 / width)))
        {
            await using var cmd = db.Database.GetDbConnection().CreateCommand();
            cmd.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
            var n = 0;
            foreach (var row in chunk)
                foreach (var value in row)
                {
                    var p = cmd.CreateParameter();
                    p.ParameterName = "@p" + n++;
                    p.Value = value;
                    cmd.Parameters.Add(p);
                }
            cmd.CommandText = db.Provider switch
            {
                DatabaseProvider.Sqlite => SqliteSql.Upsert(table, keys, sums, chunk.Length),
                DatabaseProvider.Postgres => PostgresSql.Upsert(table, keys, sums, chunk.Length),
                DatabaseProvider.SqlServer => SqlServerSql.Upsert(table, keys, sums, chunk.Length),
                var other => throw ProviderSql.Unsupported(other),
            };
            await cmd.ExecuteNonQueryAsync(ct);
        }
    }
}
