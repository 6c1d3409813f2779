using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Outbound;
using KaMeng.Web.Features.Payments;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KaMeng.Tests.Outbound;

/// <summary>The 支付补单 job used to call an owner's loopback gateway every few minutes: with the guard on it never
/// reaches it, and a plain-http gateway is refused at request time outside Development.</summary>
public class ReconciliationGuardTests
{
    static async Task<CommerceHarness> HarnessAsync(bool allowPrivate, bool allowHttp) =>
        await CommerceHarness.CreateAsync(DatabaseProvider.Sqlite, s =>
        {
            s.AddPaymentServices();
            s.Configure<OutboundOptions>(o => { o.AllowPrivateNetworks = allowPrivate; o.AllowHttpGateways = allowHttp; });
        });

    /// <summary>A gateway saved before the rule (written directly) and one pending recharge to ask it about.</summary>
    static async Task PendingPaymentAtAsync(CommerceHarness h, string baseUrl)
    {
        await using var db = h.Db.NewContext();
        var gateway = await db.PaymentGateways.SingleOrDefaultAsync(g => g.StationId == Station.MainStationId);
        if (gateway is null)
            db.PaymentGateways.Add(gateway = new PaymentGateway { StationId = Station.MainStationId, BaseUrl = baseUrl, Pid = "1001", KeyCipher = "" });
        gateway.BaseUrl = baseUrl;
        gateway.KeyCipher = h.Get<GatewayKeys>().Protect("merchant-key-1");
        gateway.Enabled = true;
        await db.SaveChangesAsync();
        var buyer = await db.Users.SingleAsync(u => u.UserName == "demo-buyer");
        db.GatewayPayments.Add(new GatewayPayment
        {
            OutTradeNo = "R" + OrderNumber.New(DateTimeOffset.UtcNow)[1..], StationId = Station.MainStationId, GatewayId = gateway.Id, Channel = "alipay",
            Kind = GatewayPaymentKind.Recharge, UserId = buyer.Id, Amount = Money.FromYuan(10), CreatedAt = DateTimeOffset.UtcNow,
        });
        await db.SaveChangesAsync();
    }

    [Theory]
    [InlineData(false, true)]  // private networks refused
    [InlineData(true, false)]  // plain http to a gateway refused
    public async Task The_reconciliation_never_reaches_a_refused_gateway(bool allowPrivate, bool allowHttp)
    {
        await using var server = new LoopbackServer(_ => LoopbackServer.Ok("{\"code\":1,\"status\":1}"));
        await using var h = await HarnessAsync(allowPrivate, allowHttp);
        await PendingPaymentAtAsync(h, server.Url);
        var result = await h.Get<EPayReconciliation>().ReconcileAsync();
        Assert.Equal((1, 1, 0), (result.Checked, result.Errors, result.Completed));
        Assert.Equal(0, server.Accepted);
    }

    [Fact]
    public async Task With_both_allowed_the_reconciliation_asks_the_loopback_gateway()
    {
        await using var server = new LoopbackServer(_ => LoopbackServer.Ok("{\"code\":1,\"status\":0}"));
        await using var h = await HarnessAsync(allowPrivate: true, allowHttp: true);
        await PendingPaymentAtAsync(h, server.Url);
        var result = await h.Get<EPayReconciliation>().ReconcileAsync();
        Assert.Equal((1, 0), (result.Checked, result.Errors));
        Assert.Equal(1, server.Accepted);
    }
}
