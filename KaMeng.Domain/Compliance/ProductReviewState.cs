namespace KaMeng.Domain;

/// <summary>What a scan did to a product's review state.</summary>
public enum ScanOutcome { Unchanged, TakenOff, Flagged, Cleared }

public partial class Product
{
    public const int ReviewTextMaxLength = 500;

    public ProductReview Review { get; set; }
    /// <summary>Why it is not approved: the terms hit (违禁下架) or the reviewer's reason (已驳回).</summary>
    public string? ReviewReason { get; set; }
    /// <summary>The reviewer's note with an approval (required when a term hits).</summary>
    public string? ReviewNote { get; set; }
    public string? ReviewedBy { get; set; }
    public DateTimeOffset? ReviewedAt { get; set; }
    /// <summary>The terms an approval accepted (<see cref="TermScanner.Fingerprint"/>): a rescan that finds only these leaves it on sale.</summary>
    public string? ApprovedHits { get; set; }

    public bool IsReviewApproved => Review == ProductReview.Approved;

    /// <summary>
    /// A new listing (created or imported): a term hit makes it 违禁下架; otherwise it waits for review (待审核) unless its
    /// station is trusted to skip review (a trusted level, or the platform's own catalogue).
    /// </summary>
    public void SubmitForReview(IReadOnlyList<TermHit> hits, bool skipReview)
    {
        ReviewNote = null;
        ReviewedBy = null;
        ReviewedAt = null;
        ApprovedHits = null;
        if (hits.Count > 0)
        {
            Review = ProductReview.Prohibited;
            ReviewReason = Clip("命中违禁词：" + TermScanner.Describe(hits));
            return;
        }
        Review = skipReview ? ProductReview.Approved : ProductReview.Pending;
        ReviewReason = null;
    }

    /// <summary>
    /// A rescan after its text or the list changed. Hits take an approved product off sale (unless an approval with a note
    /// accepted exactly these terms) and mark a waiting one; a rejected one stays rejected. A product that was off sale for
    /// terms only and hits nothing now goes back to review (or straight back on sale when its station skips review).
    /// </summary>
    public ScanOutcome ApplyScan(IReadOnlyList<TermHit> hits, bool skipReview)
    {
        if (hits.Count > 0)
        {
            if (Review == ProductReview.Rejected) return ScanOutcome.Unchanged;
            if (Review == ProductReview.Approved && ApprovedHits is { } accepted
                && TermScanner.Fingerprint(hits).Split('\n').All(accepted.Split('\n').Contains)) return ScanOutcome.Unchanged;
            var reason = Clip("命中违禁词：" + TermScanner.Describe(hits));
            if (Review == ProductReview.Prohibited && ReviewReason == reason) return ScanOutcome.Unchanged;
            var was = Review;
            Review = ProductReview.Prohibited;
            ReviewReason = reason;
            return was == ProductReview.Approved ? ScanOutcome.TakenOff : ScanOutcome.Flagged;
        }
        if (Review != ProductReview.Prohibited) return ScanOutcome.Unchanged;
        Review = skipReview ? ProductReview.Approved : ProductReview.Pending;
        ReviewReason = null;
        return ScanOutcome.Cleared;
    }

    /// <summary>通过. A product whose text hits a term now needs a note saying why it may sell anyway. Returns a Chinese refusal or null.</summary>
    public string? Approve(string reviewer, string? note, IReadOnlyList<TermHit> hits, DateTimeOffset now)
    {
        if (Deleted) return "商品已删除";
        if (Review == ProductReview.Approved) return "该商品已通过审核";
        note = string.IsNullOrWhiteSpace(note) ? null : note.Trim();
        if (hits.Count > 0 && note is null) return $"该商品命中违禁词 {TermScanner.Describe(hits)}，通过时必须填写备注";
        if (note is { Length: > ReviewTextMaxLength }) return $"备注最多 {ReviewTextMaxLength} 字";
        Review = ProductReview.Approved;
        ReviewReason = null;
        ReviewNote = note;
        ReviewedBy = reviewer;
        ReviewedAt = now;
        ApprovedHits = hits.Count > 0 ? TermScanner.Fingerprint(hits) : null;
        return null;
    }

    /// <summary>驳回 with a reason the owner reads. Returns a Chinese refusal or null.</summary>
    public string? Reject(string reviewer, string? reason, DateTimeOffset now)
    {
        if (Deleted) return "商品已删除";
        if (string.IsNullOrWhiteSpace(reason)) return "请填写驳回原因";
        if (reason.Trim().Length > ReviewTextMaxLength) return $"驳回原因最多 {ReviewTextMaxLength} 字";
        Review = ProductReview.Rejected;
        ReviewReason = reason.Trim();
        ReviewNote = null;
        ReviewedBy = reviewer;
        ReviewedAt = now;
        ApprovedHits = null;
        return null;
    }

    /// <summary>The status as an owner reads it: 已通过 / 待审核 / 已驳回：原因 / 违禁下架：命中….</summary>
    public static string ReviewText(ProductReview review, string? reason) =>
        ProductReviewRules.NameOf(review) + (reason is { Length: > 0 } && review is ProductReview.Rejected or ProductReview.Prohibited ? "：" + reason : "");

    static string Clip(string text) => text.Length > ReviewTextMaxLength ? text[..(ReviewTextMaxLength - 1)] + "…" : text;
}
