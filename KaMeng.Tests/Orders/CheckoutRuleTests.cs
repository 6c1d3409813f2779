using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Orders;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Tests.Orders;

/// <summary>Each bad input gets a Chinese message, no charge and no key taken.</summary>
public class CheckoutRuleTests : IAsyncLifetime
{
    CommerceHarness h = default!;
    Product product = default!;
    string buyer = default!;

    public async Task InitializeAsync()
    {
        h = await CommerceHarness.CreateAsync(DatabaseProvider.Sqlite);
        product = await h.AddCardKeyProductAsync(keys: 3, priceFen: 700, p => { p.MaxPerOrder = 5; p.PerBuyerLimit = 4; });
        buyer = (await h.AddBuyersAsync(1))[0];
    }

    public async Task DisposeAsync() => await h.DisposeAsync();

    Task<CheckoutResult> Buy(int quantity, int? productId = null, string? buyerId = null) =>
        h.Checkout.PlaceBalanceOrderAsync(CommerceHarness.Main, new CheckoutRequest(productId ?? product.Id, quantity, buyerId ?? buyer, Guid.NewGuid().ToString("N")));

    async Task AssertNothingChangedAsync()
    {
        Assert.Equal(10000, await h.BalanceAsync(buyer));
        await using var db = h.Db.NewContext();
        Assert.Equal(0, await db.Orders.CountAsync());
        Assert.Equal(0, await db.CardKeys.CountAsync(k => k.Status == CardKeyStatus.Sold));
    }

    [Theory]
    [InlineData(0, "checkout.quantity")]
    [InlineData(-1, "checkout.quantity")]
    [InlineData(6, "checkout.quantity_max")]
    [InlineData(4, "checkout.stock")]
    public async Task Bad_quantities_are_refused_without_charge(int quantity, string code)
    {
        var result = await Buy(quantity);
        Assert.False(result.Succeeded);
        Assert.Equal(code, result.ErrorCode);
        await AssertNothingChangedAsync();
    }

    [Fact]
    public async Task More_keys_than_remain_refuses_the_whole_order()
    {
        var result = await Buy(4);
        Assert.Equal("库存不足 4 件，未扣款，请减少数量后重试", result.Error);
        await AssertNothingChangedAsync();
    }

    [Fact]
    public async Task An_off_shelf_product_cannot_be_bought()
    {
        await using (var db = h.Db.NewContext())
            await db.Products.Where(p => p.Id == product.Id).ExecuteUpdateAsync(u => u.SetProperty(p => p.OnShelf, false));
        Assert.Equal("商品已下架，暂时不能购买", (await Buy(1)).Error);
        await AssertNothingChangedAsync();
    }

    [Fact]
    public async Task A_product_outside_its_shelf_schedule_cannot_be_bought()
    {
        await using (var db = h.Db.NewContext())
            await db.Products.Where(p => p.Id == product.Id).ExecuteUpdateAsync(u => u.SetProperty(p => p.ShelfFrom, DateTimeOffset.UtcNow.AddDays(1)));
        Assert.Equal("checkout.off_shelf", (await Buy(1)).ErrorCode);
        await AssertNothingChangedAsync();
    }

    [Fact]
    public async Task A_product_of_another_station_is_not_sold_here()
    {
        int otherProductId;
        await using (var db = h.Db.NewContext())
        {
            var other = new Station { Code = "other", Name = "别的分站", ParentId = Station.MainStationId, CreatedAt = DateTimeOffset.UtcNow };
            db.Stations.Add(other);
            await db.SaveChangesAsync();
            var cat = new Category { StationId = other.Id, Name = "别人的分类" };
            db.Categories.Add(cat);
            await db.SaveChangesAsync();
            var p = new Product { StationId = other.Id, CategoryId = cat.Id, Name = "别人的商品", BasePrice = Money.FromFen(100), CreatedAt = DateTimeOffset.UtcNow };
            db.Products.Add(p);
            await db.SaveChangesAsync();
            otherProductId = p.Id;
        }
        Assert.Equal("商品不存在", (await Buy(1, otherProductId)).Error);
        await AssertNothingChangedAsync();
    }

    [Fact]
    public async Task Not_enough_balance_charges_nothing_and_takes_no_key()
    {
        var poor = (await h.AddBuyersAsync(1, balanceFen: 699))[0];
        var result = await Buy(1, buyerId: poor);
        Assert.Equal("checkout.balance", result.ErrorCode);
        Assert.Contains("余额不足", result.Error);
        Assert.Equal(699, await h.BalanceAsync(poor));
        await AssertNothingChangedAsync();
    }

