using System.Text.RegularExpressions;
using Bunit;
using KaMeng.Web.Features.Admin.Shared;
using KaMeng.Web.Infrastructure.Mud;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace KaMeng.Tests.Components;

public partial class MudChineseTests : MudContext
{
    [GeneratedRegex(@"\p{IsCJKUnifiedIdeographs}")] private static partial Regex Chinese();

    [Fact]
    public void Every_built_in_mudblazor_text_has_a_chinese_translation()
    {
        var rows = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "TestData", "mud-strings.tsv")).Skip(1)
            .Select(l => l.Split('\t')).ToList();
        Assert.Equal(163, rows.Count);
        foreach (var row in rows)
        {
            Assert.True(ZhMudLocalizer.Texts.TryGetValue(row[0], out var zh), $"{row[0]} has no Chinese text");
            // Operators stay signs (=, >=); every other text is Chinese, with the same placeholders as the English.
            if (!Regex.IsMatch(row[1], @"^[=<>!]+$")) Assert.Matches(Chinese(), zh);
            var placeholders = Regex.Matches(row[1], @"\{\d\}").Select(m => m.Value).Order();
            Assert.Equal(placeholders, Regex.Matches(zh, @"\{\d\}").Select(m => m.Value).Order());
        }
    }

    sealed record Row(int No, string Name);

    [Fact]
    public void A_data_grid_pager_speaks_chinese()
    {
        var items = Enumerable.Range(1, 45).Select(i => new Row(i, $"商品{i}")).ToList();
        var cut = Render<MudDataGrid<Row>>(p => p
            .Add(g => g.Items, items)
            .Add(g => g.RowsPerPage, 20)
            .Add(g => g.Columns, (RenderFragment)(b =>
            {
                b.OpenComponent<PropertyColumn<Row, int>>(0);
                b.AddAttribute(1, "Property", (System.Linq.Expressions.Expression<Func<Row, int>>)(r => r.No));
                b.AddAttribute(2, "Title", "编号");
                b.CloseComponent();
            }))
            .Add(g => g.PagerContent, (RenderFragment)(b =>
            {
                b.OpenComponent<MudDataGridPager<Row>>(0);
                b.CloseComponent();
            })));
        Assert.Contains("每页条数", cut.Markup);
        Assert.Contains("第 1-20 条，共 45 条", cut.Markup);
        Assert.DoesNotContain("Rows per page", cut.Markup);
    }

    [Fact]
    public async Task A_confirmation_repeats_the_facts_and_answers_false_when_cancelled()
    {
        var host = RenderHosted(_ => { });
        var feedback = Services.GetRequiredService<AdminFeedback>();
        var answer = host.InvokeAsync(() => feedback.ConfirmAsync("确认打款", "金额 ¥12.34，收款账户 支付宝 a@b.cn", "已打款", danger: true));
        var message = host.WaitForElement("[data-testid=confirm-message]");
        Assert.Contains("支付宝 a@b.cn", message.TextContent);
        host.Find("[data-testid=confirm-cancel]").Click();
        Assert.False(await answer);
    }

    [Fact]
    public void A_success_shows_a_toast_the_tests_can_find()
    {
        var host = RenderHosted(_ => { });
        var feedback = Services.GetRequiredService<AdminFeedback>();
        host.InvokeAsync(() => feedback.Success("已保存"));
        var toast = host.WaitForElement("[data-testid=toast]");
        Assert.Equal("已保存", toast.TextContent);
        Assert.Equal("success", toast.GetAttribute("data-severity"));
    }
}
