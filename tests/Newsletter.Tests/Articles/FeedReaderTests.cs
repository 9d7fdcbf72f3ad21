using System.Text;
using Newsletter.Articles;

namespace Newsletter.Tests.Articles;

/// <summary>RSS and Atom through System.ServiceModel.Syndication; one bad entry costs only itself.</summary>
public sealed class FeedReaderTests
{
    private static readonly Uri FeedUrl = new("https://blog.example/feed.xml");

    [Fact]
    public void An_rss_feed_with_a_bad_date_and_a_missing_link_keeps_the_good_entries()
    {
        var result = Read("""
            <?xml version="1.0" encoding="utf-8"?>
            <rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/">
            <channel><title>Blog</title><link>https://blog.example/</link><description>d</description>
              <item><title>Good one</title><link>/posts/good</link><guid isPermaLink="false">post-1</guid>
                <pubDate>Tue, 03 Nov 2026 08:00:00 GMT</pubDate><dc:creator>Jane Roe</dc:creator>
                <category>Books</category><category>Film</category>
                <description>&lt;p&gt;Summary&lt;/p&gt;</description><content:encoded><![CDATA[<p>Full text</p>]]></content:encoded>
                <media:content url="https://cdn.example/cover.jpg" medium="image" /></item>
              <item><title>Bad date</title><link>https://blog.example/posts/bad</link><pubDate>sometime last week</pubDate></item>
              <item><title>No link</title><pubDate>Tue, 03 Nov 2026 09:00:00 GMT</pubDate></item>
            </channel></rss>
            """);
        Assert.True(result.Articles.Count == 1, string.Join("; ", result.Skipped));
        var good = Assert.Single(result.Articles);
        Assert.Equal(2, result.Skipped.Count);
        Assert.Equal(("post-1", "Good one", "https://blog.example/posts/good", "Jane Roe"), (good.ExternalId, good.Title, good.Link, good.Author));
        Assert.Equal(new DateTime(2026, 11, 3, 8, 0, 0, DateTimeKind.Utc), good.PublishedAt);
        Assert.Equal(["Books", "Film"], good.Categories);
        Assert.Equal("<p>Summary</p>", good.Summary);
        Assert.Equal("<p>Full text</p>", good.Content);
        Assert.Equal("https://cdn.example/cover.jpg", good.ImageUrl);
    }

    [Fact]
    public void An_atom_feed_is_read_and_an_entry_without_id_uses_its_link()
    {
        var result = Read("""
            <?xml version="1.0" encoding="utf-8"?>
            <feed xmlns="http://www.w3.org/2005/Atom"><title>Blog</title><id>urn:blog</id><updated>2026-11-03T08:00:00Z</updated>
              <entry><title>Atom post</title><id>urn:post:7</id><link rel="alternate" href="https://blog.example/7"/>
                <updated>2026-11-03T08:00:00Z</updated><published>2026-11-02T10:30:00+01:00</published>
                <author><name>A. Writer</name></author><category term="music"/>
                <summary type="html">&lt;b&gt;Short&lt;/b&gt;</summary><content type="html">&lt;p&gt;Long&lt;/p&gt;</content></entry>
            </feed>
            """);
        Assert.True(result.Articles.Count == 1, string.Join("; ", result.Skipped));
        var entry = Assert.Single(result.Articles);
        Assert.Equal(("urn:post:7", "https://blog.example/7", "A. Writer"), (entry.ExternalId, entry.Link, entry.Author));
        Assert.Equal(new DateTime(2026, 11, 2, 9, 30, 0, DateTimeKind.Utc), entry.PublishedAt);
        Assert.Equal(["music"], entry.Categories);
        Assert.Equal("<p>Long</p>", entry.Content);
    }

    [Fact]
    public void A_windows_1252_feed_is_decoded()
    {
        var xml = "<?xml version=\"1.0\" encoding=\"windows-1252\"?><rss version=\"2.0\"><channel><title>B</title><link>https://blog.example/</link><description>d</description>" +
                  "<item><title>Caf\u00e9 cr\u00e8me</title><link>https://blog.example/cafe</link><pubDate>Tue, 03 Nov 2026 08:00:00 GMT</pubDate></item></channel></rss>";
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        var result = FeedReader.Read(new MemoryStream(Encoding.GetEncoding(1252).GetBytes(xml)), FeedUrl);
        Assert.Equal("Caf\u00e9 cr\u00e8me", Assert.Single(result.Articles).Title);
    }

    [Fact]
    public void A_document_that_is_not_a_feed_is_refused_as_a_whole()
    {
        Assert.Throws<FeedFormatException>(() => Read("<html><body>Not a feed</body></html>"));
        Assert.Throws<FeedFormatException>(() => Read("this is not xml at all <"));
    }

    private static FeedReadResult Read(string xml) => FeedReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(xml.Trim())), FeedUrl);
}
