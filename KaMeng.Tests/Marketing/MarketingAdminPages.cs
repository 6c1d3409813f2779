using KaMeng.Tests.Infrastructure;
using Microsoft.Playwright;

namespace KaMeng.Tests.Marketing;

/// <summary>Page object: 营销 → 优惠券, the list (/admin/marketing/coupons) and a coupon's page (its form, code batches, grants).</summary>
public sealed class CouponAdminPage(IPage page)
{
    public AdminPage Admin { get; } = new(page);

    public Task GotoAsync() => Admin.GotoAsync("/admin/marketing/coupons");

    /// <summary>Follows 营销 → 优惠券 in the menu (the group starts open), as a person would.</summary>
    public async Task OpenFromMenuAsync()
    {
        await page.GetByRole(AriaRole.Link, new() { Name = "优惠券", Exact = true }).ClickAsync();
        await page.WaitForURLAsync(url => url.EndsWith("/admin/marketing/coupons"));
    }

    public ILocator Table => page.GetByTestId("coupon-table");

    public ILocator Row(string name) => Table.Locator("tr").Filter(new() { Has = page.GetByTestId("coupon-name").GetByText(name, new() { Exact = true }) });

    public async Task NewAsync()
    {
        await page.GetByTestId("coupon-new").ClickAsync();
        await page.GetByTestId("coupon-form").WaitForAsync();
    }

    public async Task EditAsync(string name)
    {
        await Row(name).GetByTestId("coupon-edit").ClickAsync();
        await page.GetByTestId("coupon-form").WaitForAsync();
    }

    /// <param name="percent">For a 折扣 coupon: percent off (1–99); otherwise 满减 with <paramref name="amountOff"/>.</param>
    public async Task FillAsync(string name, string? threshold = null, string? amountOff = null, string? percent = null, string? code = null)
    {
        await page.GetByTestId("coupon-name-input").FillAsync(name);
        await page.GetByTestId("coupon-kind").GetByText(percent is null ? "满减" : "折扣", new() { Exact = true }).ClickAsync();
        if (threshold is not null) await page.GetByTestId("coupon-threshold").FillAsync(threshold);
        if (percent is not null) await page.GetByTestId("coupon-percent").FillAsync(percent);
        else if (amountOff is not null) await page.GetByTestId("coupon-amount").FillAsync(amountOff);
        if (code is not null) await page.GetByTestId("coupon-code-input").FillAsync(code);
    }

    public Task SaveAsync() => page.GetByTestId("coupon-save").ClickAsync();

    public ILocator Error => page.GetByTestId("coupon-error");

    public async Task GenerateCodesAsync(int count)
    {
        await page.GetByTestId("batch-count").FillAsync(count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await page.GetByTestId("batch-generate").ClickAsync();
    }

    public ILocator Batches => page.GetByTestId("batch-table").Locator("tbody tr");

    /// <summary>Exports the newest batch and downloads the workbook; returns where it was saved.</summary>
    public async Task<(string Path, string FileName)> DownloadNewestBatchAsync()
    {
        await Batches.First.GetByTestId("batch-export").ClickAsync();
        var link = Batches.First.GetByTestId("batch-download");
        var download = await page.RunAndWaitForDownloadAsync(() => link.ClickAsync());
        var path = System.IO.Path.Combine(TestPaths.NewTempDir("download"), "codes.xlsx");
        await download.SaveAsAsync(path);
        return (path, download.SuggestedFilename);
    }
}

/// <summary>Page object: 营销 → 秒杀 (/admin/marketing/flash-sales).</summary>
public sealed class FlashSaleAdminPage(IPage page)
{
    public AdminPage Admin { get; } = new(page);

    public Task GotoAsync() => Admin.GotoAsync("/admin/marketing/flash-sales");

    public async Task FillAsync(string product, string title, string price, int quota = 10)
    {
        await Selects.ChooseAsync(page, page.GetByTestId("flash-product"), product);
        await page.GetByTestId("flash-title").FillAsync(title);
        await page.GetByTestId("flash-price").FillAsync(price);
        await page.GetByTestId("flash-quota").FillAsync(quota.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    public Task SaveAsync() => page.GetByTestId("flash-save").ClickAsync();

    public ILocator Error => page.GetByTestId("flash-error");

    public ILocator Hint => page.GetByTestId("flash-hint");

    public ILocator Row(string title) => page.GetByTestId("flash-table").Locator("tr").Filter(new() { Has = page.GetByTestId("flash-row-title").GetByText(title, new() { Exact = true }) });

    public ILocator Taken(string title) => Row(title).GetByTestId("flash-row-taken");
}

/// <summary>Page object: 营销 → 批发价 (/admin/marketing/wholesale).</summary>
public sealed class WholesaleAdminPage(IPage page)
{
    public AdminPage Admin { get; } = new(page);

    public Task GotoAsync() => Admin.GotoAsync("/admin/marketing/wholesale");

    public Task ChooseProductAsync(string product) => Selects.ChooseAsync(page, page.GetByTestId("wholesale-product"), product);

    public ILocator Tiers => page.GetByTestId("wholesale-tier");

    /// <summary>Adds a tier row and fills it: from <paramref name="min"/> pieces, <paramref name="percentOff"/> percent off.</summary>
    public async Task AddPercentTierAsync(int min, string percentOff)
    {
        var before = await Tiers.CountAsync();
        await page.GetByTestId("tier-add").ClickAsync();
        await Assertions.Expect(Tiers).ToHaveCountAsync(before + 1);
        var tier = Tiers.Nth(before);
        await tier.GetByTestId("tier-min").FillAsync(min.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await tier.GetByTestId("tier-percent").FillAsync(percentOff);
    }

    public Task SetPercentAsync(int index, string percentOff) => Tiers.Nth(index).GetByTestId("tier-percent").FillAsync(percentOff);

    public Task SaveAsync() => page.GetByTestId("wholesale-save").ClickAsync();

    public ILocator Error => page.GetByTestId("wholesale-error");

    public ILocator Summary(string product) => page.GetByTestId("wholesale-table").Locator("tr")
        .Filter(new() { Has = page.GetByTestId("wholesale-row-product").GetByText(product, new() { Exact = true }) }).GetByTestId("wholesale-row-tiers");
}
