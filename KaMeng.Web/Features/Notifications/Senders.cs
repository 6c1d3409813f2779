using System.Net;
using System.Net.Mail;
using System.Text;
using KaMeng.Domain;

namespace KaMeng.Web.Features.Notifications;

/// <summary>Email over SMTP with System.Net.Mail (MailKit does not resolve here).</summary>
public sealed class EmailSender
{
    public async Task SendAsync(SmtpSettings smtp, string to, string subject, string body, CancellationToken ct = default)
    {
        if (!smtp.IsConfigured) throw new InvalidOperationException("未配置 SMTP 服务器");
        using var client = new SmtpClient(smtp.Host, smtp.Port) { EnableSsl = smtp.EnableSsl, DeliveryMethod = SmtpDeliveryMethod.Network, Timeout = 30_000 };
        if (!string.IsNullOrEmpty(smtp.UserName)) client.Credentials = new NetworkCredential(smtp.UserName, smtp.Password);
        using var message = new MailMessage(smtp.From, to, subject, body)
        {
            SubjectEncoding = Encoding.UTF8, BodyEncoding = Encoding.UTF8,
        };
        await client.SendMailAsync(message, ct);
    }
}

/// <summary>Webhook: an HTTP POST of the JSON event, signed with HMAC-SHA256 of the body under the endpoint's secret.</summary>
public sealed class WebhookSender(IHttpClientFactory http, ILogger<WebhookSender> log)
{
    public const string SignatureHeader = "X-KaMeng-Signature";
    public const string EventHeader = "X-KaMeng-Event";

    /// <summary>"sha256=" + lowercase hex of HMAC-SHA256(secret, body): what a receiver recomputes and compares.</summary>
    public static string Sign(string secret, string body) => "sha256=" + HmacHex.Sha256(secret, body);

    public static bool Verify(string secret, string body, string? signature) => HmacHex.Matches(Sign(secret, body), signature);

    public async Task SendAsync(string url, string secret, string eventName, string body, CancellationToken ct = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add(SignatureHeader, Sign(secret, body));
        request.Headers.Add(EventHeader, eventName);
        HttpResponseMessage response;
        try { response = await http.CreateClient("webhooks").SendAsync(request, ct); }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            // The delivery log shows the owner one message for every failure to connect (no port or address oracle).
            log.LogWarning(e, "Webhook delivery to {Url} failed", url);
            throw new HttpRequestException(OutboundGuard.Unreachable);
        }
        using var _ = response;
        if (!response.IsSuccessStatusCode) throw new HttpRequestException($"HTTP {(int)response.StatusCode}");
    }
}
