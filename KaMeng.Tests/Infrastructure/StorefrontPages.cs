using Microsoft.Playwright;

namespace KaMeng.Tests.Infrastructure;

/// <summary>Page object: a station's storefront (main at "", a substation at "/s/{code}").</summary>
public sealed class StorefrontPage(IPage page, string basePath = "")
{
    public Task GotoHomeAsync() => page.GotoAsync(basePath + "/");

    public async Task OpenProductAsync(string name)
    {
        await GotoHomeAsync();
        await page.GetByTestId("product-card").Filter(new() { HasText = name }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("product-name")).ToHaveTextAsync(name);
    }

    public async Task BuyAsync(string quantity = "1", string? contact = null, string? queryPassword = null, IDictionary<string, string>? inputs = null)
    {
        await page.FillAsync("#quantity", quantity);
        foreach (var (key, value) in inputs ?? new Dictionary<string, string>()) await page.FillAsync($"#input-{key}", value);
        if (contact is not null || queryPassword is not null)
        {
            await page.Locator("details.query-options summary").ClickAsync();
            if (contact is not null) await page.FillAsync("#contact", contact);
            if (queryPassword is not null) await page.FillAsync("#query-password", queryPassword);
        }
        await page.GetByTestId("buy").ClickAsync();
    }

    public ILocator CheckoutError => page.GetByTestId("checkout-error");
    public ILocator OrderNumber => page.GetByTestId("order-number");
    public ILocator OrderStatus => page.GetByTestId("order-status");
    public ILocator Keys => page.GetByTestId("order-keys").Locator("code");

    public async Task QueryOrderAsync(string number, string contact, string password)
    {
        await page.GotoAsync(basePath + "/order/query");
        await page.FillAsync("#q-number", number);
        await page.FillAsync("#q-contact", contact);
        await page.FillAsync("#q-password", password);
        await page.ClickAsync("button[type=submit]");
    }
}

/// <summary>Page object: a buyer's 对接 / API page (their Open API keys at one station).</summary>
public sealed class MyApiKeysPage(IPage page, string basePath = "")
{
    public Task GotoAsync() => page.GotoAsync(basePath + "/my/api");

    public async Task RequestAsync(string note)
    {
        await page.FillAsync("#api-note", note);
        await page.GetByTestId("api-request").ClickAsync();
    }

    public ILocator KeyId => page.GetByTestId("api-key-id");
    public ILocator Secret => page.GetByTestId("api-secret");
    public ILocator Error => page.GetByTestId("api-error");
    public ILocator Row(string keyId) => page.GetByTestId("api-keys").Locator("tbody tr").Filter(new() { HasText = keyId });

    public Task RevokeAsync(string keyId) => Row(keyId).GetByTestId("api-revoke").ClickAsync();
}
