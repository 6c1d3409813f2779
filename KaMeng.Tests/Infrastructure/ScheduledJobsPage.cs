using Microsoft.Playwright;

namespace KaMeng.Tests.Infrastructure;

/// <summary>Page object: /admin/jobs, a job card's schedule editor.</summary>
public sealed class ScheduledJobsPage(IPage page)
{
    /// <summary>Picks an entry of the editor's 执行计划 list (a preset, or the advanced raw expression).</summary>
    public async Task ChoosePresetAsync(ILocator card, string label)
    {
        await card.GetByTestId("cron-preset").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = label, Exact = true }).ClickAsync();
    }

    public ILocator CronInput(ILocator card) => card.GetByTestId("cron-input");
}
