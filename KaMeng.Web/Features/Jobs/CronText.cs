using System.Globalization;
using KaMeng.Domain;
using Quartz;

namespace KaMeng.Web.Features.Jobs;

/// <summary>Validation and a Chinese reading of Quartz cron expressions (秒 分 时 日 月 周 [年]). Hours are Beijing time
/// (<see cref="BusinessTime"/>), the zone of the triggers <see cref="JobCatalog.BuildTrigger"/> makes.</summary>
public static class CronText
{
    /// <summary>Null when valid, else a Chinese message. A schedule that never fires again is refused too.</summary>
    public static string? Validate(string? cron, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(cron)) return "请输入 cron 表达式";
        if (!CronExpression.TryParse(cron.Trim(), out var expr) || expr is null)
        {
            var fields = cron.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
            return fields is < 6 or > 7
                ? $"cron 表达式应有 6 或 7 个字段（秒 分 时 日 月 周 [年]），现在是 {fields} 个"
                : "cron 表达式无法解析，请检查各字段（日和周必须有一个是 ?）";
        }
        expr = expr.WithTimeZone(BusinessTime.Zone);
        if (expr.GetNextValidTimeAfter(now) is null) return "该 cron 表达式以后不会再触发";
        return null;
    }

    public static IReadOnlyList<DateTimeOffset> NextTimes(string cron, DateTimeOffset after, int count)
    {
        if (!CronExpression.TryParse(cron.Trim(), out var expr) || expr is null) return [];
        expr = expr.WithTimeZone(BusinessTime.Zone);
        var list = new List<DateTimeOffset>();
        var t = after;
        while (list.Count < count && expr.GetNextValidTimeAfter(t) is { } next) { list.Add(next); t = next; }
        return list;
    }

    static readonly string[] WeekNames = ["", "日", "一", "二", "三", "四", "五", "六"];
    static readonly Dictionary<string, int> WeekAbbr = new(StringComparer.OrdinalIgnoreCase)
    { ["SUN"] = 1, ["MON"] = 2, ["TUE"] = 3, ["WED"] = 4, ["THU"] = 5, ["FRI"] = 6, ["SAT"] = 7 };

    /// <summary>A reading such as 每 5 分钟 / 每天 03:30 / 每周一 08:00 / 每月 1 日 08:00; anything unusual is read field by field.</summary>
    public static string Describe(string? cron)
    {
        if (string.IsNullOrWhiteSpace(cron)) return "";
        var f = cron.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (f.Length is < 6 or > 7) return "无效的 cron 表达式";
        string sec = f[0], min = f[1], hour = f[2], dom = f[3], month = f[4], dow = f[5];
        bool Any(string x) => x is "*" or "?";
        bool IsNum(string x, out int n) => int.TryParse(x, NumberStyles.None, CultureInfo.InvariantCulture, out n);
        int? Step(string x) => (x.StartsWith("0/", StringComparison.Ordinal) || x.StartsWith("*/", StringComparison.Ordinal)) && IsNum(x[2..], out var n) ? n : null;
        var plainDays = Any(dom) && Any(month) && Any(dow) && f.Length == 6;

        if (plainDays && sec == "0" && Any(min) && Any(hour)) return "每分钟";
        if (plainDays && Any(sec) && Any(min) && Any(hour)) return "每秒";
        if (plainDays && Step(sec) is { } ss && Any(min) && Any(hour)) return $"每 {ss} 秒";
        if (plainDays && sec == "0" && Step(min) is { } ms && Any(hour)) return $"每 {ms} 分钟";
        if (plainDays && sec == "0" && IsNum(min, out var m0) && Any(hour)) return $"每小时第 {m0} 分";
        if (plainDays && sec == "0" && IsNum(min, out var m1) && Step(hour) is { } hs) return $"每 {hs} 小时（第 {m1} 分）";

        if (sec == "0" && IsNum(min, out var mm) && IsNum(hour, out var hh) && f.Length == 6)
        {
            var time = $"{hh:D2}:{mm:D2}";
            if (plainDays) return $"每天 {time}";
            if (Any(dom) && Any(month) && dow is "MON-FRI" or "2-6") return $"每个工作日 {time}";
            if (Any(dom) && Any(month) && DayOfWeek(dow) is { } wd) return $"每周{wd} {time}";
            if (Any(month) && Any(dow) && dom == "L") return $"每月最后一天 {time}";
            if (Any(month) && Any(dow) && IsNum(dom, out var d)) return $"每月 {d} 日 {time}";
        }
        var parts = new List<string>();
        if (!Any(month)) parts.Add($"月份 {month}");
        if (!Any(dom)) parts.Add($"日 {dom}");
        if (!Any(dow)) parts.Add($"星期 {dow}");
        parts.Add($"时 {hour}");
        parts.Add($"分 {min}");
        parts.Add($"秒 {sec}");
        if (f.Length == 7) parts.Add($"年 {f[6]}");
        return "按字段：" + string.Join("，", parts);

        string? DayOfWeek(string x)
        {
            var names = new List<string>();
            foreach (var part in x.Split(','))
            {
                if (WeekAbbr.TryGetValue(part, out var n) || (IsNum(part, out n) && n is >= 1 and <= 7)) names.Add(WeekNames[n]);
                else return null;
            }
            return string.Join("、", names);
        }
    }
}

/// <summary>A ready-made schedule: what the owner picks instead of writing Quartz syntax.</summary>
public sealed record CronPreset(string Label, string Cron);

/// <summary>The schedules the 计划任务 page offers; anything else is written as a raw expression (高级).</summary>
public static class CronPresets
{
    public static readonly IReadOnlyList<CronPreset> All =
    [
        new("每 5 分钟", "0 0/5 * * * ?"),
        new("每 15 分钟", "0 0/15 * * * ?"),
        new("每 30 分钟", "0 0/30 * * * ?"),
        new("每小时", "0 0 * * * ?"),
        new("每天 3:30", "0 30 3 * * ?"),
        new("每天 8:00", "0 0 8 * * ?"),
        new("每个工作日 8:00", "0 0 8 ? * MON-FRI"),
        new("每周一 8:00", "0 0 8 ? * MON"),
        new("每月 1 日 8:00", "0 0 8 1 * ?"),
    ];

    /// <summary>The preset of an expression (spacing ignored), or null when it is none of them.</summary>
    public static CronPreset? Find(string? cron)
    {
        if (string.IsNullOrWhiteSpace(cron)) return null;
        var normal = string.Join(' ', cron.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        return All.FirstOrDefault(p => string.Equals(p.Cron, normal, StringComparison.OrdinalIgnoreCase));
    }
}
