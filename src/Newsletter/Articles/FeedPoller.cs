using System.Net;
using System.Net.Http.Headers;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Newsletter.Data;
using Newsletter.Jobs;

namespace Newsletter.Articles;

/// <summary>
/// Polls every configured feed with a conditional GET (ETag, Last-Modified), a timeout and a size cap, and upserts
/// its entries. A feed that fails is logged and remembered in <see cref="FeedState.LastError"/>; the others still run.
/// </summary>
public sealed partial class FeedPoller(
    NewsletterDb db,
    ArticleStore store,
    IHttpClientFactory httpClients,
    IOptions<ArticleOptions> options,
    TimeProvider clock,
    ILogger<FeedPoller> logger)
{
    public const string HttpClientName = "feeds";
    public const string JobId = "poll-feeds";

    /// <summary>Polls every feed once. Safe to run twice: entries are upserted by id.</summary>
    [AutomaticRetry(Attempts = 0)]
    [SkipWhenRunning]
    public async Task<int> PollAllAsync(CancellationToken cancellationToken)
    {
        var total = 0;
        foreach (var url in options.Value.Feeds.Distinct())
            total += await PollAsync(url, cancellationToken);
        return total;
    }

    /// <summary>Polls one feed; returns how many entries were read (0 when it had not changed or failed).</summary>
    public async Task<int> PollAsync(string url, CancellationToken cancellationToken)
    {
        var state = await db.Set<FeedState>().SingleOrDefaultAsync(f => f.Url == url, cancellationToken)
                    ?? db.Add(new FeedState { Url = url }).Entity;
        state.LastPolledAt = clock.GetUtcNow().UtcDateTime;
        var count = 0;
        try
        {
            count = await FetchAndStoreAsync(new Uri(url), state, cancellationToken);
            state.LastError = null;
        }
        catch (Exception e) when (e is HttpRequestException or FeedFormatException or TaskCanceledException or UriFormatException or IOException)
        {
            if (e is TaskCanceledException && cancellationToken.IsCancellationRequested) throw;
            state.LastError = Truncate(e.Message);
            LogFeedFailed(logger, url, e.Message);
        }
        db.Update(state);
        await db.SaveChangesAsync(CancellationToken.None);
        return count;
    }

    private async Task<int> FetchAndStoreAsync(Uri url, FeedState state, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.Timeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (state.ETag is not null && EntityTagHeaderValue.TryParse(state.ETag, out var etag)) request.Headers.IfNoneMatch.Add(etag);
        if (state.LastModified is not null && DateTimeOffset.TryParse(state.LastModified, out var modified)) request.Headers.IfModifiedSince = modified;
        using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        if (response.StatusCode == HttpStatusCode.NotModified)
        {
            LogNotModified(logger, url.AbsoluteUri);
            return 0;
        }
        response.EnsureSuccessStatusCode();
        var max = options.Value.MaxFeedBytes;
        if (response.Content.Headers.ContentLength > max) throw new FeedFormatException($"The feed is larger than {max} bytes.");
        using var body = new MemoryStream();
        await using (var stream = await response.Content.ReadAsStreamAsync(timeout.Token))
        {
            var buffer = new byte[81920];
            int read;
            while ((read = await stream.ReadAsync(buffer, timeout.Token)) > 0)
            {
                if (body.Length + read > max) throw new FeedFormatException($"The feed is larger than {max} bytes.");
                body.Write(buffer, 0, read);
            }
        }
        body.Position = 0;
        var feed = FeedReader.Read(body, url);
        foreach (var skipped in feed.Skipped) LogEntrySkipped(logger, url.AbsoluteUri, skipped);
        foreach (var entry in feed.Articles)
        {
            var (_, _, errors) = await store.UpsertAsync(entry, url.AbsoluteUri, cancellationToken);
            if (errors.Count > 0) LogEntrySkipped(logger, url.AbsoluteUri, $"'{entry.ExternalId}': {string.Join(" ", errors.Values.SelectMany(v => v))}");
        }
        // Validators are kept only after every entry is stored, so a failed poll is retried in full next time.
        state.ETag = response.Headers.ETag?.ToString();
        state.LastModified = response.Content.Headers.LastModified?.ToString("R");
        state.LastChangedAt = clock.GetUtcNow().UtcDateTime;
        LogPolled(logger, url.AbsoluteUri, feed.Articles.Count, feed.Skipped.Count);
        return feed.Articles.Count;
    }

    private static string Truncate(string value) => value.Length <= 1000 ? value : value[..1000];

    [LoggerMessage(EventId = 8010, EventName = "FeedPolled", Level = LogLevel.Information, Message = "Feed {Url}: {Count} entries read, {Skipped} skipped")]
    private static partial void LogPolled(ILogger logger, string url, int count, int skipped);

    [LoggerMessage(EventId = 8011, EventName = "FeedNotModified", Level = LogLevel.Debug, Message = "Feed {Url} has not changed")]
    private static partial void LogNotModified(ILogger logger, string url);

    [LoggerMessage(EventId = 8012, EventName = "FeedFailed", Level = LogLevel.Warning, Message = "Feed {Url} could not be polled: {Reason}")]
    private static partial void LogFeedFailed(ILogger logger, string url, string reason);

    [LoggerMessage(EventId = 8013, EventName = "FeedEntrySkipped", Level = LogLevel.Warning, Message = "Feed {Url}: skipped {Entry}")]
    private static partial void LogEntrySkipped(ILogger logger, string url, string entry);
}

/// <summary>Registers the feed poll as a recurring job.</summary>
public sealed class FeedPollSchedule(IOptions<ArticleOptions> options) : IRecurringJobSource
{
    public void Register(IRecurringJobManager recurringJobs)
    {
        if (options.Value.Feeds.Count == 0)
        {
            recurringJobs.RemoveIfExists(FeedPoller.JobId);
            return;
        }
        recurringJobs.AddOrUpdate<FeedPoller>(FeedPoller.JobId, poller => poller.PollAllAsync(CancellationToken.None), options.Value.PollCron);
    }
}
