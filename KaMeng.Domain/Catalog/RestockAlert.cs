namespace KaMeng.Domain;

/// <summary>
/// 补货提醒 state of one product at one station: armed until stock falls under the threshold, then alerted once,
/// re-armed when stock recovers. A snooze holds back the alert of a crossing until it ends.
/// </summary>
public class RestockAlert
{
    public long Id { get; set; }
    public int StationId { get; set; }
    public int ProductId { get; set; }
    /// <summary>True once this crossing has been alerted; false again when stock is back at or above the threshold.</summary>
    public bool Alerted { get; set; }
    public DateTimeOffset? AlertedAt { get; set; }
    public DateTimeOffset? SnoozedUntil { get; set; }
    public int LastStock { get; set; }
    public DateTimeOffset CheckedAt { get; set; }

    /// <summary>Records a stock reading; true when it is the moment to alert (one alert per crossing).</summary>
    public bool Observe(int stock, int threshold, DateTimeOffset now)
    {
        LastStock = stock;
        CheckedAt = now;
        if (stock >= threshold)
        {
            Alerted = false;
            return false;
        }
        if (Alerted || IsSnoozed(now)) return false;
        Alerted = true;
        AlertedAt = now;
        return true;
    }

    public bool IsSnoozed(DateTimeOffset now) => SnoozedUntil is { } until && now < until;

    public void Snooze(DateTimeOffset until) => SnoozedUntil = until;
}
