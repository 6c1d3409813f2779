using System.Globalization;

namespace KaMeng.Web.Infrastructure;

public static class CultureSetup
{
    static readonly CultureInfo ZhCn = new("zh-CN");

    /// <summary>The UI speaks Chinese: zh-CN for every request and every circuit.</summary>
    public static WebApplicationBuilder AddKaMengCulture(this WebApplicationBuilder builder)
    {
        CultureInfo.DefaultThreadCurrentCulture = ZhCn;
        CultureInfo.DefaultThreadCurrentUICulture = ZhCn;
        builder.Services.Configure<RequestLocalizationOptions>(o =>
        {
            o.DefaultRequestCulture = new("zh-CN");
            o.SupportedCultures = [ZhCn];
            o.SupportedUICultures = [ZhCn];
            o.RequestCultureProviders.Clear();
        });
        return builder;
    }

    public static WebApplication UseKaMengCulture(this WebApplication app)
    {
        app.UseRequestLocalization();
        return app;
    }
}
