using System.Net;
using System.Text.Json;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Docking;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Payments;
using KaMeng.Web.Features.Stations;
using KaMeng.Tests.Payments;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KaMeng.Tests.Docking;

/// <summary>Docking end to end: a downstream KaMeng resells an upstream KaMeng over the signed Open API, both on loopback.</summary>
public abstract class DockingChainTests<TPair>(TPair pair) where TPair : DockingPair
{
    static string Unique(string prefix) => prefix + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task A_supplier_answers_the_ping_its_catalogue_lists_at_our_price_and_its_secret_is_stored_encrypted()
    {
        var name = Unique("点券A-");
        var upId = await pair.CreateUpstreamProductAsync(name, 501, Unique("K-"));
        var (supplier, endpoint) = await pair.AddSupplierAsync();
        var (ping, error) = await pair.Suppliers.PingAsync(DockingPair.Platform, supplier.Id);
        Assert.Null(error);
        Assert.Equal("main", ping!.Station);
        var (products, catalogueError) = await pair.Suppliers.CatalogueAsync(DockingPair.Platform, supplier.Id);
        Assert.Null(catalogueError);
        Assert.Equal("5.01", products.Single(p => p.Id == upId).Price);
        await using var db = pair.Downstream.NewContext();
        Assert.DoesNotContain(endpoint.Secret, (await db.Suppliers.SingleAsync(s => s.Id == supplier.Id)).SecretCipher);
    }

    [Fact]
    public async Task Import_creates_a_local_product_priced_upstream_plus_percent_rounded_up_to_the_jiao()
    {
        var upId = await pair.CreateUpstreamProductAsync(Unique("点券B-"), 501, Unique("K-"));
        var (supplier, _) = await pair.AddSupplierAsync();
        var productId = await pair.ImportAsync(supplier.Id, upId, MarkupKind.PlusPercent, "20", PriceRounding.Jiao);
        await using var db = pair.Downstream.NewContext();
        var product = await db.Products.SingleAsync(p => p.Id == productId);
        // 5.01 × 1.2 = 6.012 → 6.01 to the fen → 6.10 rounded up to the jiao.
        Assert.Equal(610, product.BasePrice.Fen);
        Assert.Equal(501, product.CostPrice.Fen);
        Assert.True(product.OnShelf);
        Assert.Equal(upId, (await db.SupplierProducts.SingleAsync(l => l.ProductId == productId)).UpstreamProductId);

        var (_, again) = await pair.Suppliers.ImportAsync(DockingPair.Platform, new ImportRequest(supplier.Id, upId, product.CategoryId, MarkupKind.PlusAmount, "1", PriceRounding.Fen));
        Assert.Equal("该上游商品已导入过", again);
        var (_, bad) = await pair.Suppliers.ImportAsync(DockingPair.Platform, new ImportRequest(supplier.Id, upId, product.CategoryId, MarkupKind.PlusPercent, "1e1", PriceRounding.Fen));
        Assert.NotNull(bad);
    }

    [Fact]
    public async Task Sync_makes_prices_follow_upstream_and_takes_a_product_off_shelf_with_an_alert_when_cost_exceeds_its_price()
    {
        var upA = await pair.CreateUpstreamProductAsync(Unique("点券C-"), 500, Unique("K-"));
        var upB = await pair.CreateUpstreamProductAsync(Unique("点券D-"), 500, Unique("K-"));
        var (supplier, _) = await pair.AddSupplierAsync();
        var follows = await pair.ImportAsync(supplier.Id, upA, MarkupKind.PlusAmount, "1.00", PriceRounding.Fen);
        var fixedPrice = await pair.ImportAsync(supplier.Id, upB, MarkupKind.Fixed, "8.00", PriceRounding.Fen);

        await pair.SetUpstreamPriceAsync(upA, 700);
        await pair.SetUpstreamPriceAsync(upB, 900);
        await pair.Downstream.Services.GetRequiredService<SupplierSync>().SyncAsync();

        await using var db = pair.Downstream.NewContext();
        var a = await db.Products.SingleAsync(p => p.Id == follows);
        Assert.Equal(800, a.BasePrice.Fen);
        Assert.True(a.OnShelf);
        var b = await db.Products.SingleAsync(p => p.Id == fixedPrice);
        Assert.False(b.OnShelf);
        Assert.Equal(SupplyProblem.CostAbovePrice, (await db.SupplierProducts.SingleAsync(l => l.ProductId == fixedPrice)).Problem);
        Assert.Contains(await db.AuditEntries.Where(e => e.Action == "supplier.off_shelf").Select(e => e.Target).ToListAsync(), t => t == b.Name);
        Assert.Contains(pair.Downstream.Alerts.Alerts, x => x.Kind == SupplyAlertKind.CostAbovePrice && x.Subject == b.Name);

        // The cost comes back under the price: sync puts it back on shelf.
        await pair.SetUpstreamPriceAsync(upB, 600);
        await pair.Downstream.Services.GetRequiredService<SupplierSync>().SyncAsync();
        await using var db2 = pair.Downstream.NewContext();
        Assert.True((await db2.Products.SingleAsync(p => p.Id == fixedPrice)).OnShelf);
    }

