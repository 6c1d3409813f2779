using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using AngleSharp.Html.Parser;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Builder;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace KaMeng.Tests.Builder;

/// <summary>What station owners type into blocks never runs in a buyer's browser.</summary>
public class LayoutSafetyTests(KaMengApp app) : IClassFixture<KaMengApp>
{
    static readonly AuditActor Platform = new("admin-id", "admin", null);
    const string Script = "<script>alert(1)</script>";
    const string MarkdownAttack = "<script>alert('x')</script>\n\n[点我](javascript:alert(1)) <a href=\"javascript:alert(2)\">x</a> ![p](javascript:alert(3))";
    static readonly string[] ChoiceFields = ["Source", "Kind", "Tag"]; // enumerated values, checked by their own rules

    LayoutService Layouts => app.Services.GetRequiredService<LayoutService>();

    /// <summary>Settings of a block type with every free-text field (in rows too) set to <paramref name="text"/>, and links and images to the given values.</summary>
    static JsonObject Fill(Type type, string text, string? link, string? image)
    {
        var o = JsonSerializer.SerializeToNode(Activator.CreateInstance(type), type, PageLayout.Json)!.AsObject();
        foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite && p.Name != "EqualityContract"))
        {
            var name = JsonNamingPolicy.CamelCase.ConvertName(p.Name);
            if (p.PropertyType == typeof(string) && !ChoiceFields.Contains(p.Name))
                o[name] = p.Name switch { "Link" => link, "Image" => image, "Markdown" or "Answer" => MarkdownAttack, _ => text };
            else if (p.PropertyType.IsGenericType && p.PropertyType.GetGenericArguments()[0] is { IsClass: true } row && row != typeof(string))
                o[name] = new JsonArray(Fill(row, text, link, image));
        }
        return o;
    }

    static string Page(params (string Type, JsonObject Settings)[] blocks) => new JsonObject
    {
        ["blocks"] = new JsonArray(blocks.Select((b, i) => (JsonNode)new JsonObject { ["id"] = $"safe{i:00}x", ["type"] = b.Type, ["settings"] = b.Settings }).ToArray()),
    }.ToJsonString();

    static bool HasField(Type type, string field) =>
        type.GetProperties().Any(p => p.Name == field || p.PropertyType.IsGenericType && p.PropertyType.GetGenericArguments()[0].GetProperty(field) is not null);

    [Fact]
    public async Task Script_tags_and_javascript_links_in_every_text_and_markdown_field_of_every_block_type_render_as_harmless_text()
    {
        var home = (await Layouts.PagesAsync(Station.MainStationId, Platform)).Single(p => p.IsHome);
        var json = Page(BlockTypes.All.Select(t => (t.Key, Fill(t.SettingsType, Script, null, ValidImage))).ToArray());
        Assert.Empty(await Layouts.SaveDraftAsync(Station.MainStationId, home.Id, json, Platform));
        Assert.Null(await Layouts.PublishAsync(Station.MainStationId, home.Id, Platform));

        using var http = app.NewHttpClient();
        var html = await http.GetStringAsync("/");
        var main = new HtmlParser().ParseDocument(html).QuerySelector("main")!;
        var blocks = main.QuerySelectorAll("[data-testid=block]").Select(b => b.GetAttribute("data-block-type")).ToList();
        Assert.Equal(BlockTypes.All.Select(t => t.Key), blocks); // every type rendered
        Assert.Empty(main.QuerySelectorAll("script"));
        Assert.DoesNotContain(main.QuerySelectorAll("*"), e => e.Attributes.Any(a => a.Name.StartsWith("on", StringComparison.OrdinalIgnoreCase)));
        Assert.DoesNotContain(main.QuerySelectorAll("[href],[src]"), e => !MarkdownRenderer.IsSafeUrl(e.GetAttribute("href") ?? e.GetAttribute("src")));
        Assert.Contains(Script, main.TextContent); // shown as text
    }

    [Fact]
    public async Task Javascript_links_are_refused_in_every_block_type_that_has_links_and_nothing_is_stored()
    {
        var home = (await Layouts.PagesAsync(2, Platform)).Single(p => p.IsHome);
        foreach (var type in BlockTypes.All.Where(t => HasField(t.SettingsType, "Link")))
        {
            var settings = Fill(type.SettingsType, "ok", "javascript:alert(1)", type.Key == BlockTypes.Banner ? ValidImage : null);
            var errors = await Layouts.SaveDraftAsync(2, home.Id, Page((type.Key, settings)), Platform);
            Assert.Contains(errors, e => e.Contains("只能是 http、https 或站内相对地址"));
        }
        await using var db = app.NewContext();
        Assert.Equal(home.DraftJson, db.StorePages.Single(p => p.Id == home.Id).DraftJson);
    }

    const string ValidImage = "/uploads/layout/0123456789abcdef0123456789abcdef.png";

    [Theory]
    [InlineData("https://evil.example/x.png")]
    [InlineData("/uploads/layout/evil.svg")]
    [InlineData("javascript:alert(1)")]
    [InlineData("data:image/svg+xml,<svg onload=alert(1)>")]
    [InlineData("/uploads/products/0123456789abcdef0123456789abcdef.png")]
    public async Task Images_that_were_not_uploaded_to_the_builder_are_refused_in_every_block_type_with_images(string image)
    {
        var home = (await Layouts.PagesAsync(2, Platform)).Single(p => p.IsHome);
        foreach (var type in BlockTypes.All.Where(t => HasField(t.SettingsType, "Image")))
        {
            var errors = await Layouts.SaveDraftAsync(2, home.Id, Page((type.Key, Fill(type.SettingsType, "ok", null, image))), Platform);
            Assert.Contains(errors, e => e.Contains("必须是在本站上传的图片"));
        }
    }

    [Fact]
    public async Task The_builder_upload_path_refuses_svg_with_script_and_oversized_images()
    {
        var store = app.Services.GetRequiredService<UploadStore>();
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>"u8.ToArray();
        Assert.Equal(UploadStore.WrongTypeMessage, (await store.SaveImageAsync(LayoutRulesFactory.UploadFolder, new MemoryStream(svg))).Error);
        var huge = new byte[UploadStore.MaxImageBytes + 1];
        new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }.CopyTo(huge, 0);
        Assert.Equal(UploadStore.TooLargeMessage, (await store.SaveImageAsync(LayoutRulesFactory.UploadFolder, new MemoryStream(huge))).Error);
        // A real PNG is stored under the builder's folder and passes the layout rule for images.
        var png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");
        var ok = await store.SaveImageAsync(LayoutRulesFactory.UploadFolder, new MemoryStream(png));
        Assert.True(Layouts.Rules.IsUploadedImage(ok.Path!));
        using var http = app.NewHttpClient();
        var response = await http.GetAsync(ok.Path);
        Assert.Equal("image/png", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
    }
}
