using KaMeng.Web.Features.Substations;
using KaMeng.Web.Features.Themes;

namespace KaMeng.Web.Infrastructure;

public static class ThemesSetup
{
    /// <summary>The theme catalogue (read from wwwroot-themes/ once, at startup) and the station theme service.</summary>
    public static WebApplicationBuilder AddThemes(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(sp => new ThemeCatalog(UiSetup.ThemesDirectory(sp.GetRequiredService<IWebHostEnvironment>()), sp.GetRequiredService<ILogger<ThemeCatalog>>()));
        builder.Services.AddScoped<ThemeService>();
        return builder;
    }
}
