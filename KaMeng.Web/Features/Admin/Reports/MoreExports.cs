using KaMeng.Data;
using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Admin.Reports;

/// <summary>
/// The other finance exports: 提现, 分站收益, 卡密库存汇总, 买家. Each is a query of exactly what its filter selects (the
/// page counts the same query) and a writer on the shared streaming <see cref="ExcelWriter"/>, with a 汇总 sheet of totals.
/// </summary>
public static class MoreExports
{
    public sealed record Kind(string Key, string Name, string StatusLabel, (string Text, string Value)[] Statuses);

    public static readonly Kind Withdrawals = new("withdrawals", "提现", "提现状态",
        Enum.GetValues<WithdrawalStatus>().Select(s => (WithdrawalName(s), s.ToString())).ToArray());
    public static readonly Kind Earnings = new("earnings", "分站收益", "", []);
    public static readonly Kind Inventory = new("inventory", "卡密库存", "", []);
    public static readonly Kind Buyers = new("buyers", "买家", "", []);
    public static readonly Kind[] All = [Withdrawals, Earnings, Inventory, Buyers];

    public static Kind? Find(string key) => All.FirstOrDefault(k => k.Key == key);

    public static string WithdrawalName(WithdrawalStatus s) => s switch
    {
        WithdrawalStatus.Pending => "待审核", WithdrawalStatus.Approved => "已打款", WithdrawalStatus.Rejected => "已驳回", _ => s.ToString(),
    };

    public sealed record WithdrawalRow
    {
        public long Id { get; init; }
        public DateTimeOffset CreatedAt { get; init; }
        public string? UserName { get; init; }
        public string? StationName { get; init; }
        public Money Amount { get; init; }
        public Money Fee { get; init; }
        public string PayoutAccount { get; init; } = default!;
        public WithdrawalStatus Status { get; init; }
        public string? Reference { get; init; }
        public string? RejectReason { get; init; }
        public DateTimeOffset? DecidedAt { get; init; }
    }

    public static IQueryable<WithdrawalRow> WithdrawalQuery(KaMengDbContext db, ReportFilter f)
    {
        var q = from w in db.Withdrawals.AsNoTracking()
                join u in db.Users on w.UserId equals u.Id into us
                from u in us.DefaultIfEmpty()
                join s in db.Stations on w.StationId equals (int?)s.Id into ss
                from s in ss.DefaultIfEmpty()
                select new WithdrawalRow { Id = w.Id, CreatedAt = w.CreatedAt, UserName = u != null ? u.UserName : null, StationName = s != null ? s.Name : null, Amount = w.Amount, Fee = w.Fee, PayoutAccount = w.PayoutAccount, Status = w.Status, Reference = w.PayoutReference, RejectReason = w.RejectReason, DecidedAt = w.DecidedAt };
        if (f.Start is { } start) q = q.Where(x => x.CreatedAt >= start);
        if (f.End is { } end) q = q.Where(x => x.CreatedAt < end);
        if (f.StatusAs<WithdrawalStatus>() is { } st) q = q.Where(x => x.Status == st);
        if (f.Search is { Length: > 0 } s1) q = q.Where(x => (x.UserName != null && x.UserName.Contains(s1)) || x.PayoutAccount.Contains(s1));
        return q.OrderBy(x => x.CreatedAt).ThenBy(x => x.Id);
    }

    public sealed record EarningRow
    {
        public long Id { get; init; }
        public DateTimeOffset CreatedAt { get; init; }
        public string? StationName { get; init; }
        public string? OwnerName { get; init; }
        public Money Amount { get; init; }
        public string? OrderNumber { get; init; }
        public string? Reason { get; init; }
    }

