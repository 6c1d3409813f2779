using System.Text.Json;
using KaMeng.Data;
using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Referrals;

/// <summary>One referrer's share of the seller's margin on an order.</summary>
public sealed record CommissionShare(string UserId, int Level, int BasisPoints);

/// <summary>
/// Who earns on an order through the station's 分销 program, frozen on the order when it is placed (<see cref="Order.CommissionJson"/>)
/// and booked when it is delivered: the inviter chain of the buyer at the selling station, up to the program's levels, without
/// anyone who may not earn (<see cref="ReferralRules.MayEarn"/>), plus the invite rewards of the buyer's first qualifying order.
/// </summary>
public sealed record CommissionPlan(IReadOnlyList<CommissionShare> Shares, long? ReferralId, int? InviterRewardCouponId, int? InviteeRewardCouponId,
    long QualifyingFen, string? InviterUserId, long InviterRewardFen = 0, long InviteeRewardFen = 0)
{
    public static string? Write(CommissionPlan? plan) => plan is null || (plan.Shares.Count == 0 && plan.ReferralId is null) ? null : JsonSerializer.Serialize(plan);

    public static CommissionPlan? Read(string? json) => string.IsNullOrEmpty(json) ? null : JsonSerializer.Deserialize<CommissionPlan>(json);

    /// <summary>The plan for a buyer's order at a station running <paramref name="program"/> (read before the order transaction:
    /// the inviter chain and the contacts and devices to compare).</summary>
    public static async Task<CommissionPlan?> ForAsync(KaMengDbContext db, ReferralProgram program, int stationId, string buyerUserId,
        IReadOnlyList<string?> chainOwners, CancellationToken ct)
    {
        var referral = await db.Referrals.AsNoTracking().SingleOrDefaultAsync(r => r.StationId == stationId && r.UserId == buyerUserId, ct);
        if (referral is null) return null;
        // The inviter chain: the buyer's inviter, theirs, … as deep as the program pays (a loop is cut by the visited set).
        var chain = new List<(string UserId, string? Device)>();
        var seen = new HashSet<string> { buyerUserId };
        var next = referral.ReferrerUserId;
        while (chain.Count < program.Levels && seen.Add(next))
        {
            chain.Add((next, null));
            next = await db.Referrals.AsNoTracking().Where(r => r.StationId == stationId && r.UserId == next).Select(r => r.ReferrerUserId).SingleOrDefaultAsync(ct);
            if (next is null) break;
        }
        var ids = chain.Select(c => c.UserId).Append(buyerUserId).ToList();
        var contacts = await db.Users.AsNoTracking().Where(u => ids.Contains(u.Id)).Select(u => new { u.Id, u.Email, u.PhoneNumber }).ToDictionaryAsync(u => u.Id, ct);
        var devices = await db.ReferralCodes.AsNoTracking().Where(c => c.StationId == stationId && ids.Contains(c.UserId)).ToDictionaryAsync(c => c.UserId, c => c.DeviceId, ct);
        string[] ContactsOf(string id) => contacts.TryGetValue(id, out var u) ? [u.Email ?? "", u.PhoneNumber ?? ""] : [];
        var rates = program.Rates;
        var shares = new List<CommissionShare>();
        for (var level = 0; level < chain.Count && level < rates.Count; level++)
        {
            var referrer = chain[level].UserId;
            // A referrer who may not earn is skipped; nobody moves up into their place.
            if (ReferralRules.MayEarn(referrer, buyerUserId, chainOwners, devices.GetValueOrDefault(referrer), referral.DeviceId ?? devices.GetValueOrDefault(buyerUserId),
                    ContactsOf(referrer), ContactsOf(buyerUserId)))
                shares.Add(new CommissionShare(referrer, level + 1, rates[level]));
        }
        var inviterMayEarn = shares.Any(s => s.Level == 1);
        var rewards = referral.RewardedOrderId is null && inviterMayEarn && (program.InviterRewardCouponId is not null || program.InviteeRewardCouponId is not null
            || program.InviterRewardBalance.Fen > 0 || program.InviteeRewardBalance.Fen > 0);
        return new CommissionPlan(shares, rewards ? referral.Id : null, rewards ? program.InviterRewardCouponId : null, rewards ? program.InviteeRewardCouponId : null,
            program.QualifyingOrder.Fen, referral.ReferrerUserId, rewards ? program.InviterRewardBalance.Fen : 0, rewards ? program.InviteeRewardBalance.Fen : 0);
    }

    /// <summary>The commission of each share on the seller's margin (rounded down to the fen).</summary>
    public IReadOnlyList<(CommissionShare Share, Money Amount)> On(Money sellerMargin) =>
        sellerMargin.Fen <= 0 ? [] : [.. Shares.Select(s => (s, Money.FromFen(sellerMargin.Fen * s.BasisPoints / 10000))).Where(x => x.Item2.Fen > 0)];

    public Money TotalOn(Money sellerMargin) => Money.FromFen(On(sellerMargin).Sum(x => x.Amount.Fen));
}

