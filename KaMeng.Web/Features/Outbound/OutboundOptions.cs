namespace KaMeng.Web.Features.Outbound;

/// <summary>KaMeng:Outbound settings (env KaMeng__Outbound__…).</summary>
public sealed class OutboundOptions
{
    public const string Section = "KaMeng:Outbound";

    /// <summary>Let URLs someone typed reach loopback, private and link-local addresses. Off by default; on only for
    /// local development and tests that run suppliers, webhooks or gateways on this machine.</summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>Accept an http:// payment gateway (the merchant key travels in its URL). Off by default; on in Development
    /// for the sandbox gateway.</summary>
    public bool AllowHttpGateways { get; set; }
}
