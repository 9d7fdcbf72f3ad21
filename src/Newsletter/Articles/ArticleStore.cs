using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Newsletter.Data;

namespace Newsletter.Articles;

/// <summary>
/// The article store: upsert by external id (feed guid, link, or the CMS's id), sanitising on the way in, and staff's
/// hide/show. The dashboard calls this service; the push API and the feed poller use it too.
/// </summary>
public sealed partial class ArticleStore(NewsletterDb db, ArticleSanitizer sanitizer, TimeProvider clock, ILogger<ArticleStore> logger)
{
    /// <summary>Inserts or updates one article. Returns null and the errors when the input is not valid.</summary>
    public async Task<(Article? Article, bool Created, Dictionary<string, string[]> Errors)> UpsertAsync(ArticleInput input, string source, CancellationToken cancellationToken)
    {
        var errors = input.Validate();
        if (errors.Count > 0) return (null, false, errors);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var (article, created) = await UpsertOnceAsync(input, source, cancellationToken);
                return (article, created, errors);
            }
            catch (DbUpdateException) when (attempt == 0)
            {
                // Two pollers (or a poll and a push) inserted the same id at once; the unique key kept one. Update it.
                db.ChangeTracker.Clear();
            }
        }
    }

    private async Task<(Article, bool)> UpsertOnceAsync(ArticleInput input, string source, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var externalId = input.ExternalId.Trim();
        var article = await db.Set<Article>().SingleOrDefaultAsync(a => a.ExternalId == externalId, cancellationToken);
        var created = article is null;
        article ??= db.Add(new Article { ExternalId = externalId, Source = source, Title = "", Link = "", CreatedAt = now }).Entity;
        article.Source = source.Length > 1000 ? source[..1000] : source;
        article.Title = input.Title.Trim();
        article.Link = input.Link;
        article.Author = string.IsNullOrWhiteSpace(input.Author) ? null : input.Author.Trim();
        article.PublishedAt = input.PublishedAt.Kind == DateTimeKind.Utc ? input.PublishedAt : input.PublishedAt.ToUniversalTime();
        article.RawSummary = input.Summary;
        article.RawContent = input.Content;
        article.Summary = sanitizer.Sanitize(input.Summary, input.Link);
        article.Content = string.IsNullOrWhiteSpace(input.Content) ? null : sanitizer.Sanitize(input.Content, input.Link);
        article.Categories = input.NormalisedCategories();
        article.ImageUrl = input.ImageUrl;
        article.UpdatedAt = now;
        await db.SaveChangesAsync(cancellationToken);
        if (created) LogAdded(logger, article.Id, source);
        return (article, created);
    }

    /// <summary>Hides an article from future digests (or shows it again). False when it does not exist.</summary>
    public async Task<bool> SetHiddenAsync(long articleId, bool hidden, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return await db.Set<Article>().Where(a => a.Id == articleId)
            .ExecuteUpdateAsync(s => s.SetProperty(a => a.Hidden, hidden).SetProperty(a => a.UpdatedAt, now), cancellationToken) > 0;
    }

    /// <summary>Newest first, keyset-paged by id.</summary>
    public Task<List<Article>> ListAsync(long? before, int limit, CancellationToken cancellationToken) =>
        db.Set<Article>().AsNoTracking().Where(a => before == null || a.Id < before)
            .OrderByDescending(a => a.Id).Take(Math.Clamp(limit, 1, 200)).ToListAsync(cancellationToken);

    [LoggerMessage(EventId = 8000, EventName = "ArticleAdded", Level = LogLevel.Information, Message = "Article {ArticleId} added from {Source}")]
    private static partial void LogAdded(ILogger logger, long articleId, string source);
}
