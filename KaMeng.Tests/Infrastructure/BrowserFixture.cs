using Microsoft.Playwright;

namespace KaMeng.Tests.Infrastructure;

/// <summary>A fresh app plus Debian's Chromium driven by Playwright, for one browser test class.</summary>
public class BrowserFixture : IAsyncLifetime
{
    public BrowserFixture() : this(new KaMengApp()) { }

    // Protected: xunit wants a fixture to have a single public constructor.
    protected BrowserFixture(KaMengApp app) => App = app;

    public KaMengApp App { get; }
    public IPlaywright Playwright { get; private set; } = default!;
    public IBrowser Browser { get; private set; } = default!;

    public static string ChromiumPath =>
        Environment.GetEnvironmentVariable("KAMENG_CHROMIUM") is { Length: > 0 } p ? p : "/usr/bin/chromium";

    static BrowserFixture()
    {
        // Web-first assertions wait 5 s by default; a Blazor round trip on a loaded 2-core CI machine can take longer.
        // The same 15 s as the context's action timeout below, so a slow render is waited for, not failed.
        Assertions.SetDefaultExpectTimeout(15_000);
    }

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
            throw new InvalidOperationException($"Chromium not found at {ChromiumPath}: run ./test.sh (it installs Debian's chromium).");
        await ((IAsyncLifetime)App).InitializeAsync();
        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await Playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    public async Task<IPage> NewPageAsync(bool mobile = false)
    {
        var context = await Browser.NewContextAsync(new()
        {
            BaseURL = App.BaseUrl,
            Locale = "zh-CN",
            ViewportSize = mobile ? new ViewportSize { Width = 390, Height = 844 } : new ViewportSize { Width = 1280, Height = 800 },
            IsMobile = mobile,
            HasTouch = mobile,
        });
        context.SetDefaultTimeout(15_000);
        var page = await context.NewPageAsync();
        // Browser console errors go to the test log: they explain most failures.
        page.Console += (_, m) => { if (m.Type is "error" or "warning") Console.WriteLine($"[browser {m.Type}] {m.Text}"); };
        page.PageError += (_, e) => Console.WriteLine($"[browser pageerror] {e}");
        page.Response += (_, r) => { if (r.Status >= 400) Console.WriteLine($"[browser http {r.Status}] {r.Url}"); };
        return page;
    }

    /// <summary>Full-page screenshots at desktop (1280px) and phone (390px) widths under TestResults/.</summary>
    public static async Task ScreenshotsAsync(IPage page, string name)
    {
        await page.SetViewportSizeAsync(1280, 800);
        await page.ScreenshotAsync(new() { Path = Path.Combine(TestPaths.TestResults, $"{name}-desktop.png"), FullPage = true });
        // The admin's menu follows the width a moment later (MudBlazor's resize listener): picture the settled page.
        var menu = page.GetByTestId("menu-toggle");
        var admin = await menu.CountAsync() > 0 && await menu.GetAttributeAsync("aria-expanded") == "true";
        await page.SetViewportSizeAsync(390, 844);
        if (admin) await Assertions.Expect(menu).ToHaveAttributeAsync("aria-expanded", "false");
        await page.ScreenshotAsync(new() { Path = Path.Combine(TestPaths.TestResults, $"{name}-mobile.png"), FullPage = true });
        await page.SetViewportSizeAsync(1280, 800);
        if (admin) await Assertions.Expect(menu).ToHaveAttributeAsync("aria-expanded", "true");
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        Playwright?.Dispose();
        await ((IAsyncLifetime)App).DisposeAsync();
    }
}

/// <summary>A browser over a fresh production install (<see cref="FreshProductionApp"/>): no admin yet.</summary>
public sealed class FreshProductionBrowserFixture() : BrowserFixture(new FreshProductionApp());

/// <summary>A browser over a first Development run with the 60-day demo history (<see cref="DemoHistoryApp"/>).</summary>
public sealed class DemoHistoryBrowserFixture() : BrowserFixture(new DemoHistoryApp());
