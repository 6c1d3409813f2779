using KaMeng.Domain;
using KaMeng.Web.Features.Payments;
using Microsoft.Extensions.Primitives;

namespace KaMeng.Tests.Payments;

/// <summary>What a gateway sends to the notify URL: the parameters of a successful payment, signed with the merchant key.</summary>
static class SignedNotify
{
    /// <summary>As <see cref="EPayNotifications.HandleAsync"/> receives them.</summary>
    public static Dictionary<string, StringValues> Parameters(string outTradeNo, string money, string key, string tradeNo = "2026112200000001",
        string type = "alipay", string pid = "1001", string status = "TRADE_SUCCESS") =>
        EPaySignature.Signed(Unsigned(outTradeNo, money, tradeNo, type, pid, status), key).ToDictionary(kv => kv.Key, kv => new StringValues(kv.Value));

    /// <summary>The same as a query string (without the leading '?').</summary>
    public static string Query(string outTradeNo, string money, string tradeNo, string key) =>
        EPaySignature.SignedQuery(Unsigned(outTradeNo, money, tradeNo, "alipay", "1001", "TRADE_SUCCESS"), key);

    static Dictionary<string, string?> Unsigned(string outTradeNo, string money, string tradeNo, string type, string pid, string status) => new()
    {
        ["pid"] = pid, ["trade_no"] = tradeNo, ["out_trade_no"] = outTradeNo, ["type"] = type, ["name"] = outTradeNo,
        ["money"] = money, ["trade_status"] = status,
    };
}
