using System.Text.Json;
using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Orders;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Payments;

/// <summary>
/// EPay's refund call: POST api.php?act=refund with pid, key, the gateway's trade_no (and our out_trade_no), money, and
/// out_refund_no = our refund's number, so a gateway that knows the refund answers it again instead of paying twice.
/// Sent to the gateway the order was paid with. Runs outside any database transaction (see <see cref="RefundService"/>).
/// </summary>
public sealed class EPayRefunds(IDbContextFactory<KaMengDbContext> dbFactory, IHttpClientFactory http, GatewayKeys keys) : IRefundGateway
{
    public async Task<GatewayRefundAnswer> RefundAsync(GatewayRefundCall call, CancellationToken ct)
    {
        GatewayPayment? payment;
        PaymentGateway? gateway = null;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            payment = await db.GatewayPayments.AsNoTracking()
                .Where(p => p.OrderId == call.OrderId && p.Kind == GatewayPaymentKind.Order && p.Status != GatewayPaymentStatus.Pending && p.TradeNo != null)
                .OrderBy(p => p.Id).FirstOrDefaultAsync(ct);
            if (payment is not null) gateway = await db.PaymentGateways.AsNoTracking().SingleOrDefaultAsync(g => g.Id == payment.GatewayId, ct);
        }
        if (payment is null || gateway is null) return new(false, null, "找不到该订单的网关支付记录");
        var form = new Dictionary<string, string>
        {
            ["pid"] = gateway.Pid, ["key"] = keys.Unprotect(gateway.KeyCipher), ["trade_no"] = payment.TradeNo!, ["out_trade_no"] = payment.OutTradeNo,
            ["money"] = call.Amount.ToDecimalString(), ["out_refund_no"] = call.RefundNumber,
        };
        using var response = await http.CreateClient(EPayReconciliation.HttpClientName).PostAsync($"{gateway.BaseUrl}api.php?act=refund", new FormUrlEncodedContent(form), ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        using var doc = JsonDocument.Parse(body);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object) return new(false, null, "网关返回格式错误");
        var code = Text(root, "code");
        var msg = Text(root, "msg");
        return code == "1"
            ? new(true, Text(root, "refund_no") ?? Text(root, "trade_no") ?? payment.TradeNo, null)
            : new(false, null, $"网关拒绝退款：{msg ?? body}");
    }

    static string? Text(JsonElement root, string name) => root.TryGetProperty(name, out var v)
        ? v.ValueKind switch { JsonValueKind.String => v.GetString(), JsonValueKind.Number => v.GetRawText(), _ => null }
        : null;
}
