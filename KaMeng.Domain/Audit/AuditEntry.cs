namespace KaMeng.Domain;

/// <summary>操作日志.</summary>
public class AuditEntry
{
    public long Id { get; set; }
    public int? StationId { get; set; }
    public string? UserId { get; set; }
    public string? UserName { get; set; }
    public required string Action { get; set; }
    public string? Target { get; set; }
    public string? Detail { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