    /// <summary>分站收益: the Earning entries of the ledger, by station.</summary>
    public static IQueryable<EarningRow> EarningQuery(KaMengDbContext db, ReportFilter f)
    {
        var entries = db.LedgerEntries.AsNoTracking().Where(e => e.Type == LedgerEntryType.Earning);
        if (db.ScopeStationId is { } station) entries = entries.Where(e => e.StationId == station);
        var q = from e in entries
                join w in db.Wallets on e.WalletId equals w.Id
                join u in db.Users on w.UserId equals u.Id into us
                from u in us.DefaultIfEmpty()
                join s in db.Stations on e.StationId equals (int?)s.Id into ss
                from s in ss.DefaultIfEmpty()
                join o in db.Orders on e.OrderId equals (long?)o.Id into os
                from o in os.DefaultIfEmpty()
                select new EarningRow { Id = e.Id, CreatedAt = e.CreatedAt, StationName = s != null ? s.Name : null, OwnerName = u != null ? u.UserName : null, Amount = e.Amount, OrderNumber = o != null ? o.Number : null, Reason = e.Reason };
        if (f.Start is { } start) q = q.Where(x => x.CreatedAt >= start);
        if (f.End is { } end) q = q.Where(x => x.CreatedAt < end);
        if (f.Search is { Length: > 0 } s1) q = q.Where(x => (x.StationName != null && x.StationName.Contains(s1)) || (x.OrderNumber != null && x.OrderNumber.Contains(s1)));
        return q.OrderBy(x => x.CreatedAt).ThenBy(x => x.Id);
    }

    public sealed record InventoryRow
    {
        public int StationId { get; init; }
        public string? StationName { get; init; }
        public int ProductId { get; init; }
        public string ProductName { get; init; } = default!;
        public int Available { get; init; }
        public int Sold { get; init; }
        public int Void { get; init; }
        public int Threshold { get; init; }
        public bool ReusableKey { get; init; }
        /// <summary>The line the restock alert uses (<see cref="Product.LowStockLine"/>): 1 for a reusable key, so the report and the alert agree.</summary>
        public int LowStockBelow => Product.LowStockLine(DeliveryType.CardKey, ReusableKey, Threshold);
    }

    /// <summary>卡密库存汇总: per station and product, the keys by status (the date filter applies to when keys were imported).</summary>
    public static IQueryable<InventoryRow> InventoryQuery(KaMengDbContext db, ReportFilter f)
    {
        var keys = db.CardKeys.AsNoTracking();
        if (f.Start is { } start) keys = keys.Where(k => k.CreatedAt >= start);
        if (f.End is { } end) keys = keys.Where(k => k.CreatedAt < end);
        var q = from g in keys.GroupBy(k => new { k.StationId, k.ProductId })
                    .Select(g => new
                    {
                        g.Key.StationId, g.Key.ProductId,
                        Available = g.Count(k => k.Status == CardKeyStatus.Available),
                        Sold = g.Count(k => k.Status == CardKeyStatus.Sold),
                        Void = g.Count(k => k.Status == CardKeyStatus.Void),
                    })
                join p in db.Products on g.ProductId equals p.Id
                join s in db.Stations on g.StationId equals s.Id into ss
                from s in ss.DefaultIfEmpty()
                select new InventoryRow { StationId = g.StationId, StationName = s != null ? s.Name : null, ProductId = g.ProductId, ProductName = p.Name, Available = g.Available, Sold = g.Sold, Void = g.Void, Threshold = p.LowStockThreshold, ReusableKey = p.ReusableKey };
        if (f.Search is { Length: > 0 } s1) q = q.Where(x => x.ProductName.Contains(s1));
        return q.OrderBy(x => x.StationId).ThenBy(x => x.ProductId);
    }

    public sealed record BuyerRow
    {
        public string UserId { get; init; } = default!;
        public string? UserName { get; init; }
        public string? Email { get; init; }
        public string? StationName { get; init; }
        public DateTimeOffset RegisteredAt { get; init; }
        public Money Balance { get; init; }
    }

