using System.Security.Cryptography;
using KaMeng.Data;
using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Notifications;

/// <summary>SMTP settings (platform), and each user's webhook and event → channel choices.</summary>
public sealed class NotificationSettingsService(IDbContextFactory<KaMengDbContext> dbFactory, EmailSender email, OutboundGuard guard)
{
    public async Task<SmtpSettings> GetSmtpAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.SmtpSettings.AsNoTracking().OrderBy(s => s.Id).FirstOrDefaultAsync(ct) ?? new SmtpSettings();
    }

    /// <summary>Saves the SMTP server with its 加密方式 (<paramref name="security"/>; null keeps what
    /// <paramref name="input"/> says); null on success, else why not, in Chinese.</summary>
    public async Task<string?> SaveSmtpAsync(SmtpSettings input, SmtpSecurity? security = null, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(input.Host)) return "请填写 SMTP 服务器地址";
        if (Uri.CheckHostName(input.Host.Trim()) == UriHostNameType.Unknown) return "SMTP 服务器地址无效：请填写域名或 IP，例如 smtp.example.com";
        if (input.Port is < 1 or > 65535) return "端口应在 1–65535 之间";
        var choice = security ?? input.Security;
        if (!System.Net.Mail.MailAddress.TryCreate(input.From, out _)) return "发件人地址无效";
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var row = await db.SmtpSettings.OrderBy(s => s.Id).FirstOrDefaultAsync(ct);
        if (row is null) db.SmtpSettings.Add(row = new SmtpSettings());
        row.Host = input.Host.Trim(); row.Port = input.Port; row.Security = choice; row.From = input.From.Trim();
        row.UserName = string.IsNullOrWhiteSpace(input.UserName) ? null : input.UserName.Trim();
        if (!string.IsNullOrEmpty(input.Password)) row.Password = input.Password;
        await db.SaveChangesAsync(ct);
        return null;
    }

    /// <summary>Sends a test mail with the saved settings; null on success, else the error in Chinese.</summary>
    public async Task<string?> SendTestAsync(string? to, CancellationToken ct = default)
    {
        if (!System.Net.Mail.MailAddress.TryCreate(to, out _)) return "请输入有效的收件地址";
        var smtp = await GetSmtpAsync(ct);
        if (!smtp.IsConfigured) return "请先保存 SMTP 设置";
        try
        {
            await email.SendAsync(smtp, to!, "[KaMeng] 测试邮件", "这是一封来自 KaMeng 卡盟后台的测试邮件，收到即表示 SMTP 设置正确。", ct);
            return null;
        }
        catch (Exception ex) { return "发送失败：" + ex.Message; }
    }

    public async Task<Dictionary<NotificationEvent, NotificationChannels>> GetPreferencesAsync(string userId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var saved = await db.NotificationPreferences.Where(p => p.UserId == userId).ToDictionaryAsync(p => p.Event, p => p.Channels, ct);
        return NotificationEventNames.Choosable.ToDictionary(e => e, e => saved.GetValueOrDefault(e, NotificationPreference.Default));
    }

    public async Task SavePreferencesAsync(string userId, IReadOnlyDictionary<NotificationEvent, NotificationChannels> choices, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var saved = await db.NotificationPreferences.Where(p => p.UserId == userId).ToDictionaryAsync(p => p.Event, ct);
        foreach (var (e, channels) in choices)
        {
            if (!saved.TryGetValue(e, out var row)) db.NotificationPreferences.Add(row = new NotificationPreference { UserId = userId, Event = e });
            row.Channels = channels;
        }
        await db.SaveChangesAsync(ct);
    }

    /// <summary>The account's email address, where 邮件 notifications go (null when none is set).</summary>
    public async Task<string?> GetEmailAsync(string userId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Users.Where(u => u.Id == userId).Select(u => u.Email).FirstOrDefaultAsync(ct);
    }

    public async Task<WebhookEndpoint?> GetWebhookAsync(string userId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.WebhookEndpoints.AsNoTracking().FirstOrDefaultAsync(w => w.UserId == userId, ct);
    }

    /// <summary>Saves the URL (http/https only); a new endpoint gets a random secret. Empty URL removes it.</summary>
    public async Task<string?> SaveWebhookAsync(string userId, string? url, CancellationToken ct = default)
    {
        Uri? uri = null;
        if (!string.IsNullOrWhiteSpace(url))
        {
            if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
                return "Webhook 地址必须是 http:// 或 https:// 开头的完整网址";
            if (await guard.CheckUrlAsync(uri, ct) is { } refused) return refused;
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var row = await db.WebhookEndpoints.FirstOrDefaultAsync(w => w.UserId == userId, ct);
        if (uri is null)
        {
            if (row is not null) db.WebhookEndpoints.Remove(row);
            await db.SaveChangesAsync(ct);
            return null;
        }
        if (row is null) db.WebhookEndpoints.Add(row = new WebhookEndpoint { UserId = userId, Url = uri.ToString(), Secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)) });
        row.Url = uri.ToString();
        await db.SaveChangesAsync(ct);
        return null;
    }
}
