using Bunit;
using KaMeng.Web.Features.Admin.Jobs;
using KaMeng.Web.Features.Jobs;
using MudBlazor;

namespace KaMeng.Tests.Components;

/// <summary>The 计划任务 schedule editor (issue 17 §3): presets instead of Quartz syntax, the raw expression as 高级,
/// a Chinese reading and validation that keeps a broken expression from being saved.</summary>
public class CronScheduleEditorTests : MudContext
{
    static readonly DateTimeOffset Now = new(2026, 12, 3, 4, 0, 0, TimeSpan.Zero);

    IRenderedComponent<CronScheduleEditor> Editor(string cron, List<string> saved) => Render<CronScheduleEditor>(p => p
        .Add(e => e.Cron, cron)
        .Add(e => e.Now, Now)
        .Add(e => e.OnSave, (string c) => saved.Add(c)));

    [Fact]
    public void Every_preset_is_a_valid_quartz_schedule_with_a_chinese_reading()
    {
        Assert.Contains(CronPresets.All, p => p.Label == "每 5 分钟" && p.Cron == "0 0/5 * * * ?");
        Assert.Contains(CronPresets.All, p => p.Label == "每天 8:00");
        Assert.Contains(CronPresets.All, p => p.Label == "每周一 8:00");
        foreach (var p in CronPresets.All)
        {
            Assert.Null(CronText.Validate(p.Cron, Now));
            Assert.DoesNotContain("按字段", CronText.Describe(p.Cron));
        }
        Assert.Equal("每天 3:30", CronPresets.Find(" 0 30 3  * * ? ")!.Label);
        Assert.Null(CronPresets.Find("0 1 2 3 * ?"));
    }

    [Fact]
    public async Task A_preset_schedule_is_chosen_from_the_list_and_saved_as_its_expression()
    {
        var saved = new List<string>();
        var cut = Editor("0 30 3 * * ?", saved);
        var select = cut.FindComponent<MudSelect<string>>();
        Assert.Contains("每天 3:30", select.Markup); // today's schedule is its preset
        Assert.Empty(cut.FindAll("#cron-input")); // no Quartz syntax unless asked for
        Assert.Contains("每天 03:30", cut.Find("[data-testid=cron-preview]").TextContent);

        await cut.InvokeAsync(() => select.Instance.ValueChanged.InvokeAsync("0 0 8 ? * MON"));
        Assert.Contains("每周一 08:00", cut.Find("[data-testid=cron-preview]").TextContent);
        cut.Find("button[data-testid=cron-save]").Click();
        Assert.Equal(["0 0 8 ? * MON"], saved);
    }

    [Fact]
    public async Task The_raw_expression_is_the_advanced_option_validated_in_chinese_and_not_saved_while_broken()
    {
        var saved = new List<string>();
        var cut = Editor("0 0 8 1 * ?", saved);
        var select = cut.FindComponent<MudSelect<string>>();
        await cut.InvokeAsync(() => select.Instance.ValueChanged.InvokeAsync("advanced"));

        var input = cut.Find("#cron-input");
        Assert.Equal("0 0 8 1 * ?", input.GetAttribute("value")); // starts from the current schedule
        input.Input("0 0 8 * *");
        Assert.Contains("6 或 7 个字段", cut.Find("[data-testid=cron-error]").TextContent);
        Assert.True(cut.Find("button[data-testid=cron-save]").HasAttribute("disabled"));
        Assert.Empty(cut.FindAll("[data-testid=cron-preview]"));

        // Fixed: the message goes at once, the reading and the next runs come.
        cut.Find("#cron-input").Input("0 15 2 ? * SUN");
        Assert.Empty(cut.FindAll("[data-testid=cron-error]"));
        Assert.Contains("每周日 02:15", cut.Find("[data-testid=cron-preview]").TextContent);
        cut.Find("button[data-testid=cron-save]").Click();
        Assert.Equal(["0 15 2 ? * SUN"], saved);
    }

    [Fact]
    public void A_schedule_that_is_no_preset_opens_in_the_advanced_editor()
    {
        var cut = Editor("0 10 4 ? * TUE,THU", []);
        Assert.Contains("自定义 cron 表达式（高级）", cut.FindComponent<MudSelect<string>>().Markup);
        Assert.Equal("0 10 4 ? * TUE,THU", cut.Find("#cron-input").GetAttribute("value"));
    }
}
