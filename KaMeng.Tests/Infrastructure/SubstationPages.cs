using Microsoft.Playwright;

namespace KaMeng.Tests.Infrastructure;

/// <summary>Radzen form helpers: fields are found by their floating label.</summary>
public static class RadzenUi
{
    public static ILocator Field(IPage page, string label) =>
        page.Locator(".rz-form-field").Filter(new() { Has = page.Locator(".rz-form-field-label", new() { HasTextString = label }) }).First;

    public static async Task SelectAsync(IPage page, string label, string option)
    {
        await Field(page, label).Locator(".rz-dropdown").ClickAsync();
        await page.Locator(".rz-popup:visible .rz-dropdown-item, .rz-dropdown-panel:visible .rz-dropdown-item").Filter(new() { HasTextString = option }).First.ClickAsync();
    }

    public static Task FillAsync(IPage page, string label, string value) => Field(page, label).Locator("input, textarea").First.FillAsync(value);
}

/// <summary>Page object: the owner's /admin/station page.</summary>
public sealed class MyStationPage(IPage page)
{
    public async Task GotoAsync(string? tab = null)
    {
        await new AdminPage(page).GotoAsync("/admin/station");
        if (tab is not null) await page.Locator(".rz-tabview-nav li", new() { HasTextString = tab }).ClickAsync();
    }

    public async Task AddRuleAsync(string scope, string? category, string kind, string value)
    {
        await RadzenUi.SelectAsync(page, "范围", scope);
        if (category is not null) await RadzenUi.SelectAsync(page, "分类", category);
        await RadzenUi.SelectAsync(page, "方式", kind);
        await RadzenUi.FillAsync(page, "百分比", value);
        await page.GetByTestId("save-rule").ClickAsync();
    }

    public ILocator ExplainRow(string product) => page.GetByTestId("explain-grid").Locator("tbody tr").Filter(new() { HasTextString = product });
}
