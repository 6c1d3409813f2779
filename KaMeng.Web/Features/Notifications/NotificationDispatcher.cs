using KaMeng.Data;
using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Notifications;

/// <summary>
/// Background delivery: writes queued requests, then sends due email/webhook deliveries, each attempt logged on its
/// row (retried with backoff, given up after <see cref="NotificationDelivery.MaxAttempts"/>). Nothing here runs
/// inside a business transaction.
/// </summary>
public sealed class NotificationDispatcher(
    Notifier notifier, NotificationWriter writer, IDbContextFactory<KaMengDbContext> dbFactory, EmailSender email, WebhookSender webhook,
    GuestOrderMail guestMail, TimeProvider clock, ILogger<NotificationDispatcher> log) : BackgroundService
{
    static readonly TimeSpan Poll = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stop)
    {
        var writing = WriteRequestsAsync(stop);
        while (!stop.IsCancellationRequested)
        {
            try { await DeliverDueAsync(stop); }
            catch (OperationCanceledException) when (stop.IsCancellationRequested) { break; }
            catch (Exception ex) { log.LogWarning(ex, "Notification delivery pass failed"); }
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
            timeout.CancelAfter(Poll);
            try { await notifier.Wake.ReadAsync(timeout.Token); }
            catch (OperationCanceledException) { }
            catch (System.Threading.Channels.ChannelClosedException) { }
        }
        await writing;
    }

    async Task WriteRequestsAsync(CancellationToken stop)
    {
        try
        {
            await foreach (var request in notifier.Requests.ReadAllAsync(stop))
            {
                try
                {
                    await writer.WriteAsync(request, stop);
                    notifier.WakeDispatcher();
                }
                catch (Exception ex) when (!stop.IsCancellationRequested) { log.LogWarning(ex, "Writing notification {Event} failed", request.Event); }
            }
        }
        catch (OperationCanceledException) { }
    }

    /// <summary>Sends every due delivery once. Public for tests.</summary>
    public async Task<int> DeliverDueAsync(CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var due = await db.NotificationDeliveries.Where(d => d.Status == DeliveryStatus.Pending && d.NextAttemptAt <= now)
            .OrderBy(d => d.Id).Take(50).ToListAsync(ct);
        if (due.Count == 0) return 0;
        var smtp = await db.SmtpSettings.OrderBy(s => s.Id).FirstOrDefaultAsync(ct) ?? new SmtpSettings();
        var userIds = due.Where(d => d.UserId != null).Select(d => d.UserId!).Distinct().ToList();
        var hooks = await db.WebhookEndpoints.Where(w => userIds.Contains(w.UserId)).ToDictionaryAsync(w => w.UserId, ct);
        foreach (var d in due)
        {
            try
            {
                if (d.Channel == NotificationChannels.Email)
                {
                    // A guest's order mail is composed now, so its keys exist in clear only in the message sent.
                    var (subject, body) = d.OrderId is { } orderId ? await guestMail.ComposeAsync(orderId, ct) : ("[KaMeng] " + d.Title, d.Payload);
                    await email.SendAsync(smtp, d.Target, subject, body, ct);
                }
                else
                {
                    var secret = d.UserId is not null && hooks.TryGetValue(d.UserId, out var h) ? h.Secret : throw new InvalidOperationException("webhook 已删除");
                    await webhook.SendAsync(d.Target, secret, d.Event.ToString(), d.Payload, ct);
                }
                d.Succeeded(clock.GetUtcNow());
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                d.AttemptFailed(ex.Message, clock.GetUtcNow());
                log.LogInformation("Delivery {Id} ({Channel}) attempt {Attempt} failed: {Error}", d.Id, d.Channel, d.Attempts, ex.Message);
            }
            await db.SaveChangesAsync(ct);
        }
        return due.Count;
    }
}
