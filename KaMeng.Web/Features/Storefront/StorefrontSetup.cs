namespace KaMeng.Web.Features.Storefront;

public static class StorefrontSetup
{
    public static WebApplicationBuilder AddStorefront(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<StorefrontCatalog>();
        builder.Services.AddSingleton<KaMeng.Web.Features.Shared.MarkdownRenderer>();
        builder.Services.AddSingleton<My.BuyerQueries>();
        builder.Services.AddSingleton<CouponPreview>();
        builder.Services.AddSingleton<Open.OpenSubstationQueries>();
        return builder;
    }
}
