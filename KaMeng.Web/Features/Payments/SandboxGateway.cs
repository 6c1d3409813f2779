using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using KaMeng.Data;
using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Payments;

/// <summary>
/// Development only: a gateway inside the app that speaks the EPay protocol (submit.php, api.php, a signed server-side
/// notify), so demos and browser tests exercise the real notify path. Point a gateway's base URL at
/// {app}/pay/sandbox/ with any pid and key. Never mapped outside Development (see <see cref="PaymentsSetup"/>).
/// </summary>
public sealed class SandboxGateway(IDbContextFactory<KaMengDbContext> dbFactory, GatewayKeys keys, IHttpClientFactory http, ILogger<SandboxGateway> log)
{
    public const string BasePath = "/pay/sandbox";

    sealed record Trade(string TradeNo, string Pid, string OutTradeNo, string Type, string Name, string Money);

    /// <summary>What the sandbox "gateway" has been paid, for api.php?act=order.</summary>
    readonly ConcurrentDictionary<(string Pid, string OutTradeNo), Trade> trades = new();

    /// <summary>Refunds made, by out_refund_no: the same refund asked again is answered again, never paid twice.</summary>
    readonly ConcurrentDictionary<string, (string TradeNo, string Money, string RefundNo)> refunds = new();

    /// <summary>Refunds made so far (for tests and the demo).</summary>
    public int RefundCount => refunds.Count;

    static readonly string[] SubmitFields = ["pid", "type", "out_trade_no", "notify_url", "return_url", "name", "money", "sign", "sign_type"];

    public static void Map(IEndpointRouteBuilder app)
    {
        var group = app.MapGroup(BasePath).ExcludeFromDescription();
        group.MapGet("/submit.php", (HttpRequest request, SandboxGateway sandbox, CancellationToken ct) => sandbox.ShowAsync(request, ct));
        group.MapPost("/submit.php", (HttpRequest request, SandboxGateway sandbox, CancellationToken ct) => sandbox.ActAsync(request, ct)).DisableAntiforgery();
        group.MapGet("/api.php", (HttpRequest request, SandboxGateway sandbox, CancellationToken ct) => sandbox.QueryAsync(request, ct));
        group.MapPost("/api.php", (HttpRequest request, SandboxGateway sandbox, CancellationToken ct) => sandbox.RefundAsync(request, ct)).DisableAntiforgery();
    }

    /// <summary>The key of the sandbox-pointed gateway with this pid whose key verifies the signature, or null.</summary>
    async Task<string?> KeyForAsync(IReadOnlyDictionary<string, string?> p, CancellationToken ct)
    {
        var pid = p.GetValueOrDefault("pid");
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var candidates = await db.PaymentGateways.AsNoTracking().Where(g => g.Pid == pid).ToListAsync(ct);
        return candidates.Select(g => keys.Unprotect(g.KeyCipher)).FirstOrDefault(key => EPaySignature.Verify(p, p.GetValueOrDefault("sign"), key));
    }

    static Dictionary<string, string?> Read(IEnumerable<KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues>> source) =>
        source.Where(kv => SubmitFields.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => (string?)kv.Value.ToString(), StringComparer.Ordinal);

    async Task<IResult> ShowAsync(HttpRequest request, CancellationToken ct)
    {
        var p = Read(request.Query);
        if (await KeyForAsync(p, ct) is null) return Page("签名错误", "<p data-testid=\"sandbox-error\">签名校验失败（sign 错误或商户不存在）。</p>", 400);
        string E(string name) => WebUtility.HtmlEncode(p.GetValueOrDefault(name) ?? "");
        var hidden = string.Concat(p.Select(kv => $"<input type=\"hidden\" name=\"{WebUtility.HtmlEncode(kv.Key)}\" value=\"{WebUtility.HtmlEncode(kv.Value)}\">"));
        var body = $"""
            <dl>
              <dt>商户号</dt><dd>{E("pid")}</dd>
              <dt>订单号</dt><dd data-testid="sandbox-order">{E("out_trade_no")}</dd>
              <dt>商品</dt><dd>{E("name")}</dd>
              <dt>支付方式</dt><dd>{WebUtility.HtmlEncode(EPayChannels.DisplayName(p.GetValueOrDefault("type") ?? ""))}</dd>
              <dt>金额</dt><dd class="money" data-testid="sandbox-money">¥{E("money")}</dd>
            </dl>
            <form method="post">{hidden}
              <button name="action" value="pay" class="pay" data-testid="sandbox-pay">模拟支付成功</button>
              <button name="action" value="fail" class="fail" data-testid="sandbox-fail">模拟支付失败</button>
              <button name="action" value="silent" class="silent" data-testid="sandbox-silent">支付但不发通知（测试补单）</button>
            </form>
            """;
        return Page("沙箱收银台", body, 200);
    }

