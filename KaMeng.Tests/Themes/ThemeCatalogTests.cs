using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Themes;
using Microsoft.Extensions.Logging.Abstractions;

namespace KaMeng.Tests.Themes;

public class ThemeCatalogTests
{
    static readonly ThemeCatalog Real = new(Path.Combine(TestPaths.RepoRoot, "wwwroot-themes"), NullLogger<ThemeCatalog>.Instance);

    [Fact]
    public void The_three_shipped_themes_are_found_with_their_tokens_and_previews()
    {
        Assert.Equal(["default", "dark", "fresh"], Real.All.Select(t => t.Name));
        Assert.Equal(["经典", "暗夜", "清新"], Real.All.Select(t => t.DisplayName));
        foreach (var theme in Real.All)
        {
            foreach (var token in new[] { "--km-primary", "--km-radius", "--km-font-scale" })
                Assert.NotNull(theme.Token(token));
            Assert.Equal("preview.png", theme.Preview);
            var preview = new FileInfo(Path.Combine(Real.Directory, theme.Name, "preview.png"));
            Assert.True(preview.Length is > 1000 and < 250_000, $"{theme.Name}/preview.png is {preview.Length} bytes");
        }
        Assert.Equal("cards", Real.Find("fresh")!.Layout);
        Assert.Equal("default", Real.Resolve("no-such-theme"));
        Assert.Equal("dark", Real.Resolve("dark"));
    }

    [Fact]
    public void A_new_folder_adds_a_theme_and_invalid_folders_are_ignored()
    {
        var dir = TestPaths.NewTempDir("themes");
        void Theme(string folder, string? json, bool css = true)
        {
            Directory.CreateDirectory(Path.Combine(dir, folder));
            if (json is not null) File.WriteAllText(Path.Combine(dir, folder, "theme.json"), json);
            if (css) File.WriteAllText(Path.Combine(dir, folder, "theme.css"), ":root{}");
        }
        Theme("ocean", """{ "name": "ocean", "displayName": "海洋", "tokens": { "--km-primary": { "label": "品牌色", "type": "color", "default": "#0077be" } }, "layout": "grid" }""");
        Theme("broken-json", "{ not json");
        Theme("no-json", null);
        Theme("no-css", """{ "name": "no-css", "displayName": "x" }""", css: false);
        Theme("wrong-name", """{ "name": "other", "displayName": "x" }""");
        Theme("bad-type", """{ "name": "bad-type", "displayName": "x", "tokens": { "--km-primary": { "label": "x", "type": "url", "default": "x" } } }""");
        Theme("bad-default", """{ "name": "bad-default", "displayName": "x", "tokens": { "--km-primary": { "label": "x", "type": "color", "default": "red;}" } } }""");
        Theme("bad-token", """{ "name": "bad-token", "displayName": "x", "tokens": { "color": { "label": "x", "type": "color", "default": "#fff" } } }""");
        Theme("Upper", """{ "name": "Upper", "displayName": "x" }""");

        var catalog = new ThemeCatalog(dir, NullLogger<ThemeCatalog>.Instance);
        var only = Assert.Single(catalog.All);
        Assert.Equal("海洋", only.DisplayName);
        Assert.Null(only.Preview); // named nowhere, and no file
        Assert.Equal("#0077be", only.Token("--km-primary")!.Default);
    }

    [Theory]
    [InlineData("--km-primary", "#e91e63")]
    [InlineData("--km-primary", "#ABC")]
    [InlineData("--km-primary", " #e91e63 ")]
    [InlineData("--km-radius", "12px")]
    [InlineData("--km-radius", "0.75rem")]
    [InlineData("--km-radius", "0px")]
    [InlineData("--km-radius", "48px")]
    [InlineData("--km-font-scale", "0.75")]
    [InlineData("--km-font-scale", "1.2")]
    [InlineData("--km-font-scale", "1.5")]
    public void Good_values_are_accepted(string token, string value)
    {
        var (clean, error) = Real.Validate("dark", new Dictionary<string, string?> { [token] = value });
        Assert.Null(error);
        Assert.Equal(value.Trim().ToLowerInvariant(), clean![token]);
    }