    /// <summary>买家: buyers who registered at the station(s) in scope, with balance and delivered-order spend (date filter: registration).</summary>
    public static IQueryable<BuyerRow> BuyerQuery(KaMengDbContext db, ReportFilter f)
    {
        var buyerRole = db.Roles.Where(r => r.Name == Roles.Buyer).Select(r => r.Id);
        // A buyer: registered as one, or anyone who has placed an order (staff buying for themselves included).
        var users = db.Users.AsNoTracking().Where(u => db.UserRoles.Any(ur => ur.UserId == u.Id && buyerRole.Contains(ur.RoleId)) || db.Orders.Any(o => o.BuyerUserId == u.Id));
        if (db.ScopeStationId is { } station) users = users.Where(u => u.StationId == station);
        if (f.Start is { } start) users = users.Where(u => u.CreatedAt >= start);
        if (f.End is { } end) users = users.Where(u => u.CreatedAt < end);
        if (f.Search is { Length: > 0 } s1) users = users.Where(u => (u.UserName != null && u.UserName.Contains(s1)) || (u.Email != null && u.Email.Contains(s1)));
        var q = from u in users
                join s in db.Stations on u.StationId equals s.Id into ss
                from s in ss.DefaultIfEmpty()
                join w in db.Wallets on u.Id equals w.UserId into ws
                from w in ws.DefaultIfEmpty()
                select new BuyerRow { UserId = u.Id, UserName = u.UserName, Email = u.Email, StationName = s != null ? s.Name : null, RegisteredAt = u.CreatedAt,
                    Balance = w != null ? w.Balance : Money.Zero };
        return q.OrderBy(x => x.RegisteredAt).ThenBy(x => x.UserId);
    }

    public static async Task<int> CountAsync(KaMengDbContext db, Kind kind, ReportFilter f, CancellationToken ct = default) => kind.Key switch
    {
        "withdrawals" => await WithdrawalQuery(db, f).CountAsync(ct),
        "earnings" => await EarningQuery(db, f).CountAsync(ct),
        "inventory" => (await InventoryQuery(db, f).ToListAsync(ct)).Count,
        _ => await BuyerQuery(db, f).CountAsync(ct),
    };

