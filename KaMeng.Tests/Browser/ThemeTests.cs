using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Builder;
using KaMeng.Web.Features.Orders;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace KaMeng.Tests.Browser;

public class ThemeTests(BrowserFixture fx) : IClassFixture<BrowserFixture>
{
    static readonly AuditActor Platform = new("admin-id", "admin", null);

    [Fact]
    public async Task An_owner_changes_the_theme_only_in_the_builder_previews_it_and_publishing_puts_it_live()
    {
        var page = await fx.NewPageAsync();
        await new LoginPage(page).LoginAsAsync("demo-owner", TestAccounts.DemoPassword, "/admin/station");

        // /admin/station 主题 shows the live theme read-only and sends the owner to the builder.
        await new MyStationPage(page).GotoAsync("主题");
        await Assertions.Expect(page.GetByTestId("live-theme")).ToHaveTextAsync("经典");
        await Assertions.Expect(page.GetByTestId("theme-summary").Locator("input, select, button")).ToHaveCountAsync(0);
        await page.GetByTestId("edit-theme-in-builder").ClickAsync();
        await page.WaitForURLAsync("**/admin/builder");
        var builder = new BuilderPage(page);
        await builder.WaitUntilReadyAsync();
        await Assertions.Expect(page.GetByTestId("theme-live")).ToContainTextAsync("线上主题：经典");

        await builder.SelectThemeAsync("暗夜");
        await builder.ExpectMessageAsync("主题已改为「暗夜」");

        // A bad value is refused in Chinese and not saved; a good one reaches the draft and its preview.
        await builder.FillSettingAsync("token---km-primary", "red;}body{x}");
        await page.GetByTestId("apply-tokens").ClickAsync();
        await builder.ExpectErrorAsync("颜色须为");
        await builder.FillSettingAsync("token---km-primary", "#e91e63");
        await page.GetByTestId("apply-tokens").ClickAsync();
        await builder.ExpectMessageAsync("主题颜色已保存到草稿");
        await Assertions.Expect(builder.Preview.Locator("link[href$='/themes/dark/theme.css']")).ToHaveCountAsync(1, new() { Timeout = 20_000 });
        // (Text locators skip <style>: read the overrides' text itself.)
        await Assertions.Expect(builder.Preview.Locator("style[data-theme-overrides]")).ToHaveCountAsync(1, new() { Timeout = 20_000 });
        Assert.Contains("--km-primary:#e91e63", await builder.Preview.Locator("style[data-theme-overrides]").TextContentAsync());
        await BrowserFixture.ScreenshotsAsync(page, "theme-in-builder");

        // Until 发布 the storefront keeps its live theme.
        var store = await fx.NewPageAsync(mobile: true);
        await store.GotoAsync("/s/demo/");
        await Assertions.Expect(store.Locator("link[href$='/themes/default/theme.css']")).ToHaveCountAsync(1);

        await builder.PublishAsync(1);
        await Assertions.Expect(page.GetByTestId("theme-live")).ToContainTextAsync("线上主题：暗夜");
        await store.GotoAsync("/s/demo/");
        await Assertions.Expect(store.Locator("link[href$='/themes/dark/theme.css']")).ToHaveCountAsync(1);
        Assert.Equal("#e91e63", await PrimaryAsync(store));
        Assert.Equal("rgb(13, 17, 23)", await store.EvaluateAsync<string>("getComputedStyle(document.body).backgroundColor"));
        await BrowserFixture.ScreenshotsAsync(store, "theme-dark-custom");

        // The summary shows what is live now.
        await new MyStationPage(page).GotoAsync("主题");
        await Assertions.Expect(page.GetByTestId("live-theme")).ToHaveTextAsync("暗夜");
        await Assertions.Expect(page.GetByTestId("live-tokens")).ToContainTextAsync("#e91e63");
        await BrowserFixture.ScreenshotsAsync(page, "theme-summary");
    }

    [Fact]
    public async Task Each_theme_renders_the_storefront_at_desktop_and_phone_widths()
    {
        var page = await fx.NewPageAsync(mobile: true);
        var writePreviews = Environment.GetEnvironmentVariable("KAMENG_WRITE_THEME_PREVIEWS") == "1";
        var layouts = fx.App.Services.GetRequiredService<LayoutService>();
        var home = (await layouts.PagesAsync(Station.MainStationId, Platform)).Single(p => p.IsHome);
        foreach (var (theme, primary) in new[] { ("default", "#1e6fff"), ("dark", "#6c5ce7"), ("fresh", "#0b8468") })
        {
            // The theme goes live the one way there is: in the home page's draft, then 发布.
            var draft = (await layouts.OpenAsync(Station.MainStationId, home.Id, Platform))!.Value.Draft with { Theme = theme, ThemeTokens = null };
            Assert.Empty(await layouts.SaveDraftAsync(Station.MainStationId, home.Id, draft.ToJson(), Platform));
            Assert.Null(await layouts.PublishAsync(Station.MainStationId, home.Id, Platform));
            await page.SetViewportSizeAsync(390, 844);
            await page.GotoAsync("/");
            await Assertions.Expect(page.Locator($"link[href$='/themes/{theme}/theme.css']")).ToHaveCountAsync(1);
            await Assertions.Expect(page.GetByTestId("product-card").First).ToBeVisibleAsync();
            Assert.Equal(primary, await PrimaryAsync(page));
            // The phone-width preview of the theme picker: the top of the real storefront.
            var preview = await page.ScreenshotAsync(new() { Clip = new() { X = 0, Y = 0, Width = 390, Height = 560 } });
            await File.WriteAllBytesAsync(Path.Combine(TestPaths.TestResults, $"theme-{theme}-preview.png"), preview);
            if (writePreviews) await File.WriteAllBytesAsync(Path.Combine(TestPaths.RepoRoot, "wwwroot-themes", theme, "preview.png"), preview);
            await BrowserFixture.ScreenshotsAsync(page, $"theme-{theme}");
        }
    }

    static async Task<string> PrimaryAsync(IPage page) =>
        (await page.EvaluateAsync<string>("getComputedStyle(document.documentElement).getPropertyValue('--km-primary')")).Trim();
}
