using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Newsletter.Articles;
using Newsletter.Digests;
using Newsletter.Subscribers;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Dashboard;

/// <summary>
/// The host for the Articles, Digests and Donations pages: a daily schedule in a real time zone (so the schedule has a
/// next run), small batches, and the recurring sweep out of the way.
/// </summary>
public sealed class PagesApp : NewsletterApp
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Digests:DailyCron", "30 7 * * *"),
        new("Digests:WeeklyCron", ""),
        new("Digests:TimeZone", "Europe/Berlin"),
        new("Digests:SweepCron", "0 0 1 1 *"),
        new("Digests:BatchSize", "10"),
    ];

    /// <summary>Confirmed daily readers straight in the database (sign-up has its own tests).</summary>
    public Task<List<Subscriber>> AddReadersAsync(string prefix, int count, string topics = "") => WithDbAsync(async db =>
    {
        var now = DateTime.UtcNow;
        var readers = Enumerable.Range(1, count).Select(i => new Subscriber
        {
            Email = $"{prefix}{i}@pages.example", EmailKey = $"{prefix}{i}@pages.example", Name = $"Reader {prefix}{i}",
            Frequency = DigestFrequency.Daily, Topics = topics, Status = SubscriberStatus.Confirmed,
            CreatedAt = now, UpdatedAt = now, ConsentAt = now, ConfirmedAt = now, ConsentSource = "test",
        }).ToList();
        db.AddRange(readers);
        await db.SaveChangesAsync();
        return readers;
    });

    /// <summary>An article through the store (as the feed poller and the push API add them), published an hour ago unless said.</summary>
    public async Task<long> AddArticleAsync(string id, string title, string category, DateTime? publishedAt = null)
    {
        await using var scope = Services.CreateAsyncScope();
        var (article, _, errors) = await scope.ServiceProvider.GetRequiredService<ArticleStore>().UpsertAsync(new ArticleInput(
            id, title, $"https://blog.example/posts/{id}", "Jane Roe", publishedAt ?? DateTime.UtcNow.AddHours(-1), $"<p>About {title}.</p>", null, [category], null), "test", CancellationToken.None);
        Assert.True(article is not null, string.Join("; ", errors.SelectMany(e => e.Value)));
        return article!.Id;
    }

    /// <summary>Delivery counts of an issue, from the ledger.</summary>
    public Task<DeliveryCounts> CountsAsync(long issueId) =>
        WithDbAsync(db => new DeliveryLedger(db, TimeProvider.System).CountAsync(issueId, CancellationToken.None));

    /// <summary>The newest issue's id.</summary>
    public Task<long> LatestIssueAsync() => WithDbAsync(db => db.Set<DigestIssue>().OrderByDescending(i => i.Id).Select(i => i.Id).FirstAsync());
}