    [Fact]
    public async Task An_order_is_procured_upstream_outside_checkout_and_the_buyer_sees_the_upstream_card_keys()
    {
        var key = Unique("CHAIN-KEY-");
        var upId = await pair.CreateUpstreamProductAsync(Unique("点券E-"), 300, key);
        var (supplier, _) = await pair.AddSupplierAsync();
        var productId = await pair.ImportAsync(supplier.Id, upId, MarkupKind.PlusAmount, "0.50", PriceRounding.Fen);
        var upstreamBalance = await DockingPair.BalanceAsync(pair.Upstream);
        var downstreamBalance = await DockingPair.BalanceAsync(pair.Downstream);

        var checkout = await pair.BuyDownstreamAsync(productId);
        Assert.True(checkout.Succeeded, checkout.Error);
        await using (var db = pair.Downstream.NewContext())
        {
            var order = await db.Orders.SingleAsync(o => o.Number == checkout.OrderNumber);
            Assert.Equal(OrderStatus.Processing, order.Status);
            Assert.Equal(ProcurementStatus.Pending, (await db.Procurements.SingleAsync(p => p.OrderId == order.Id)).Status);
        }
        // Checkout made no upstream call: nothing was bought there yet.
        Assert.Equal(upstreamBalance, await DockingPair.BalanceAsync(pair.Upstream));
        Assert.Equal(downstreamBalance - 350, await DockingPair.BalanceAsync(pair.Downstream));

        var procurement = await pair.WorkQueueUntilDoneAsync(checkout.OrderNumber!);
        Assert.Equal(ProcurementStatus.Delivered, procurement.Status);
        var view = await pair.Downstream.Services.GetRequiredService<OrderService>().GetForBuyerAsync(checkout.OrderNumber!, await DockingPair.BuyerIdAsync(pair.Downstream));
        Assert.Equal(OrderStatus.Delivered, view!.Order.Status);
        Assert.Equal([key], view.Keys);
        Assert.Equal(upstreamBalance - 300, await DockingPair.BalanceAsync(pair.Upstream));
        await using (var db = pair.Downstream.NewContext())
            Assert.DoesNotContain(key, (await db.CardKeys.SingleAsync(k => k.OrderId == view.Order.Id)).SecretCipher);

        // Exactly one order upstream, under our client_order_no.
        await using (var db = pair.Upstream.NewContext())
            Assert.Equal(1, await db.Orders.CountAsync(o => o.IdempotencyKey!.EndsWith(":" + procurement.ClientOrderNo)));
    }

    [Fact]
    public async Task A_guest_paying_an_imported_product_through_epay_gets_the_upstream_card_keys()
    {
        var key = Unique("EPAY-CHAIN-");
        var upId = await pair.CreateUpstreamProductAsync(Unique("点券H-"), 300, key);
        var (supplier, _) = await pair.AddSupplierAsync();
        var productId = await pair.ImportAsync(supplier.Id, upId, MarkupKind.PlusAmount, "0.50", PriceRounding.Fen);
        const string gatewayKey = "downstream-key-0123456789";
        Assert.Null(await pair.Downstream.Services.GetRequiredService<GatewaySettingsService>().SaveAsync(DockingPair.Platform, Station.MainStationId,
            new GatewayForm { BaseUrl = "https://pay.downstream.test", Pid = "1001", Key = gatewayKey, Channels = ["alipay"] }));
        var station = await pair.Downstream.Services.GetRequiredService<StationDirectory>().ByIdAsync(Station.MainStationId);
        var redirect = await pair.Downstream.Services.GetRequiredService<EPayCheckout>().StartOrderAsync(station!,
            new GatewayCheckoutRequest(productId, 1, "alipay", Guid.NewGuid().ToString("N"), null, "guest@example.cn", "668899"), new SiteAddress(pair.Downstream.BaseUrl, ""));
        Assert.Null(redirect.Error);

        // The gateway's notify reaches the downstream over HTTP: paid, and its procurement queued in the same transaction.
        using (var http = pair.Downstream.NewHttpClient())
            Assert.Equal("success", await http.GetStringAsync("/pay/epay/notify?" + SignedNotify.Query(redirect.OutTradeNo!, "3.50", "GW-DOCK-1", gatewayKey)));
        await using (var db = pair.Downstream.NewContext())
        {
            var order = await db.Orders.SingleAsync(o => o.Number == redirect.OutTradeNo);
            Assert.Equal(OrderStatus.Processing, order.Status);
            Assert.Equal(ProcurementStatus.Pending, (await db.Procurements.SingleAsync(p => p.OrderId == order.Id)).Status);
        }

        var procurement = await pair.WorkQueueUntilDoneAsync(redirect.OutTradeNo!);
        Assert.Equal(ProcurementStatus.Delivered, procurement.Status);
        await using (var db = pair.Upstream.NewContext())
            Assert.Equal(1, await db.Orders.CountAsync(o => o.IdempotencyKey!.EndsWith(":" + procurement.ClientOrderNo)));
        // The guest finds the upstream key with 查单, as with any other order.
        var view = await pair.Downstream.Services.GetRequiredService<OrderService>().QueryAsync(Station.MainStationId, redirect.OutTradeNo, "guest@example.cn", "668899");
        Assert.Equal(OrderStatus.Delivered, view!.Order.Status);
        Assert.Equal([key], view.Keys);
    }

