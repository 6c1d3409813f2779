using System.Text;
using System.Text.Json;
using Npgsql;

namespace KaMeng.Web.Features.Cluster;

public sealed class ClusterOptions
{
    /// <summary>How long the listener waits for a notification before it checks its connection with a query.</summary>
    public TimeSpan PingInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The longest wait between two attempts to reconnect the listener (it starts at 250 ms and doubles).</summary>
    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// The bus over PostgreSQL: messages go out with <c>pg_notify('kameng_bus', …)</c> (several queued ones in one notification,
/// under PostgreSQL's 8000-byte limit) and come in on a dedicated connection that LISTENs. Every (re)connect of the listener
/// drops every cache, and so does every failed attempt while it is down: a node that may have missed a message reads the
/// database again instead of serving a stale price. Sending retries until it succeeds (a lost invalidation would leave
/// the other nodes stale without their knowing).
/// </summary>
public sealed class PostgresBusTransport(ClusterBus bus, string connectionString, ClusterOptions options, ILogger<PostgresBusTransport> log) : BackgroundService
{
    /// <summary>NOTIFY payloads must stay under 8000 bytes; a batch is cut before this.</summary>
    const int MaxPayloadBytes = 7000;

    /// <summary>The listener's application_name (pg_stat_activity): a test ends this node's connection by it.</summary>
    public string ListenerApplicationName => "kameng-bus-" + bus.NodeId;

    public override Task StartAsync(CancellationToken ct)
    {
        bus.Distributed = true;
        return base.StartAsync(ct);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Task.Run(() => ListenAsync(stoppingToken), stoppingToken), Task.Run(() => SendAsync(stoppingToken), stoppingToken));

    async Task ListenAsync(CancellationToken ct)
    {
        var listenCs = new NpgsqlConnectionStringBuilder(connectionString)
        {
            // Its own physical connection: a pooled one would be reset (UNLISTEN) when returned.
            Pooling = false,
            ApplicationName = ListenerApplicationName,
            TcpKeepAlive = true,
        }.ToString();
        var delay = TimeSpan.FromMilliseconds(250);
        var connectedBefore = false;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var conn = new NpgsqlConnection(listenCs);
                await conn.OpenAsync(ct);
                conn.Notification += (_, e) => bus.Receive(e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {ClusterBus.Channel}", conn))
                    await listen.ExecuteNonQueryAsync(ct);
                // Listening from here on: whatever was missed before is forgotten now.
                bus.DropEverything();
                if (connectedBefore) log.LogWarning("Cluster bus listener reconnected; every cache was dropped (messages may have been missed)");
                connectedBefore = true;
                delay = TimeSpan.FromMilliseconds(250);
                while (true)
                {
                    if (!await conn.WaitAsync(options.PingInterval, ct))
                    {
                        await using var ping = new NpgsqlCommand("SELECT 1", conn);
                        await ping.ExecuteScalarAsync(ct);
                    }
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { return; }
            catch (Exception e)
            {
                log.LogWarning(e, "Cluster bus listener lost its connection; retrying in {Delay} ms", (int)delay.TotalMilliseconds);
                // Down: messages are being missed, so nothing cached may be trusted until it listens again.
                bus.DropEverything();
                try { await Task.Delay(delay, ct); }
                catch (OperationCanceledException) { return; }
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, options.MaxReconnectDelay.Ticks));
            }
        }
    }

    async Task SendAsync(CancellationToken ct)
    {
        var pending = new List<BusMessage>();
        NpgsqlConnection? conn = null;
        var delay = TimeSpan.FromMilliseconds(100);
        try
        {
            while (await bus.Outbox.WaitToReadAsync(ct))
            {
                while (bus.Outbox.TryRead(out var m)) pending.Add(m);
                while (pending.Count > 0)
                {
                    try
                    {
                        if (conn is not { State: System.Data.ConnectionState.Open })
                        {
                            if (conn is not null) await conn.DisposeAsync();
                            conn = new NpgsqlConnection(connectionString);
                            await conn.OpenAsync(ct);
                        }
                        var (payload, taken) = Pack(pending);
                        if (payload is null)
                        {
                            pending.RemoveRange(0, taken);
                            continue;
                        }
                        await using var cmd = new NpgsqlCommand("SELECT pg_notify(@channel, @payload)", conn);
                        cmd.Parameters.AddWithValue("channel", ClusterBus.Channel);
                        cmd.Parameters.AddWithValue("payload", payload);
                        await cmd.ExecuteNonQueryAsync(ct);
                        pending.RemoveRange(0, taken);
                        delay = TimeSpan.FromMilliseconds(100);
                    }
                    catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                    {
                        log.LogWarning(e, "Sending {Count} cluster bus messages failed; retrying", pending.Count);
                        if (conn is not null) { await conn.DisposeAsync(); conn = null; }
                        await Task.Delay(delay, ct);
                        delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, options.MaxReconnectDelay.Ticks));
                    }
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        finally
        {
            if (conn is not null) await conn.DisposeAsync();
        }
    }

    /// <summary>As many of the first pending messages as fit in one payload. A message too large on its own is skipped
    /// (nothing sends one: bodies are ids and one-line texts), or it would block every message behind it.</summary>
    (string? Payload, int Taken) Pack(List<BusMessage> pending)
    {
        var head = $"{{\"n\":{JsonSerializer.Serialize(bus.NodeId)},\"m\":[";
        var text = new StringBuilder(head);
        var size = Encoding.UTF8.GetByteCount(head) + 2;
        var taken = 0;
        var packed = 0;
        foreach (var message in pending)
        {
            var json = JsonSerializer.Serialize(message, ClusterBus.Json);
            var bytes = Encoding.UTF8.GetByteCount(json) + 1;
            if (size + bytes > MaxPayloadBytes)
            {
                if (packed > 0) break;
                log.LogError("A cluster bus message of kind {Kind} is larger than {Max} bytes and was not sent", message.Kind, MaxPayloadBytes);
                taken++;
                continue;
            }
            if (packed > 0) text.Append(',');
            text.Append(json);
            size += bytes;
            taken++;
            packed++;
        }
        return (packed == 0 ? null : text.Append("]}").ToString(), taken);
    }

}
