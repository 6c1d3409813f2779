using System.Security.Cryptography;
using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Orders;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Referrals;

/// <summary>What 推广中心 shows a buyer at a station.</summary>
public sealed record ReferralCenter(bool ProgramOn, string Code, int Clicks, int Invitees, Money Pending, Money Available, IReadOnlyList<int> RatesBasisPoints);

/// <summary>What the admin's 推广分销 page edits and shows: the actor's station (null: none), the platform's cap, the program,
/// the station's coupons that can be rewards, and the commission ledger.</summary>
public sealed record ProgramView(int? StationId, int Cap, ReferralProgram Program, IReadOnlyList<(int Id, string Name)> Coupons, IReadOnlyList<CommissionRow> Ledger);

/// <summary>A commission in the station's ledger (admin).</summary>
public sealed record CommissionRow(long Id, string OrderNumber, string ReferrerName, Money Amount, string Reason, DateTimeOffset CreatedAt, DateTimeOffset? AvailableAt);

/// <summary>
/// Referral links and attribution: each buyer's code per station, clicks, the invitee's binding (first touch, once, never
/// moved; only a buyer with no order at the station yet can be invited), and the figures of 推广中心.
/// </summary>
public sealed class ReferralService(IDbContextFactory<KaMengDbContext> dbFactory, PriceResolver prices, TimeProvider clock)
{
    const string Alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

    public async Task<ReferralCode> CodeForAsync(int stationId, string userId, string? deviceId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var existing = await db.ReferralCodes.SingleOrDefaultAsync(c => c.StationId == stationId && c.UserId == userId, ct);
        if (existing is not null)
        {
            if (existing.DeviceId is null && deviceId is not null)
            {
                existing.DeviceId = deviceId;
                await db.SaveChangesAsync(ct);
            }
            return existing;
        }
        for (var attempt = 0; ; attempt++)
        {
            var code = new ReferralCode { StationId = stationId, UserId = userId, Code = RandomNumberGenerator.GetString(Alphabet, 8), DeviceId = deviceId, CreatedAt = clock.GetUtcNow() };
            db.ReferralCodes.Add(code);
            try
            {
                await db.SaveChangesAsync(ct);
                return code;
            }
            catch (DbUpdateException e) when (e.IsUniqueViolation() && attempt < 3)
            {
                db.ChangeTracker.Clear();
                // The same user opening 推广中心 twice at once: the first code stands.
                if (await db.ReferralCodes.AsNoTracking().SingleOrDefaultAsync(c => c.StationId == stationId && c.UserId == userId, ct) is { } raced) return raced;
            }
        }
    }

    /// <summary>A visit through a referral link: counted, and the code's owner returned (null for an unknown code).</summary>
    public async Task<string?> ClickAsync(int stationId, string? code, CancellationToken ct = default)
    {
        code = code?.Trim().ToUpperInvariant();
        if (string.IsNullOrEmpty(code) || code.Length > 16) return null;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.ReferralCodes.Where(c => c.StationId == stationId && c.Code == code).ExecuteUpdateAsync(u => u.SetProperty(c => c.Clicks, c => c.Clicks + 1), ct) == 0
            ? null : code;
    }

    /// <summary>Binds a signed-in buyer to the code's owner at the station, once. Nothing happens when they are bound already,
    /// when the code is their own or unknown, or when they have ordered at the station before (they were not invited).</summary>
    public async Task<bool> BindAsync(int stationId, string userId, string code, string? deviceId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (await db.Referrals.AnyAsync(r => r.StationId == stationId && r.UserId == userId, ct)) return false;
        var referrer = await db.ReferralCodes.AsNoTracking().Where(c => c.StationId == stationId && c.Code == code).Select(c => c.UserId).SingleOrDefaultAsync(ct);
        if (referrer is null || referrer == userId) return false;
        if (await db.Orders.AnyAsync(o => o.StationId == stationId && o.BuyerUserId == userId && o.Status != OrderStatus.Cancelled, ct)) return false;
        db.Referrals.Add(new Referral { StationId = stationId, UserId = userId, ReferrerUserId = referrer, DeviceId = deviceId, CreatedAt = clock.GetUtcNow() });
        try { await db.SaveChangesAsync(ct); }
        catch (DbUpdateException e) when (e.IsUniqueViolation()) { return false; } // bound by a racing request: the first stands
        return true;
    }

