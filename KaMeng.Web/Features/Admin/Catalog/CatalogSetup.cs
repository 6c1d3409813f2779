using System.Security.Claims;
using KaMeng.Web.Features.Shared;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace KaMeng.Web.Features.Admin.Catalog;

public static class CatalogSetup
{
    /// <summary>The catalogue admin (分类, 商品), its Markdown renderer and image uploads.</summary>
    public static WebApplicationBuilder AddCatalog(this WebApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton<MarkdownRenderer>();
        builder.Services.TryAddSingleton<UploadStore>();
        builder.Services.AddSingleton<CategoryService>();
        builder.Services.AddSingleton<ProductService>();
        return builder;
    }
}

/// <summary>Who did something, for the audit log (操作日志).</summary>
public sealed record AdminActor(string? UserId, string? UserName)
{
    public static readonly AdminActor System = new(null, "system");

    public static AdminActor From(ClaimsPrincipal user) =>
        new(user.FindFirstValue(ClaimTypes.NameIdentifier), user.Identity?.Name);
}

/// <summary>The outcome of a catalogue change: done (with the row's id), or refused with Chinese messages and nothing written.</summary>
public sealed record CatalogResult(int? Id, IReadOnlyList<string> Errors)
{
    public bool Succeeded => Errors.Count == 0;
    public static CatalogResult Ok(int? id = null) => new(id, []);
    public static CatalogResult Refused(params IReadOnlyList<string> errors) => new(null, errors);
}
