using KaMeng.Web.Features.Themes;

namespace KaMeng.Web.Infrastructure;

public static class ThemesSetup
{
    /// <summary>The theme catalogue (read from wwwroot-themes/ and {SharedDir}/themes/ once, at startup); a station's theme is set by the builder's publish (LayoutService).</summary>
    public static WebApplicationBuilder AddThemes(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(sp => new ThemeCatalog(UiSetup.ThemesDirectory(sp.GetRequiredService<IWebHostEnvironment>()),
            UiSetup.CustomThemesDirectory(sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<KaMeng.Data.KaMengOptions>>().Value),
            sp.GetRequiredService<ILogger<ThemeCatalog>>()));
        builder.Services.AddSingleton<ThemeQueries>();
        return builder;
    }
}