    [Theory]
    [InlineData("--km-primary", "red;}body{display:none")]
    [InlineData("--km-primary", "#fff;}body{display:none}")]
    [InlineData("--km-primary", "url(javascript:alert(1))")]
    [InlineData("--km-primary", "expression(alert(1))")]
    [InlineData("--km-primary", "red")]
    [InlineData("--km-primary", "#12345")]
    [InlineData("--km-primary", "#ffffff</style><script>alert(1)</script>")]
    [InlineData("--km-primary", "#aabbccddeeff00112233")]
    [InlineData("--km-radius", "12")]
    [InlineData("--km-radius", "12em")]
    [InlineData("--km-radius", "-4px")]
    [InlineData("--km-radius", "49px")]
    [InlineData("--km-radius", "4rem")]
    [InlineData("--km-radius", "calc(1px)")]
    [InlineData("--km-radius", "١٢px")]
    [InlineData("--km-font-scale", "0.5")]
    [InlineData("--km-font-scale", "1.51")]
    [InlineData("--km-font-scale", "1e0")]
    [InlineData("--km-font-scale", "abc")]
    public void Bad_values_are_refused_in_chinese(string token, string value)
    {
        var (clean, error) = Real.Validate("dark", new Dictionary<string, string?> { [token] = value });
        Assert.Null(clean);
        Assert.NotNull(error);
        Assert.Matches(@"\p{IsCJKUnifiedIdeographs}", error);
    }

    [Fact]
    public void Tokens_the_theme_does_not_expose_and_unknown_themes_are_refused()
    {
        Assert.Equal("主题不存在", Real.Validate("../etc", null).Error);
        Assert.Equal("主题不存在", Real.Validate("Dark", null).Error);
        Assert.Contains("没有可调整的项", Real.Validate("default", new Dictionary<string, string?> { ["--km-bg"] = "#000" }).Error);
        Assert.Contains("没有可调整的项", Real.Validate("default", new Dictionary<string, string?> { ["color"] = "#000" }).Error);
        Assert.Contains("没有可调整的项", Real.Validate("default", new Dictionary<string, string?> { ["--km-primary:red;}body{x"] = "#000" }).Error);
        var (clean, error) = Real.Validate("default", new Dictionary<string, string?> { ["--km-primary"] = "  ", ["--km-radius"] = null });
        Assert.Null(error);
        Assert.Empty(clean!);
    }

    [Fact]
    public void Stored_overrides_are_revalidated_when_written_as_css()
    {
        Assert.Equal(":root{--km-primary:#e91e63;--km-radius:20px;}", Real.InlineCss("dark", """{"--km-primary":"#e91e63","--km-radius":"20px"}"""));
        // Whatever reached the column some other way, only valid values of exposed tokens are written.
        Assert.Equal(":root{--km-radius:20px;}", Real.InlineCss("dark", """{"--km-primary":"red;}body{display:none","--km-radius":"20px","--km-bg":"#000","x":"y"}"""));
        Assert.Null(Real.InlineCss("dark", """{"--km-primary":"url(javascript:alert(1))"}"""));
        Assert.Null(Real.InlineCss("dark", "not json"));
        Assert.Null(Real.InlineCss("dark", """["#fff"]"""));
        Assert.Null(Real.InlineCss("dark", """{"--km-primary":1}"""));
        Assert.Null(Real.InlineCss("no-such", """{"--km-primary":"#e91e63"}"""));
        Assert.Null(Real.InlineCss("dark", null));
        Assert.Null(Real.InlineCss("dark", """{"--km-primary":"#fff\n"}"""));
        Assert.Null(Real.InlineCss("dark", """{"--km-primary":" #fff"}"""));
    }
}
