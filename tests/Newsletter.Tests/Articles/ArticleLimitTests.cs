using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Newsletter.Articles;
using Newsletter.Tests.Digests;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Articles;

/// <summary>
/// An article's categories are stored together in one column of 1,000 characters. Fifty categories of up to a hundred
/// characters each passed the check and then broke the write: a 500 from the push API on PostgreSQL (and a silently
/// longer value on SQLite), and a feed poll that failed at that entry every time, with every feed after it.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class ArticleLimitTests(DigestApp app) : IClassFixture<DigestApp>
{
    private static readonly string[] ManyCategories = Enumerable.Range(1, 45).Select(i => $"a category with a long name, {i:D2}".Replace(",", "")).ToArray();

    [Fact]
    public async Task Categories_too_long_together_are_refused_by_the_push_api_and_skipped_in_a_feed_whose_other_entries_are_stored()
    {
        Assert.True(string.Join(',', ManyCategories).Length > ArticleInput.MaxCategoriesLength);
        using var staff = app.CreateStaffClient();
        var pushed = await staff.PutAsJsonAsync("/api/articles/too-many-tags", new
        {
            title = "Tagged to the hilt", link = "https://blog.example/posts/too-many-tags", publishedAt = DateTime.UtcNow, categories = ManyCategories,
        });
        Assert.Equal(HttpStatusCode.BadRequest, pushed.StatusCode);
        Assert.Contains("1000 characters in all", await pushed.Content.ReadAsStringAsync());

        var now = DateTime.UtcNow;
        app.Feed.Publish(new StringBuilder()
            .Append("""<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Blog</title><link>https://blog.example/</link><description>d</description>""")
            .Append($"<item><title>Tagged</title><link>https://blog.example/posts/tagged</link><guid isPermaLink=\"false\">feed-tagged</guid><pubDate>{now.AddMinutes(-10):R}</pubDate>")
            .Append(string.Concat(ManyCategories.Select(c => $"<category>{c}</category>"))).Append("</item>")
            .Append($"<item><title>Plain</title><link>https://blog.example/posts/plain</link><guid isPermaLink=\"false\">feed-plain</guid><pubDate>{now.AddMinutes(-5):R}</pubDate><category>Books</category></item>")
            .Append("</channel></rss>").ToString());
        await using (var scope = app.Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<FeedPoller>().PollAllAsync(CancellationToken.None);

        var stored = await app.WithDbAsync(db => db.Set<Article>().Where(a => a.ExternalId.StartsWith("feed-") || a.ExternalId == "too-many-tags").Select(a => a.ExternalId).ToListAsync());
        Assert.Equal(["feed-plain"], stored);
        Assert.Null(await app.WithDbAsync(db => db.Set<FeedState>().Where(f => f.Url == app.Feed.FeedUrl).Select(f => f.LastError).SingleAsync()));
    }
}
