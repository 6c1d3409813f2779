using AngleSharp.Html.Parser;
using KaMeng.Web.Features.Shared;

namespace KaMeng.Tests.Catalog;

public class MarkdownRendererTests
{
    static readonly MarkdownRenderer Renderer = new();
    static readonly HtmlParser Parser = new();

    static AngleSharp.Html.Dom.IHtmlDocument Render(string markdown) => Parser.ParseDocument("<body>" + Renderer.Render(markdown) + "</body>");

    [Fact]
    public void Ordinary_markdown_becomes_html_with_tables_and_safe_links()
    {
        var doc = Render("**自动发货**\n\n| 面值 | 价格 |\n|---|---|\n| 50 | 49.5 |\n\n[说明](https://example.com/help) [站内](/s/demo/) ![图](uploads/products/a.png)");
        Assert.Equal("自动发货", doc.QuerySelector("strong")?.TextContent);
        Assert.NotNull(doc.QuerySelector("table"));
        Assert.Equal(["https://example.com/help", "/s/demo/"], doc.QuerySelectorAll("a").Select(a => a.GetAttribute("href")));
        Assert.Equal("uploads/products/a.png", doc.QuerySelector("img")?.GetAttribute("src"));
    }

    [Theory]
    [InlineData("<script>alert(1)</script>")]
    [InlineData("hello <script>alert(1)</script> world")]
    [InlineData("<img src=x onerror=alert(1)>")]
    [InlineData("<div onclick=\"alert(1)\">x</div>")]
    [InlineData("<iframe src=\"https://evil.example\"></iframe>")]
    public void Raw_html_is_written_as_text_never_as_elements(string markdown)
    {
        var html = Renderer.Render(markdown);
        var doc = Parser.ParseDocument("<body>" + html + "</body>");
        Assert.Empty(doc.QuerySelectorAll("script, iframe, div[onclick], img[onerror]"));
        Assert.Contains("&lt;", html);
    }

    [Theory]
    [InlineData("[点我](javascript:alert(1))")]
    [InlineData("[点我](JavaScript:alert(1))")]
    [InlineData("[点我](javascript&#58;alert(1))")]
    [InlineData("[点我](java%0ascript:alert(1))")]
    [InlineData("[点我](vbscript:msgbox(1))")]
    [InlineData("[点我](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)")]
    [InlineData("[点我][x]\n\n[x]: javascript:alert(1)")]
    [InlineData("<javascript:alert(1)>")]
    [InlineData("[点我](file:///etc/passwd)")]
    public void Links_other_than_http_https_or_relative_are_neutralised(string markdown)
    {
        var doc = Render(markdown);
        var hrefs = doc.QuerySelectorAll("a").Select(a => a.GetAttribute("href") ?? "").ToList();
        Assert.All(hrefs, href => Assert.Equal(MarkdownRenderer.NeutralUrl, href));
        Assert.DoesNotContain("javascript:", Renderer.Render(markdown), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("vbscript:", Renderer.Render(markdown), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("data:text", Renderer.Render(markdown), StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("![x](javascript:alert(1))")]
    [InlineData("![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)")]
    public void Images_other_than_http_https_or_relative_are_neutralised(string markdown)
    {
        var src = Render(markdown).QuerySelector("img")?.GetAttribute("src");
        Assert.Equal(MarkdownRenderer.NeutralUrl, src);
    }

    [Fact]
    public void Generic_attributes_cannot_add_event_handlers()
    {
        var doc = Render("[链接](https://example.com){onclick=\"alert(1)\" style=\"x\"}\n\n# 标题 {onmouseover=alert(1)}");
        var attributes = doc.Body!.QuerySelectorAll("*").SelectMany(e => e.Attributes.Select(a => a.Name)).ToList();
        Assert.DoesNotContain(attributes, name => name.StartsWith("on") || name == "style");
    }

    [Fact]
    public void Bare_urls_are_linked_only_for_http_and_https()
    {
        var doc = Render("访问 https://example.com 或 www.example.com 或 mailto:a@b.c");
        Assert.All(doc.QuerySelectorAll("a"), a => Assert.True(MarkdownRenderer.IsSafeUrl(a.GetAttribute("href")), a.GetAttribute("href")));
        Assert.Contains(doc.QuerySelectorAll("a"), a => a.GetAttribute("href") == "https://example.com");
    }

    [Theory]
    [InlineData("https://example.com", true)]
    [InlineData("HTTP://example.com", true)]
    [InlineData("//cdn.example.com/a.png", true)]
    [InlineData("/uploads/products/a.png", true)]
    [InlineData("a/b:c", true)]
    [InlineData("#top", true)]
    [InlineData("?q=a:b", true)]
    [InlineData("javascript:alert(1)", false)]
    [InlineData(" javascript:alert(1)", false)]
    [InlineData("java\tscript:alert(1)", false)]
    [InlineData("data:text/html,x", false)]
    [InlineData("vbscript:x", false)]
    [InlineData("mailto:a@b.c", false)]
    public void Url_safety_allows_only_http_https_and_relative(string url, bool safe) => Assert.Equal(safe, MarkdownRenderer.IsSafeUrl(url));

    [Fact]
    public void Empty_markdown_renders_nothing() => Assert.Equal("", Renderer.Render("  "));
}