    [Fact]
    public async Task The_per_buyer_limit_counts_earlier_orders()
    {
        await h.AddKeysAsync(product, 10);
        Assert.True((await Buy(3)).Succeeded);
        var result = await Buy(2);
        Assert.Equal("该商品每人限购 4 件，您已购买 3 件", result.Error);
        Assert.Equal(10000 - 3 * 700, await h.BalanceAsync(buyer));
    }

    [Fact]
    public async Task A_paid_order_shows_its_keys_only_to_its_buyer()
    {
        var result = await Buy(2);
        Assert.True(result.Succeeded, result.Error);
        var view = await h.Orders.GetForBuyerAsync(result.OrderNumber!, buyer);
        Assert.NotNull(view);
        Assert.Equal(OrderStatus.Delivered, view.Order.Status);
        Assert.Equal(2, view.Keys.Count);
        Assert.All(view.Keys, k => Assert.StartsWith($"KEY-{product.Id}-", k));
        var stranger = (await h.AddBuyersAsync(1))[0];
        Assert.Null(await h.Orders.GetForBuyerAsync(result.OrderNumber!, stranger));
    }

    [Fact]
    public async Task Order_query_needs_the_contact_and_the_query_password()
    {
        var result = await h.Checkout.PlaceBalanceOrderAsync(CommerceHarness.Main, new CheckoutRequest(product.Id, 1, buyer, Guid.NewGuid().ToString("N"), Contact: "buyer@example.cn", QueryPassword: "668899"));
        Assert.True(result.Succeeded, result.Error);
        Assert.NotNull(await h.Orders.QueryAsync(1, result.OrderNumber, "buyer@example.cn", "668899"));
        Assert.Null(await h.Orders.QueryAsync(1, result.OrderNumber, "buyer@example.cn", "wrong"));
        Assert.Null(await h.Orders.QueryAsync(1, result.OrderNumber, "other@example.cn", "668899"));
        Assert.Null(await h.Orders.QueryAsync(2, result.OrderNumber, "buyer@example.cn", "668899"));
    }

    [Fact]
    public async Task A_refund_reverses_the_ledger_and_marks_the_keys_refunded()
    {
        var result = await Buy(2);
        long orderId;
        await using (var db = h.Db.NewContext()) orderId = (await db.Orders.SingleAsync()).Id;
        var admin = new AuditActor("admin-id", "admin", null);

        Assert.Null(await h.Orders.RefundAsync(orderId, "买家申请退款", admin));
        Assert.Equal(10000, await h.BalanceAsync(buyer));
        Assert.Equal("订单状态为「已退款」，不能退款", await h.Orders.RefundAsync(orderId, "再退一次", admin));
        Assert.Equal(10000, await h.BalanceAsync(buyer));

        await using var check = h.Db.NewContext();
        Assert.Equal(2, await check.CardKeys.CountAsync(k => k.OrderId == orderId && k.Status == CardKeyStatus.Refunded));
        Assert.Equal(1, await check.AuditEntries.CountAsync(a => a.Action == "order.refund"));
        await h.AssertEveryWalletEqualsItsLedgerAsync();
    }

    [Fact]
    public async Task A_station_owner_cannot_refund_another_stations_order()
    {
        var result = await Buy(1);
        long orderId;
        await using (var db = h.Db.NewContext()) orderId = (await db.Orders.SingleAsync()).Id;
        Assert.Equal("订单不存在", await h.Orders.RefundAsync(orderId, "试试", new AuditActor("owner", "owner", 2)));
        Assert.Equal(10000 - 700, await h.BalanceAsync(buyer));
    }