    async Task<IResult> ActAsync(HttpRequest request, CancellationToken ct)
    {
        if (!request.HasFormContentType) return Page("请求无效", "<p>请求格式不正确。</p>", 400);
        var form = await request.ReadFormAsync(ct);
        var p = Read(form);
        var key = await KeyForAsync(p, ct);
        if (key is null) return Page("签名错误", "<p>签名校验失败。</p>", 400);
        var action = form["action"].ToString();
        var returnUrl = p.GetValueOrDefault("return_url") ?? "/";
        if (action == "fail") return Results.Redirect(returnUrl);

        var trade = trades.GetOrAdd((p["pid"]!, p["out_trade_no"]!), k =>
            new Trade("SBX" + DateTime.UtcNow.ToString("yyyyMMddHHmmss") + RandomNumberGenerator.GetInt32(100000, 999999), k.Pid, k.OutTradeNo, p["type"]!, p.GetValueOrDefault("name") ?? "", p["money"]!));
        var query = NotifyQuery(trade, key);
        if (action == "pay" && p.GetValueOrDefault("notify_url") is { Length: > 0 } notifyUrl)
        {
            // Server to server, as a real gateway does; the browser never carries the notify.
            try
            {
                var answer = await http.CreateClient(EPayReconciliation.HttpClientName).GetStringAsync(notifyUrl + (notifyUrl.Contains('?') ? "&" : "?") + query, ct);
                log.LogInformation("Sandbox notify for {No} answered {Answer}", trade.OutTradeNo, answer);
            }
            catch (HttpRequestException e)
            {
                log.LogWarning(e, "Sandbox notify for {No} failed", trade.OutTradeNo);
            }
        }
        return Results.Redirect(returnUrl + (returnUrl.Contains('?') ? "&" : "?") + query);
    }

    static string NotifyQuery(Trade trade, string key) => EPaySignature.SignedQuery(new Dictionary<string, string?>
    {
        ["pid"] = trade.Pid, ["trade_no"] = trade.TradeNo, ["out_trade_no"] = trade.OutTradeNo, ["type"] = trade.Type,
        ["name"] = trade.Name, ["money"] = trade.Money, ["trade_status"] = "TRADE_SUCCESS",
    }, key);

    async Task<IResult> QueryAsync(HttpRequest request, CancellationToken ct)
    {
        var pid = request.Query["pid"].ToString();
        var key = request.Query["key"].ToString();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var known = (await db.PaymentGateways.AsNoTracking().Where(g => g.Pid == pid).ToListAsync(ct)).Any(g => keys.Unprotect(g.KeyCipher) == key);
        if (request.Query["act"] != "order" || !known) return Results.Json(new { code = -1, msg = "KEY校验失败" });
        if (!trades.TryGetValue((pid, request.Query["out_trade_no"].ToString()), out var trade)) return Results.Json(new { code = -1, msg = "订单号不存在" });
        return Results.Json(new { code = 1, msg = "查询订单号成功！", trade_no = trade.TradeNo, out_trade_no = trade.OutTradeNo, type = trade.Type, pid = trade.Pid, name = trade.Name, money = trade.Money, status = 1 });
    }

