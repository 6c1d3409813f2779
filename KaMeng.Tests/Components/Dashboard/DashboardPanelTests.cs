using Bunit;
using KaMeng.Domain;
using KaMeng.Web.Features.Dashboard;
using KaMeng.Web.Features.Dashboard.Admin.Panels;
using MudBlazor;

namespace KaMeng.Tests.Components.Dashboard;

/// <summary>The dashboard's panels (issue 17 §2) with their empty states and readable axes (§3).</summary>
public class DashboardPanelTests : MudContext
{
    static IReadOnlyList<TrendPoint> Days(int count, Func<int, long> orders) =>
        Enumerable.Range(0, count).Select(i => new TrendPoint(new DateTimeOffset(2026, 12, 1 + i, 0, 0, 0, TimeSpan.FromHours(8)), $"12/{1 + i}", orders(i), orders(i) * 700)).ToList();

    [Fact]
    public void A_trend_without_orders_says_so_instead_of_drawing_an_empty_axis()
    {
        var cut = Render<TrendPanel>(p => p.Add(x => x.Points, Days(30, _ => 0)));
        var chart = cut.Find("[data-testid=trend-chart]");
        Assert.Contains("本期暂无支付订单", chart.TextContent);
        Assert.Empty(cut.FindComponents<MudChart<double>>());
    }

    [Fact]
    public void A_thirty_day_trend_labels_every_fifth_day_and_counts_orders_in_whole_numbers()
    {
        var cut = Render<TrendPanel>(p => p.Add(x => x.Points, Days(30, i => i % 4)));
        var texts = cut.FindAll("[data-testid=trend-chart] svg text").Select(t => t.TextContent.Trim()).Where(t => t.Length > 0).ToList();
        Assert.Contains("12/1", texts);
        Assert.Contains("12/6", texts);
        Assert.Contains("12/26", texts);
        Assert.DoesNotContain("12/2", texts);
        Assert.DoesNotContain("12/30", texts);
        // The orders axis (at most 3 a day) steps by whole orders: 0 1 2 3, never 0.5.
        Assert.DoesNotContain(texts, t => t.Contains('.'));
        Assert.Contains("3", texts);
        Assert.Contains("¥20", texts); // up to 3 orders × ¥7 a day: the GMV axis steps by ¥5
    }

    [Fact]
    public void Axis_labels_thin_out_to_a_round_step_and_counts_step_by_whole_numbers()
    {
        var thirty = ChartAxes.Thin(Enumerable.Range(1, 30).Select(d => $"12/{d}").ToList());
        Assert.Equal(["12/1", "12/6", "12/11", "12/16", "12/21", "12/26"], thirty.Where(l => l != ""));
        Assert.Equal(30, thirty.Length);
        var hours = ChartAxes.Thin(Enumerable.Range(0, 24).Select(h => $"{h}时").ToList());
        Assert.Equal(["0时", "4时", "8时", "12时", "16时", "20时"], hours.Where(l => l != ""));
        Assert.Equal(["a", "b", "c", "d", "e", "f", "g"], ChartAxes.Thin(["a", "b", "c", "d", "e", "f", "g"]));
        Assert.Equal(1, ChartAxes.Step(0));
        Assert.Equal(1, ChartAxes.Step(3));
        Assert.Equal(2, ChartAxes.Step(7));
        Assert.Equal(5, ChartAxes.Step(23));
        Assert.Equal(500, ChartAxes.Step(1234));
    }

    [Fact]
    public void An_empty_funnel_and_donut_show_their_empty_states()
    {
        var funnel = Render<FunnelPanel>(p => p.Add(x => x.Steps, [new NamedCount("创建", 0), new NamedCount("已支付", 0)]));
        Assert.Contains("本期暂无订单", funnel.Find("[data-testid=funnel-chart]").TextContent);
        Assert.Empty(funnel.FindComponents<MudChart<double>>());

        var donut = Render<DonutPanel>(p => p.Add(x => x.Title, "支付方式").Add(x => x.TestId, "payment-chart")
            .Add(x => x.Items, [new NamedCount("余额", 0), new NamedCount("易支付", 0)]).Add(x => x.EmptyTitle, "本期暂无支付"));
        Assert.Contains("本期暂无支付", donut.Find("[data-testid=payment-chart]").TextContent);
        Assert.Empty(donut.FindComponents<MudChart<double>>());
    }

    [Fact]
    public void A_donut_with_data_draws_and_writes_out_its_shares()
    {
        var cut = Render<DonutPanel>(p => p.Add(x => x.Title, "支付方式").Add(x => x.Unit, " 笔")
            .Add(x => x.Items, [new NamedCount("余额", 3), new NamedCount("易支付", 1)]));
        Assert.NotEmpty(cut.FindAll("svg"));
        Assert.Equal(["余额 3 笔（75%）", "易支付 1 笔（25%）"], cut.FindAll("[data-testid=donut-value]").Select(v => v.TextContent.Trim()));
    }

