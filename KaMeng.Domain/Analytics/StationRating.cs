namespace KaMeng.Domain;

/// <summary>What a substation's rating is computed from, over the last 30 days and the 30 before.</summary>
public sealed record RatingInputs(long GmvFen, long PreviousGmvFen, int RepurchaseCohort, int Repurchased, long PaidOrders, long Refunds, int Suspensions90Days, bool SuspendedNow,
    int Sanctions90Days = 0, bool SanctionedNow = false);

public sealed record RatingPart(string Name, int Score, int Max, string Explanation);

public sealed record StationRatingResult(int Score, string Grade, IReadOnlyList<RatingPart> Parts);

/// <summary>
/// 分站评级: 100 points from four parts. GMV growth (30 points: −50 % or worse 0, flat 15, +50 % or better 30, linear
/// between; a station with no previous GMV and some GMV now gets 20), repurchase rate (25 points: 40 % or more is full),
/// refund rate (25 points: 0 % full, 10 % or more 0, linear) and compliance (20 points, minus 10 per suspension or
/// sanction in the last 90 days, 0 while suspended or sanctioned). Grades: S ≥ 85, A ≥ 70, B ≥ 55, C ≥ 40, D below.
/// </summary>
public static class StationRating
{
    public static StationRatingResult Compute(RatingInputs i)
    {
        var parts = new List<RatingPart>(4);

        int growthScore;
        string growthText;
        if (i.PreviousGmvFen <= 0)
        {
            growthScore = i.GmvFen > 0 ? 20 : 0;
            growthText = i.GmvFen > 0 ? "上期无交易，本期有交易" : "两期均无交易";
        }
        else
        {
            var growth = (decimal)(i.GmvFen - i.PreviousGmvFen) / i.PreviousGmvFen;
            var clamped = Math.Clamp(growth, -0.5m, 0.5m);
            growthScore = (int)Math.Round(15 + clamped * 30, MidpointRounding.AwayFromZero);
            growthText = $"GMV 环比 {growth:+0.#%;-0.#%;0%}";
        }
        parts.Add(new RatingPart("GMV 增长", growthScore, 30, growthText));

        var repurchase = Repurchase.Rate(i.RepurchaseCohort, i.Repurchased);
        var repurchaseScore = (int)Math.Round(Math.Min(repurchase / 0.4m, 1m) * 25, MidpointRounding.AwayFromZero);
        parts.Add(new RatingPart("复购率", repurchaseScore, 25, i.RepurchaseCohort == 0 ? "无新客样本" : $"30 日复购率 {repurchase:0.#%}"));

        var refundRate = i.PaidOrders == 0 ? 0m : (decimal)i.Refunds / i.PaidOrders;
        var refundScore = i.PaidOrders == 0 ? 0 : (int)Math.Round(Math.Max(0m, 1m - refundRate / 0.1m) * 25, MidpointRounding.AwayFromZero);
        parts.Add(new RatingPart("退款率", refundScore, 25, i.PaidOrders == 0 ? "无支付订单" : $"退款率 {refundRate:0.#%}"));

        // 站点处罚 (issue 21) weigh like suspensions: 10 points each in 90 days, nothing while one holds.
        var complianceScore = i.SuspendedNow || i.SanctionedNow ? 0 : Math.Max(0, 20 - 10 * (i.Suspensions90Days + i.Sanctions90Days));
        parts.Add(new RatingPart("合规", complianceScore, 20,
            i.SuspendedNow ? "当前暂停营业" : i.SanctionedNow ? "当前处罚中" : $"90 天内暂停 {i.Suspensions90Days} 次，处罚 {i.Sanctions90Days} 次"));

        var score = parts.Sum(p => p.Score);
        return new StationRatingResult(score, GradeOf(score), parts);
    }

    public static string GradeOf(int score) => score >= 85 ? "S" : score >= 70 ? "A" : score >= 55 ? "B" : score >= 40 ? "C" : "D";
}
