using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Newsletter.Articles;
using Newsletter.Digests;
using Newsletter.Email;
using Newsletter.Subscribers;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Digests;

/// <summary>
/// From the blog's feed to the readers' inboxes on real parts: a feed over HTTP, a SQLite file, Hangfire running the
/// jobs, MailKit to an SMTP server in this process; messages are read back with MimeKit as a mail client would.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class DigestEndToEndTests(DigestApp app) : IClassFixture<DigestApp>
{
    [Fact]
    public async Task A_polled_feed_becomes_a_sanitised_personal_digest_in_every_readers_inbox()
    {
        await app.ClearAudienceAsync();
        app.Feed.Publish(Feed(DateTime.UtcNow));
        await using (var scope = app.Services.CreateAsyncScope())
            Assert.Equal(2, await scope.ServiceProvider.GetRequiredService<FeedPoller>().PollAllAsync(CancellationToken.None));
        var stored = await app.WithDbAsync(db => db.Set<Article>().AsNoTracking().SingleAsync(a => a.ExternalId == "e2e-books"));
        Assert.Contains("<script>", stored.RawSummary);
        Assert.DoesNotContain("<script", stored.Summary);

        // Polling again sends the ETag back and the unchanged feed is not read twice.
        await using (var scope = app.Services.CreateAsyncScope())
            Assert.Equal(0, await scope.ServiceProvider.GetRequiredService<FeedPoller>().PollAllAsync(CancellationToken.None));
        Assert.Equal(1, app.Feed.NotModifiedAnswers);

        var readers = await app.AddReadersAsync("e2e", 12);
        var filmFans = await app.AddReadersAsync("film", 2, topics: "film");
        var musicFans = await app.AddReadersAsync("music", 1, topics: "music");
        await app.AddReadersAsync("weekly", 1, DigestFrequency.Weekly);
        await app.AddReadersAsync("pending", 1, status: SubscriberStatus.Unconfirmed);
        var bounced = await app.AddReadersAsync("bounced", 1);
        await using (var scope = app.Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<SuppressionList>().AddAsync(EmailAddress.FromStored(bounced[0].Email), SuppressionReason.HardBounce, "test", CancellationToken.None);

        var connectionsBefore = app.Smtp.ConnectionCount;
        using var staff = app.CreateStaffClient();
        var response = await staff.PostAsJsonAsync("/api/admin/digests/send-now", new { frequency = "daily" });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var issue = (await response.Content.ReadFromJsonAsync<DigestAdminApi.IssueSummary>())!;
        var counts = await app.WaitUntilSentAsync(issue.Id);
        // Send now is audited: by the API key, naming the issue.
        var sent = Assert.Single(await app.WithDbAsync(db => db.Set<Newsletter.Audit.AuditEntry>().AsNoTracking()
            .Where(e => e.Action == Newsletter.Audit.AuditActions.DigestSent && e.Target == $"issue {issue.Id}").ToListAsync()));
        Assert.StartsWith("api-key", sent.Actor);
        Assert.Equal("Daily digest, send now", sent.Detail);

        // The music fan is not in the audience (no music article); the suppressed reader is skipped at sending.
        Assert.Equal((14, 0, 0, 1), (counts.Sent, counts.Failed, counts.Unknown, counts.Skipped));
        foreach (var reader in readers.Concat(filmFans)) Assert.Single(app.MessagesTo(reader.Email));
        // Connections are reused: 14 copies in two ranges of 10 (Digests:BatchSize) over at most 3 connections each
        // (Digests:Connections), not a connection per copy.
        var connections = app.Smtp.ConnectionCount - connectionsBefore;
        Assert.True(connections <= 6, $"{connections} SMTP connections for 14 copies");
        foreach (var nobody in new[] { musicFans[0].Email, "weekly1@readers.example", "pending1@readers.example", bounced[0].Email })
            Assert.Empty(app.MessagesTo(nobody));

        var message = app.MessagesTo(readers[0].Email).Single();
        var token = ManageToken(message);
        Assert.Equal($"<http://localhost/unsubscribe/{token}>, <mailto:unsubscribe@test-review.example?subject=unsubscribe%20{Uri.EscapeDataString(token)}>",
            message.Headers["List-Unsubscribe"]);
        Assert.Equal("List-Unsubscribe=One-Click", message.Headers["List-Unsubscribe-Post"]);
        Assert.EndsWith("<the-test-review.test-review.example>", message.Headers["List-Id"]);
        Assert.EndsWith("@test-review.example", message.MessageId);
        Assert.True(message.Headers.Contains(HeaderId.Date));
        Assert.Equal("multipart/alternative", message.Body!.ContentType.MimeType);
        Assert.Equal("Reader e2e1", message.To.Mailboxes.Single().Name);
        Assert.StartsWith("The Test Review: ", message.Subject);

        var html = message.HtmlBody;
        var text = message.TextBody;
        Assert.Contains("Hello Reader e2e1,", html);
        Assert.Contains("Hello Reader e2e1,", text);
        Assert.Contains($"http://localhost/preferences/{token}", html);
        Assert.Contains($"http://localhost/unsubscribe/{token}", text);
        Assert.Contains("1 Test Street, Testville", html);
        Assert.Contains($"http://localhost/archive/{issue.Id}", html);
        Assert.Contains("e2e1@readers.example subscribed to the daily digest", text);
        Assert.Contains("Books of the season", html);
        Assert.Contains("Film night", html);
        // Sanitised on the way in; CSS inlined (no style element left, the article title carries its style).
        foreach (var forbidden in new[] { "<script", "alert(", "onerror", "javascript:", "data:image", "<iframe", "<form", "<style" })
            Assert.DoesNotContain(forbidden, html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("href=\"https://blog.example/about\"", html);
        Assert.Matches("<h2[^>]*style=\"[^\"]*font-size: ?20px", html);

        // Each copy is personal: another reader has their own token and name.
        var other = app.MessagesTo(readers[1].Email).Single();
        Assert.NotEqual(token, ManageToken(other));
        Assert.Contains("Hello Reader e2e2,", other.HtmlBody);

        // A reader who chose film gets only the film article.
        var film = app.MessagesTo(filmFans[0].Email).Single();
        Assert.Contains("Film night", film.HtmlBody);
        Assert.DoesNotContain("Books of the season", film.HtmlBody);

        // The one-click link in the header unsubscribes exactly that reader.
        using var mailProvider = app.CreateReaderClient();
        var oneClick = await mailProvider.PostAsync(new Uri(message.Headers["List-Unsubscribe"]!.Split('<', '>')[1]).PathAndQuery,
            new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]));
        Assert.Equal(HttpStatusCode.OK, oneClick.StatusCode);
        Assert.Equal(SubscriberStatus.Unsubscribed, await app.WithDbAsync(db => db.Set<Subscriber>().Where(s => s.Id == readers[0].Id).Select(s => s.Status).SingleAsync()));
        Assert.Equal(SubscriberStatus.Confirmed, await app.WithDbAsync(db => db.Set<Subscriber>().Where(s => s.Id == readers[1].Id).Select(s => s.Status).SingleAsync()));

        // The web version has the articles and nobody's data.
        using var browser = app.CreateReaderClient();
        var archive = await browser.GetStringAsync("/archive");
        Assert.Contains($"/archive/{issue.Id}", archive);
        var web = await browser.GetStringAsync($"/archive/{issue.Id}");
        Assert.Contains("Books of the season", web);
        Assert.DoesNotContain("readers.example", web);
        Assert.DoesNotContain("Reader e2e", web);
        Assert.DoesNotContain("/unsubscribe/", web);
    }

    [Fact]
    public async Task A_feed_dated_only_by_Last_Modified_is_polled_with_If_Modified_Since_and_its_304_adds_nothing()
    {
        var monday = new DateTimeOffset(2026, 11, 30, 8, 0, 0, TimeSpan.Zero);
        var tuesday = monday.AddDays(1);
        app.Feed.PublishDated(DatedFeed(("dated-1", monday)), monday);
        async Task<int> PollAsync()
        {
            await using var scope = app.Services.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<FeedPoller>().PollAsync(app.Feed.DatedFeedUrl, CancellationToken.None);
        }

        Assert.Equal(1, await PollAsync());
        Assert.Null(app.Feed.DatedIfModifiedSince.Single());

        // Unchanged: the poll sends back the date it was given, the blog answers 304 and nothing is read again.
        Assert.Equal(0, await PollAsync());
        Assert.Equal(monday, app.Feed.DatedIfModifiedSince[^1]);
        Assert.Equal(1, app.Feed.DatedNotModifiedAnswers);

        // A new post: the feed is newer than the date sent, so it is read; the old entry is not stored twice.
        app.Feed.PublishDated(DatedFeed(("dated-1", monday), ("dated-2", tuesday)), tuesday);
        Assert.Equal(2, await PollAsync());
        Assert.Equal(monday, app.Feed.DatedIfModifiedSince[^1]);
        Assert.Equal(0, await PollAsync());
        Assert.Equal(tuesday, app.Feed.DatedIfModifiedSince[^1]);
        Assert.Equal(2, app.Feed.DatedNotModifiedAnswers);

        var stored = await app.WithDbAsync(db => db.Set<Article>().Where(a => a.ExternalId.StartsWith("dated-")).Select(a => a.ExternalId).OrderBy(id => id).ToListAsync());
        Assert.Equal(["dated-1", "dated-2"], stored);
    }

    private static string DatedFeed(params (string Id, DateTimeOffset Published)[] items) =>
        """<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Dated blog</title><link>https://dated.example/</link><description>d</description>"""
        + string.Concat(items.Select(i => $"<item><title>Post {i.Id}</title><link>https://dated.example/{i.Id}</link><guid isPermaLink=\"false\">{i.Id}</guid><pubDate>{i.Published:R}</pubDate></item>"))
        + "</channel></rss>";

    [Fact]
    public async Task Staff_preview_for_a_reader_send_a_test_copy_and_the_delivery_is_in_the_readers_data_and_erased_with_them()
    {
        await app.ClearAudienceAsync();
        await app.PushArticleAsync("preview-1", "Preview piece", "books");
        var reader = (await app.AddReadersAsync("preview", 1))[0];
        using var staff = app.CreateStaffClient();
        var planned = await staff.PostAsJsonAsync("/api/admin/digests/plan", new { frequency = "daily" });
        Assert.Equal(HttpStatusCode.Created, planned.StatusCode);
        var issue = (await planned.Content.ReadFromJsonAsync<DigestAdminApi.IssueSummary>())!;
        Assert.Equal("planned", issue.State);

        var preview = await staff.GetStringAsync($"/api/admin/digests/{issue.Id}/preview?subscriberId={reader.Id}");
        Assert.Contains("Hello Reader preview1,", preview);
        Assert.Contains("Preview piece", preview);
        Assert.Empty(app.MessagesTo(reader.Email));

        var test = await staff.PostAsJsonAsync($"/api/admin/digests/{issue.Id}/test", new { email = "editor@test-review.example" });
        Assert.Equal(HttpStatusCode.Accepted, test.StatusCode);
        var copy = await app.Smtp.WaitForMessageToAsync("editor@test-review.example");
        Assert.StartsWith("[Test] ", copy.Subject);
        var badTest = await staff.PostAsJsonAsync($"/api/admin/digests/{issue.Id}/test", new { email = "not an address" });
        Assert.Equal(HttpStatusCode.BadRequest, badTest.StatusCode);
        Assert.Equal("application/problem+json", badTest.Content.Headers.ContentType?.MediaType);

        // Planned issues are not public yet.
        Assert.Equal(HttpStatusCode.NotFound, (await app.CreateReaderClient().GetAsync($"/archive/{issue.Id}")).StatusCode);

        Assert.Equal(HttpStatusCode.Accepted, (await staff.PostAsync($"/api/admin/digests/{issue.Id}/send", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await staff.PostAsync($"/api/admin/digests/{issue.Id}/send", null)).StatusCode);
        await app.WaitUntilSentAsync(issue.Id);
        var progress = (await staff.GetFromJsonAsync<DigestAdminApi.IssueSummary>($"/api/admin/digests/{issue.Id}"))!;
        Assert.Equal(("sent", 1, 1), (progress.State, progress.Progress!.Total, progress.Progress.Sent));

        var data = await staff.GetStringAsync($"/api/admin/subscribers/{reader.Id}/data");
        Assert.Contains("\"deliveries\"", data);
        Assert.Contains("Preview piece", data);
        Assert.Equal(HttpStatusCode.NoContent, (await staff.DeleteAsync($"/api/admin/subscribers/{reader.Id}")).StatusCode);
        Assert.Equal(0, await app.WithDbAsync(db => db.Set<Delivery>().CountAsync(d => d.SubscriberId == reader.Id)));
    }

    [Fact]
    public async Task The_push_api_needs_the_key_refuses_bad_input_and_hidden_articles_stay_out_of_digests()
    {
        await app.ClearAudienceAsync();
        var anonymous = await app.CreateReaderClient().PutAsJsonAsync("/api/articles/x1", new { title = "T" });
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);

        using var staff = app.CreateStaffClient();
        var bad = await staff.PutAsJsonAsync("/api/articles/x1", new { title = "", link = "javascript:alert(1)" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var problem = await bad.Content.ReadAsStringAsync();
        Assert.Contains("\"link\"", problem);
        Assert.Contains("\"title\"", problem);
        Assert.Equal(0, await app.WithDbAsync(db => db.Set<Article>().CountAsync(a => a.ExternalId == "x1")));

        var hiddenId = await app.PushArticleAsync("hidden-1", "Withdrawn piece", "books");
        var updated = await staff.PutAsJsonAsync("/api/articles/hidden-1", new { title = "Withdrawn piece (v2)", link = "https://blog.example/posts/hidden-1", publishedAt = DateTime.UtcNow });
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await staff.PostAsync($"/api/admin/articles/{hiddenId}/hide", null)).StatusCode);
        await app.PushArticleAsync("visible-1", "Visible piece", "books");
        var reader = (await app.AddReadersAsync("hidden", 1))[0];

        var response = await staff.PostAsJsonAsync("/api/admin/digests/send-now", new { frequency = "daily" });
        var issue = (await response.Content.ReadFromJsonAsync<DigestAdminApi.IssueSummary>())!;
        await app.WaitUntilSentAsync(issue.Id);
        var message = app.MessagesTo(reader.Email).Single();
        Assert.Contains("Visible piece", message.HtmlBody);
        Assert.DoesNotContain("Withdrawn piece", message.HtmlBody);

        // Nothing new since: no issue, and the answer says so.
        var nothing = await staff.PostAsJsonAsync("/api/admin/digests/send-now", new { frequency = "daily" });
        Assert.Equal(HttpStatusCode.Conflict, nothing.StatusCode);
        Assert.Contains("No new articles", await nothing.Content.ReadAsStringAsync());
    }

    private static string ManageToken(MimeMessage message) => message.Headers["List-Unsubscribe"]!.Split("/unsubscribe/")[1].Split('>')[0];

    private static string Feed(DateTime now) => new StringBuilder()
        .Append("""<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Blog</title><link>https://blog.example/</link><description>d</description>""")
        .Append($$"""
            <item><title>Books of the season</title><link>https://blog.example/posts/books</link><guid isPermaLink="false">e2e-books</guid>
            <pubDate>{{now.AddMinutes(-30):R}}</pubDate><category>Books</category>
            <description><![CDATA[<p>Read <a href="/about">about us</a>.<script>alert('x')</script><img src="x.png" onerror="alert(1)">
            <a href="javascript:alert(2)">click</a><img src="data:image/png;base64,iVBORw0KGgo="><iframe src="https://evil.example/"></iframe>
            <form action="https://evil.example/"><input name="q"></form><style>body{display:none}</style></p>]]></description></item>
            <item><title>Film night</title><link>https://blog.example/posts/film</link><guid isPermaLink="false">e2e-film</guid>
            <pubDate>{{now.AddMinutes(-20):R}}</pubDate><category>Film</category><description>&lt;p&gt;Cinema.&lt;/p&gt;</description></item>
            <item><title>Broken date</title><link>https://blog.example/posts/broken</link><pubDate>yesterday-ish</pubDate></item>
            """)
        .Append("</channel></rss>").ToString();
}