    [Fact]
    public void A_funnel_with_orders_draws_bars_and_their_counts()
    {
        var cut = Render<FunnelPanel>(p => p.Add(x => x.Steps, [new NamedCount("创建", 5), new NamedCount("已支付", 4), new NamedCount("已发货", 4)]));
        Assert.NotEmpty(cut.FindAll("svg"));
        Assert.Equal(["创建 5", "已支付 4", "已发货 4"], cut.FindAll("[data-testid=funnel-value]").Select(v => v.TextContent.Trim()));
    }

    [Fact]
    public void The_heat_map_names_the_busiest_hour_or_says_there_were_no_orders()
    {
        var empty = Render<HeatmapPanel>(p => p.Add(x => x.Cells, []));
        Assert.Contains("本期暂无下单", empty.Markup);

        var cut = Render<HeatmapPanel>(p => p.Add(x => x.Cells,
            [new HeatCell(DayOfWeek.Friday, 21, 12, 9), new HeatCell(DayOfWeek.Monday, 8, 2, 2)]));
        Assert.NotEmpty(cut.FindAll("svg"));
        Assert.Contains("周五", cut.Markup); // a row per weekday
        Assert.Contains("高峰：周五 21 时，下单 12 笔，支付 9 笔（转化率 75%）", cut.Find("[data-testid=heatmap-peak]").TextContent.Trim());
    }

    [Fact]
    public void Kpis_and_stock_warnings_show_their_values()
    {
        var counters = default(StatCounters) with { Paid = 4, GmvFen = 2800 };
        var kpi = Render<KpiCards>(p => p.Add(x => x.Summary, new DashboardSummary(counters, 3, 1)).Add(x => x.Cohort, 2).Add(x => x.Repurchased, 1));
        Assert.Equal("4", kpi.Find("[data-testid=kpi-orders]").TextContent.Trim());
        Assert.Equal(Money.FromFen(2800).ToString(), kpi.Find("[data-testid=kpi-gmv]").TextContent.Trim());
        Assert.Equal("50%", kpi.Find("[data-testid=kpi-repurchase]").TextContent.Trim());

        var stock = Render<StockWarningsPanel>(p => p.Add(x => x.Warnings, [new StockWarning(7, "Steam 钱包 50 元", 0, 5)]));
        var row = stock.Find("[data-testid=stock-warnings] tbody tr");
        Assert.Contains("Steam 钱包 50 元", row.TextContent);
        Assert.Equal("true", row.GetAttribute("data-sold-out"));
        Assert.Contains("库存充足", Render<StockWarningsPanel>(p => p.Add(x => x.Warnings, [])).Markup);
    }

    [Fact]
    public void A_segment_opens_its_buyers_a_page_at_a_time()
    {
        var asked = new List<(BuyerSegment, int, int)>();
        var now = DateTimeOffset.UtcNow;
        SegmentsPanel.BuyerLoader load = (segment, page, size, _) =>
        {
            asked.Add((segment, page, size));
            return Task.FromResult<(IReadOnlyList<SegmentBuyer>, int)>(([new SegmentBuyer("u1", "老买家", now, now, 3, 12_300)], 1));
        };
        var cut = Render<SegmentsPanel>(p => p.Add(x => x.Segments, [new SegmentCount(BuyerSegment.New, 2), new SegmentCount(BuyerSegment.HighValue, 1)])
            .Add(x => x.LoadBuyers, load));
        Assert.Empty(cut.FindAll("[data-testid=segment-buyers]"));
        Assert.Contains("2", cut.Find("[data-testid=segment-New]").TextContent);

        cut.Find("[data-testid=segment-HighValue]").Click();
        cut.WaitForAssertion(() => Assert.Contains("老买家", cut.Find("[data-testid=segment-buyers]").TextContent));
        Assert.Contains(Money.FromFen(12_300).ToString(), cut.Find("[data-testid=segment-buyers]").TextContent);
        Assert.Equal((BuyerSegment.HighValue, 0, 20), asked[^1]);

        cut.Find("[data-testid=segment-New]").Click();
        cut.WaitForAssertion(() => Assert.Equal(BuyerSegment.New, asked[^1].Item1));
    }

    [Fact]
    public void The_station_list_asks_for_a_page_and_labels_kind_and_status_in_chinese()
    {
        var asked = new List<StationListQuery>();
        var cut = Render<StationsPanel>(p => p.Add(x => x.Load, (q, _) =>
        {
            asked.Add(q);
            return Task.FromResult<(IReadOnlyList<StationListItem>, int)>(([new StationListItem(1, "main", "卡盟总站", true, StationStatus.Active),
                new StationListItem(2, "demo", "演示分站", false, StationStatus.Suspended)], 2));
        }));
        cut.WaitForAssertion(() => Assert.Contains("演示分站", cut.Find("[data-testid=station-grid]").TextContent));
        var text = cut.Find("[data-testid=station-grid]").TextContent;
        Assert.Contains("总站", text);
        Assert.Contains("暂停", text);
        Assert.Equal(new StationListQuery(0, 20, null, false), asked[0]);
    }
}
