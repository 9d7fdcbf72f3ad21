using Ganss.Xss;

namespace Newsletter.Articles;

/// <summary>
/// Makes untrusted feed HTML safe for an email and a web page: an allow-list of plain formatting tags and attributes,
/// http(s) and mailto links only (so no <c>javascript:</c> or <c>data:</c>), no style, script, iframe or form,
/// no event handlers, and relative links made absolute against the article's URL. Thread-safe once built.
/// </summary>
public sealed class ArticleSanitizer
{
    private static readonly string[] Tags =
    [
        "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "div", "dl", "dt", "em", "figcaption",
        "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "li", "ol", "p", "pre", "q", "s", "small",
        "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
    ];

    private static readonly string[] Attributes = ["href", "src", "alt", "title", "width", "height", "colspan", "rowspan", "cite", "datetime"];

    private readonly HtmlSanitizer _sanitizer;

    public ArticleSanitizer()
    {
        _sanitizer = new HtmlSanitizer();
        _sanitizer.AllowedTags.Clear();
        _sanitizer.AllowedTags.UnionWith(Tags);
        _sanitizer.AllowedAttributes.Clear();
        _sanitizer.AllowedAttributes.UnionWith(Attributes);
        // Inline styles from a feed would fight the email's own layout; CSS in mail is ours alone.
        _sanitizer.AllowedCssProperties.Clear();
        _sanitizer.AllowedAtRules.Clear();
        _sanitizer.AllowedSchemes.Clear();
        _sanitizer.AllowedSchemes.UnionWith(["http", "https", "mailto"]);
        _sanitizer.AllowDataAttributes = false;
        _sanitizer.KeepChildNodes = true;
        // Tags whose text is code or chrome, not prose: drop them with everything inside.
        _sanitizer.RemovingTag += (_, e) =>
        {
            if (e.Tag.TagName is "SCRIPT" or "STYLE" or "IFRAME" or "OBJECT" or "EMBED" or "FORM" or "TEMPLATE" or "NOSCRIPT" or "SVG" or "MATH" or "TEXTAREA" or "SELECT" or "BUTTON")
            {
                e.Tag.Remove();
                e.Cancel = true;
            }
        };
    }

    /// <summary>Sanitises <paramref name="html"/>; relative URLs are resolved against <paramref name="baseUrl"/>.</summary>
    public string Sanitize(string? html, string baseUrl)
    {
        if (string.IsNullOrWhiteSpace(html)) return string.Empty;
        return _sanitizer.Sanitize(html, baseUrl).Trim();
    }
}
