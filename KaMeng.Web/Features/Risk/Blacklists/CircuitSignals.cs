using Microsoft.AspNetCore.Components.Server.Circuits;

namespace KaMeng.Web.Features.Risk.Blacklists;

/// <summary>
/// The client signals of an interactive circuit, for operations started from the admin (a withdrawal): a circuit has no request
/// of its own, so they are taken from its SignalR connection's request (address after the trusted-proxy setting, the device
/// cookie the browser sent with it, the user agent). <see cref="ClientSignals.None"/> until the connection is up.
/// </summary>
public sealed class CircuitSignals
{
    public ClientSignals Current { get; internal set; } = ClientSignals.None;
}

sealed class CircuitSignalsHandler(CircuitSignals signals, IHttpContextAccessor accessor) : CircuitHandler
{
    public override Task OnConnectionUpAsync(Circuit circuit, CancellationToken ct)
    {
        // A connection's response has started: no device cookie can be issued here (the page's own request did that).
        if (accessor.HttpContext is { } http) signals.Current = ClientSignals.Of(http, issueDevice: false);
        return Task.CompletedTask;
    }

    // Each message from the browser runs in the connection's request: a reconnect (new address) updates the signals.
    public override Func<CircuitInboundActivityContext, Task> CreateInboundActivityHandler(Func<CircuitInboundActivityContext, Task> next) => context =>
    {
        if (signals.Current.Ip is null && accessor.HttpContext is { } http) signals.Current = ClientSignals.Of(http, issueDevice: false);
        return next(context);
    };
}
