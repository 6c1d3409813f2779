using Microsoft.Playwright;

namespace KaMeng.Tests.Infrastructure;

/// <summary>Page object: /admin/marketing/campaigns and its 新建活动 form.</summary>
public sealed class CampaignAdminPage(IPage page)
{
    public async Task GotoNewAsync()
    {
        var admin = new AdminPage(page);
        await admin.GotoAsync("/admin/marketing/campaigns/new");
        await Assertions.Expect(page.GetByTestId("campaign-save")).ToBeVisibleAsync();
    }

    async Task FillAsync(string name, string value)
    {
        var input = page.Locator($"[name={name}]");
        await input.FillAsync(value);
        await input.PressAsync("Tab");
    }

    public async Task FillAsync(string name, string tag, string title, string body)
    {
        await FillAsync("campaign-name", name);
        await Selects.ChooseAsync(page, page.GetByTestId("campaign-tag"), tag);
        await FillAsync("campaign-title", title);
        await FillAsync("campaign-body", body);
    }

    public Task PreviewAsync() => page.GetByTestId("campaign-preview").ClickAsync();
    public ILocator PreviewResult => page.GetByTestId("campaign-preview-result");
    public Task SaveAsync() => page.GetByTestId("campaign-save").ClickAsync();

    public ILocator Rows => page.GetByTestId("campaign-table").Locator("tbody tr");
    public ILocator Row(string name) => Rows.Filter(new() { HasText = name });
}

/// <summary>Page object: 消息中心 of a station's storefront (/s/{code}/my/inbox).</summary>
public sealed class InboxPage(IPage page, string basePath)
{
    public Task GotoAsync() => page.GotoAsync($"{basePath}/my/inbox");
    public ILocator HeaderLink => page.GetByTestId("inbox-link");
    public ILocator HeaderBadge => page.GetByTestId("inbox-badge");
    public ILocator UnreadCount => page.GetByTestId("inbox-unread");
    public ILocator Items => page.GetByTestId("inbox-item");
    public ILocator Item(string title) => Items.Filter(new() { HasText = title });
    public ILocator MessageTitle => page.GetByTestId("inbox-message-title");
    public ILocator MessageBody => page.GetByTestId("inbox-message-body");
    public Task BackAsync() => page.GetByTestId("inbox-back").ClickAsync();
    public ILocator ConsentState => page.GetByTestId("consent-state");
    public Task ToggleConsentAsync() => page.GetByTestId("consent-toggle").ClickAsync();
}
