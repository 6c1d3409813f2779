using KaMeng.Domain;

namespace KaMeng.Tests.Domain;

/// <summary>The rules of 商品审核, 违禁词 and 站点处罚 (issue 21 §5), apart from storage.</summary>
public class ComplianceRulesTests
{
    static readonly DateTimeOffset Now = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);

    static ProhibitedTerm Term(int id, string text, bool regex = false, string category = "赌博", bool enabled = true) =>
        new() { Id = id, Category = category, Text = text, IsRegex = regex, Enabled = enabled };

    static Product NewProduct(string name = "王者荣耀 60 点券", string? description = null) =>
        new() { Name = name, DescriptionMarkdown = description, OnShelf = true, StationId = 2 };

    [Fact]
    public void The_scanner_finds_plain_terms_ignoring_case_and_regular_expressions_and_skips_disabled_terms()
    {
        var scanner = new TermScanner([Term(1, "赌博"), Term(2, @"代充\d+", regex: true, category: "欺诈"), Term(3, "VPN", category: "翻墙"), Term(4, "彩票", enabled: false)]);
        var hits = scanner.ScanAll("网上赌博 vpn 彩票", "代充123 元");
        Assert.Equal(["赌博", "vpn", "代充123"], hits.Select(h => h.Matched));
        Assert.Equal("「赌博」（赌博）、「VPN」（翻墙）、「代充\\d+」（欺诈）", TermScanner.Describe(hits));
        Assert.Empty(scanner.Scan("王者荣耀 60 点券"));
        Assert.Empty(scanner.Scan(null));
    }

    [Fact]
    public void Highlighting_cuts_the_text_into_runs_with_the_hits_marked()
    {
        var scanner = new TermScanner([Term(1, "外挂", category: "外挂")]);
        var runs = scanner.Highlight("吃鸡外挂月卡");
        Assert.Equal(["吃鸡", "外挂", "月卡"], runs.Select(r => r.Text));
        Assert.Equal([false, true, false], runs.Select(r => r.Hit is not null));
    }

    [Theory]
    [InlineData("([a-z", true)]
    [InlineData(@"(\w)\1", true)]
    [InlineData("a*", true)]
    [InlineData(@"代充\d+", false)]
    public void An_invalid_regular_expression_is_refused_in_chinese(string pattern, bool refused)
    {
        var error = ProhibitedTerm.Check("欺诈", pattern, isRegex: true);
        Assert.Equal(refused, error is not null);
        if (refused) Assert.StartsWith("正则表达式", error);
        Assert.Null(ProhibitedTerm.Check("欺诈", "([a-z", isRegex: false));
        Assert.Equal("请填写分类（最多 32 字）", ProhibitedTerm.Check(" ", "赌博", false));
    }

    [Fact]
    public void A_new_listing_waits_for_review_a_trusted_one_sells_at_once_unless_a_term_hits()
    {
        var hit = new TermScanner([Term(1, "赌博")]);
        var waiting = NewProduct();
        waiting.SubmitForReview([], skipReview: false);
        Assert.Equal(ProductReview.Pending, waiting.Review);
        Assert.False(waiting.IsOnSale(Now));

        var trusted = NewProduct();
        trusted.SubmitForReview([], skipReview: true);
        Assert.True(trusted.IsOnSale(Now));

        var trustedButHit = NewProduct("赌博卡");
        trustedButHit.SubmitForReview(hit.Scan(trustedButHit.Name), skipReview: true);
        Assert.Equal(ProductReview.Prohibited, trustedButHit.Review);
        Assert.Equal("命中违禁词：「赌博」（赌博）", trustedButHit.ReviewReason);
        Assert.False(trustedButHit.IsOnSale(Now));
    }

    [Fact]
    public void Approving_a_product_with_a_hit_needs_a_note_and_the_approval_holds_for_those_terms_only()
    {
        var product = NewProduct("反赌博宣传卡");
        var hits = new TermScanner([Term(1, "赌博"), Term(2, "宣传")]).Scan(product.Name);
        product.SubmitForReview(hits, skipReview: false);
        Assert.Equal($"该商品命中违禁词 {TermScanner.Describe(hits)}，通过时必须填写备注", product.Approve("admin", " ", hits, Now));
        Assert.Equal(ProductReview.Prohibited, product.Review);

        Assert.Null(product.Approve("admin", "反赌宣传，非赌博", hits, Now));
        Assert.True(product.IsOnSale(Now));
        Assert.Equal("该商品已通过审核", product.Approve("admin", "x", hits, Now));
        // The same terms again: still approved. A new term: off sale.
        Assert.Equal(ScanOutcome.Unchanged, product.ApplyScan(hits, skipReview: false));
        var more = new TermScanner([Term(1, "赌博"), Term(3, "反")]).Scan(product.Name);
        Assert.Equal(ScanOutcome.TakenOff, product.ApplyScan(more, skipReview: false));
        Assert.False(product.IsOnSale(Now));
    }

    [Fact]
    public void A_rescan_takes_an_approved_product_off_and_when_the_term_goes_back_to_review_a_rejected_one_stays_rejected()
    {
        var product = NewProduct("外挂月卡");
        product.SubmitForReview([], skipReview: true);
        var hits = new TermScanner([Term(1, "外挂")]).Scan(product.Name);
        Assert.Equal(ScanOutcome.TakenOff, product.ApplyScan(hits, skipReview: false));
        Assert.Equal(ScanOutcome.Unchanged, product.ApplyScan(hits, skipReview: false));
        Assert.Equal(ScanOutcome.Cleared, product.ApplyScan([], skipReview: false));
        Assert.Equal(ProductReview.Pending, product.Review);

        Assert.Equal("请填写驳回原因", product.Reject("admin", "", Now));
        Assert.Null(product.Reject("admin", "资质不全", Now));
        Assert.Equal(ScanOutcome.Unchanged, product.ApplyScan(hits, skipReview: false));
        Assert.Equal("已驳回：资质不全", Product.ReviewText(product.Review, product.ReviewReason));
    }

    [Fact]
    public void A_sanction_holds_between_its_start_and_its_end_until_lifted()
    {
        var s = new StationSanction { StationId = 2, Kind = SanctionKind.NoNewListings, Reason = "售假", StartsAt = Now, EndsAt = Now.AddDays(3) };
        Assert.False(s.IsActiveAt(Now.AddSeconds(-1)));
        Assert.True(s.IsActiveAt(Now));
        Assert.False(s.IsActiveAt(Now.AddDays(3)));
        s.LiftedAt = Now.AddHours(1);
        Assert.False(s.IsActiveAt(Now.AddHours(2)));

        Assert.Equal("不能处罚总站", StationSanction.Check(Station.MainStationId, SanctionKind.Closed, "x", Now, Now.AddDays(1), Now));
        Assert.Equal("请填写处罚原因", StationSanction.Check(2, SanctionKind.Closed, " ", Now, Now.AddDays(1), Now));
        Assert.Equal("结束时间必须晚于现在", StationSanction.Check(2, SanctionKind.Closed, "x", Now.AddDays(-2), Now.AddDays(-1), Now));
        Assert.Null(StationSanction.Check(2, SanctionKind.ListingHidden, "x", Now, Now.AddDays(1), Now));
    }

    [Fact]
    public void A_listing_only_suspension_ends_at_its_end_time()
    {
        var station = new Station { Code = "shop", Name = "店", ParentId = 1, ListingSuspended = true, ListingSuspendedUntil = Now.AddHours(1) };
        Assert.True(station.IsListingSuspendedAt(Now));
        Assert.False(station.IsListingSuspendedAt(Now.AddHours(1)));
        station.ListingSuspendedUntil = null;
        Assert.True(station.IsListingSuspendedAt(Now.AddYears(1)));
    }

    [Fact]
    public void Sanctions_take_the_compliance_part_of_the_rating()
    {
        var clean = StationRating.Compute(new RatingInputs(100, 100, 0, 0, 10, 0, 0, false));
        var once = StationRating.Compute(new RatingInputs(100, 100, 0, 0, 10, 0, 0, false, Sanctions90Days: 1));
        var now = StationRating.Compute(new RatingInputs(100, 100, 0, 0, 10, 0, 0, false, Sanctions90Days: 1, SanctionedNow: true));
        Assert.Equal(20, clean.Parts.Single(p => p.Name == "合规").Score);
        Assert.Equal(10, once.Parts.Single(p => p.Name == "合规").Score);
        Assert.Equal(0, now.Parts.Single(p => p.Name == "合规").Score);
        Assert.Equal("当前处罚中", now.Parts.Single(p => p.Name == "合规").Explanation);
    }
}
