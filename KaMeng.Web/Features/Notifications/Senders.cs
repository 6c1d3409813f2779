using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using KaMeng.Domain;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using MimeKit.Text;

namespace KaMeng.Web.Features.Notifications;

/// <summary>How <see cref="EmailSender"/> talks to SMTP servers. Production registers the defaults.</summary>
public sealed class MailTransportOptions
{
    /// <summary>The most one mail may take, from connecting to the server's last answer: a dead or silent server
    /// fails the attempt (retried later by the dispatcher) instead of holding it.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Tests only: lets a test trust the self-signed certificate of its local SMTP server. Production leaves it
    /// null, so certificates are validated as usual (a trusted chain for the host name).</summary>
    public RemoteCertificateValidationCallback? CertificateValidationForTests { get; init; }
}

/// <summary>
/// Email over SMTP with MailKit: SSL/TLS from the first byte (465, which QQ and 163 mail need and System.Net.Mail could
/// not do), STARTTLS, or plain for a local relay, as the settings' 加密方式 says. Every failure is an
/// <see cref="EmailSendException"/> whose message tells the owner in Chinese what to check.
/// </summary>
public sealed class EmailSender(MailTransportOptions options)
{
    public async Task SendAsync(SmtpSettings smtp, string to, string subject, string body, CancellationToken ct = default)
    {
        if (smtp.Host is not { } host || !smtp.IsConfigured) throw new InvalidOperationException("未配置 SMTP 服务器");
        if (!MailboxAddress.TryParse(smtp.From, out var from)) throw new EmailSendException("发件人地址无效：" + smtp.From);
        if (!MailboxAddress.TryParse(to, out var recipient)) throw new EmailSendException("收件地址无效：" + to);
        using var message = new MimeMessage();
        message.From.Add(from);
        message.To.Add(recipient);
        message.Subject = subject;
        message.Body = new TextPart(TextFormat.Plain) { Text = body };

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(options.Timeout);
        using var client = new SmtpClient { Timeout = (int)options.Timeout.TotalMilliseconds };
        if (options.CertificateValidationForTests is { } validation) client.ServerCertificateValidationCallback = validation;
        var step = Step.Connect;
        try
        {
            await client.ConnectAsync(host, smtp.Port, SocketOptionsFor(smtp), deadline.Token);
            if (!string.IsNullOrEmpty(smtp.UserName))
            {
                step = Step.Login;
                await client.AuthenticateAsync(smtp.UserName, smtp.Password ?? "", deadline.Token);
            }
            step = Step.Send;
            await client.SendAsync(message, deadline.Token);
        }
        catch (Exception e) when (!ct.IsCancellationRequested && e is not EmailSendException)
        {
            throw new EmailSendException(Explain(e, step, smtp), e);
        }
        // The server has accepted the mail: a failed goodbye must not make the dispatcher send it twice.
        try { await client.DisconnectAsync(true, deadline.Token); }
        catch (Exception) when (!ct.IsCancellationRequested) { }
    }

    enum Step { Connect, Login, Send }

    static SecureSocketOptions SocketOptionsFor(SmtpSettings smtp) => smtp.Security switch
    {
        SmtpSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
        SmtpSecurity.StartTls => SecureSocketOptions.StartTls,
        SmtpSecurity.None => SecureSocketOptions.None,
        _ => smtp.Port == SmtpSecurityRules.ImplicitTlsPort ? SecureSocketOptions.SslOnConnect : SecureSocketOptions.StartTlsWhenAvailable,
    };

    string Explain(Exception e, Step step, SmtpSettings smtp)
    {
        var server = $"{smtp.Host}:{smtp.Port}";
        switch (e)
        {
            case OperationCanceledException or TimeoutException:
            case IOException { InnerException: SocketException { SocketErrorCode: SocketError.TimedOut } }:
                return $"SMTP 服务器 {server} 在 {options.Timeout.TotalSeconds:0} 秒内没有响应（请检查服务器地址和端口；"
                    + "若该端口是 SSL/TLS 端口，加密方式请选「SSL/TLS」）";
            case SocketException s:
                return $"无法连接 SMTP 服务器 {server}：" + s.SocketErrorCode switch
                {
                    SocketError.ConnectionRefused => "连接被拒绝，请检查端口",
                    SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => "找不到该服务器，请检查服务器地址",
                    SocketError.TimedOut => "连接超时",
                    _ => "网络不通（" + s.SocketErrorCode + "）",
                };
            case SslHandshakeException:
                return $"无法与 SMTP 服务器 {server} 建立加密连接：服务器证书不受信任，或加密方式与端口不符"
                    + "（465 端口选「SSL/TLS」，587 端口选「STARTTLS」）";
            case AuthenticationException:
                return "SMTP 登录失败：用户名或密码错误（QQ 邮箱、163 邮箱请填写授权码，而不是邮箱的登录密码）";
            case NotSupportedException when step == Step.Connect:
                return $"SMTP 服务器 {server} 不支持 STARTTLS：请改选「SSL/TLS」或换用该服务商的加密端口";
            case NotSupportedException when step == Step.Login:
                return $"SMTP 服务器 {server} 不接受登录：多数服务器只在加密连接上允许登录，请检查加密方式";
            case SmtpCommandException c:
                var reply = $"（服务器答复 {(int)c.StatusCode}：{c.Message.Trim()}）";
                return c.ErrorCode switch
                {
                    SmtpErrorCode.SenderNotAccepted => "SMTP 服务器不接受此发件人，发件人通常须与登录账号一致" + reply,
                    SmtpErrorCode.RecipientNotAccepted => $"SMTP 服务器不接受收件地址 {c.Mailbox}" + reply,
                    _ => "SMTP 服务器拒收了这封邮件" + reply,
                };
            case SmtpProtocolException or IOException or ServiceNotConnectedException:
                return $"与 SMTP 服务器 {server} 的连接意外中断：" + e.Message;
            default:
                return "发送邮件出错：" + e.Message;
        }
    }
}

/// <summary>A mail that could not be sent; the message is for the owner (Chinese, says what to check).</summary>
public sealed class EmailSendException(string message, Exception? inner = null) : Exception(message, inner);

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
