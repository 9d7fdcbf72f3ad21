using System.Text.RegularExpressions;
using AngleSharp.Html.Parser;

namespace Newsletter.Digests;

/// <summary>
/// Inlines a digest's CSS with PreMailer using only the styles written in it. PreMailer downloads every
/// <c>&lt;link rel=stylesheet href&gt;</c> it finds (http, file:, the cloud metadata address...), and a template is
/// staff's text: every <c>&lt;link&gt;</c> and every <c>@import</c> is removed first, so inlining reads nothing from
/// the network or the disk.
/// </summary>
public static partial class OfflineCss
{
    public static string Inline(string html)
    {
        var document = new HtmlParser().ParseDocument(html);
        var changed = false;
        foreach (var link in document.QuerySelectorAll("link").ToList())
        {
            link.Remove();
            changed = true;
        }
        foreach (var style in document.QuerySelectorAll("style"))
        {
            var css = style.TextContent;
            var cleaned = Import().Replace(css, string.Empty);
            if (cleaned == css) continue;
            style.TextContent = cleaned;
            changed = true;
        }
        var offline = changed ? document.DocumentElement.OuterHtml : html;
        if (changed && html.TrimStart().StartsWith("<!DOCTYPE", StringComparison.OrdinalIgnoreCase)) offline = "<!DOCTYPE html>\n" + offline;
        return PreMailer.Net.PreMailer.MoveCssInline(offline, removeStyleElements: true, stripIdAndClassAttributes: true).Html;
    }

    // @import url(...) or @import "..." up to its semicolon (or the end of the sheet), case-insensitive, escapes too.
    [GeneratedRegex(@"@\s*(i|\\0*69\s?)mport\b[^;]*;?", RegexOptions.IgnoreCase)]
    private static partial Regex Import();
}
