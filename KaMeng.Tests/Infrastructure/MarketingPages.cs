using Microsoft.Playwright;

namespace KaMeng.Tests.Infrastructure;

/// <summary>Page object: the buyer's side of promotions (issue 20): the product page's coupon field, grants, price preview,
/// 秒杀 box and 批发价 table; the order's 优惠 lines; 我的优惠券.</summary>
public sealed class MarketingStorePage(IPage page, string basePath = "")
{
    public Task GotoAsync(string path = "") => page.GotoAsync(basePath + "/" + path);

    public async Task ApplyCouponAsync(string code)
    {
        await CouponCode.FillAsync(code);
        await page.GetByTestId("coupon-apply").ClickAsync();
    }

    public ILocator CouponCode => page.GetByTestId("coupon-code");
    public ILocator CouponError => page.GetByTestId("coupon-error");
    public ILocator CouponDiscount => page.GetByTestId("coupon-discount");
    public ILocator CouponCapped => page.GetByTestId("coupon-capped");
    public ILocator Explanation => page.GetByTestId("price-explanation");
    public ILocator Grants => page.GetByTestId("coupon-grant");
    public ILocator Total => page.GetByTestId("order-total");
    public ILocator Quantity => page.Locator("#quantity");
    public ILocator Buy => page.GetByTestId("buy");
    public ILocator ProductPrice => page.GetByTestId("product-price");
    public ILocator ListPrice => page.GetByTestId("list-price");

    public ILocator FlashSale => page.GetByTestId("flash-sale");
    public ILocator FlashCountdown => page.GetByTestId("flash-countdown");
    public ILocator FlashProgress => page.GetByTestId("flash-progress");
    public ILocator FlashSoldOut => page.GetByTestId("flash-sold-out");
    public ILocator FlashLogin => page.GetByTestId("flash-login");
    public ILocator WholesaleTable => page.GetByTestId("wholesale-table");
    public ILocator ActiveTier => WholesaleTable.Locator("tr.active");

    public ILocator Card(string name) => page.GetByTestId("product-card").Filter(new() { HasText = name });

    public ILocator OrderStatus => page.GetByTestId("order-status");
    public ILocator OrderPaid => page.GetByTestId("order-paid");
    public ILocator OrderDiscount => page.GetByTestId("order-discount");
    public ILocator OrderExplanation => page.GetByTestId("order-explanation");

    public ILocator MyCoupons => page.GetByTestId("my-coupon");
    public ILocator CouponTab(string key) => page.GetByTestId("coupon-tab-" + key);
}
