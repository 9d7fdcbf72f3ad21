using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Newsletter.Data;
using Newsletter.Email;
using Newsletter.Jobs;
using Newsletter.Subscribers;

namespace Newsletter.Digests;

/// <summary>
/// Sends one id range of an issue's ledger: takes the range's lease (one live run per range), reads its due Pending
/// rows, skips readers who left or are suppressed (Skipped), renders per topic set (cached), and hands the rest to a
/// <see cref="BatchRun"/>, which claims a few rows at a time just before sending them. The job is safe to repeat: a
/// second one for a live range stops at the lease, and a later one finds only what is still Pending. Hangfire never
/// retries it (lost work is found again by <see cref="DigestRecovery"/>).
/// </summary>
public sealed partial class DigestBatchJob(
    NewsletterDb db,
    DeliveryLedger ledger,
    DigestFanOut fanOut,
    DigestRenderer renderer,
    DigestMessageBuilder builder,
    [FromKeyedServices(EmailLanes.Digests)] EmailSessionPool pool,
    SendRateLimiter rateLimiter,
    SendJournals journals,
    Workers.ThisWorker worker,
    SuppressionList suppression,
    Bounces.BounceAddresses bounces,
    Observability.NewsletterMetrics metrics,
    IServiceScopeFactory scopes,
    IBackgroundJobClient jobs,
    IOptions<DigestOptions> options,
    TimeProvider clock,
    ILogger<DigestBatchJob> logger)
{
    [AutomaticRetry(Attempts = 0)]
    public async Task SendAsync(long issueId, long fromId, long toId, CancellationToken cancellationToken)
    {
        if (!await db.Set<DigestIssue>().AnyAsync(i => i.Id == issueId && i.State == DigestIssueState.Sending, cancellationToken)) return;
        var token = Guid.NewGuid();
        // One run per range at a time: a second job for it (enqueued again by the sweep) leaves it to the live one.
        if (!await ledger.LeaseRangeAsync(issueId, fromId, token, worker.Token, options.Value.SendingLease, cancellationToken))
        {
            LogRangeBusy(logger, issueId, fromId, toId);
            return;
        }
        DateTime? comeBack;
        try
        {
            // Written as the run goes, so a restart after a crash can settle its claims (deleted when the run ends).
            using var journal = journals.Start(token, issueId, fromId);
            comeBack = await SendRangeAsync(issueId, fromId, toId, token, journal, cancellationToken);
        }
        finally
        {
            await ledger.ReleaseRangeAsync(issueId, fromId, token);
        }
        if (comeBack is { } due) ScheduleRetry(issueId, fromId, toId, due);
        await fanOut.CompleteIfDoneAsync(issueId, CancellationToken.None);
    }

    /// <summary>Sends what is due in the range; returns when to come back for rows put off (a 4xx, the rate limit), if any.</summary>
    private async Task<DateTime?> SendRangeAsync(long issueId, long fromId, long toId, Guid token, SendJournal journal, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var due = await db.Set<Delivery>().AsNoTracking()
            .Where(d => d.IssueId == issueId && d.Id >= fromId && d.Id <= toId && d.State == DeliveryState.Pending && (d.NextAttemptAt == null || d.NextAttemptAt <= now))
            .Join(db.Set<Subscriber>(), d => d.SubscriberId, s => s.Id, (d, s) => new { d.Id, d.Attempts, s.Email, s.EmailKey, s.Name, s.PublicId, s.Topics, s.Language, s.Status })
            .OrderBy(x => x.Id).ToListAsync(cancellationToken);
        // Nothing due. A retry may still wait in this range (a scheduled run can fire a little early): come back then.
        if (due.Count == 0) return await NextRetryAsync(issueId, fromId, toId, cancellationToken);

        var suppressed = await suppression.SuppressedKeysAsync(due.Select(r => r.EmailKey), cancellationToken);
        var left = new List<long>();
        var onList = new List<long>();
        var noTopic = new List<long>();
        var copies = new List<PendingCopy>(due.Count);
        foreach (var row in due)
        {
            if (row.Status != SubscriberStatus.Confirmed) { left.Add(row.Id); continue; }
            if (suppressed.Contains(row.EmailKey)) { onList.Add(row.Id); continue; }
            // Rendered once per issue, topic set and language; each reader gets theirs.
            var digest = await renderer.GetAsync(issueId, row.Topics, row.Language, cancellationToken);
            if (digest.IsEmpty) { noTopic.Add(row.Id); continue; }
            copies.Add(new PendingCopy(new DigestRecipient(row.Id, row.Email, row.Name, row.PublicId, row.Topics), row.Attempts, digest));
        }
        await ledger.SkipAsync(left, "The reader unsubscribed before sending.", cancellationToken);
        await ledger.SkipAsync(onList, "The address is on the suppression list.", cancellationToken);
        await ledger.SkipAsync(noTopic, "No article in the reader's topics.", cancellationToken);

        var run = new BatchRun(this, issueId, token, copies, journal);
        await run.RunAsync(cancellationToken);
        LogBatchSent(logger, issueId, fromId, toId, run.SentCount, run.OtherCount);
        return run.EarliestRetry;
    }

    private Task<DateTime?> NextRetryAsync(long issueId, long fromId, long toId, CancellationToken cancellationToken) =>
        db.Set<Delivery>().Where(d => d.IssueId == issueId && d.Id >= fromId && d.Id <= toId && d.State == DeliveryState.Pending)
            .MinAsync(d => d.NextAttemptAt, cancellationToken);

    /// <summary>Runs this range again once <paramref name="due"/> has passed.</summary>
    private void ScheduleRetry(long issueId, long fromId, long toId, DateTime due) =>
        jobs.Schedule<DigestBatchJob>(job => job.SendAsync(issueId, fromId, toId, CancellationToken.None), JobDelay.Until(due, clock.GetUtcNow().UtcDateTime));

    /// <summary>Whether the issue is still Sending (not paused): read in a scope of its own, for any sender's thread.</summary>
    internal async Task<bool> IsSendingAsync(long issueId)
    {
        await using var scope = scopes.CreateAsyncScope();
        var reader = scope.ServiceProvider.GetRequiredService<NewsletterDb>();
        return await reader.Set<DigestIssue>().AnyAsync(i => i.Id == issueId && i.State == DigestIssueState.Sending);
    }

    /// <summary>Stops the issue: the server refuses us or cannot be reached. The first sender to see it says why.</summary>
    internal async Task PauseAsync(long issueId, string reason)
    {
        // The issue keeps its reason for staff, and the log keeps it for good: a reply that names the reader it came
        // with (a relay's "554 5.7.1 <ann@example.org>: Relay access denied") must not outlive that reader's erasure.
        reason = ErrorText.WithoutAddresses(reason);
        await using var scope = scopes.CreateAsyncScope();
        if (await scope.ServiceProvider.GetRequiredService<DeliveryLedger>().PauseAsync(issueId, reason)) LogPaused(logger, issueId, reason);
    }

    /// <summary>Puts hard-bounced addresses on the suppression list (each sender's window, in its own scope).</summary>
    internal async Task SuppressAsync(IReadOnlyCollection<EmailAddress> addresses)
    {
        if (addresses.Count == 0) return;
        await using var scope = scopes.CreateAsyncScope();
        var list = scope.ServiceProvider.GetRequiredService<SuppressionList>();
        foreach (var address in addresses)
            await list.AddAsync(address, SuppressionReason.HardBounce, "Digest delivery refused permanently.", CancellationToken.None);
    }

    [LoggerMessage(EventId = 5020, EventName = "DigestBatchSent", Level = LogLevel.Information, Message = "Digest issue {IssueId} ids {FromId}-{ToId}: {Sent} sent, {Other} not sent")]
    private static partial void LogBatchSent(ILogger logger, long issueId, long fromId, long toId, int sent, int other);

    [LoggerMessage(EventId = 5023, EventName = "DigestRangeBusy", Level = LogLevel.Debug, Message = "Digest issue {IssueId} ids {FromId}-{ToId}: another run holds the range")]
    private static partial void LogRangeBusy(ILogger logger, long issueId, long fromId, long toId);

    [LoggerMessage(EventId = 5021, EventName = "DigestPaused", Level = LogLevel.Error, Message = "Digest issue {IssueId} paused: {Reason}")]
    private static partial void LogPaused(ILogger logger, long issueId, string reason);

    [LoggerMessage(EventId = 5024, EventName = "DigestRenewalFailed", Level = LogLevel.Warning, Message = "Digest issue {IssueId}: a run could not renew its claims; it tries again shortly")]
    internal static partial void LogRenewalFailed(ILogger logger, Exception error, long issueId);

    [LoggerMessage(EventId = 5022, EventName = "DigestConnectionFailed", Level = LogLevel.Warning,
        Message = "Digest issue {IssueId}: could not reach the SMTP server ({Failures} in a row), trying again in {Wait}: {Reason}")]
    internal static partial void LogConnectionFailed(ILogger logger, long issueId, int failures, TimeSpan wait, string reason);

    internal ILogger Logger => logger;
    internal EmailSessionPool Pool => pool;
    internal SendRateLimiter RateLimiter => rateLimiter;
    internal DigestMessageBuilder Builder => builder;
    internal IServiceScopeFactory Scopes => scopes;
    internal Bounces.BounceAddresses Bounces => bounces;
    internal Observability.NewsletterMetrics Metrics => metrics;
    internal DigestOptions Options => options.Value;
    internal TimeProvider Clock => clock;
}
