using Markdig;
using Markdig.Extensions.GenericAttributes;
using Markdig.Renderers.Html;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace KaMeng.Web.Features.Shared;

/// <summary>
/// Renders Markdown written by station owners (product descriptions, announcements) to HTML that is safe to
/// show to buyers: raw HTML is not parsed (it is written as text), and every link and image target that is not
/// http, https or relative is replaced by "#" (javascript:, data:, vbscript:, file: …). Thread-safe: one instance.
/// </summary>
public sealed class MarkdownRenderer
{
    /// <summary>What an unsafe link or image target becomes.</summary>
    public const string NeutralUrl = "#";

    // Attributes a Markdown extension may put on an element; anything else (on*, style, href …) is dropped.
    static readonly HashSet<string> AllowedAttributes = new(StringComparer.OrdinalIgnoreCase) { "id", "class", "align", "start", "colspan", "rowspan", "width", "height" };

    readonly MarkdownPipeline pipeline;

    public MarkdownRenderer()
    {
        var builder = new MarkdownPipelineBuilder().UseAdvancedExtensions().DisableHtml();
        // {onclick=…} would put arbitrary attributes on elements: not for text written by others. Media links would embed a
        // third party's player (an iframe or video) in the page.
        builder.Extensions.RemoveAll(e => e is GenericAttributesExtension || e is Markdig.Extensions.MediaLinks.MediaLinkExtension);
        pipeline = builder.Build();
    }

    public string Render(string? markdown)
    {
        if (string.IsNullOrWhiteSpace(markdown)) return "";
        var document = Markdown.Parse(markdown, pipeline);
        foreach (var node in document.Descendants())
        {
            switch (node)
            {
                case LinkInline link:
                    // Some extensions compute the target at render time: judge what would be written.
                    var target = link.GetDynamicUrl?.Invoke() ?? link.Url;
                    // An image is fetched by every buyer's browser: only from this site (an upload or a site path), never a third party.
                    if (!IsSafeUrl(target) || !IsSafeUrl(link.Url) || link.IsImage && (!IsSiteUrl(target) || !IsSiteUrl(link.Url)))
                    {
                        link.GetDynamicUrl = null;
                        link.Url = NeutralUrl;
                    }
                    break;
                case AutolinkInline autolink when !autolink.IsEmail && !IsSafeUrl(autolink.Url):
                    autolink.Url = NeutralUrl;
                    break;
                case AutolinkInline email when email.IsEmail:
                    // mailto: is neither http(s) nor relative: show the address as text only.
                    email.Url = NeutralUrl;
                    email.IsEmail = false;
                    break;
            }
            SanitizeAttributes(node);
        }
        return document.ToHtml(pipeline);
    }

    static void SanitizeAttributes(MarkdownObject node)
    {
        if (node.TryGetAttributes() is not { } attributes) return;
        attributes.Properties?.RemoveAll(p => !AllowedAttributes.Contains(p.Key));
    }

    /// <summary>True for a URL of this site: a path, query or fragment, never a scheme or a protocol-relative "//host".</summary>
    public static bool IsSiteUrl(string? url)
    {
        if (string.IsNullOrEmpty(url)) return true;
        var cleaned = new string(url.Where(c => !char.IsControl(c) && !char.IsWhiteSpace(c)).ToArray()).Replace('\\', '/');
        if (cleaned.StartsWith("//")) return false;
        var colon = cleaned.IndexOf(':');
        var firstDelimiter = cleaned.IndexOfAny(['/', '?', '#']);
        return colon < 0 || firstDelimiter >= 0 && firstDelimiter < colon;
    }

    /// <summary>True for http, https and relative URLs (path, query or fragment only); false for any other scheme.</summary>
    public static bool IsSafeUrl(string? url)
    {
        if (string.IsNullOrEmpty(url)) return true;
        // Browsers ignore control characters and whitespace inside a scheme ("java\tscript:"): so do we.
        var cleaned = new string(url.Where(c => !char.IsControl(c) && !char.IsWhiteSpace(c)).ToArray());
        var colon = cleaned.IndexOf(':');
        if (colon < 0) return true;
        var firstDelimiter = cleaned.IndexOfAny(['/', '?', '#']);
        if (firstDelimiter >= 0 && firstDelimiter < colon) return true; // "a/b:c", "?x=y:z": a relative URL
        var scheme = cleaned[..colon];
        return scheme.Equals("http", StringComparison.OrdinalIgnoreCase) || scheme.Equals("https", StringComparison.OrdinalIgnoreCase);
    }
}
