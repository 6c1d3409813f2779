using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Substations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace KaMeng.Tests.Browser;

public class ThemeTests(BrowserFixture fx) : IClassFixture<BrowserFixture>
{
    static readonly AuditActor Platform = new("admin-id", "admin", null);

    [Fact]
    public async Task An_owner_chooses_the_dark_theme_with_a_brand_colour_and_the_storefront_uses_it()
    {
        var page = await fx.NewPageAsync();
        await new LoginPage(page).LoginAsAsync("demo-owner", TestAccounts.DemoPassword, "/admin/station");
        var station = new MyStationPage(page);
        await station.GotoAsync("主题");
        await Assertions.Expect(page.GetByTestId("theme-card")).ToHaveCountAsync(3);
        await Assertions.Expect(page.GetByTestId("theme-cards")).ToContainTextAsync("暗夜");
        await page.GetByTestId("choose-theme-dark").ClickAsync();
        await Assertions.Expect(page.GetByTestId("choose-theme-dark")).ToContainTextAsync("已选择");

        // A bad value is refused in Chinese and not saved.
        // The editor checks the value as it arrives (the inline message proves the circuit has it) and refuses to save it.
        await RadzenUi.FillAsync(page, "品牌色", "red;}body{display:none");
        await page.Keyboard.PressAsync("Tab"); // the text box reports its value on change (blur)
        await Assertions.Expect(page.GetByTestId("token-error")).ToContainTextAsync("颜色须为", new() { Timeout = 20_000 });
        await page.GetByTestId("save-theme").ClickAsync();
        await Assertions.Expect(page.GetByTestId("theme-save-status")).ToContainTextAsync("未保存：", new() { Timeout = 20_000 });
        await Assertions.Expect(page.GetByTestId("theme-save-status")).ToContainTextAsync("颜色须为");

        await RadzenUi.FillAsync(page, "品牌色", "#e91e63");
        await page.Keyboard.PressAsync("Tab");
        await Assertions.Expect(page.GetByTestId("token-error")).ToHaveCountAsync(0, new() { Timeout = 20_000 });
        await page.GetByTestId("save-theme").ClickAsync();
        await Assertions.Expect(page.GetByTestId("theme-save-status")).ToHaveTextAsync("主题已保存", new() { Timeout = 20_000 });
        await BrowserFixture.ScreenshotsAsync(page, "theme-editor");

        var store = await fx.NewPageAsync(mobile: true);
        await store.GotoAsync("/s/demo/");
        await Assertions.Expect(store.Locator("link[href$='/themes/dark/theme.css']")).ToHaveCountAsync(1);
        Assert.Equal("#e91e63", await PrimaryAsync(store));
        Assert.Equal("rgb(13, 17, 23)", await store.EvaluateAsync<string>("getComputedStyle(document.body).backgroundColor"));
        await BrowserFixture.ScreenshotsAsync(store, "theme-dark-custom");
    }

    [Fact]
    public async Task Each_theme_renders_the_storefront_at_desktop_and_phone_widths()
    {
        var page = await fx.NewPageAsync(mobile: true);
        var writePreviews = Environment.GetEnvironmentVariable("KAMENG_WRITE_THEME_PREVIEWS") == "1";
        foreach (var (theme, primary) in new[] { ("default", "#1e6fff"), ("dark", "#6c5ce7"), ("fresh", "#0b8468") })
        {
            await using (var scope = fx.App.Services.CreateAsyncScope())
                Assert.Null(await scope.ServiceProvider.GetRequiredService<ThemeService>().SetThemeAsync(2, theme, null, Platform));
            await page.SetViewportSizeAsync(390, 844);
            await page.GotoAsync("/s/demo/");
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
