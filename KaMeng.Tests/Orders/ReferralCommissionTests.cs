using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Referrals;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KaMeng.Tests.Orders;

/// <summary>分销 (issue 20 §4): commissions out of the selling station's margin, capped in depth, held like every earning,
/// reversed by refunds, never to the buyer's own circle; attribution set once.</summary>
public class ReferralCommissionTests
{
    static readonly AuditActor Staff = new("staff-id", "客服", null);

    static Task<CommerceHarness> HarnessAsync(DatabaseProvider provider) => CommerceHarness.CreateAsync(provider, s => s.AddSingleton<ReferralService>());

    /// <summary>A shop (sells a ¥100 card at ¥108, cost ¥90: ¥18 margin) paying 10% of it to the inviter and 5% to theirs;
    /// A invited B, B invited C.</summary>
    static async Task<(CommerceHarness.SellingShop Shop, string A, string B, string C)> ChainAsync(CommerceHarness h, int levels = 2)
    {
        var shop = await h.OpenSellingShopAsync(keys: 10);
        var program = new ReferralProgram { Enabled = true, Levels = levels, Level1BasisPoints = 1000, Level2BasisPoints = 500 };
        Assert.Null(await h.Get<ReferralService>().SaveProgramAsync(new AuditActor(shop.Owner, "owner", shop.Shop.Id), shop.Shop.Id, program));
        var users = await h.AddBuyersAsync(3, balanceFen: 50000);
        var referrals = h.Get<ReferralService>();
        var codeA = await referrals.CodeForAsync(shop.Shop.Id, users[0], "device-a");
        Assert.True(await referrals.BindAsync(shop.Shop.Id, users[1], codeA.Code, "device-b"));
        var codeB = await referrals.CodeForAsync(shop.Shop.Id, users[1], "device-b");
        Assert.True(await referrals.BindAsync(shop.Shop.Id, users[2], codeB.Code, "device-c"));
        return (shop, users[0], users[1], users[2]);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Each_level_earns_its_share_of_the_sellers_margin_held_and_a_refund_takes_it_back(DatabaseProvider provider)
    {
        await using var h = await HarnessAsync(provider);
        var (shop, a, b, c) = await ChainAsync(h);
        var ownerBefore = await h.EarningsAsync(shop.Owner);

        var result = await h.Checkout.PlaceBalanceOrderAsync(shop.Shop, new CheckoutRequest(shop.Product.Id, 1, c, CheckoutRequest.NewIdempotencyKey()));
        Assert.True(result.Succeeded, result.Error);

        Assert.Equal(180, await h.EarningsAsync(b));   // 10% of ¥18
        Assert.Equal(90, await h.EarningsAsync(a));    // 5% of ¥18
        Assert.Equal(ownerBefore + 1800 - 270, await h.EarningsAsync(shop.Owner));
        Assert.Equal(50000 - 10800, await h.BalanceAsync(c));
        await using (var db = h.Db.NewContext())
        {
            var commissions = await db.LedgerEntries.Where(e => e.Type == LedgerEntryType.Commission).ToListAsync();
            Assert.Equal(2, commissions.Count);
            Assert.All(commissions, e => Assert.True(e.AvailableAt > DateTimeOffset.UtcNow));   // 待结算 for the hold
        }
        var center = await h.Get<ReferralService>().CenterAsync(shop.Shop.Id, b, null);
        Assert.Equal(1, center.Invitees);
        Assert.Equal(180, center.Pending.Fen);
        await h.AssertBooksAsync();

        long orderId;
        await using (var db = h.Db.NewContext()) orderId = (await db.Orders.SingleAsync()).Id;
        Assert.Null(await h.Orders.RefundAsync(orderId, "买家误购", Staff));
        Assert.Equal(0, await h.EarningsAsync(b));
        Assert.Equal(0, await h.EarningsAsync(a));
        Assert.Equal(ownerBefore, await h.EarningsAsync(shop.Owner));
        Assert.Equal(50000, await h.BalanceAsync(c));
        Assert.Equal(0, (await h.Get<ReferralService>().CenterAsync(shop.Shop.Id, b, null)).Pending.Fen);
        await h.AssertEveryWalletEqualsItsLedgerAsync();
    }

    [Fact]
    public async Task The_depth_never_exceeds_the_program_and_the_platform_cap()
    {
        await using var h = await HarnessAsync(DatabaseProvider.Sqlite);
        var (shop, a, b, c) = await ChainAsync(h, levels: 1);
        var result = await h.Checkout.PlaceBalanceOrderAsync(shop.Shop, new CheckoutRequest(shop.Product.Id, 1, c, CheckoutRequest.NewIdempotencyKey()));
        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(180, await h.EarningsAsync(b));
        Assert.Equal(0, await h.EarningsAsync(a));

        var service = h.Get<ReferralService>();
        var owner = new AuditActor(shop.Owner, "owner", shop.Shop.Id);
        // The platform allows 2 levels (at most 3 ever); rates are shares of the margin, together at most all of it.
        Assert.Contains("1–2 级", await service.SaveProgramAsync(owner, shop.Shop.Id, new ReferralProgram { Enabled = true, Levels = 3, Level1BasisPoints = 100, Level2BasisPoints = 100, Level3BasisPoints = 100 }));
        Assert.Contains("超过本站毛利", await service.SaveProgramAsync(owner, shop.Shop.Id, new ReferralProgram { Enabled = true, Levels = 2, Level1BasisPoints = 8000, Level2BasisPoints = 3000 }));
        Assert.Equal("无权修改该站点", await service.SaveProgramAsync(owner, Station.MainStationId, new ReferralProgram { Enabled = true, Levels = 1, Level1BasisPoints = 100 }));
        await using var db = h.Db.NewContext();
        Assert.Equal(1000, (await db.ReferralPrograms.SingleAsync()).Level1BasisPoints);
    }

    [Fact]
    public async Task Nobody_earns_on_their_own_circle()
    {
        await using var h = await HarnessAsync(DatabaseProvider.Sqlite);
        var (shop, a, b, c) = await ChainAsync(h);
        // B and C share a contact: B earns nothing on C (A, one level up, still does).
        await using (var db = h.Db.NewContext())
        {
            await db.Users.Where(u => u.Id == b || u.Id == c).ExecuteUpdateAsync(u => u.SetProperty(x => x.Email, "same@example.cn"));
        }
        var result = await h.Checkout.PlaceBalanceOrderAsync(shop.Shop, new CheckoutRequest(shop.Product.Id, 1, c, CheckoutRequest.NewIdempotencyKey()));
        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(0, await h.EarningsAsync(b));
        Assert.Equal(90, await h.EarningsAsync(a));

        // The shop's owner invited through a code of theirs earns nothing on an order of their own station's chain.
        var referrals = h.Get<ReferralService>();
        var ownerCode = await referrals.CodeForAsync(shop.Shop.Id, shop.Owner, "owner-device");
        var d = (await h.AddBuyersAsync(1, balanceFen: 50000))[0];
        Assert.True(await referrals.BindAsync(shop.Shop.Id, d, ownerCode.Code, "device-d"));
        var before = await h.EarningsAsync(shop.Owner);
        Assert.True((await h.Checkout.PlaceBalanceOrderAsync(shop.Shop, new CheckoutRequest(shop.Product.Id, 1, d, CheckoutRequest.NewIdempotencyKey()))).Succeeded);
        Assert.Equal(before + 1800, await h.EarningsAsync(shop.Owner));   // its margin only, no commission on top
        await using (var db = h.Db.NewContext())
            Assert.Equal(1, await db.LedgerEntries.CountAsync(e => e.Type == LedgerEntryType.Commission));
        await h.AssertBooksAsync();
    }

    [Fact]
    public async Task Attribution_is_set_once_and_never_moved_and_only_for_new_buyers()
    {
        await using var h = await HarnessAsync(DatabaseProvider.Sqlite);
        var (shop, a, b, c) = await ChainAsync(h);
        var referrals = h.Get<ReferralService>();
        var codeA = await referrals.CodeForAsync(shop.Shop.Id, a, null);
        Assert.False(await referrals.BindAsync(shop.Shop.Id, c, codeA.Code, null));   // C stays B's
        Assert.False(await referrals.BindAsync(shop.Shop.Id, a, codeA.Code, null));   // their own link
        var old = (await h.AddBuyersAsync(1, balanceFen: 50000))[0];
        Assert.True((await h.Checkout.PlaceBalanceOrderAsync(shop.Shop, new CheckoutRequest(shop.Product.Id, 1, old, CheckoutRequest.NewIdempotencyKey()))).Succeeded);
        Assert.False(await referrals.BindAsync(shop.Shop.Id, old, codeA.Code, null));   // bought here before: not an invitee
        await using var db = h.Db.NewContext();
        Assert.Equal(b, (await db.Referrals.SingleAsync(r => r.UserId == c)).ReferrerUserId);
        Assert.Equal(2, await db.Referrals.CountAsync());
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Commissions_and_the_invite_reward_are_booked_once_when_staff_race_to_deliver(DatabaseProvider provider)
    {
        await using var h = await HarnessAsync(provider);
        var (shop, a, b, c) = await ChainAsync(h);
        var manual = await h.AddCardKeyProductAsync(0, priceFen: 10000, p => { p.DeliveryType = DeliveryType.Manual; p.CostPrice = Money.FromFen(8000); });
        int rewardId;
        await using (var db = h.Db.NewContext())
        {
            var reward = new Coupon { StationId = shop.Shop.Id, Name = "邀请有礼", Kind = CouponKind.AmountOff, AmountOff = Money.FromFen(100), ValidDays = 30, CreatedAt = DateTimeOffset.UtcNow };
            db.Coupons.Add(reward);
            await db.SaveChangesAsync();
            rewardId = reward.Id;
        }
        Assert.Null(await h.Get<ReferralService>().SaveProgramAsync(new AuditActor(shop.Owner, "owner", shop.Shop.Id), shop.Shop.Id,
            new ReferralProgram { Enabled = true, Levels = 2, Level1BasisPoints = 1000, Level2BasisPoints = 500, InviterRewardCouponId = rewardId, InviteeRewardCouponId = rewardId,
                InviterRewardBalance = Money.FromFen(500), InviteeRewardBalance = Money.FromFen(300) }));
        var placed = new List<long>();
        var ownerBefore = await h.EarningsAsync(shop.Owner);
        for (var i = 0; i < 2; i++)
        {
            var r = await h.Checkout.PlaceBalanceOrderAsync(shop.Shop, new CheckoutRequest(manual.Id, 1, c, CheckoutRequest.NewIdempotencyKey()));
            Assert.True(r.Succeeded, r.Error);
        }
        await using (var db = h.Db.NewContext()) placed = await db.Orders.Where(o => o.BuyerUserId == c).Select(o => o.Id).ToListAsync();

        // Four staff completions at once: each order is delivered once, and the invite reward is paid for one of them.
        using var start = new ManualResetEventSlim(false);
        var tasks = placed.SelectMany(id => new[] { id, id }).Select(id => Task.Run(async () =>
        {
            start.Wait();
            return await h.Orders.CompleteAsync(id, "已发货", Staff);
        })).ToList();
        start.Set();
        var outcomes = await Task.WhenAll(tasks);
        Assert.Equal(2, outcomes.Count(o => o is null));

        await using (var db = h.Db.NewContext())
        {
            // 2 orders × 2 levels, and the two money rewards of the first delivered.
            Assert.Equal(6, await db.LedgerEntries.CountAsync(e => e.Type == LedgerEntryType.Commission));
            var grants = await db.CouponGrants.ToListAsync();
            Assert.Equal(2, grants.Count);                                    // one to the inviter, one to the invitee
            Assert.Contains(grants, g => g.UserId == b && g.Source == "邀请奖励");
            Assert.Contains(grants, g => g.UserId == c && g.Source == "受邀奖励");
            Assert.NotNull((await db.Referrals.SingleAsync(r => r.UserId == c)).RewardedOrderId);
        }
        Assert.Equal(2 * 180 + 500, await h.EarningsAsync(b));
        Assert.Equal(300, await h.EarningsAsync(c));
        // The shop paid all of it from its margins: 2 × ¥18 less 2 × (¥1.80 + ¥0.90) less ¥8 of rewards.
        Assert.Equal(2 * 1800 - 2 * 270 - 800, await h.EarningsAsync(shop.Owner) - ownerBefore);
        await h.AssertBooksAsync();
    }
}
