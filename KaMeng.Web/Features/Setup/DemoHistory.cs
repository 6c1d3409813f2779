using System.Security.Cryptography;
using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Dashboard;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Stations;
using KaMeng.Web.Features.Substations;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Setup;

/// <summary>What the history seed did.</summary>
public sealed record DemoHistoryResult(int Orders, int Refunds, int Buyers, int ChildStationId, TimeSpan Took);

/// <summary>
/// Development's demo, alive: 60 days of orders placed through the real services (checkout, refunds, substations, price
/// rules) on a clock that walks through those days, so orders, ledger entries, earnings and dashboard rollups agree as they
/// would after 60 days of business. Two levels of substations (demo → demo-child, and star) with their own markups, a dozen
/// buyers who join and drift away at different times (and, for the 沉睡 segment, two who last bought before the 60 days),
/// more orders in the evening and at weekends, a few refunds by finance.
/// Deterministic (a fixed random seed). Runs once, right after the demo seed of a new database (KaMeng:Seed:History).
/// </summary>
public sealed class DemoHistory(IServiceProvider services, StationDirectory directory, CardKeyVault vault, ILogger<DemoHistory> log)
{
    public const int Days = 60;
    public const string ChildCode = "demo-child";
    public const string StarCode = "star";
    public const string LuckyCode = "lucky";
    static TimeSpan Beijing => BusinessTime.Offset;

    // Relative weight of each Beijing hour: quiet nights, a lunch bump and an evening peak.
    static readonly double[] HourWeights = [3, 2, 1, 0.6, 0.4, 0.4, 0.8, 2, 3, 4, 5, 6, 7, 6, 5, 5, 5, 5, 6, 7, 9, 10, 9, 6];
    // Monday first: busier from Friday to Sunday.
    static readonly double[] WeekdayFactor = [0.85, 0.8, 0.85, 0.9, 1.1, 1.35, 1.3];
    static readonly string[] RefundReasons = ["卡密已被使用，核实后退款", "买家重复购买，协商退款", "游戏区服选错，协商退款"];

    sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;
        public override DateTimeOffset GetUtcNow() => Now.ToUniversalTime();
    }

    sealed record Buyer(string Id, int StationId, int JoinDay, int LeaveDay, double Weight);

    public async Task<DemoHistoryResult> SeedAsync(DateTimeOffset now, CancellationToken ct = default)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var rng = new Random(18);
        // History starts at Beijing midnight 60 days ago and ends before now.
        var today = new DateTimeOffset(now.ToOffset(Beijing).Date, Beijing);
        var start = today.AddDays(-Days).ToUniversalTime();
        var clock = new ManualClock(start);

        await using var scope = services.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        var dbFactory = sp.GetRequiredService<IDbContextFactory<KaMengDbContext>>();
        var users = sp.GetRequiredService<UserManager<AppUser>>();
        var checkout = ActivatorUtilities.CreateInstance<CheckoutService>(sp, clock);
        var refunds = ActivatorUtilities.CreateInstance<RefundService>(sp, clock);
        var substations = ActivatorUtilities.CreateInstance<SubstationService>(sp, clock);
        var priceRules = ActivatorUtilities.CreateInstance<PriceRuleService>(sp, clock);

        int demoId; string financeId; List<Product> products;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            var demo = await db.Stations.SingleAsync(s => s.Code == "demo", ct);
            demoId = demo.Id;
            // The demo substation has been open since the history began.
            demo.CreatedAt = start;
            // ... and the platform a little longer (its first buyers came before).
            (await db.Stations.SingleAsync(s => s.Id == Station.MainStationId, ct)).CreatedAt = start.AddDays(-21);
            await db.SaveChangesAsync(ct);
            financeId = await db.Users.Where(u => u.UserName == "demo-finance").Select(u => u.Id).SingleAsync(ct);
            products = await db.Products.AsNoTracking().Where(p => p.DeliveryType == DeliveryType.CardKey && p.StationId == Station.MainStationId)
                .OrderBy(p => p.Id).ToListAsync(ct);
        }
        var levels = await LevelsAsync(dbFactory, ct);
        var finance = new AuditActor(financeId, "demo-finance", null);

        async Task<string> UserAsync(string name, string display, int stationId, DateTimeOffset createdAt)
        {
            var user = new AppUser { UserName = name, DisplayName = display, StationId = stationId, CreatedAt = createdAt, EmailConfirmed = true };
            Check(await users.CreateAsync(user));
            Check(await users.AddToRoleAsync(user, Roles.Buyer));
            return user.Id;
        }

        async Task RechargeAsync(string userId, Money amount, string reason)
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            await using var tx = await db.BeginBusinessTransactionAsync(ct);
            await db.PostToUserAsync(userId, LedgerEntryType.Recharge, amount, clock.GetUtcNow(), reason: reason, ct: ct);
            await tx.CommitAsync(ct);
        }

        // Markups: demo sells at its cost + 15% and supplies its children at + 5%; demo-child adds 12%; star adds ¥0.50.
        var demoOwner = await OwnerActorAsync(dbFactory, demoId, ct);
        await SaveRuleAsync(priceRules, demoId, demoOwner, PriceRuleAudience.Selling, PriceRuleKind.PlusPercent, "15", ct);
        await SaveRuleAsync(priceRules, demoId, demoOwner, PriceRuleAudience.ChildSupply, PriceRuleKind.PlusPercent, "5", ct);

        // Day 2: an agent opens demo-child under demo (paying demo's price from a recharge); day 9: star opens under the platform.
        clock.Now = start.AddDays(2).AddHours(10);
        var agent = await UserAsync("demo-agent", "演示下级站长", demoId, clock.Now);
        await RechargeAsync(agent, Money.FromYuan(100), "演示充值");
        var (childId, childError) = await substations.OpenAsync(demoId, agent, new OpenSubstationRequest(ChildCode, "演示下级分站", levels.Basic), ct);
        if (childId is null) throw new InvalidOperationException("Demo history: " + childError);
        await SaveRuleAsync(priceRules, childId.Value, new AuditActor(agent, "demo-agent", childId), PriceRuleAudience.Selling, PriceRuleKind.PlusPercent, "12", ct);

        clock.Now = start.AddDays(9).AddHours(15);
        var starOwner = await UserAsync("demo-star", "星辰站长", Station.MainStationId, clock.Now);
        await RechargeAsync(starOwner, Money.FromYuan(100), "演示充值");
        var (starId, starError) = await substations.OpenAsync(Station.MainStationId, starOwner, new OpenSubstationRequest(StarCode, "星辰卡铺", levels.Basic), ct);
        if (starId is null) throw new InvalidOperationException("Demo history: " + starError);
        await SaveRuleAsync(priceRules, starId.Value, new AuditActor(starOwner, "demo-star", starId), PriceRuleAudience.Selling, PriceRuleKind.PlusAmount, "0.5", ct);

        // Ten days ago a second child opens under demo (the dashboard's 新开分站), adding ¥1.00.
        const int luckyFrom = Days - 10;
        clock.Now = start.AddDays(luckyFrom).AddHours(11);
        var luckyOwner = await UserAsync("demo-lucky", "幸运站长", demoId, clock.Now);
        await RechargeAsync(luckyOwner, Money.FromYuan(100), "演示充值");
        var (luckyId, luckyError) = await substations.OpenAsync(demoId, luckyOwner, new OpenSubstationRequest(LuckyCode, "幸运小铺", levels.Basic), ct);
        if (luckyId is null) throw new InvalidOperationException("Demo history: " + luckyError);
        await SaveRuleAsync(priceRules, luckyId.Value, new AuditActor(luckyOwner, "demo-lucky", luckyId), PriceRuleAudience.Selling, PriceRuleKind.PlusAmount, "1", ct);

        // Stations and their share of the orders (each only once it is open).
        var stations = new[]
        {
            (Id: Station.MainStationId, Weight: 0.3, From: 0), (Id: demoId, Weight: 0.35, From: 0), (Id: childId.Value, Weight: 0.2, From: 3),
            (Id: starId.Value, Weight: 0.15, From: 10), (Id: luckyId.Value, Weight: 0.1, From: luckyFrom + 1),
        };

        // Buyers: each registered at a station, joining on some day and some drifting away; per station the first buys most.
        string[] names = ["xiaoming", "lili", "ahua", "dawei", "mengmeng", "laowang", "tiantian", "kaikai", "yuyu", "feifei", "haohao", "jingjing", "ningning", "bobo"];
        var buyers = new List<Buyer>();
        for (var i = 0; i < names.Length; i++)
        {
            var station = stations[i % stations.Length];
            var join = Math.Max(station.From, i < 6 ? rng.Next(0, 5) : rng.Next(5, 50));
            var leave = i is 3 or 7 && join < 30 ? rng.Next(join + 8, Days - 15) : Days + 1;
            clock.Now = start.AddDays(join).AddHours(9);
            var id = await UserAsync("buyer-" + names[i], names[i], station.Id, clock.Now);
            buyers.Add(new Buyer(id, station.Id, join, Math.Max(leave, join + 1), 1.0 / (1 + i / stations.Length)));
        }

        // The plan: every order, in time order. First two early buyers of the platform who bought before the 60 days and
        // never came back (沉睡), and three who came once in the last weeks (新客); then the 60 days themselves.
        var plan = new List<(DateTimeOffset At, Buyer Buyer, Product Product, int Quantity)>();
        var prelude = start.AddDays(-20);
        for (var i = 0; i < 2; i++)
        {
            clock.Now = prelude.AddHours(10 + i);
            var dormant = new Buyer(await UserAsync($"buyer-early{i + 1}", $"老买家{i + 1}", Station.MainStationId, clock.Now), Station.MainStationId, -20, -1, 0);
            buyers.Add(dormant);
            for (var n = 0; n < 3; n++)
                plan.Add((prelude.AddDays(2 + 5 * n + i).AddHours(PickIndex(rng, HourWeights)).AddMinutes(rng.Next(60)), dormant, products[n % products.Count], 1));
        }
        string[] once = ["yiyi", "erer", "sansan"];
        for (var i = 0; i < once.Length; i++)
        {
            var station = stations[i % stations.Length];
            var day = Days - 3 - 7 * i;
            clock.Now = start.AddDays(day).AddHours(8);
            var buyer = new Buyer(await UserAsync("buyer-" + once[i], once[i], station.Id, clock.Now), station.Id, day, day + 1, 0);
            buyers.Add(buyer);
            plan.Add((start.AddDays(day).AddHours(19 + i).AddMinutes(rng.Next(60)), buyer, products[0], 1));
        }
        double[] productWeights = [6, 2, 4, 1];
        for (var day = 0; day <= Days; day++) // up to today, so the 今日 view has orders too
        {
            var date = start.AddDays(day);
            var weekday = ((int)date.ToOffset(Beijing).DayOfWeek + 6) % 7;
            var count = (int)Math.Round((4 + 4.0 * day / Days) * WeekdayFactor[weekday] + rng.Next(-1, 3));
            for (var n = 0; n < count; n++)
            {
                var station = Pick(rng, stations.Where(s => s.From <= day).ToArray(), s => s.Weight);
                var eligible = buyers.Where(b => b.Weight > 0 && b.StationId == station.Id && b.JoinDay <= day && day < b.LeaveDay).ToArray();
                if (eligible.Length == 0) eligible = buyers.Where(b => b.Weight > 0 && b.JoinDay <= day && day < b.LeaveDay).ToArray();
                if (eligible.Length == 0) continue;
                var buyer = Pick(rng, eligible, b => b.Weight);
                var product = products[PickIndex(rng, productWeights.Take(products.Count).ToArray())];
                var quantity = product.BasePrice.Fen > 3000 ? 1 : rng.NextDouble() switch { < 0.75 => 1, < 0.93 => 2, _ => 3 };
                var at = date.AddHours(PickIndex(rng, HourWeights)).AddMinutes(rng.Next(60)).AddSeconds(rng.Next(60));
                if (day == 0 || at >= now) continue;
                plan.Add((at, buyer, product, quantity));
            }
        }
        plan.Sort((a, b) => a.At.CompareTo(b.At));

        // Enough keys for the plan, imported before it (the seeded 20 per product stay for the demo's own purchases).
        clock.Now = prelude;
        await AddKeysAsync(dbFactory, products, plan.GroupBy(p => p.Product.Id).ToDictionary(g => g.Key, g => g.Sum(p => p.Quantity)), rng, clock.Now, ct);

        // Run it: recharges when a wallet runs low, each order through checkout, and refunds a few hours after some orders.
        var balances = buyers.ToDictionary(b => b.Id, _ => 0L);
        var pendingRefunds = new PriorityQueue<long, DateTimeOffset>();
        var placed = 0; var refunded = 0;
        async Task RefundDueAsync(DateTimeOffset until)
        {
            while (pendingRefunds.TryPeek(out var orderId, out var due) && due <= until)
            {
                pendingRefunds.Dequeue();
                clock.Now = due;
                var outcome = await refunds.RefundAsync(new RefundRequest(orderId, RefundReasons[(int)(orderId % RefundReasons.Length)]), finance, ct);
                if (outcome.Succeeded) refunded++;
                else log.LogWarning("Demo history: refund of order {OrderId} refused: {Error}", orderId, outcome.Error);
            }
        }
        foreach (var (at, buyer, product, quantity) in plan)
        {
            await RefundDueAsync(at);
            clock.Now = at;
            var station = await directory.ByIdAsync(buyer.StationId) ?? throw new InvalidOperationException("station");
            var pricing = await sp.GetRequiredService<PriceResolver>().ForStationAsync(station.Id);
            var total = pricing.Quote(product).Price.Fen * quantity;
            if (balances[buyer.Id] < total)
            {
                var amount = Money.FromYuan((int)Math.Max(100, (total / 100 + 99) / 100 * 100));
                await RechargeAsync(buyer.Id, amount, "在线充值");
                balances[buyer.Id] += amount.Fen;
                clock.Now = at.AddSeconds(20);
            }
            var result = await checkout.PlaceBalanceOrderAsync(station, new CheckoutRequest(product.Id, quantity, buyer.Id, CheckoutRequest.NewIdempotencyKey()), ct);
            if (!result.Succeeded)
            {
                log.LogWarning("Demo history: order refused: {Error}", result.Error);
                continue;
            }
            placed++;
            balances[buyer.Id] -= total;
            if (rng.NextDouble() < 0.035 && at.AddHours(1) < now)
            {
                // Only the orders to refund are looked up again (by their number).
                await using var db = await dbFactory.CreateDbContextAsync(ct);
                var orderId = await db.Orders.AsNoTracking().Where(o => o.Number == result.OrderNumber).Select(o => o.Id).SingleAsync(ct);
                var due = at.AddMinutes(rng.Next(30, 20 * 60));
                pendingRefunds.Enqueue(orderId, due < now ? due : now);
            }
        }
        await RefundDueAsync(now);

        // The dashboards read rollups: build them from the orders now, as the admin's 从订单重建统计 does.
        if (sp.GetService<DashboardRollup>() is { } rollup) await rollup.RebuildAsync(ct);
        var took = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        log.LogInformation("Demo history: {Orders} orders, {Refunds} refunds, {Buyers} buyers over {Days} days in {Ms} ms", placed, refunded, buyers.Count, Days, (int)took.TotalMilliseconds);
        return new DemoHistoryResult(placed, refunded, buyers.Count, childId.Value, took);
    }

    static async Task<(int Basic, int Advanced)> LevelsAsync(IDbContextFactory<KaMengDbContext> dbFactory, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var levels = await db.StationLevels.AsNoTracking().OrderBy(l => l.SortOrder).Select(l => l.Id).ToListAsync(ct);
        return (levels[0], levels[Math.Min(1, levels.Count - 1)]);
    }

    static async Task<AuditActor> OwnerActorAsync(IDbContextFactory<KaMengDbContext> dbFactory, int stationId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var owner = await (from s in db.Stations where s.Id == stationId join u in db.Users on s.OwnerUserId equals u.Id select new { u.Id, u.UserName }).SingleAsync(ct);
        return new AuditActor(owner.Id, owner.UserName ?? "?", stationId);
    }

    static async Task SaveRuleAsync(PriceRuleService rules, int stationId, AuditActor actor, PriceRuleAudience audience, PriceRuleKind kind, string value, CancellationToken ct)
    {
        var error = await rules.SaveAsync(stationId, new PriceRuleInput(audience, PriceRuleScope.All, null, null, kind, value, PriceRounding.Jiao), actor, ct);
        if (error is not null) throw new InvalidOperationException("Demo history price rule: " + error);
    }

    async Task AddKeysAsync(IDbContextFactory<KaMengDbContext> dbFactory, List<Product> products, Dictionary<int, int> needed, Random rng, DateTimeOffset at, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        foreach (var product in products)
        {
            var count = needed.GetValueOrDefault(product.Id);
            if (count == 0) continue;
            var batch = new CardKeyBatch { StationId = Station.MainStationId, ProductId = product.Id, Number = $"HIST{product.Id:D4}", CreatedAt = at, Count = count };
            db.CardKeyBatches.Add(batch);
            await db.SaveChangesAsync(ct);
            var bytes = new byte[6];
            for (var i = 0; i < count; i++)
            {
                rng.NextBytes(bytes);
                var secret = $"HIST-{product.Id:D2}-{Convert.ToHexString(bytes)}";
                db.CardKeys.Add(new CardKey { StationId = Station.MainStationId, ProductId = product.Id, BatchId = batch.Id, SecretCipher = vault.Protect(secret), SecretHash = vault.Hash(secret), CreatedAt = at });
            }
        }
        await db.SaveChangesAsync(ct);
    }

    static T Pick<T>(Random rng, T[] items, Func<T, double> weight) => items[PickIndex(rng, items.Select(weight).ToArray())];

    static int PickIndex(Random rng, double[] weights)
    {
        var roll = rng.NextDouble() * weights.Sum();
        for (var i = 0; i < weights.Length; i++)
        {
            roll -= weights[i];
            if (roll < 0) return i;
        }
        return weights.Length - 1;
    }

    static void Check(IdentityResult result)
    {
        if (!result.Succeeded) throw new InvalidOperationException("Demo history: " + string.Join("; ", result.Errors.Select(e => e.Description)));
    }
}
