using KaMeng.Domain;
using KaMeng.Web.Features.Stations;
using KaMeng.Web.Features.Themes;

namespace KaMeng.Web.Features.Builder;

public static class BuilderSetup
{
    public const string PreviewKey = "km.builder-preview";

    public static WebApplicationBuilder AddBuilder(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<LayoutRulesFactory>();
        builder.Services.AddSingleton<PublishedLayouts>();
        builder.Services.AddSingleton<LayoutService>();
        builder.Services.AddSingleton<BuilderQueries>();
        return builder;
    }

    /// <summary>
    /// The preview of a draft at {station}/builder-preview/{pageId}: before the page renders (and before App writes the
    /// theme links in the head), puts the draft and its theme on the request when the signed-in user may edit the station.
    /// Registered after authentication, so it runs between it and the endpoint.
    /// </summary>
    public static WebApplication MapBuilder(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            if (context.Request.Path.StartsWithSegments("/builder-preview", out var rest) && int.TryParse(rest.Value?.Trim('/'), out var pageId))
            {
                var service = context.RequestServices.GetRequiredService<LayoutService>();
                var current = context.RequestServices.GetRequiredService<CurrentStation>();
                if (current.IsResolved && await service.ActorOfAsync(context.User) is { } actor && await service.OpenAsync(current.Station.Id, pageId, actor) is { } opened)
                {
                    var draft = opened.Draft;
                    context.Items[PreviewKey] = context.RequestServices.GetRequiredService<PublishedLayouts>().Render(opened.Page.Title, draft);
                    if (draft.Theme is not null)
                        current.Set(current.Station with { Theme = draft.Theme, ThemeTokensJson = ThemeCatalog.StoredJson(draft.ThemeTokens) }, current.BasePath);
                }
                context.Response.Headers.CacheControl = "no-store";
            }
            await next(context);
        });
        return app;
    }
}
