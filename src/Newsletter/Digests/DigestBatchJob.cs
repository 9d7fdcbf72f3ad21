using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Newsletter.Data;
using Newsletter.Email;
using Newsletter.Subscribers;

namespace Newsletter.Digests;

/// <summary>
/// Sends one id range of an issue's ledger: claim (Pending → Sending with this run's token), drop readers who left or
/// are suppressed (Skipped), render per topic set (cached), send over the connection pool under the rate limit, and
/// record each outcome: accepted messages are checkpointed as Sent every <see cref="DigestOptions.CheckpointEvery"/>.
/// A second run of the same range finds nothing Pending, so the job is safe to repeat; Hangfire never retries it
/// (lost work is found again by <see cref="DigestRecovery"/>).
/// </summary>
public sealed partial class DigestBatchJob(
    NewsletterDb db,
    DeliveryLedger ledger,
    DigestFanOut fanOut,
    DigestRenderer renderer,
    DigestMessageBuilder builder,
    SmtpSessionPool pool,
    DigestRateLimiter rateLimiter,
    SuppressionList suppression,
    IBackgroundJobClient jobs,
    IOptions<DigestOptions> options,
    TimeProvider clock,
    ILogger<DigestBatchJob> logger)
{
    [AutomaticRetry(Attempts = 0)]
    public async Task SendAsync(long issueId, long fromId, long toId, CancellationToken cancellationToken)
    {
        var token = Guid.NewGuid();
        if (await ledger.ClaimAsync(issueId, fromId, toId, token, cancellationToken) == 0)
        {
            // Nothing due. A retry may still wait in this range (a scheduled run can fire a little early): come back then.
            var next = await db.Set<Delivery>().Where(d => d.IssueId == issueId && d.Id >= fromId && d.Id <= toId && d.State == DeliveryState.Pending)
                .MinAsync(d => d.NextAttemptAt, cancellationToken);
            if (next is { } due) ScheduleRetry(issueId, fromId, toId, due);
            await fanOut.CompleteIfDoneAsync(issueId, cancellationToken);
            return;
        }
        var claimed = await db.Set<Delivery>().AsNoTracking().Where(d => d.ClaimToken == token)
            .Join(db.Set<Subscriber>(), d => d.SubscriberId, s => s.Id, (d, s) => new { d.Id, d.Attempts, s.Email, s.EmailKey, s.Name, s.PublicId, s.Topics, s.Status })
            .OrderBy(x => x.Id).ToListAsync(cancellationToken);

        var skipped = new List<(long, DeliveryState, int?, string)>();
        var suppressed = await SuppressedAsync(claimed.Select(c => c.EmailKey), cancellationToken);
        var attempts = new Dictionary<long, int>();
        var recipients = new List<(DigestRecipient Recipient, RenderedDigest Digest)>();
        foreach (var row in claimed)
        {
            attempts[row.Id] = row.Attempts;
            if (row.Status != SubscriberStatus.Confirmed) { skipped.Add((row.Id, DeliveryState.Skipped, null, "The reader unsubscribed before sending.")); continue; }
            if (suppressed.Contains(row.EmailKey)) { skipped.Add((row.Id, DeliveryState.Skipped, null, "The address is on the suppression list.")); continue; }
            var digest = await renderer.GetAsync(issueId, row.Topics, cancellationToken);
            if (digest.IsEmpty) { skipped.Add((row.Id, DeliveryState.Skipped, null, "No article in the reader's topics.")); continue; }
            recipients.Add((new DigestRecipient(row.Id, row.Email, row.Name, row.PublicId, row.Topics), digest));
        }
        await ledger.FinishAsync(token, skipped);

        var run = new BatchRun(this, token, recipients);
        try
        {
            await run.SendAllAsync(cancellationToken);
        }
        finally
        {
            // Whatever happened, record what we know: accepted, refused, unknown; and give back what was never tried.
            await RecordAsync(issueId, fromId, toId, token, run, attempts);
        }
        await fanOut.CompleteIfDoneAsync(issueId, CancellationToken.None);
        LogBatchSent(logger, issueId, fromId, toId, run.SentCount, run.Outcomes.Count(o => o.Kind != OutcomeKind.Sent));
    }

    /// <summary>Which of these address keys are suppressed (the list hashes with its own key, so it does the lookup).</summary>
    private Task<HashSet<string>> SuppressedAsync(IEnumerable<string> emailKeys, CancellationToken cancellationToken) =>
        suppression.SuppressedKeysAsync(emailKeys, cancellationToken);

    private async Task RecordAsync(long issueId, long fromId, long toId, Guid token, BatchRun run, IReadOnlyDictionary<long, int> attempts)
    {
        await run.FlushSentAsync(force: true);
        var now = clock.GetUtcNow().UtcDateTime;
        var final = new List<(long, DeliveryState, int?, string)>();
        var bounced = new List<string>();
        DateTime? earliestRetry = null;
        foreach (var outcome in run.Outcomes.Where(o => o.Kind != OutcomeKind.Sent))
        {
            var id = outcome.Recipient.DeliveryId;
            switch (outcome.Kind)
            {
                case OutcomeKind.Refused when outcome.SmtpStatus >= 500 || attempts[id] >= options.Value.MaxAttempts:
                    final.Add((id, DeliveryState.Failed, outcome.SmtpStatus, outcome.Reason));
                    if (outcome.SmtpStatus is 550 or 551 or 553) bounced.Add(outcome.Recipient.Email);
                    break;
                case OutcomeKind.Refused:
                    var due = now + options.Value.RetryDelay * Math.Pow(2, attempts[id] - 1);
                    earliestRetry = earliestRetry is null || due < earliestRetry ? due : earliestRetry;
                    await ledger.ReleaseAsync(token, [id], due, outcome.SmtpStatus, outcome.Reason, countAttempt: true);
                    break;
                case OutcomeKind.Invalid:
                    final.Add((id, DeliveryState.Failed, null, outcome.Reason));
                    break;
                case OutcomeKind.Unknown:
                    final.Add((id, DeliveryState.Unknown, null, outcome.Reason));
                    break;
            }
        }
        await ledger.FinishAsync(token, final);
        var untried = run.Untried.Select(r => r.DeliveryId).ToList();
        var retryUntriedAt = run.TransportDown ? now + options.Value.RetryDelay : (DateTime?)null;
        await ledger.ReleaseAsync(token, untried, retryUntriedAt, null, run.TransportDown ? "The SMTP server could not be reached." : null, countAttempt: false);
        if (run.TransportDown) earliestRetry = earliestRetry is null || retryUntriedAt < earliestRetry ? retryUntriedAt : earliestRetry;
        foreach (var email in bounced)
            if (EmailAddress.TryParse(email, out var address, out _))
                await suppression.AddAsync(address, SuppressionReason.HardBounce, "Digest delivery refused permanently.", CancellationToken.None);
        if (earliestRetry is { } at) ScheduleRetry(issueId, fromId, toId, at);
    }

    /// <summary>Runs this range again once <paramref name="due"/> has passed (with a second's margin for the scheduler's clock).</summary>
    private void ScheduleRetry(long issueId, long fromId, long toId, DateTime due)
    {
        var delay = due - clock.GetUtcNow().UtcDateTime + TimeSpan.FromSeconds(1);
        jobs.Schedule<DigestBatchJob>(job => job.SendAsync(issueId, fromId, toId, CancellationToken.None), delay > TimeSpan.Zero ? delay : TimeSpan.FromSeconds(1));
    }

    [LoggerMessage(EventId = 5020, EventName = "DigestBatchSent", Level = LogLevel.Information, Message = "Digest issue {IssueId} ids {FromId}-{ToId}: {Sent} sent, {Other} not sent")]
    private static partial void LogBatchSent(ILogger logger, long issueId, long fromId, long toId, int sent, int other);

    [LoggerMessage(EventId = 5021, EventName = "DigestBatchAborted", Level = LogLevel.Error, Message = "Digest batch stopped: {Reason}")]
    internal static partial void LogAborted(ILogger logger, string reason);

    [LoggerMessage(EventId = 5022, EventName = "DigestTransportDown", Level = LogLevel.Warning, Message = "Digest batch could not reach the SMTP server: {Reason}")]
    internal static partial void LogTransportDown(ILogger logger, string reason);

    internal ILogger Logger => logger;
    internal SmtpSessionPool Pool => pool;
    internal DigestRateLimiter RateLimiter => rateLimiter;
    internal DigestMessageBuilder Builder => builder;
    internal DeliveryLedger Ledger => ledger;
    internal int CheckpointEvery => options.Value.CheckpointEvery;
}
