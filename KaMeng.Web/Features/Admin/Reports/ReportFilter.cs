using System.Globalization;
using System.Text;
using KaMeng.Data;
using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Admin.Reports;

/// <summary>What the finance page's filter shows: a date range (whole days in Beijing time, both ends included), a status
/// (an <see cref="Domain.OrderStatus"/> or <see cref="Domain.LedgerEntryType"/> name) and search text.
/// The station scope is not part of it: it comes from the signed-in user's scoped context.</summary>
public sealed record ReportFilter(DateOnly? From = null, DateOnly? To = null, string? Status = null, string? Search = null)
{
    public static ReportFilter Parse(string? from, string? to, string? status, string? q) => new(
        DateOnly.TryParseExact(from, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var f) ? f : null,
        DateOnly.TryParseExact(to, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var t) ? t : null,
        string.IsNullOrWhiteSpace(status) ? null : status.Trim(),
        string.IsNullOrWhiteSpace(q) ? null : q.Trim());

    static readonly DateOnly Earliest = new(2000, 1, 1), Latest = new(2099, 12, 31);

    /// <summary>Why this filter cannot be run (a date outside 2000–2099, or a range that ends before it starts), or null.</summary>
    public string? Error =>
        From is { } f && (f < Earliest || f > Latest) || To is { } t && (t < Earliest || t > Latest) ? "日期须在 2000-01-01 至 2099-12-31 之间"
        : From > To ? "开始日期不能晚于结束日期"
        : null;

    /// <summary>The query string the export endpoints read (without the leading "?").</summary>
    public string ToQueryString()
    {
        var parts = new List<string>();
        if (From is { } f) parts.Add("from=" + f.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        if (To is { } t) parts.Add("to=" + t.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        if (!string.IsNullOrWhiteSpace(Status)) parts.Add("status=" + Uri.EscapeDataString(Status.Trim()));
        if (!string.IsNullOrWhiteSpace(Search)) parts.Add("q=" + Uri.EscapeDataString(Search.Trim()));
        return string.Join('&', parts);
    }

    /// <summary>Start of the From day, in Beijing time (<see cref="BusinessTime"/>).</summary>
    public DateTimeOffset? Start => From is { } f ? BusinessTime.StartOfBusinessDay(f) : null;

    /// <summary>Start of the day after To (exclusive end).</summary>
    public DateTimeOffset? End => To is { } t ? BusinessTime.StartOfBusinessDay(t.AddDays(1)) : null;

    public TEnum? StatusAs<TEnum>() where TEnum : struct, Enum =>
        Enum.TryParse<TEnum>(Status, ignoreCase: true, out var v) && Enum.IsDefined(v) ? v : null;

    /// <summary>A human-readable line for the summary sheet.</summary>
    public string Describe(string? statusName)
    {
        var sb = new StringBuilder();
        sb.Append("日期：").Append(From?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "不限").Append(" 至 ")
          .Append(To?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "不限");
        sb.Append("；状态/类型：").Append(statusName ?? "全部");
        sb.Append("；搜索：").Append(Search ?? "无");
        return sb.ToString();
    }
}

/// <summary>Totals of one export, as written on its 汇总 sheet.</summary>
public sealed record ReportTotals(long Count, long SumFen);

/// <summary>The 汇总 sheet a finance export ends with: a row per group, the 合计 row, then what the filter selected.</summary>
public static class ReportSummary
{
    public const string SheetName = "汇总";

    public static async Task WriteAsync(ExcelWriter excel, string countHeader, IReadOnlyList<(string Label, long Count, long Fen)> groups, long count, long fen,
        string filterDescription, CancellationToken ct = default)
    {
        var summary = await excel.BeginSheetAsync(SheetName, [new("项目", 16), new(countHeader, 12), new("金额", 18)], groups.Count + 2, ct);
        foreach (var (label, c, amount) in groups) await summary.BeginRow().Text(label).Integer(c).Money(amount).EndRowAsync(ct);
        await summary.BeginRow().Text("合计", bold: true).Integer(count).Money(fen).EndRowAsync(ct);
        await summary.BeginRow().Text(filterDescription).EndRowAsync(ct);
    }
}

/// <summary>Who is exporting: the station scope of an admin user (null = platform-wide).</summary>
public static class ReportScope
{
    /// <summary>Platform admins and finance see everything; a station owner only their station (-1, nothing, when they own none).</summary>
    public static async Task<int?> StationOfAsync(IDbContextFactory<KaMengDbContext> dbFactory, System.Security.Claims.ClaimsPrincipal user, CancellationToken ct)
    {
        if (user.IsInRole(Roles.PlatformAdmin) || user.IsInRole(Roles.Finance)) return null;
        var userId = user.FindFirst(System.Security.Claims.ClaimTypes.NameIdentifier)?.Value;
        if (userId is null) return -1;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Stations.Where(s => s.OwnerUserId == userId).Select(s => (int?)s.Id).FirstOrDefaultAsync(ct) ?? -1;
    }
}
