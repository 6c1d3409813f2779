using System.Text.Json;
using System.Threading.Channels;
using KaMeng.Data;
using KaMeng.Domain;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Notifications;

/// <summary>Something to tell people: to the users named, or to the owner of a station (the platform admins for the
/// main station); or, with <paramref name="EmailTo"/>, one mail about an order to an address that is no user's (a guest).</summary>
public sealed record NotificationRequest(NotificationEvent Event, string Title, string? Body = null, string? Link = null,
    int? StationId = null, IReadOnlyList<string>? UserIds = null, object? Data = null, long? OrderId = null, string? EmailTo = null);

/// <summary>
/// The one way code tells people things. <see cref="Publish"/> only puts the request on an in-process queue, so the
/// business operation that calls it (after its commit) is never delayed or rolled back by a notification; the
/// <see cref="NotificationDispatcher"/> writes the in-app messages and the email/webhook deliveries and sends them.
/// </summary>
public sealed class Notifier
{
    readonly Channel<NotificationRequest> queue = Channel.CreateUnbounded<NotificationRequest>(new UnboundedChannelOptions { SingleReader = true });
    readonly Channel<bool> wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public void Publish(NotificationRequest request) => queue.Writer.TryWrite(request);

    internal ChannelReader<NotificationRequest> Requests => queue.Reader;
    internal ChannelReader<bool> Wake => wake.Reader;
    /// <summary>Asks the dispatcher to look at pending deliveries now rather than at its next poll.</summary>
    public void WakeDispatcher() => wake.Writer.TryWrite(true);
}

/// <summary>Turns requests into rows: an in-app notification and email/webhook deliveries by each recipient's choice.</summary>
public sealed class NotificationWriter(IDbContextFactory<KaMengDbContext> dbFactory, NotificationCenter center, TimeProvider clock)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<int> WriteAsync(NotificationRequest request, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (request.EmailTo is { } address)
        {
            db.NotificationDeliveries.Add(new NotificationDelivery
            {
                Event = request.Event, Channel = NotificationChannels.Email, Target = address, OrderId = request.OrderId, Title = request.Title,
                Payload = request.Body ?? request.Title, CreatedAt = now, NextAttemptAt = now,
            });
            await db.SaveChangesAsync(ct);
            return 1;
        }
        var userIds = await RecipientsAsync(db, request, ct);
        if (userIds.Count == 0) return 0;
        var prefs = await db.NotificationPreferences.Where(p => userIds.Contains(p.UserId) && p.Event == request.Event)
            .ToDictionaryAsync(p => p.UserId, p => p.Channels, ct);
        var users = await db.Users.Where(u => userIds.Contains(u.Id)).Select(u => new { u.Id, u.Email, u.UserName }).ToListAsync(ct);
        var hooks = await db.WebhookEndpoints.Where(w => userIds.Contains(w.UserId)).ToDictionaryAsync(w => w.UserId, ct);
        foreach (var user in users)
        {
            var channels = prefs.GetValueOrDefault(user.Id, NotificationPreference.Default);
            if (channels.HasFlag(NotificationChannels.InApp))
                db.Notifications.Add(new Notification { UserId = user.Id, Event = request.Event, Title = request.Title, Body = request.Body, Link = request.Link, CreatedAt = now });
            if (channels.HasFlag(NotificationChannels.Email) && !string.IsNullOrWhiteSpace(user.Email))
                db.NotificationDeliveries.Add(new NotificationDelivery
                {
                    UserId = user.Id, Event = request.Event, Channel = NotificationChannels.Email, Target = user.Email!, Title = request.Title,
                    Payload = request.Body ?? request.Title, CreatedAt = now, NextAttemptAt = now,
                });
            if (channels.HasFlag(NotificationChannels.Webhook) && hooks.TryGetValue(user.Id, out var hook))
                db.NotificationDeliveries.Add(new NotificationDelivery
                {
                    UserId = user.Id, Event = request.Event, Channel = NotificationChannels.Webhook, Target = hook.Url, Title = request.Title,
                    Payload = JsonSerializer.Serialize(new
                    {
                        id = Guid.NewGuid().ToString("N"), @event = request.Event.ToString(), title = request.Title, body = request.Body,
                        link = request.Link, stationId = request.StationId, occurredAt = now, data = request.Data,
                    }, Json),
                    CreatedAt = now, NextAttemptAt = now,
                });
        }
        await db.SaveChangesAsync(ct);
        center.RaiseChanged(users.Select(u => u.Id));
        return users.Count;
    }

    static async Task<List<string>> RecipientsAsync(KaMengDbContext db, NotificationRequest request, CancellationToken ct)
    {
        if (request.UserIds is { Count: > 0 } ids) return ids.Distinct().ToList();
        if (request.StationId is not { } stationId) return [];
        var owner = await db.Stations.Where(s => s.Id == stationId).Select(s => s.OwnerUserId).FirstOrDefaultAsync(ct);
        if (owner is not null && stationId != Station.MainStationId) return [owner];
        return await UsersInRolesAsync(db, [Roles.PlatformAdmin], ct);
    }

    /// <summary>The ids of the users holding any of these roles (each once).</summary>
    public static Task<List<string>> UsersInRolesAsync(KaMengDbContext db, string[] roles, CancellationToken ct) =>
        (from ur in db.UserRoles
         join r in db.Roles on ur.RoleId equals r.Id
         where roles.Contains(r.Name!)
         select ur.UserId).Distinct().ToListAsync(ct);
}
