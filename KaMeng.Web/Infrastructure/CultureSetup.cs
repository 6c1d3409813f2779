using System.Globalization;

namespace KaMeng.Web.Infrastructure;

public static class CultureSetup
{
    static readonly CultureInfo ZhCn = new("zh-CN");

    /// <summary>The UI speaks Chinese: zh-CN for every request and every circuit; times are read in the business time
    /// zone (<c>KaMeng:BusinessTimeZone</c>, default Asia/Shanghai, see <see cref="KaMeng.Domain.BusinessTime.Use"/>).</summary>
    public static WebApplicationBuilder AddKaMengCulture(this WebApplicationBuilder builder)
    {
        if (KaMeng.Domain.BusinessTime.Use(builder.Configuration["KaMeng:BusinessTimeZone"]) is { } refused)
            throw new InvalidOperationException($"配置项 KaMeng:BusinessTimeZone 无效：{refused}");
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
