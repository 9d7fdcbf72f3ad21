using System.ServiceModel.Syndication;
using System.Xml;
using System.Xml.Linq;

namespace Newsletter.Articles;

/// <summary>
/// Reads an RSS 2.0 or Atom document into article inputs with System.ServiceModel.Syndication. Each entry is read on
/// its own, so a malformed entry or a bad date costs that entry only: it is reported in <see cref="FeedReadResult.Skipped"/>.
/// </summary>
public static class FeedReader
{
    private static readonly XNamespace AtomNs = "http://www.w3.org/2005/Atom";
    private static readonly XNamespace ContentNs = "http://purl.org/rss/1.0/modules/content/";
    private static readonly XNamespace DublinCoreNs = "http://purl.org/dc/elements/1.1/";
    private static readonly XNamespace MediaNs = "http://search.yahoo.com/mrss/";

    static FeedReader()
    {
        // Feeds in windows-1252, iso-8859-2 and friends still exist; .NET Core only knows UTF-* and Latin-1 without this.
        System.Text.Encoding.RegisterProvider(System.Text.CodePagesEncodingProvider.Instance);
    }

    /// <summary>Parses a whole feed document. Throws <see cref="FeedFormatException"/> when the document itself is unreadable.</summary>
    public static FeedReadResult Read(Stream document, Uri feedUrl)
    {
        XDocument xml;
        try
        {
            var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore, XmlResolver = null, MaxCharactersFromEntities = 1024 * 1024, CloseInput = false };
            using var reader = XmlReader.Create(document, settings);
            xml = XDocument.Load(reader);
        }
        catch (Exception e) when (e is XmlException or ArgumentException or NotSupportedException) // DecoderFallbackException is an ArgumentException
        {
            throw new FeedFormatException($"The feed is not readable XML: {e.Message}", e);
        }
        var root = xml.Root ?? throw new FeedFormatException("The feed is empty.");
        bool atom;
        IEnumerable<XElement> entries;
        if (root.Name == AtomNs + "feed")
        {
            atom = true;
            entries = root.Elements(AtomNs + "entry");
        }
        else if (root.Name.LocalName == "rss")
        {
            atom = false;
            entries = root.Element("channel")?.Elements("item") ?? [];
        }
        else
        {
            throw new FeedFormatException($"'{root.Name.LocalName}' is neither an RSS 2.0 nor an Atom feed.");
        }

        var articles = new List<ArticleInput>();
        var skipped = new List<string>();
        var position = 0;
        foreach (var entry in entries)
        {
            position++;
            try
            {
                articles.Add(ReadEntry(entry, atom, feedUrl));
            }
            catch (Exception e) when (e is XmlException or FormatException or ArgumentException or InvalidOperationException)
            {
                skipped.Add($"entry {position}: {e.Message}");
            }
        }
        return new FeedReadResult(articles, skipped);
    }

    private static ArticleInput ReadEntry(XElement entry, bool atom, Uri feedUrl)
    {
        // Through text, not XNodeReader: the formatter's buffering of extension elements (content:encoded, media:*)
        // fails on an XNodeReader with "'Text' is an invalid XmlNodeType".
        using var reader = XmlReader.Create(new StringReader(entry.ToString(SaveOptions.DisableFormatting)),
            new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
        reader.MoveToContent();
        SyndicationItemFormatter formatter = atom ? new Atom10ItemFormatter() : new Rss20ItemFormatter();
        formatter.ReadFrom(reader);
        var item = formatter.Item;

        var linkUri = item.Links.FirstOrDefault(l => l.RelationshipType is null or "alternate")?.Uri;
        var link = linkUri is null ? null : linkUri.IsAbsoluteUri ? linkUri : new Uri(feedUrl, linkUri);
        if (link is null || !ArticleInput.IsHttpUrl(link.AbsoluteUri)) throw new FormatException("it has no http(s) link");
        var id = string.IsNullOrWhiteSpace(item.Id) ? link.AbsoluteUri : item.Id.Trim();

        var published = item.PublishDate != default ? item.PublishDate : item.LastUpdatedTime;
        if (published == default) throw new FormatException("it has no publication date");

        var title = item.Title?.Text?.Trim();
        if (string.IsNullOrEmpty(title)) throw new FormatException("it has no title");

        string? summary = item.Summary?.Text;
        string? content = atom
            ? (item.Content as TextSyndicationContent)?.Text
            : entry.Element(ContentNs + "encoded")?.Value;
        var author = item.Authors.Select(a => a.Name ?? a.Email).FirstOrDefault(a => !string.IsNullOrWhiteSpace(a))
                     ?? entry.Element(DublinCoreNs + "creator")?.Value;
        var categories = item.Categories.Select(c => c.Name ?? c.Label).Where(c => !string.IsNullOrWhiteSpace(c)).Select(c => c!.Trim()).ToList();
        return new ArticleInput(id, title, link.AbsoluteUri, author?.Trim(), published.UtcDateTime, summary, content, categories, Image(item, entry, link));
    }

    private static string? Image(SyndicationItem item, XElement entry, Uri link)
    {
        var enclosure = item.Links.FirstOrDefault(l => l.RelationshipType == "enclosure" && l.MediaType?.StartsWith("image/", StringComparison.OrdinalIgnoreCase) == true)?.Uri;
        var candidate = enclosure?.ToString()
                        ?? entry.Elements(MediaNs + "content").FirstOrDefault(m => ((string?)m.Attribute("medium") ?? (string?)m.Attribute("type") ?? "image").StartsWith("image", StringComparison.OrdinalIgnoreCase))?.Attribute("url")?.Value
                        ?? entry.Element(MediaNs + "thumbnail")?.Attribute("url")?.Value;
        if (candidate is null || !Uri.TryCreate(link, candidate, out var absolute)) return null;
        return ArticleInput.IsHttpUrl(absolute.AbsoluteUri) ? absolute.AbsoluteUri : null;
    }
}

/// <summary>What a feed held: the entries we could read, and a line for each one we skipped.</summary>
public sealed record FeedReadResult(IReadOnlyList<ArticleInput> Articles, IReadOnlyList<string> Skipped);

/// <summary>The feed document as a whole cannot be read (not XML, not RSS or Atom).</summary>
public sealed class FeedFormatException(string message, Exception? inner = null) : Exception(message, inner);
