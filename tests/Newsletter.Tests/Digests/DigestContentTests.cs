using System.Net;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Newsletter.Digests;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Digests;

/// <summary>
/// A small MaxArticles, and a digest time zone whose calendar date differs from UTC's right now (UTC+14 from 10:00 UTC,
/// UTC-11 before 11:00 UTC), to see what the email leaves out and how it dates things.
/// </summary>
public sealed class DigestContentApp : DigestApp
{
    public static readonly string Zone = DateTime.UtcNow.Hour >= 10 ? "Pacific/Kiritimati" : "Pacific/Pago_Pago";

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        base.Settings.Concat([new("Digests:MaxArticles", "5"), new("Digests:TimeZone", Zone)]);
}

/// <summary>
/// What a digest carries: no article of the period is lost when there are more than an email holds, the HTML part stays
/// under Gmail's clipping limit with its footer whole, and dates read in the publisher's time zone.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class DigestContentTests(DigestContentApp app) : IClassFixture<DigestContentApp>
{
    [Fact]
    public async Task Articles_past_the_cap_are_counted_and_linked_and_the_web_version_lists_every_one()
    {
        var readers = await StartAsync("cap", 2);
        var titles = new List<string>();
        for (var i = 1; i <= 12; i++)
        {
            var title = $"Capped article {i} {Guid.NewGuid():N}"[..30];
            titles.Add(title);
            await app.PushArticleAsync($"cap-{Guid.NewGuid():N}", title, "books");
        }

        var issue = await app.SendNowAsync();
        await app.WaitUntilSentAsync(issue);
        var message = app.MessagesTo(readers[0].Email).Single();
        var html = message.HtmlBody!;
        var text = message.TextBody!;

        Assert.Equal(5, titles.Count(html.Contains));
        Assert.Contains("Here are the 12 new articles", text);
        Assert.Contains("7 more articles from this issue on the web: http://localhost/archive/" + issue, text);
        Assert.Contains($"href=\"http://localhost/archive/{issue}\"", html);
        var web = await app.CreateReaderClient().GetStringAsync($"/archive/{issue}");
        Assert.All(titles, title => Assert.Contains(title, web));
        Assert.DoesNotContain("more articles from this issue", web);
    }

    [Fact]
    public async Task A_digest_of_long_articles_stays_under_the_clipping_limit_with_its_footer_whole()
    {
        var readers = await StartAsync("long", 1);
        var paragraph = "<p>" + string.Concat(Enumerable.Repeat("A long review of a long book, with much to say about it and its author. ", 60)) + "</p>";
        for (var i = 1; i <= 5; i++) await app.PushArticleAsync($"long-{Guid.NewGuid():N}", $"Long read {i}", "books", string.Concat(Enumerable.Repeat(paragraph, 6)));

        var issue = await app.SendNowAsync();
        await app.WaitUntilSentAsync(issue);
        var message = app.MessagesTo(readers[0].Email).Single();
        var htmlBytes = Encoding.UTF8.GetByteCount(message.HtmlBody!);

        // Five such articles are about 135 KB of HTML: the email carries what fits under 90 KB and links to the rest.
        Assert.True(htmlBytes <= 90_000, $"the HTML part is {htmlBytes} bytes");
        Assert.Contains("1 Test Street, Testville", message.HtmlBody);
        Assert.Contains("/unsubscribe/", message.HtmlBody);
        Assert.Matches(@"\d more articles? from this issue on the web", message.HtmlBody);
        Assert.True(message.HtmlBody!.IndexOf("/unsubscribe/", StringComparison.Ordinal) > message.HtmlBody.LastIndexOf("Long read", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Dates_are_in_the_digest_time_zone()
    {
        var readers = await StartAsync("zone", 1);
        await app.PushArticleAsync($"zone-{Guid.NewGuid():N}", "Far away in time", "books");
        var now = DateTime.UtcNow;

        var issue = await app.SendNowAsync();
        await app.WaitUntilSentAsync(issue);
        var text = app.MessagesTo(readers[0].Email).Single().TextBody!;

        var local = TimeZoneInfo.ConvertTimeFromUtc(now, TimeZoneInfo.FindSystemTimeZoneById(DigestContentApp.Zone));
        Assert.NotEqual(now.Date, local.Date);
        Assert.Contains("Jane Roe, " + local.ToString("d MMMM yyyy", System.Globalization.CultureInfo.InvariantCulture), text);
        Assert.DoesNotContain(now.ToString("d MMMM yyyy", System.Globalization.CultureInfo.InvariantCulture), text);
    }

    [Fact]
    public async Task A_copy_goes_as_8bit_utf8_and_reads_right() => await EightBitTests.SendAndReadAsync(app, await StartAsync("eight", 1), eightBit: true);

    [Fact]
    public async Task A_German_digest_whose_title_holds_a_line_separator_is_sent_and_reads_right()
    {
        var readers = await StartAsync("zeile", 1);
        await app.WithDbAsync(db => db.Set<Newsletter.Subscribers.Subscriber>().Where(s => s.Id == readers[0].Id)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.Language, "de").SetProperty(x => x.Name, "Anna")));
        await app.PushArticleAsync($"plain-{Guid.NewGuid():N}", "Ein gewöhnlicher Titel", "books");
        // U+2028 is no control character (char.IsControl says false) but must never reach a header as it is.
        await app.PushArticleAsync($"separator-{Guid.NewGuid():N}", "Erster Teil\u2028zweiter Teil", "books");
        var issue = await app.SendNowAsync();
        var counts = await app.WaitUntilSentAsync(issue);
        Assert.Equal((1, 0, 0), (counts.Sent, counts.Failed, counts.Unknown));

        var received = Assert.Single(app.Smtp.Messages, m => m.Recipients.Contains(readers[0].Email));
        var message = received.Message;
        Assert.Equal("The Test Review: Erster Teil zweiter Teil und 1 weitere", message.Subject);
        Assert.DoesNotContain('\u2028', received.Raw.Split("\r\n\r\n")[0]);
        Assert.Contains("Hallo Anna,", message.TextBody);
        var html = System.Net.WebUtility.HtmlDecode(message.HtmlBody);
        Assert.Contains("Erster Teil", html);
        Assert.Contains("zweiter Teil", html);
        Assert.Contains("Ein gewöhnlicher Titel", html);
    }

    private async Task<List<Newsletter.Subscribers.Subscriber>> StartAsync(string prefix, int count)
    {
        app.Smtp.Clear();
        await app.ClearAudienceAsync();
        // Articles of earlier tests are in earlier issues: start each test with a fresh period.
        await app.WithDbAsync(db => db.Set<Newsletter.Articles.Article>().ExecuteUpdateAsync(s => s.SetProperty(a => a.Hidden, true)));
        return await app.AddReadersAsync(prefix, count);
    }
}

public sealed class SevenBitApp : DigestApp
{
    /// <summary>An older server: no 8BITMIME (nor SMTPUTF8) from the first connection on.</summary>
    public SevenBitApp() => Smtp.EightBitMime = false;
}

/// <summary>
/// A digest copy reads the same whether the server takes 8bit or only 7bit: the ready-made 8bit body is re-encoded
/// (quoted-printable) for a server without 8BITMIME, and not one 8bit byte reaches it.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class EightBitTests(SevenBitApp app) : IClassFixture<SevenBitApp>
{
    [Fact]
    public async Task A_copy_to_a_server_without_8bitmime_is_all_7bit_and_reads_the_same() =>
        await SendAndReadAsync(app, await app.AddReadersAsync("seven", 1), eightBit: false);

    internal static async Task SendAndReadAsync(DigestApp app, List<Newsletter.Subscribers.Subscriber> readers, bool eightBit)
    {
        await app.WithDbAsync(db => db.Set<Newsletter.Subscribers.Subscriber>().Where(s => s.Id == readers[0].Id)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.Name, "Zoë Çelik")));
        await app.PushArticleAsync($"accents-{Guid.NewGuid():N}", "Café crème et œuvres complètes", "books", "<p>Un été à Zürich — “quoted”.</p>");
        var issue = await app.SendNowAsync();
        await app.WaitUntilSentAsync(issue);

        var received = Assert.Single(app.Smtp.Messages, m => m.Recipients.Contains(readers[0].Email));
        // Without 8BITMIME not one byte may be 8bit; with it, the parts go as their UTF-8 bytes.
        var firstEightBit = received.Raw.IndexOf(received.Raw.FirstOrDefault(c => c >= 128));
        Assert.True(eightBit == firstEightBit >= 0, firstEightBit < 0 ? "no 8bit byte" : received.Raw.Substring(Math.Max(0, firstEightBit - 300), 400));
        var message = received.Message;
        Assert.Contains("Hello Zoë Çelik,", message.TextBody);
        Assert.Contains("Café crème et œuvres complètes", message.TextBody);
        var html = System.Net.WebUtility.HtmlDecode(message.HtmlBody);
        Assert.Contains("Hello Zoë Çelik,", html);
        Assert.Contains("Café crème et œuvres complètes", html);
        Assert.Contains("Un été à Zürich", html);
        Assert.Contains("/unsubscribe/", html);
        var parts = message.BodyParts.OfType<MimeKit.TextPart>().ToList();
        Assert.Equal(["text/plain", "text/html"], parts.Select(p => p.ContentType.MimeType));
        Assert.All(parts, p => Assert.Equal("utf-8", p.ContentType.Charset));
    }
}