    [Fact]
    public async Task A_direct_top_up_product_is_imported_with_its_fields_and_the_buyers_input_reaches_the_upstream_order()
    {
        int upId;
        await using (var db = pair.Upstream.NewContext())
        {
            var category = await db.Categories.Where(c => c.StationId == Station.MainStationId).OrderBy(c => c.Id).Select(c => c.Id).FirstAsync();
            var product = new Product
            {
                StationId = Station.MainStationId, CategoryId = category, Name = Unique("直充点券-"), DeliveryType = DeliveryType.DirectTopUp,
                BasePrice = Money.FromFen(1000), CostPrice = Money.FromFen(800), FaceValue = Money.FromFen(1000), CreatedAt = DateTimeOffset.UtcNow,
                InputFields = [new InputField { Key = "account", Label = "游戏账号", Type = InputFieldType.GameAccount }, new InputField { Key = "zone", Label = "区服", Required = false, Pattern = "[0-9]{1,3}区" }],
            };
            db.Products.Add(product);
            await db.SaveChangesAsync();
            upId = product.Id;
        }
        var (supplier, _) = await pair.AddSupplierAsync();
        var productId = await pair.ImportAsync(supplier.Id, upId, MarkupKind.PlusAmount, "1.00", PriceRounding.Fen);
        await using (var db = pair.Downstream.NewContext())
        {
            var local = await db.Products.SingleAsync(p => p.Id == productId);
            Assert.Equal(DeliveryType.DirectTopUp, local.DeliveryType);
            Assert.Equal(["account", "zone"], local.InputFields.Select(f => f.Key));
            Assert.Equal(InputFieldType.GameAccount, local.InputFields[0].Type);
            Assert.Equal("[0-9]{1,3}区", local.InputFields[1].Pattern);
        }

        // The fields are checked here before any money moves.
        var bad = await pair.BuyDownstreamAsync(productId, inputs: new() { ["account"] = "!!" });
        Assert.Equal("游戏账号格式不正确", bad.Error);
        var checkout = await pair.BuyDownstreamAsync(productId, inputs: new() { ["account"] = "player_001", ["zone"] = "12区" });
        Assert.True(checkout.Succeeded, checkout.Error);
        await pair.Downstream.Services.GetRequiredService<ProcurementProcessor>().ProcessDueAsync();

        // The upstream order carries the buyer's input and waits for its staff; the downstream order can no longer be cancelled.
        Order upstreamOrder;
        await using (var db = pair.Upstream.NewContext())
            upstreamOrder = await db.Orders.SingleAsync(o => o.ProductId == upId);
        Assert.Equal(OrderStatus.Processing, upstreamOrder.Status);
        var forwarded = JsonSerializer.Deserialize<Dictionary<string, string>>(upstreamOrder.InputsJson!)!;
        Assert.Equal("player_001", forwarded["account"]);
        Assert.Equal("12区", forwarded["zone"]);
        long localId;
        await using (var db = pair.Downstream.NewContext())
            localId = await db.Orders.Where(o => o.Number == checkout.OrderNumber).Select(o => o.Id).SingleAsync();
        Assert.Contains("上游", await pair.Downstream.Services.GetRequiredService<OrderService>().CancelForBuyerAsync(localId, await DockingPair.BuyerIdAsync(pair.Downstream), "测试"));

        Assert.Null(await pair.Upstream.Services.GetRequiredService<OrderService>().CompleteAsync(upstreamOrder.Id, "已充值到 player_001", DockingPair.Platform));
        await using (var db = pair.Downstream.NewContext())
            await db.Procurements.Where(p => p.OrderId == localId).ExecuteUpdateAsync(u => u.SetProperty(p => p.NextAttemptAt, DateTimeOffset.UtcNow.AddSeconds(-1)));
        Assert.Equal(ProcurementStatus.Delivered, (await pair.WorkQueueUntilDoneAsync(checkout.OrderNumber!)).Status);
        await using (var db = pair.Downstream.NewContext())
        {
            var local = await db.Orders.SingleAsync(o => o.Id == localId);
            Assert.Equal(OrderStatus.Delivered, local.Status);
            Assert.Equal("已充值到 player_001", local.DeliveryNote);
        }
    }

