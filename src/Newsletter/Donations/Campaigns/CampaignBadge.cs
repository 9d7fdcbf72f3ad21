using System.Globalization;
using System.Text.Encodings.Web;
using Newsletter.Localization;

namespace Newsletter.Donations;

/// <summary>
/// The progress bar a blog embeds: an SVG image served by us (no script, no third party) and the snippet of plain
/// HTML that shows it and links to the campaign's donate page.
/// </summary>
public static class CampaignBadge
{
    public const int Width = 480;
    public const int Height = 96;

    /// <summary>The bar as a self-contained SVG: name, raised of goal, donors and days left, in <paramref name="words"/>'s language.</summary>
    public static string Svg(CampaignProgress progress, ReaderWords words)
    {
        var c = progress.Campaign;
        var fill = (Width - 32) * progress.BarPercent / 100;
        var summary = progress.Summary(words);
        var details = $"{progress.Percent}% · {progress.DonorCount(words)} · {progress.When(words)}";
        return $"""
            <svg xmlns="http://www.w3.org/2000/svg" width="{Width}" height="{Height}" viewBox="0 0 {Width} {Height}" role="img" aria-label="{Text(c.Name + ": " + summary + ", " + details)}">
              <title>{Text(c.Name)}: {Text(summary)}</title>
              <rect width="{Width}" height="{Height}" rx="8" fill="#ffffff" stroke="#d0d7de"/>
              <text x="16" y="26" font-family="Helvetica, Arial, sans-serif" font-size="16" font-weight="bold" fill="#1f2328">{Text(Shorten(c.Name, 48))}</text>
              <rect x="16" y="38" width="{Width - 32}" height="16" rx="8" fill="#eaeef2"/>
              <rect x="16" y="38" width="{fill.ToString(CultureInfo.InvariantCulture)}" height="16" rx="8" fill="#2da44e"/>
              <text x="16" y="78" font-family="Helvetica, Arial, sans-serif" font-size="14" fill="#1f2328">{Text(summary)}</text>
              <text x="{Width - 16}" y="78" text-anchor="end" font-family="Helvetica, Arial, sans-serif" font-size="13" fill="#57606a">{Text(details)}</text>
            </svg>
            """;
    }

    /// <summary>The HTML to paste into the blog: a link around the image, nothing else; its alt text in <paramref name="words"/>'s language (the blog's: <c>Site:Language</c>).</summary>
    public static string Snippet(Links.SiteLinks links, Campaign campaign, ReaderWords words)
    {
        var page = links.Absolute("donate?campaign=" + campaign.Slug);
        var image = links.Absolute($"donate/campaigns/{campaign.Slug}/progress.svg");
        var encoder = HtmlEncoder.Default;
        return $"<a href=\"{encoder.Encode(page)}\"><img src=\"{encoder.Encode(image)}\" width=\"{Width}\" height=\"{Height}\" alt=\"{encoder.Encode(words["Campaign.SnippetAlt", campaign.Name])}\"></a>";
    }

    private static string Text(string value) => System.Security.SecurityElement.Escape(value) ?? string.Empty;

    private static string Shorten(string value, int max) => value.Length <= max ? value : value[..(max - 1)] + "…";
}
