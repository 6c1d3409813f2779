using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.Channels;

namespace KaMeng.Web.Features.Cluster;

/// <summary>One message on the bus: a kind (<see cref="ClusterBus"/>'s handlers know them) and its small JSON body.</summary>
public sealed record BusMessage([property: JsonPropertyName("k")] string Kind, [property: JsonPropertyName("d")] JsonElement? Data);

/// <summary>What one NOTIFY carries: the sending node and the messages it had queued (sent together, in order).</summary>
public sealed record BusEnvelope([property: JsonPropertyName("n")] string Node, [property: JsonPropertyName("m")] List<BusMessage> Messages);

/// <summary>
/// The cluster's backplane (issue 22 §1, docs/decisions/0036-cluster-bus-and-key-ring.md): what one node changes in its
/// in-memory caches and live signals, every other node applies too. The caches keep their own methods: each raises an event
/// when it is invalidated or publishes, the bus sends that to the other nodes, and a node that receives it calls the same
/// method with <see cref="IsApplyingRemote"/> set, so the call applies locally and is not sent again (no echo).
/// Sending and receiving are the transport's (<see cref="PostgresBusTransport"/>: PostgreSQL LISTEN/NOTIFY); without one
/// (SQLite: one node; SQL Server: clusters not supported yet) nothing leaves the process.
/// </summary>
public sealed class ClusterBus(ILogger<ClusterBus> log)
{
    public const string Channel = "kameng_bus";

    /// <summary>This process, told apart from the other nodes: its own messages come back through LISTEN and are skipped.</summary>
    public string NodeId { get; } = Guid.NewGuid().ToString("N")[..12];

    [ThreadStatic] static bool applyingRemote;

    /// <summary>True while a message of another node is being applied on this thread: the caches' events then stay local.</summary>
    public static bool IsApplyingRemote => applyingRemote;

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    readonly Dictionary<string, Action<JsonElement?>> handlers = new(StringComparer.Ordinal);
    readonly List<Action> droppers = [];
    readonly Channel<BusMessage> outbox = System.Threading.Channels.Channel.CreateUnbounded<BusMessage>(new() { SingleReader = true });
    long received, drops;

    /// <summary>Set by a transport when it starts: until then (and on SQLite for good) <see cref="Broadcast{T}"/> does nothing.</summary>
    public bool Distributed { get; internal set; }

    /// <summary>Messages of other nodes applied here.</summary>
    public long Received => Interlocked.Read(ref received);

    /// <summary>How often every cache was dropped (at each connect of the listener, and at each failed attempt while it is down).</summary>
    public long Drops => Interlocked.Read(ref drops);

    /// <summary>What to do here when another node sends <paramref name="kind"/>.</summary>
    public void On<T>(string kind, Action<T> apply) => handlers[kind] = d => apply(d is { } e ? e.Deserialize<T>(Json)! : default!);

    public void On(string kind, Action apply) => handlers[kind] = _ => apply();

    /// <summary>How to forget a cache when this node may have missed messages.</summary>
    public void OnDrop(Action drop) => droppers.Add(drop);

    /// <summary>Queues a message for the other nodes (sent by the transport within milliseconds). Nothing when the bus is local,
    /// or when this call comes from applying another node's message.</summary>
    public void Broadcast<T>(string kind, T data)
    {
        if (!Distributed || applyingRemote) return;
        outbox.Writer.TryWrite(new BusMessage(kind, data is null ? null : JsonSerializer.SerializeToElement(data, Json)));
    }

    public void Broadcast(string kind) => Broadcast<object?>(kind, null);

    internal ChannelReader<BusMessage> Outbox => outbox.Reader;

    /// <summary>A NOTIFY payload: applied unless this node sent it.</summary>
    internal void Receive(string payload)
    {
        BusEnvelope? envelope;
        try { envelope = JsonSerializer.Deserialize<BusEnvelope>(payload, Json); }
        catch (JsonException e)
        {
            log.LogWarning(e, "Unreadable cluster bus message ignored");
            return;
        }
        if (envelope is null || envelope.Node == NodeId) return;
        foreach (var message in envelope.Messages)
        {
            if (!handlers.TryGetValue(message.Kind, out var handler))
            {
                log.LogDebug("Cluster bus message of unknown kind {Kind} ignored (a node of another version?)", message.Kind);
                continue;
            }
            RunAsRemote(() => handler(message.Data), message.Kind);
            Interlocked.Increment(ref received);
        }
    }

    /// <summary>Forgets every cache this node keeps: it may have missed messages (listener reconnected or down).</summary>
    internal void DropEverything()
    {
        foreach (var drop in droppers) RunAsRemote(drop, "drop");
        Interlocked.Increment(ref drops);
    }

    void RunAsRemote(Action action, string what)
    {
        applyingRemote = true;
        try { action(); }
        catch (Exception e) { log.LogWarning(e, "Applying cluster bus message {Kind} failed", what); }
        finally { applyingRemote = false; }
    }
}