    [Fact]
    public async Task A_procurement_not_yet_sent_upstream_is_cancelled_with_a_refund_and_never_bought_upstream()
    {
        var upId = await pair.CreateUpstreamProductAsync(Unique("点券K-"), 200, Unique("K-"));
        var (supplier, _) = await pair.AddSupplierAsync();
        var productId = await pair.ImportAsync(supplier.Id, upId, MarkupKind.PlusAmount, "0.10", PriceRounding.Fen);
        var before = await DockingPair.BalanceAsync(pair.Downstream);
        var upstreamBefore = await DockingPair.BalanceAsync(pair.Upstream);
        var checkout = await pair.BuyDownstreamAsync(productId);
        Assert.Equal(before - 210, await DockingPair.BalanceAsync(pair.Downstream));
        long localId;
        await using (var db = pair.Downstream.NewContext())
            localId = await db.Orders.Where(o => o.Number == checkout.OrderNumber).Select(o => o.Id).SingleAsync();

        var orders = pair.Downstream.Services.GetRequiredService<OrderService>();
        var buyer = await DockingPair.BuyerIdAsync(pair.Downstream);
        // While the worker holds its claim (a create in flight), the cancel loses and nothing is refunded.
        await using (var db = pair.Downstream.NewContext())
            await db.Procurements.Where(p => p.OrderId == localId).ExecuteUpdateAsync(u => u.SetProperty(p => p.Status, ProcurementStatus.Submitted));
        Assert.Contains("上游", await orders.CancelForBuyerAsync(localId, buyer, "买家取消"));
        Assert.Equal(before - 210, await DockingPair.BalanceAsync(pair.Downstream));
        await using (var db = pair.Downstream.NewContext())
            await db.Procurements.Where(p => p.OrderId == localId).ExecuteUpdateAsync(u => u.SetProperty(p => p.Status, ProcurementStatus.Pending));

        Assert.Null(await orders.CancelForBuyerAsync(localId, buyer, "买家取消"));
        Assert.Equal(before, await DockingPair.BalanceAsync(pair.Downstream));
        await pair.Downstream.Services.GetRequiredService<ProcurementProcessor>().ProcessDueAsync();
        await using (var db = pair.Downstream.NewContext())
        {
            Assert.Equal(OrderStatus.Refunded, (await db.Orders.SingleAsync(o => o.Id == localId)).Status);
            Assert.Equal(ProcurementStatus.Failed, (await db.Procurements.SingleAsync(p => p.OrderId == localId)).Status);
        }
        Assert.Equal(upstreamBefore, await DockingPair.BalanceAsync(pair.Upstream));
        await using (var db = pair.Upstream.NewContext())
            Assert.False(await db.Orders.AnyAsync(o => o.ProductId == upId));
    }

