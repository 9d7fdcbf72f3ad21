using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Newsletter.Articles;
using Newsletter.Data;
using Newsletter.Email;
using Newsletter.Links;
using Newsletter.Subscribers;

namespace Newsletter.Digests;

/// <summary>
/// Chooses the next issue of a frequency: the visible articles published since the previous issue (the first one looks
/// back <see cref="DigestOptions.FirstIssueLookBack"/>). Idempotent: an unsent planned issue is returned as it is, and
/// two planners racing for the same period collide on the issue's unique key, so one issue is made.
/// </summary>
public sealed partial class DigestPlanner(
    NewsletterDb db,
    IOptions<DigestOptions> options,
    IOptions<SubscriberOptions> subscriberOptions,
    IOptions<SiteOptions> site,
    TimeProvider clock,
    ILogger<DigestPlanner> logger)
{
    /// <summary>The issue to send next for <paramref name="frequency"/>, or null when there are no new articles.</summary>
    public async Task<DigestIssue?> PlanAsync(DigestFrequency frequency, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var previous = await db.Set<DigestIssue>().AsNoTracking().Where(i => i.Frequency == frequency)
            .OrderByDescending(i => i.Id).FirstOrDefaultAsync(cancellationToken);
        if (previous is { State: DigestIssueState.Planned }) return previous;

        // After a cancelled issue, its period again: its articles never reached most of its readers.
        var periodStart = previous is { State: DigestIssueState.Cancelled } ? previous.PeriodStart : previous?.PeriodEnd ?? now - options.Value.FirstIssueLookBack;
        // Every article of the period belongs to the issue, newest first: the email shows what fits (MaxArticles, the
        // size budget) and links to the issue's web version for the rest, so no article falls between two issues. So do
        // articles that arrived after the previous issue was made though dated a little before it (a poll that came
        // after the issue). None that an earlier issue of this frequency carried: an entry edited after it went out
        // (a feed dated by its last update) is not sent twice.
        var lateFrom = previous is null ? periodStart : periodStart - options.Value.LateArticleWindow;
        var articles = await db.Set<Article>().AsNoTracking()
            .Where(a => !a.Hidden && a.PublishedAt <= now
                && (a.PublishedAt > periodStart || (a.CreatedAt > periodStart && a.PublishedAt > lateFrom))
                && !db.Set<DigestIssueArticle>().Any(x => x.ArticleId == a.Id
                    && db.Set<DigestIssue>().Any(i => i.Id == x.IssueId && i.Frequency == frequency && i.State != DigestIssueState.Cancelled)))
            .OrderByDescending(a => a.PublishedAt).ThenByDescending(a => a.Id)
            .ToListAsync(cancellationToken);
        var key = $"{frequency.ToString().ToLowerInvariant()}:{previous?.Id ?? 0}";
        if (articles.Count == 0)
        {
            // A planner racing this one may have made this period's issue since `previous` was read, taking its articles
            // with it (an article goes into one issue): that issue is the answer, as when the insert below loses.
            if (await db.Set<DigestIssue>().AsNoTracking().SingleOrDefaultAsync(i => i.Key == key, cancellationToken) is { } raced) return raced;
            LogNoArticles(logger, frequency, periodStart);
            return null;
        }

        var issue = new DigestIssue
        {
            Frequency = frequency,
            Key = key,
            PeriodStart = periodStart,
            PeriodEnd = now,
            Subject = Subject(site.Value.Name, articles),
            Topics = IssueTopics(articles),
            CreatedAt = now,
        };
        try
        {
            await db.InTransactionAsync(async token =>
            {
                db.Add(issue);
                await db.SaveChangesAsync(token);
                db.AddRange(articles.Select((a, i) => new DigestIssueArticle { IssueId = issue.Id, ArticleId = a.Id, Position = i }));
                await db.SaveChangesAsync(token);
                return 0;
            }, cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Another planner made this period's issue first: the unique key kept theirs. Use it.
            db.ChangeTracker.Clear();
            var existing = await db.Set<DigestIssue>().AsNoTracking().SingleAsync(i => i.Key == key, cancellationToken);
            LogLostRace(logger, existing.Id, frequency);
            return existing;
        }
        LogPlanned(logger, issue.Id, frequency, articles.Count);
        return issue;
    }

    /// <summary>The configured topics this issue has articles in (lower case, sorted, comma-separated).</summary>
    private string IssueTopics(IEnumerable<Article> articles)
    {
        var configured = subscriberOptions.Value.Topics.Select(t => t.Trim().ToLowerInvariant()).ToHashSet();
        return string.Join(',', articles.SelectMany(a => a.CategoryList).Where(configured.Contains).Distinct().Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// An issue's subject: the site's name and the first title, and how many more in <paramref name="moreFormat"/>
    /// ({0} site, {1} title, {2} count; the English one is stored with the issue, the renderer passes a reader language's).
    /// </summary>
    internal static string Subject(string siteName, IReadOnlyList<Article> articles, string moreFormat = "{0}: {1} and {2} more")
    {
        var first = new string(articles[0].Title.Select(c => HeaderText.ContainsControlCharacters(c.ToString()) ? ' ' : c).ToArray()).Trim();
        var subject = articles.Count == 1 ? $"{siteName}: {first}" : string.Format(CultureInfo.InvariantCulture, moreFormat, siteName, first, articles.Count - 1);
        return subject.Length <= 300 ? subject : subject[..297] + "...";
    }

    [LoggerMessage(EventId = 5000, EventName = "DigestPlanned", Level = LogLevel.Information, Message = "Digest issue {IssueId} planned ({Frequency}) with {Count} article(s)")]
    private static partial void LogPlanned(ILogger logger, long issueId, DigestFrequency frequency, int count);

    [LoggerMessage(EventId = 5001, EventName = "DigestNoNewArticles", Level = LogLevel.Information, Message = "No {Frequency} digest: no new articles since {Since:u}")]
    private static partial void LogNoArticles(ILogger logger, DigestFrequency frequency, DateTime since);

    [LoggerMessage(EventId = 5002, EventName = "DigestPlanRaceLost", Level = LogLevel.Information, Message = "Digest issue {IssueId} ({Frequency}) was planned by another worker at the same time; using it")]
    private static partial void LogLostRace(ILogger logger, long issueId, DigestFrequency frequency);
}