    public static async Task<ReportTotals> WriteAsync(KaMengDbContext db, Kind kind, ReportFilter f, Stream output, CancellationToken ct = default, IProgress<long>? progress = null)
    {
        long count = 0, fen = 0;
        // Rows so far, for a background export's progress bar.
        void Counted() { if (++count % 1000 == 0) progress?.Report(count); }
        await using var excel = await ExcelWriter.CreateAsync(output, ct);
        var summary = new List<(string Label, long Count, long Fen)>();
        switch (kind.Key)
        {
            case "withdrawals":
            {
                var by = new SortedDictionary<WithdrawalStatus, (long, long)>();
                var sheet = await excel.BeginSheetAsync("提现", [new("申请时间", 20), new("用户", 16), new("分站", 14), new("金额", 14), new("手续费", 12), new("收款账户", 28), new("状态", 10), new("打款流水号", 20), new("驳回原因", 24), new("审核时间", 20)], ct: ct);
                await foreach (var batch in ReadAhead.Batches(WithdrawalQuery(db, f).AsAsyncEnumerable(), ct))
                    foreach (var w in batch)
                    {
                        await sheet.BeginRow().DateTime(w.CreatedAt).Text(w.UserName).Text(w.StationName).Money(w.Amount.Fen).Money(w.Fee.Fen).Text(w.PayoutAccount)
                            .Text(WithdrawalName(w.Status)).Text(w.Reference).Text(w.RejectReason).DateTime(w.DecidedAt).EndRowAsync(ct);
                        Counted(); fen = checked(fen + w.Amount.Fen);
                        var t = by.GetValueOrDefault(w.Status); by[w.Status] = (t.Item1 + 1, t.Item2 + w.Amount.Fen);
                    }
                summary.AddRange(by.Select(b => (WithdrawalName(b.Key), b.Value.Item1, b.Value.Item2)));
                break;
            }
            case "earnings":
            {
                var by = new SortedDictionary<string, (long, long)>(StringComparer.Ordinal);
                var sheet = await excel.BeginSheetAsync("分站收益", [new("时间", 20), new("分站", 16), new("站长", 16), new("收益", 14), new("订单", 24), new("说明", 36)], ct: ct);
                await foreach (var batch in ReadAhead.Batches(EarningQuery(db, f).AsAsyncEnumerable(), ct))
                    foreach (var e in batch)
                    {
                        await sheet.BeginRow().DateTime(e.CreatedAt).Text(e.StationName).Text(e.OwnerName).Money(e.Amount.Fen).Text(e.OrderNumber).Text(e.Reason).EndRowAsync(ct);
                        Counted(); fen = checked(fen + e.Amount.Fen);
                        var key = e.StationName ?? "—"; var t = by.GetValueOrDefault(key); by[key] = (t.Item1 + 1, t.Item2 + e.Amount.Fen);
                    }
                summary.AddRange(by.Select(b => (b.Key, b.Value.Item1, b.Value.Item2)));
                break;
            }
            case "inventory":
            {
                long available = 0, sold = 0, voided = 0;
                var sheet = await excel.BeginSheetAsync("卡密库存", [new("分站", 16), new("商品", 30), new("可用", 10), new("已售", 10), new("作废", 10), new("提醒阈值", 10), new("低库存", 8)], ct: ct);
                await foreach (var batch in ReadAhead.Batches(InventoryQuery(db, f).AsAsyncEnumerable(), ct))
                    foreach (var r in batch)
                    {
                        await sheet.BeginRow().Text(r.StationName).Text(r.ProductName).Integer(r.Available).Integer(r.Sold).Integer(r.Void).Integer(r.LowStockBelow)
                            .Text(r.Available < r.LowStockBelow ? "是" : "否").EndRowAsync(ct);
                        Counted(); available += r.Available; sold += r.Sold; voided += r.Void;
                    }
                var s = await excel.BeginSheetAsync(ReportSummary.SheetName, [new("项目", 16), new("卡密数", 12)], 5, ct);
                await s.BeginRow().Text("可用").Integer(available).EndRowAsync(ct);
                await s.BeginRow().Text("已售").Integer(sold).EndRowAsync(ct);
                await s.BeginRow().Text("作废").Integer(voided).EndRowAsync(ct);
                await s.BeginRow().Text("合计", bold: true).Integer(available + sold + voided).EndRowAsync(ct);
                await s.BeginRow().Text(f.Describe(null)).EndRowAsync(ct);
                return new ReportTotals(count, 0);
            }
            default:
            {
                long balance = 0;
                // Delivered orders per buyer, summed here: money is a converted column, summed exactly in fen.
                var spent = new Dictionary<string, (int Count, long Fen)>();
                var delivered = db.Orders.AsNoTracking().Where(o => o.Status == OrderStatus.Delivered && o.BuyerUserId != null).Select(o => new { o.BuyerUserId, o.Total });
                await foreach (var o in delivered.AsAsyncEnumerable().WithCancellation(ct))
                {
                    var t = spent.GetValueOrDefault(o.BuyerUserId!);
                    spent[o.BuyerUserId!] = (t.Count + 1, checked(t.Fen + o.Total.Fen));
                }
                var sheet = await excel.BeginSheetAsync("买家", [new("用户名", 18), new("邮箱", 24), new("注册站点", 14), new("注册时间", 20), new("余额", 14), new("已完成订单", 10), new("消费金额", 14)], ct: ct);
                await foreach (var batch in ReadAhead.Batches(BuyerQuery(db, f).AsAsyncEnumerable(), ct))
                    foreach (var b in batch)
                    {
                        var (orders, spentFen) = spent.GetValueOrDefault(b.UserId);
                        await sheet.BeginRow().Text(b.UserName).Text(b.Email).Text(b.StationName).DateTime(b.RegisteredAt).Money(b.Balance.Fen).Integer(orders).Money(spentFen).EndRowAsync(ct);
                        Counted(); fen = checked(fen + spentFen); balance = checked(balance + b.Balance.Fen);
                    }
                summary.Add(("余额合计", count, balance));
                break;
            }
        }
        await ReportSummary.WriteAsync(excel, "笔数", summary, count, fen,
            f.Describe(kind.Key == "withdrawals" && f.StatusAs<WithdrawalStatus>() is { } st ? WithdrawalName(st) : null), ct);
        return new ReportTotals(count, fen);
    }
}
