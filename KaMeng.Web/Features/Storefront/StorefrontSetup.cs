namespace KaMeng.Web.Features.Storefront;

public static class StorefrontSetup
{
    public static WebApplicationBuilder AddStorefront(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<StorefrontCatalog>();
        return builder;
    }
}
