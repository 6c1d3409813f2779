using KaMeng.Tests.Infrastructure;
using Microsoft.Playwright;

namespace KaMeng.Tests.Browser;

/// <summary>The admin on a phone: the menu is closed by default, opens over the page with the toggle and closes again.</summary>
[Collection(SharedAppCollection.Name)]
public class AdminPhoneLayoutTests(BrowserFixture fx)
{
    static async Task ExpectContentUsesTheWidthAsync(IPage page, string heading)
    {
        var h1 = page.Locator("h1", new() { HasTextString = heading });
        await Assertions.Expect(h1).ToBeVisibleAsync();
        var box = await h1.BoundingBoxAsync();
        Assert.True(box!.X < 40, $"the page content starts at the left edge (x = {box.X})");
    }

    [Fact]
    public async Task At_390px_the_menu_is_closed_the_page_is_visible_and_the_toggle_opens_and_closes_the_menu()
    {
        var page = await fx.NewPageAsync(mobile: true);
        await new LoginPage(page).LoginAsAsync("admin", TestAccounts.AdminPassword, "/admin/suppliers");
        await new AdminPage(page).WaitForCircuitAsync();
        var menu = page.GetByTestId("admin-menu");
        var toggle = page.GetByTestId("menu-toggle");
        var orders = menu.GetByText("订单", new() { Exact = true });

        await Assertions.Expect(orders).Not.ToBeInViewportAsync();
        await ExpectContentUsesTheWidthAsync(page, "上游供货");
        await Assertions.Expect(toggle).ToHaveAttributeAsync("aria-expanded", "false");
        await page.ScreenshotAsync(new() { Path = Path.Combine(TestPaths.TestResults, "admin-phone-menu-closed.png") });

        await toggle.ClickAsync();
        await Assertions.Expect(orders).ToBeInViewportAsync();
        await Assertions.Expect(toggle).ToHaveAttributeAsync("aria-expanded", "true");
        await page.ScreenshotAsync(new() { Path = Path.Combine(TestPaths.TestResults, "admin-phone-menu-open.png") });

        // Tapping beside the menu closes it; following a link closes it too.
        await page.Mouse.ClickAsync(370, 400);
        await Assertions.Expect(orders).Not.ToBeInViewportAsync();
        await toggle.ClickAsync();
        await orders.ClickAsync();
        await page.WaitForURLAsync("**/admin/orders");
        await Assertions.Expect(orders).Not.ToBeInViewportAsync();
        await ExpectContentUsesTheWidthAsync(page, "订单");
    }

    [Fact]
    public async Task A_page_opened_wide_and_narrowed_to_390px_folds_its_menu_and_widening_shows_it_again()
    {
        var page = await fx.NewPageAsync();
        await new LoginPage(page).LoginAsAsync("admin", TestAccounts.AdminPassword, "/admin/suppliers");
        await new AdminPage(page).WaitForCircuitAsync();
        var orders = page.GetByTestId("admin-menu").GetByText("订单", new() { Exact = true });
        await Assertions.Expect(orders).ToBeInViewportAsync();
        await BrowserFixture.ScreenshotsAsync(page, "admin-suppliers");

        await page.SetViewportSizeAsync(390, 844);
        await Assertions.Expect(orders).Not.ToBeInViewportAsync();
        await ExpectContentUsesTheWidthAsync(page, "上游供货");
        await page.SetViewportSizeAsync(1280, 800);
        await Assertions.Expect(orders).ToBeInViewportAsync();
    }
}
