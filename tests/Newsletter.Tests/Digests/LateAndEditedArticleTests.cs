using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Newsletter.Articles;
using Newsletter.Digests;
using Newsletter.Subscribers;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Digests;

/// <summary>
/// Articles and issues with the real feed poller and planner: an Atom entry edited after its issue went out (dated by its
/// last update) is not sent again, and a post that went live just before an issue but was polled after it is in the next.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class LateAndEditedArticleTests(DigestApp app) : IClassFixture<DigestApp>
{
    private static string Atom(string id, string title, DateTime updated) => $"""
        <?xml version="1.0" encoding="utf-8"?>
        <feed xmlns="http://www.w3.org/2005/Atom">
          <title>Blog</title><id>urn:blog</id><updated>{updated:yyyy-MM-ddTHH:mm:ss.fffZ}</updated>
          <entry>
            <id>{id}</id>
            <title>{title}</title>
            <link href="https://blog.example/posts/{id}"/>
            <updated>{updated:yyyy-MM-ddTHH:mm:ss.fffZ}</updated>
            <summary>Hello.</summary>
          </entry>
        </feed>
        """;

    private async Task PollAsync()
    {
        await using var scope = app.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<FeedPoller>().PollAllAsync(CancellationToken.None);
    }

    private async Task<DigestIssue?> PlanAndMarkSentAsync()
    {
        await using var scope = app.Services.CreateAsyncScope();
        var issue = await scope.ServiceProvider.GetRequiredService<DigestPlanner>().PlanAsync(DigestFrequency.Daily, CancellationToken.None);
        if (issue is not null)
            await app.WithDbAsync(db => db.Set<DigestIssue>().Where(i => i.Id == issue.Id).ExecuteUpdateAsync(s => s.SetProperty(i => i.State, DigestIssueState.Sent)));
        return issue;
    }

    private Task<List<long>> ArticlesOf(long issueId) =>
        app.WithDbAsync(db => db.Set<DigestIssueArticle>().Where(a => a.IssueId == issueId).Select(a => a.ArticleId).ToListAsync());

    /// <summary>
    /// Atom requires &lt;updated&gt; and makes &lt;published&gt; optional; many blogs send only &lt;updated&gt;, which
    /// moves whenever the post is edited (a typo fixed). The reader already got the article in yesterday's digest.
    /// </summary>
    [Fact]
    public async Task An_atom_entry_edited_after_its_issue_is_not_sent_again_in_the_next_issue()
    {
        await Task.Delay(1200); // after any issue an earlier test of this class planned
        app.Feed.Publish(Atom("urn:post:edited", "First post", DateTime.UtcNow.AddMilliseconds(-500)));
        await PollAsync();
        var first = await PlanAndMarkSentAsync();
        Assert.NotNull(first);
        var articleId = await app.WithDbAsync(db => db.Set<Article>().Where(a => a.ExternalId == "urn:post:edited").Select(a => a.Id).SingleAsync());
        Assert.Contains(articleId, await ArticlesOf(first!.Id));

        await Task.Delay(1200);
        // The author fixes a typo: same id, same link, a new <updated>.
        app.Feed.Publish(Atom("urn:post:edited", "First post (typo fixed)", DateTime.UtcNow.AddMilliseconds(-200)));
        await PollAsync();
        var second = await PlanAndMarkSentAsync();
        Assert.True(second is null || !(await ArticlesOf(second.Id)).Contains(articleId),
            "the same article went into a second issue: every reader gets it twice");
    }

    /// <summary>
    /// The feed is polled every 15 minutes (Articles:PollCron) and the digest is planned on its own cron: a post that
    /// went live a minute before the digest was planned is only polled after it, dated inside the period just sent.
    /// </summary>
    [Fact]
    public async Task A_post_published_just_before_the_digest_but_polled_after_it_reaches_the_next_digest()
    {
        await Task.Delay(1200); // after any issue an earlier test of this class planned
        app.Feed.Publish(Atom("urn:post:before", "Earlier post", DateTime.UtcNow.AddMilliseconds(-500)));
        await PollAsync();
        var issue = await PlanAndMarkSentAsync();
        Assert.NotNull(issue);

        // Went live 30 seconds before the issue was planned; the next poll (minutes later) is the first to see it.
        var late = issue!.PeriodEnd.AddSeconds(-30);
        app.Feed.Publish(Atom("urn:post:late", "Published just before the digest", late));
        await PollAsync();
        var lateId = await app.WithDbAsync(db => db.Set<Article>().Where(a => a.ExternalId == "urn:post:late").Select(a => a.Id).SingleAsync());
        await PlanAndMarkSentAsync();

        Assert.True(await app.WithDbAsync(db => db.Set<DigestIssueArticle>().AnyAsync(a => a.ArticleId == lateId)),
            "the article is in no issue, and no later issue will take it: lost for every reader");
    }
}