    [Fact]
    public async Task The_backup_supplier_takes_over_when_the_primary_is_unreachable()
    {
        var key = Unique("BACKUP-KEY-");
        var upId = await pair.CreateUpstreamProductAsync(Unique("点券F-"), 200, key);
        var (real, _) = await pair.AddSupplierAsync("真上游");
        var productId = await pair.ImportAsync(real.Id, upId, MarkupKind.PlusAmount, "0.10", PriceRounding.Fen);
        var (dead, error) = await pair.Suppliers.AddAsync(DockingPair.Platform, Station.MainStationId, "已关停的上游", $"http://127.0.0.1:{DeadPort()}", "km_dead", "secret");
        Assert.Null(error);
        await using (var db = pair.Downstream.NewContext())
            await db.SupplierProducts.Where(l => l.ProductId == productId).ExecuteUpdateAsync(u => u.SetProperty(l => l.SupplierId, dead!.Id));
        int linkId;
        await using (var db = pair.Downstream.NewContext())
            linkId = await db.SupplierProducts.Where(l => l.ProductId == productId).Select(l => l.Id).SingleAsync();
        Assert.Null(await pair.Suppliers.SetBackupAsync(DockingPair.Platform, linkId, real.Id, upId));

        var checkout = await pair.BuyDownstreamAsync(productId);
        Assert.True(checkout.Succeeded, checkout.Error);
        var procurement = await pair.WorkQueueUntilDoneAsync(checkout.OrderNumber!);
        Assert.Equal(ProcurementStatus.Delivered, procurement.Status);
        Assert.True(procurement.OnBackup);
        Assert.Equal(real.Id, procurement.SupplierId);
        var view = await pair.Downstream.Services.GetRequiredService<OrderService>().GetForBuyerAsync(checkout.OrderNumber!, await DockingPair.BuyerIdAsync(pair.Downstream));
        Assert.Equal([key], view!.Keys);
        await using (var db = pair.Downstream.NewContext())
            Assert.True(await db.AuditEntries.AnyAsync(e => e.Action == "procurement.backup" && e.Target == checkout.OrderNumber));
    }

    [Fact]
    public async Task A_procurement_that_finally_fails_refunds_the_buyer_to_balance_and_alerts_the_owner()
    {
        var upId = await pair.CreateUpstreamProductAsync(Unique("点券G-"), 200, Unique("K-"));
        var (real, _) = await pair.AddSupplierAsync();
        var productId = await pair.ImportAsync(real.Id, upId, MarkupKind.PlusAmount, "0.10", PriceRounding.Fen);
        var (dead, _) = await pair.Suppliers.AddAsync(DockingPair.Platform, Station.MainStationId, "已关停的上游", $"http://127.0.0.1:{DeadPort()}", "km_dead", "secret");
        await using (var db = pair.Downstream.NewContext())
            await db.SupplierProducts.Where(l => l.ProductId == productId).ExecuteUpdateAsync(u => u.SetProperty(l => l.SupplierId, dead!.Id));
        var before = await DockingPair.BalanceAsync(pair.Downstream);

        var checkout = await pair.BuyDownstreamAsync(productId);
        Assert.Equal(before - 210, await DockingPair.BalanceAsync(pair.Downstream));
        var procurement = await pair.WorkQueueUntilDoneAsync(checkout.OrderNumber!);
        Assert.Equal(ProcurementStatus.Failed, procurement.Status);
        Assert.Equal(Procurement.AttemptsPerSupplier, procurement.Attempts);
        await using (var db = pair.Downstream.NewContext())
            Assert.Equal(OrderStatus.Refunded, (await db.Orders.SingleAsync(o => o.Number == checkout.OrderNumber)).Status);
        Assert.Equal(before, await DockingPair.BalanceAsync(pair.Downstream));
        Assert.Contains(pair.Downstream.Alerts.Alerts, a => a.Kind == SupplyAlertKind.ProcurementFailed && a.Subject == checkout.OrderNumber);
    }

    [Fact]
    public async Task Replayed_and_expired_signed_requests_from_the_downstream_client_are_refused()
    {
        var (_, endpoint) = await pair.AddSupplierAsync();
        var client = pair.Downstream.Services.GetRequiredService<SupplierClient>();
        var nonce = Unique("replay-");
        using (var first = await client.SendRawAsync(client.Build(endpoint, HttpMethod.Get, "ping", null, nonce: nonce)))
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        using (var replay = await client.SendRawAsync(client.Build(endpoint, HttpMethod.Get, "ping", null, nonce: nonce)))
            await AssertRefusedAsync(replay, "auth.replay");
        using (var stale = await client.SendRawAsync(client.Build(endpoint, HttpMethod.Get, "ping", null, timestamp: DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 301)))
            await AssertRefusedAsync(stale, "auth.timestamp");
        var ex = await Assert.ThrowsAsync<SupplierException>(() => client.PingAsync(endpoint with { Secret = "forged" }));
        Assert.Equal("auth.signature", ex.Code);
        Assert.False(ex.Unreachable);
    }

    static async Task AssertRefusedAsync(HttpResponseMessage response, string code)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(code, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("code").GetString());
    }

    /// <summary>A loopback port nobody listens on.</summary>
    internal static int DeadPort()
    {
        using var l = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}

public sealed class SqliteDockingChainTests(DockingPair pair) : DockingChainTests<DockingPair>(pair), IClassFixture<DockingPair>;

public sealed class PostgresDockingChainTests(PostgresDockingPair pair) : DockingChainTests<PostgresDockingPair>(pair), IClassFixture<PostgresDockingPair>;