/// <summary>Booking a delivered order's commissions and invite rewards, inside the delivery's transaction.</summary>
public static class Commissions
{
    /// <summary>Posts each referrer's commission as 收益 held like the seller's earning (so a refund in the hold voids it, and one
    /// after claws it back, as for every earning), and pays the invite rewards once per invitee: coupons, and money rewards as
    /// the same kind of entry out of what the margin has left (none on an order the owner collected: its margin is theirs
    /// already). Returns what was taken from the seller's margin.</summary>
    public static async Task<Money> BookAsync(KaMengDbContext db, Order order, CommissionPlan plan, Money sellerMargin, int sellerStationId,
        DateTimeOffset? availableAt, DateTimeOffset now, CancellationToken ct)
    {
        var taken = Money.Zero;
        async Task PayAsync(string userId, Money amount, string reason)
        {
            await db.PostToUserAsync(userId, LedgerEntryType.Commission, amount, now, orderId: order.Id, stationId: sellerStationId,
                reason: reason, allowNegative: true, bucket: WalletBucket.Earnings, availableAt: availableAt, ct: ct);
            taken += amount;
        }
        foreach (var (share, amount) in plan.On(sellerMargin))
            await PayAsync(share.UserId, amount, $"订单 {order.Number} 推广佣金（{share.Level} 级）");
        if (plan.ReferralId is long referralId && order.Total.Fen >= plan.QualifyingFen && order.BuyerUserId is { } invitee
            // Once per invitee, whichever of their orders is delivered first.
            && await db.Referrals.Where(r => r.Id == referralId && r.RewardedOrderId == null).ExecuteUpdateAsync(u => u.SetProperty(r => r.RewardedOrderId, order.Id), ct) == 1)
        {
            await GrantAsync(db, plan.InviterRewardCouponId, plan.InviterUserId, "邀请奖励", now, ct);
            await GrantAsync(db, plan.InviteeRewardCouponId, invitee, "受邀奖励", now, ct);
            if (!order.OwnerCollected)
            {
                var left = sellerMargin - taken;
                var toInviter = Money.FromFen(Math.Clamp(plan.InviterRewardFen, 0, Math.Max(left.Fen, 0)));
                if (toInviter.Fen > 0 && plan.InviterUserId is { } inviter) await PayAsync(inviter, toInviter, $"订单 {order.Number} 邀请奖励");
                left = sellerMargin - taken;
                var toInvitee = Money.FromFen(Math.Clamp(plan.InviteeRewardFen, 0, Math.Max(left.Fen, 0)));
                if (toInvitee.Fen > 0) await PayAsync(invitee, toInvitee, $"订单 {order.Number} 受邀奖励");
            }
        }
        return taken;
    }

    static async Task GrantAsync(KaMengDbContext db, int? couponId, string? userId, string source, DateTimeOffset now, CancellationToken ct)
    {
        if (couponId is null || userId is null) return;
        var coupon = await db.Coupons.AsNoTracking().SingleOrDefaultAsync(c => c.Id == couponId && !c.Disabled, ct);
        if (coupon is null) return;
        db.CouponGrants.Add(new CouponGrant
        {
            CouponId = coupon.Id, StationId = coupon.StationId, UserId = userId, GrantedAt = now, Source = source,
            ExpiresAt = coupon.ValidDays is int days ? now.AddDays(days) : coupon.ValidUntil,
        });
        await db.SaveChangesAsync(ct);
    }
}
