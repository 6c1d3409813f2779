using System.Security.Claims;
using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Orders;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Payments;

/// <summary>What the return page shows: the payment's real status (never what the browser's query says), and the keys
/// once delivered to whoever may see them.</summary>
public sealed record PaymentResultView(GatewayPayment Payment, OrderView? Order);

/// <summary>
/// The return URL's data. A signed-in buyer sees their own payments; a guest sees the payments started in this browser,
/// remembered by a Data Protection-signed cookie set at checkout (otherwise: 查单 with contact + query password).
/// </summary>
public sealed class PaymentResults(IDbContextFactory<KaMengDbContext> dbFactory, OrderService orders, IDataProtectionProvider protection)
{
    readonly IDataProtector protector = protection.CreateProtector("KaMeng.Payments.GuestAccess.v1");
    readonly IDataProtector passwordProtector = protection.CreateProtector("KaMeng.Payments.GuestQueryPassword.v1");

    static string CookieName(string outTradeNo) => "km_pay_" + outTradeNo;
    static string PasswordCookieName(string outTradeNo) => "km_qp_" + outTradeNo;

    /// <param name="queryPassword">Kept (encrypted, in this browser only) so the result page can show the guest what to keep
    /// and copy it with the order number when no mail will be sent (issue 18 §2).</param>
    public void RememberGuestPayment(HttpContext http, string outTradeNo, string? queryPassword = null)
    {
        var options = new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Lax, Path = "/", MaxAge = TimeSpan.FromDays(7), Secure = http.Request.IsHttps };
        http.Response.Cookies.Append(CookieName(outTradeNo), protector.Protect(outTradeNo), options);
        if (!string.IsNullOrEmpty(queryPassword) && queryPassword.Length <= 32)
            http.Response.Cookies.Append(PasswordCookieName(outTradeNo), passwordProtector.Protect(outTradeNo + "\n" + queryPassword), options);
    }

    /// <summary>The query password the guest set for this payment in this browser, or null.</summary>
    public string? GuestQueryPassword(HttpContext http, string outTradeNo)
    {
        if (http.Request.Cookies[PasswordCookieName(outTradeNo)] is not { } value) return null;
        try
        {
            var text = passwordProtector.Unprotect(value);
            return text.StartsWith(outTradeNo + "\n", StringComparison.Ordinal) ? text[(outTradeNo.Length + 1)..] : null;
        }
        catch (System.Security.Cryptography.CryptographicException) { return null; }
    }

    bool HasGuestCookie(HttpContext http, string outTradeNo)
    {
        if (http.Request.Cookies[CookieName(outTradeNo)] is not { } value) return false;
        try { return protector.Unprotect(value) == outTradeNo; }
        catch (System.Security.Cryptography.CryptographicException) { return false; }
    }

    /// <summary>The payment at this station, if the viewer may see it; null otherwise (absent and forbidden look the same).</summary>
    public async Task<PaymentResultView?> GetAsync(int stationId, string outTradeNo, HttpContext http, CancellationToken ct = default)
    {
        if (outTradeNo.Length > 32) return null;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var payment = await db.GatewayPayments.AsNoTracking().SingleOrDefaultAsync(p => p.OutTradeNo == outTradeNo && p.StationId == stationId, ct);
        if (payment is null) return null;
        var userId = http.User.FindFirstValue(ClaimTypes.NameIdentifier);
        var allowed = payment.UserId is not null ? payment.UserId == userId : HasGuestCookie(http, outTradeNo);
        if (!allowed) return null;
        if (payment.OrderId is not long orderId) return new PaymentResultView(payment, null);
        var order = await db.Orders.AsNoTracking().SingleAsync(o => o.Id == orderId, ct);
        return new PaymentResultView(payment, new OrderView(order, await orders.KeysOfAsync(db, order, ct)));
    }
}
