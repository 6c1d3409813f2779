using KaMeng.Domain;
using KaMeng.Web.Features.Notifications;

namespace KaMeng.Web.Features.Compliance;

/// <summary>A notice to a station's owner (or, for the main station, the platform) about a compliance decision.</summary>
public sealed record ComplianceNotice(int StationId, string Title, string Body, string? Link);

/// <summary>Where compliance notices go: the notifier (站内信 etc.); tests record them.</summary>
public interface IComplianceNotices
{
    void Send(ComplianceNotice notice);
}

public sealed class NotifierComplianceNotices(Notifier notifier) : IComplianceNotices
{
    public void Send(ComplianceNotice n) =>
        notifier.Publish(new NotificationRequest(NotificationEvent.System, n.Title, n.Body, n.Link, StationId: n.StationId));
}