    /// <summary>api.php?act=refund (POST form: pid, key, trade_no, money, out_refund_no). Refuses an unknown trade, a refund
    /// above what was paid minus earlier refunds, and a wrong key; the same out_refund_no again is answered as before.</summary>
    async Task<IResult> RefundAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.Query["act"] != "refund") return Results.Json(new { code = -1, msg = "不支持的操作" });
        if (!request.HasFormContentType) return Results.Json(new { code = -1, msg = "请求格式不正确" }, statusCode: 400);
        var form = await request.ReadFormAsync(ct);
        var pid = form["pid"].ToString();
        var key = form["key"].ToString();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var known = (await db.PaymentGateways.AsNoTracking().Where(g => g.Pid == pid).ToListAsync(ct)).Any(g => keys.Unprotect(g.KeyCipher) == key);
        if (!known) return Results.Json(new { code = -1, msg = "KEY校验失败" });
        var tradeNo = form["trade_no"].ToString();
        var refundNo = form["out_refund_no"].ToString();
        if (string.IsNullOrEmpty(refundNo)) return Results.Json(new { code = -1, msg = "缺少退款单号" });
        if (refunds.TryGetValue(refundNo, out var done))
            return done.TradeNo == tradeNo && done.Money == form["money"].ToString()
                ? Results.Json(new { code = 1, msg = "退款成功", refund_no = done.RefundNo })
                : Results.Json(new { code = -1, msg = "退款单号已用于另一笔退款" });
        var trade = trades.Values.FirstOrDefault(t => t.Pid == pid && t.TradeNo == tradeNo);
        // A payment completed by a hand-made notify (tests) is not in the sandbox's memory: the database's record stands in.
        var paid = trade?.Money ?? (await db.GatewayPayments.AsNoTracking().Where(p => p.TradeNo == tradeNo && p.Status != GatewayPaymentStatus.Pending)
            .Select(p => (Money?)p.Amount).FirstOrDefaultAsync(ct))?.ToDecimalString();
        if (paid is null) return Results.Json(new { code = -1, msg = "交易不存在" });
        if (!EPayAmount.TryParse(form["money"].ToString(), out var money) || !EPayAmount.TryParse(paid, out var total)) return Results.Json(new { code = -1, msg = "金额格式错误" });
        var before = refunds.Values.Where(r => r.TradeNo == tradeNo).Sum(r => EPayAmount.TryParse(r.Money, out var m) ? m.Fen : 0);
        if (money.Fen <= 0 || before + money.Fen > total.Fen) return Results.Json(new { code = -1, msg = "退款金额超出可退金额" });
        var made = refunds.GetOrAdd(refundNo, _ => (tradeNo, form["money"].ToString(), "SBXR" + DateTime.UtcNow.ToString("yyyyMMddHHmmss") + RandomNumberGenerator.GetInt32(100000, 999999)));
        log.LogInformation("Sandbox refund {RefundNo} of {Money} on {TradeNo}", refundNo, made.Money, tradeNo);
        return Results.Json(new { code = 1, msg = "退款成功", refund_no = made.RefundNo });
    }

    static IResult Page(string title, string body, int status) => Results.Content($$"""
        <!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · 易支付沙箱</title>
        <style>body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem;color:#222}
        .banner{background:#fff3cd;border:1px solid #e0c060;padding:.5rem .75rem;border-radius:6px}dl{display:grid;grid-template-columns:6rem 1fr;gap:.4rem}
        dt{color:#666}dd{margin:0;word-break:break-all}.money{font-size:1.5rem;color:#d4380d;font-weight:600}
        button{display:block;width:100%;padding:.8rem;margin:.5rem 0;border-radius:6px;border:0;font-size:1rem;cursor:pointer}
        .pay{background:#1677ff;color:#fff}.fail{background:#eee}.silent{background:#fff;border:1px dashed #999}</style></head>
        <body><p class="banner">开发环境沙箱网关：不会产生真实扣款。</p><h1>{{title}}</h1>{{body}}</body></html>
        """, "text/html; charset=utf-8", Encoding.UTF8, status);
}