    [Fact]
    public async Task A_top_up_order_waits_for_staff_and_validates_its_inputs()
    {
        int topUpId;
        await using (var db = h.Db.NewContext())
        {
            var p = new Product
            {
                StationId = Station.MainStationId, CategoryId = (await db.Categories.FirstAsync()).Id, Name = "话费直充", BasePrice = Money.FromFen(1000),
                DeliveryType = DeliveryType.DirectTopUp, CreatedAt = DateTimeOffset.UtcNow,
                InputFields = [new InputField { Key = "phone", Label = "手机号", Type = InputFieldType.Phone }],
            };
            db.Products.Add(p);
            await db.SaveChangesAsync();
            topUpId = p.Id;
        }
        var bad = await h.Checkout.PlaceBalanceOrderAsync(CommerceHarness.Main, new CheckoutRequest(topUpId, 1, buyer, Guid.NewGuid().ToString("N"), new Dictionary<string, string?> { ["phone"] = "123" }));
        Assert.Equal("手机号格式不正确", bad.Error);
        await AssertNothingChangedAsync();

        var ok = await h.Checkout.PlaceBalanceOrderAsync(CommerceHarness.Main, new CheckoutRequest(topUpId, 1, buyer, Guid.NewGuid().ToString("N"), new Dictionary<string, string?> { ["phone"] = "13800138000" }));
        Assert.True(ok.Succeeded, ok.Error);
        await using var db2 = h.Db.NewContext();
        var order = await db2.Orders.SingleAsync();
        Assert.Equal(OrderStatus.Processing, order.Status);
        Assert.Contains("13800138000", order.InputsJson);
        var staff = new AuditActor("admin-id", "admin", null);
        Assert.Equal("请填写发货内容", await h.Orders.CompleteAsync(order.Id, " ", staff));
        Assert.Null(await h.Orders.CompleteAsync(order.Id, "已充值，流水号 A123", staff));
        Assert.Equal(OrderStatus.Delivered, (await db2.Orders.AsNoTracking().SingleAsync()).Status);
    }

    [Fact]
    public async Task Expiry_cancels_exactly_the_unpaid_orders_past_their_window()
    {
        var now = DateTimeOffset.UtcNow;
        await using (var db = h.Db.NewContext())
        {
            Order Pending(TimeSpan age) => Order.Place(OrderNumber.New(now), 1, product, 1, Money.FromFen(700), now - age, TimeSpan.FromMinutes(15));
            db.Orders.AddRange(Pending(TimeSpan.FromMinutes(16)), Pending(TimeSpan.FromMinutes(30)), Pending(TimeSpan.FromMinutes(5)));
            await db.SaveChangesAsync();
        }
        Assert.Equal(2, await h.Orders.ExpireUnpaidAsync());
        await using var check = h.Db.NewContext();
        Assert.Equal(2, await check.Orders.CountAsync(o => o.Status == OrderStatus.Cancelled));
        Assert.Equal(1, await check.Orders.CountAsync(o => o.Status == OrderStatus.PendingPayment));
    }

    [Fact]
    public async Task Reusable_key_is_delivered_to_every_order()
    {
        var reusable = await h.AddCardKeyProductAsync(keys: 1, priceFen: 100, p => p.ReusableKey = true);
        var a = await Buy(1, reusable.Id);
        var b = await Buy(2, reusable.Id);
        Assert.True(a.Succeeded && b.Succeeded);
        var keysA = (await h.Orders.GetForBuyerAsync(a.OrderNumber!, buyer))!.Keys;
        var keysB = (await h.Orders.GetForBuyerAsync(b.OrderNumber!, buyer))!.Keys;
        Assert.Single(keysA);
        Assert.Equal(2, keysB.Count);
        Assert.Equal(keysA[0], keysB[0]);
    }

    [Fact]
    public async Task Balance_adjustment_needs_a_reason_and_never_goes_negative()
    {
        var admin = new AuditActor("admin-id", "admin", null);
        Assert.Equal("请填写调整原因", await h.Wallets.AdjustAsync(buyer, "10", " ", admin));
        Assert.Equal("请输入正确的金额（最多两位小数，可为负数）", await h.Wallets.AdjustAsync(buyer, "1.001", "x", admin));
        Assert.Equal("余额不足，调整后余额不能为负", await h.Wallets.AdjustAsync(buyer, "-100.01", "扣回", admin));
        Assert.Equal("只有平台管理员和财务可以调整余额", await h.Wallets.AdjustAsync(buyer, "5", "赠送", new AuditActor("o", "owner", 2)));
        Assert.Null(await h.Wallets.AdjustAsync(buyer, "12.50", "活动赠送", admin));
        Assert.Equal(11250, await h.BalanceAsync(buyer));
        await using var db = h.Db.NewContext();
        Assert.Equal(1, await db.AuditEntries.CountAsync(a => a.Action == "wallet.adjust"));
        await h.AssertEveryWalletEqualsItsLedgerAsync();
    }
}