    public async Task<ReferralCenter> CenterAsync(int stationId, string userId, string? deviceId, CancellationToken ct = default)
    {
        var code = await CodeForAsync(stationId, userId, deviceId, ct);
        var program = (await prices.ForStationAsync(stationId)).Referral;
        var now = clock.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var invitees = await db.Referrals.CountAsync(r => r.StationId == stationId && r.ReferrerUserId == userId, ct);
        var walletId = await db.Wallets.Where(w => w.UserId == userId).Select(w => (int?)w.Id).SingleOrDefaultAsync(ct);
        // Commissions and what refunds took back of them (each on the commission's own hold).
        var rows = walletId is null ? [] : await db.LedgerEntries.AsNoTracking()
            .Where(e => e.WalletId == walletId && e.StationId == stationId && e.Bucket == WalletBucket.Earnings && e.OrderId != null
                && (e.Type == LedgerEntryType.Commission || e.Type == LedgerEntryType.Refund))
            .Select(e => new { e.Type, e.OrderId, e.Amount, e.AvailableAt }).ToListAsync(ct);
        var commissionOrders = rows.Where(e => e.Type == LedgerEntryType.Commission).Select(e => e.OrderId).ToHashSet();
        var entries = rows.Where(e => commissionOrders.Contains(e.OrderId)).ToList();
        var pending = Money.FromFen(entries.Where(e => e.AvailableAt > now).Sum(e => e.Amount.Fen));
        var available = Money.FromFen(entries.Where(e => e.AvailableAt is null || e.AvailableAt <= now).Sum(e => e.Amount.Fen));
        return new ReferralCenter(program is not null, code.Code, code.Clicks, invitees, pending, available, program?.Rates ?? []);
    }

    /// <summary>The station's commission ledger (newest first).</summary>
    public async Task<IReadOnlyList<CommissionRow>> LedgerAsync(AuditActor actor, int stationId, int take = 200, CancellationToken ct = default)
    {
        if (!actor.MaySee(stationId)) return [];
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        return await (from e in db.LedgerEntries.AsNoTracking()
                      where e.StationId == stationId && e.Type == LedgerEntryType.Commission
                      join w in db.Wallets on e.WalletId equals w.Id
                      join u in db.Users on w.UserId equals u.Id
                      join o in db.Orders.IgnoreQueryFilters() on e.OrderId equals o.Id
                      orderby e.Id descending
                      select new CommissionRow(e.Id, o.Number, u.UserName ?? "?", e.Amount, e.Reason ?? "", e.CreatedAt, e.AvailableAt)).Take(take).ToListAsync(ct);
    }

    public async Task<ProgramView> ProgramViewAsync(AuditActor actor, CancellationToken ct = default)
    {
        var stationId = actor.StationId switch { null => Station.MainStationId, -1 => (int?)null, var own => own };
        if (stationId is not int id) return new(null, 1, new ReferralProgram(), [], []);
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var cap = Math.Clamp(await db.PlatformSettings.AsNoTracking().Select(p => p.MaxReferralLevels).SingleAsync(ct), 1, ReferralProgram.HardMaxLevels);
        var coupons = (await db.Coupons.AsNoTracking().Where(c => c.StationId == id && !c.Disabled).OrderByDescending(c => c.Id)
            .Select(c => new { c.Id, c.Name }).ToListAsync(ct)).Select(c => (c.Id, c.Name)).ToList();
        var program = await db.ReferralPrograms.AsNoTracking().SingleOrDefaultAsync(p => p.StationId == id, ct) ?? new ReferralProgram { StationId = id };
        return new(id, cap, program, coupons, await LedgerAsync(actor, id, ct: ct));
    }

    /// <summary>Saves the station's program: levels within the platform's cap, rates within the margin, reward coupons of the
    /// station's own. Null when saved, else why not (nothing written).</summary>
    public async Task<string?> SaveProgramAsync(AuditActor actor, int stationId, ReferralProgram form, CancellationToken ct = default)
    {
        if (!actor.MaySee(stationId)) return "无权修改该站点";
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var cap = await db.PlatformSettings.AsNoTracking().Select(p => p.MaxReferralLevels).SingleAsync(ct);
        if (form.Validate(cap) is { } problem) return problem;
        foreach (var couponId in new[] { form.InviterRewardCouponId, form.InviteeRewardCouponId }.OfType<int>())
            if (!await db.Coupons.AnyAsync(c => c.Id == couponId && c.StationId == stationId, ct)) return "奖励优惠券须为本站的优惠券";
        var program = await db.ReferralPrograms.SingleOrDefaultAsync(p => p.StationId == stationId, ct);
        if (program is null) db.ReferralPrograms.Add(program = new ReferralProgram { StationId = stationId });
        program.Enabled = form.Enabled;
        program.Levels = form.Levels;
        program.Level1BasisPoints = form.Level1BasisPoints;
        program.Level2BasisPoints = form.Levels >= 2 ? form.Level2BasisPoints : 0;
        program.Level3BasisPoints = form.Levels >= 3 ? form.Level3BasisPoints : 0;
        program.InviterRewardCouponId = form.InviterRewardCouponId;
        program.InviteeRewardCouponId = form.InviteeRewardCouponId;
        program.QualifyingOrder = form.QualifyingOrder;
        program.InviterRewardBalance = form.InviterRewardBalance;
        program.InviteeRewardBalance = form.InviteeRewardBalance;
        db.AuditEntries.Add(actor.Entry("referral.program", null, $"{(form.Enabled ? "开启" : "关闭")} {form.Levels} 级：{string.Join(" / ", form.Rates.Select(Percent.Format))}%", clock.GetUtcNow(), stationId));
        await db.SaveChangesAsync(ct);
        prices.Invalidate();
        return null;
    }
}
