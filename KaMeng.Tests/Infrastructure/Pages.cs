using Microsoft.Playwright;

namespace KaMeng.Tests.Infrastructure;

/// <summary>Page object: /account/login (optionally under a station path such as /s/demo).</summary>
public sealed class LoginPage(IPage page, string basePath = "")
{
    public async Task GotoAsync(string? returnUrl = null) =>
        await page.GotoAsync($"{basePath}/account/login" + (returnUrl is null ? "" : "?returnUrl=" + Uri.EscapeDataString(returnUrl)));

    public async Task SubmitAsync(string userName, string password)
    {
        await page.FillAsync("#username", userName);
        await page.FillAsync("#password", password);
        await page.ClickAsync("button[type=submit]");
    }

    /// <summary>Signs in and waits to leave the login page.</summary>
    public async Task LoginAsAsync(string userName, string password, string? returnUrl = null)
    {
        await GotoAsync(returnUrl);
        await SubmitAsync(userName, password);
        await page.WaitForURLAsync(url => !url.Contains("/account/login"));
    }

    public ILocator Error => page.GetByTestId("login-error");
}

/// <summary>The captcha on a form (registration, guest checkout; login and 查单 after failures), solved through the test hook.</summary>
public static class CaptchaSolver
{
    public static async Task SolveAsync(IPage page, KaMengApp app)
    {
        var id = await page.GetByTestId("captcha-id").GetAttributeAsync("value");
        await page.FillAsync("#captcha-answer", app.CaptchaAnswer(id!));
    }
}

/// <summary>Page object: any /admin page, interactive over a circuit.</summary>
public sealed class AdminPage(IPage page)
{
    public async Task GotoAsync(string path = "/admin")
    {
        await page.GotoAsync(path);
        await WaitForCircuitAsync();
    }

    /// <summary>The admin layout marks the body once its circuit is interactive.</summary>
    public Task WaitForCircuitAsync() => page.Locator("body[data-circuit=connected]").WaitForAsync();

    public ILocator SignedInUser => page.GetByTestId("admin-user");

    // Every admin page reports through AdminFeedback's toasts.
    ILocator Toasts => page.GetByTestId("toast");

    /// <summary>The result message that contains <paramref name="text"/> (others may still be showing).</summary>
    public ILocator Notification(string text) => Toasts.Filter(new() { HasText = text });

    /// <summary>Closes the showing toasts, as a person would: at most three show, a fourth waits until one goes.</summary>
    public async Task CloseNotificationsAsync()
    {
        var close = page.GetByRole(AriaRole.Alert).Filter(new() { Has = Toasts }).GetByRole(AriaRole.Button, new() { Name = "关闭" });
        // One at a time, each gone before the next: a closing toast stays in the page while it fades out.
        for (var left = await Toasts.CountAsync(); left > 0; left = await Toasts.CountAsync())
        {
            await close.First.ClickAsync();
            await Poll.UntilAsync(async () => await Toasts.CountAsync() < left, "a closed toast to go", 15);
        }
    }

    /// <summary>The confirmation dialog (AdminFeedback.ConfirmAsync).</summary>
    public ILocator Confirmation => page.GetByTestId("confirm-message");

    public Task ConfirmAsync() => page.GetByTestId("confirm-ok").ClickAsync();

    public Task CancelConfirmationAsync() => page.GetByTestId("confirm-cancel").ClickAsync();

    public async Task<string> NotificationTextAsync()
    {
        var n = Toasts.First;
        await n.WaitForAsync();
        return await n.InnerTextAsync();
    }
}

/// <summary>Page object: /admin/api-credentials, where a station approves or revokes the keys its buyers requested.</summary>
public sealed class ApiCredentialsAdminPage(IPage page)
{
    public async Task GotoAsync() => await new AdminPage(page).GotoAsync("/admin/api-credentials");

    public ILocator Row(string keyId) => page.GetByTestId("api-grid").Locator("tbody tr").Filter(new() { HasText = keyId });

    public Task ApproveAsync(string keyId) => Row(keyId).GetByRole(AriaRole.Button, new() { Name = "批准" }).ClickAsync();

    public Task RevokeAsync(string keyId) => Row(keyId).GetByRole(AriaRole.Button, new() { Name = "吊销" }).ClickAsync();

    /// <summary>Any field that would name another user to create a key for (there must be none).</summary>
    public ILocator IssueForUserField => page.Locator("input[name=api-user]");
}

/// <summary>Page object: /setup, the first-run page of an install without a platform admin.</summary>
public sealed class SetupPage(IPage page)
{
    public ILocator Form => page.GetByTestId("setup");
    public ILocator Errors => page.GetByTestId("setup-error");

    public async Task FillAsync(string userName, string password, string confirm)
    {
        await page.FillAsync("#username", userName);
        await page.FillAsync("#password", password);
        await page.FillAsync("#confirm", confirm);
    }

    public Task SubmitAsync() => page.GetByTestId("setup-submit").ClickAsync();
}
