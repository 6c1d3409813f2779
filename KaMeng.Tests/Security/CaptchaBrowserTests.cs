using KaMeng.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace KaMeng.Tests.Security;

/// <summary>Registration in Chromium: refused without the captcha (in Chinese), accepted with its answer.</summary>
public class CaptchaBrowserTests(BrowserFixture fx) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task A_registration_without_the_captcha_is_refused_and_with_it_accepted()
    {
        var page = await fx.NewPageAsync();
        await page.GotoAsync("/account/register");
        var image = page.GetByTestId("captcha").Locator("img");
        await Assertions.Expect(image).ToBeVisibleAsync();
        Assert.StartsWith("data:image/svg+xml;base64,", await image.GetAttributeAsync("src"));
        await page.FillAsync("#username", "captcha-buyer-1");
        await page.FillAsync("#password", "lan-tian-7788");
        await page.FillAsync("#confirm", "lan-tian-7788");
        await BrowserFixture.ScreenshotsAsync(page, "register-captcha");
        await page.ClickAsync("button[type=submit]");
        await Assertions.Expect(page.GetByTestId("register-error")).ToHaveTextAsync("请输入验证码");
        await BrowserFixture.ScreenshotsAsync(page, "register-captcha-refused");
        await using (var db = fx.App.NewContext())
            Assert.False(await db.Users.AnyAsync(u => u.UserName == "captcha-buyer-1"));

        // A wrong answer is refused too, and the captcha is replaced.
        var firstId = await page.GetByTestId("captcha-id").GetAttributeAsync("value");
        await page.FillAsync("#password", "lan-tian-7788");
        await page.FillAsync("#confirm", "lan-tian-7788");
        await page.FillAsync("#captcha-answer", "00000");
        await page.ClickAsync("button[type=submit]");
        await Assertions.Expect(page.GetByTestId("register-error")).ToHaveTextAsync("验证码错误，请重新输入");
        Assert.NotEqual(firstId, await page.GetByTestId("captcha-id").GetAttributeAsync("value"));

        await page.FillAsync("#password", "lan-tian-7788");
        await page.FillAsync("#confirm", "lan-tian-7788");
        await CaptchaSolver.SolveAsync(page, fx.App);
        // Case does not matter.
        await page.FillAsync("#captcha-answer", (await page.InputValueAsync("#captcha-answer")).ToLowerInvariant());
        await page.ClickAsync("button[type=submit]");
        await Assertions.Expect(page.GetByTestId("logout")).ToContainTextAsync("captcha-buyer-1");
    }
}
