namespace KaMeng.Domain;

/// <summary>What an owner can be told about. Stored as its number: never renumber.</summary>
public enum NotificationEvent
{
    LowStock = 1,
    OrderFailed = 2,
    WithdrawalDecided = 3,
    ReportReady = 4,
    SubstationOpened = 5,
    System = 6,
    SupplyProblem = 7,
    /// <summary>A guest's gateway-paid order was delivered: the mail with its keys goes to the contact address (no user).</summary>
    GuestOrderDelivered = 8,
    /// <summary>An order paid to the owner's own gateway waits: the owner's 预存款 does not cover the platform's share.</summary>
    DepositShort = 9,
    /// <summary>A flash sale was paused: a cost rise put its price below the station's cost.</summary>
    PromotionPaused = 10,
}

[Flags]
public enum NotificationChannels
{
    None = 0,
    InApp = 1,
    Email = 2,
    Webhook = 4,
}

public static class NotificationEventNames
{
    public static string Of(NotificationEvent e) => e switch
    {
        NotificationEvent.LowStock => "库存不足",
        NotificationEvent.OrderFailed => "订单失败",
        NotificationEvent.WithdrawalDecided => "提现审核结果",
        NotificationEvent.ReportReady => "报表已生成",
        NotificationEvent.SubstationOpened => "新开下级分站",
        NotificationEvent.SupplyProblem => "上游供货异常",
        NotificationEvent.GuestOrderDelivered => "游客订单发货邮件",
        NotificationEvent.DepositShort => "预存款不足",
        NotificationEvent.PromotionPaused => "促销活动暂停",
        _ => "系统通知",
    };

    public static readonly NotificationEvent[] Choosable =
        [NotificationEvent.LowStock, NotificationEvent.OrderFailed, NotificationEvent.WithdrawalDecided, NotificationEvent.ReportReady, NotificationEvent.SubstationOpened, NotificationEvent.SupplyProblem, NotificationEvent.DepositShort, NotificationEvent.PromotionPaused];
}

/// <summary>站内信: one message in one user's notification centre.</summary>
public class Notification
{
    public long Id { get; set; }
    public required string UserId { get; set; }
    public NotificationEvent Event { get; set; }
    public required string Title { get; set; }
    public string? Body { get; set; }
    /// <summary>A link inside the site (a download, the product), or null.</summary>
    public string? Link { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? ReadAt { get; set; }

    public bool IsRead => ReadAt is not null;

    public void MarkRead(DateTimeOffset now) => ReadAt ??= now;
}

/// <summary>Which channels a user wants for one event. No row: the in-app centre only.</summary>
public class NotificationPreference
{
    public long Id { get; set; }
    public required string UserId { get; set; }
    public NotificationEvent Event { get; set; }
    public NotificationChannels Channels { get; set; } = NotificationChannels.InApp;

    public static NotificationChannels Default => NotificationChannels.InApp;
}

/// <summary>Where a user's webhook goes and the secret its HMAC-SHA256 signature is made with.</summary>
public class WebhookEndpoint
{
    public long Id { get; set; }
    public required string UserId { get; set; }
    public required string Url { get; set; }
    public required string Secret { get; set; }
}

public enum DeliveryStatus { Pending = 0, Sent = 1, Failed = 2 }

/// <summary>One email or webhook delivery of a notification, with its attempts: the outbox and the delivery log.</summary>
public class NotificationDelivery
{
    public const int MaxAttempts = 5;

    public long Id { get; set; }
    /// <summary>The recipient; null for a guest's order mail, which goes to <see cref="Target"/> alone.</summary>
    public string? UserId { get; set; }
    /// <summary>The order a guest's mail is about. Its body (with the card keys) is composed when it is sent, so no secret
    /// is ever stored here in clear.</summary>
    public long? OrderId { get; set; }
    public NotificationEvent Event { get; set; }
    public NotificationChannels Channel { get; set; }
    /// <summary>Email address or webhook URL.</summary>
    public required string Target { get; set; }
    public required string Title { get; set; }
    /// <summary>The JSON event (webhook) or the text (email).</summary>
    public required string Payload { get; set; }
    public DeliveryStatus Status { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset NextAttemptAt { get; set; }
    public DateTimeOffset? SentAt { get; set; }
    public string? LastError { get; set; }

    public void Succeeded(DateTimeOffset now)
    {
        Attempts++;
        Status = DeliveryStatus.Sent;
        SentAt = now;
        LastError = null;
    }

    /// <summary>A failed attempt: retried with exponential backoff (30 s, 1 min, 2 min, …) until <see cref="MaxAttempts"/>.</summary>
    public void AttemptFailed(string error, DateTimeOffset now, TimeSpan? baseDelay = null)
    {
        Attempts++;
        LastError = error.Length > 1000 ? error[..1000] : error;
        if (Attempts >= MaxAttempts)
        {
            Status = DeliveryStatus.Failed;
            return;
        }
        var delay = (baseDelay ?? TimeSpan.FromSeconds(30)) * Math.Pow(2, Attempts - 1);
        NextAttemptAt = now + delay;
    }
}

/// <summary>The platform's SMTP server (one row).</summary>
public class SmtpSettings
{
    public int Id { get; set; }
    public string? Host { get; set; }
    /// <summary>465 by default: QQ and 163 mail, which most owners use, take SSL/TLS there.</summary>
    public int Port { get; set; } = SmtpSecurityRules.ImplicitTlsPort;
    /// <summary>加密方式 (自动 by default: SSL/TLS on 465, STARTTLS elsewhere when offered).</summary>
    public SmtpSecurity Security { get; set; } = SmtpSecurity.Auto;
    public string? UserName { get; set; }
    public string? Password { get; set; }
    public string From { get; set; } = "noreply@kameng.local";

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Host);
}

/// <summary>How the connection to the SMTP server is secured (加密方式).</summary>
public enum SmtpSecurity
{
    /// <summary>自动: SSL/TLS on port 465, elsewhere STARTTLS when the server offers it.</summary>
    Auto,
    /// <summary>SSL/TLS from the first byte (implicit TLS, "SMTPS"), as on 465.</summary>
    SslOnConnect,
    /// <summary>STARTTLS, required: the mail is not sent if the server does not offer it.</summary>
    StartTls,
    /// <summary>无加密: only for a relay on the local machine or network.</summary>
    None,
}

/// <summary>The 加密方式's port convention and names.</summary>
public static class SmtpSecurityRules
{
    /// <summary>The implicit-TLS port (QQ and 163 mail): 自动 takes SSL/TLS there.</summary>
    public const int ImplicitTlsPort = 465;

    /// <summary>The Chinese name shown in the settings.</summary>
    public static string NameOf(SmtpSecurity security) => security switch
    {
        SmtpSecurity.Auto => "自动",
        SmtpSecurity.SslOnConnect => "SSL/TLS",
        SmtpSecurity.StartTls => "STARTTLS",
        _ => "无加密",
    };
}
