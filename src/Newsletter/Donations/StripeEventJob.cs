using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Newsletter.Data;
using Newsletter.Jobs;
using Newsletter.Email;
using Newsletter.Observability;

namespace Newsletter.Donations;

/// <summary>
/// Applies stored Stripe events. A run takes its event with one conditional update (Received to Processing);
/// no row updated means another worker has it or it is done. Applying is idempotent (see <see cref="DonationLedger"/>),
/// so an event applied twice after a crash changes nothing. Retries are ours (Attempts, NextAttemptAt, picked up by
/// the sweep), so they survive a restart; after the last attempt the event is Failed, with its error, for staff.
/// </summary>
public sealed partial class StripeEventJob(
    NewsletterDb db,
    StripeEventApplier applier,
    IgnoredEventRequeue requeue,
    IBackgroundJobClient jobs,
    NewsletterMetrics metrics,
    IOptions<DonationOptions> options,
    TimeProvider clock,
    ILogger<StripeEventJob> logger)
{
    /// <summary>An event left in Processing this long belongs to a worker that stopped; it is applied again.</summary>
    public static readonly TimeSpan ProcessingLease = TimeSpan.FromMinutes(5);

    private const int SweepBatch = 500;

    /// <summary>Applies one stored event by id, if it is still due.</summary>
    [AutomaticRetry(Attempts = 0)]
    public Task ProcessAsync(long storedEventId, CancellationToken cancellationToken) => ProcessManyAsync([storedEventId], cancellationToken);

    /// <summary>
    /// Applies the events the webhook stored together: one statement claims the due ones, each is applied on its own
    /// (a failure touches only that event), and one transaction records the outcomes. Few commits per batch keep
    /// the single SQLite writer free for the webhook.
    /// </summary>
    [AutomaticRetry(Attempts = 0)]
    public async Task ProcessManyAsync(long[] storedEventIds, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var token = Guid.NewGuid();
        var events = db.Set<StripeWebhookEvent>();
        var claimed = await events
            .Where(e => storedEventIds.Contains(e.Id) && e.State == StripeEventState.Received && (e.NextAttemptAt == null || e.NextAttemptAt <= now))
            .ExecuteUpdateAsync(s => s.SetProperty(e => e.State, StripeEventState.Processing)
                .SetProperty(e => e.ClaimedAt, now)
                .SetProperty(e => e.ClaimToken, token)
                .SetProperty(e => e.Attempts, e => e.Attempts + 1), cancellationToken);
        if (claimed < storedEventIds.Length) await RescheduleEarlyAsync(storedEventIds, now, cancellationToken);
        if (claimed == 0) return;
        var mine = await events.AsNoTracking()
            .Where(e => storedEventIds.Contains(e.Id) && e.State == StripeEventState.Processing && e.ClaimToken == token)
            .OrderBy(e => e.Id).ToListAsync(cancellationToken);
        var outcomes = new List<(StripeWebhookEvent Event, LedgerResult Result)>(mine.Count);
        foreach (var stored in mine)
        {
            try
            {
                outcomes.Add((stored, await applier.ApplyAsync(stored, cancellationToken)));
            }
            catch (Exception e) when (e is not OperationCanceledException || StripeErrors.IsStripeFailure(e, cancellationToken))
            {
                // Anything but our own cancellation fails this event alone: a call to Stripe that timed out throws a
                // TaskCanceledException that is not ours, and must not abort the batch and leave its events Processing.
                db.ChangeTracker.Clear();
                await FailAsync(stored, e, cancellationToken);
            }
        }
        if (outcomes.Count == 0) return;
        var processedAt = clock.GetUtcNow().UtcDateTime;
        // CancellationToken.None: the changes are applied; recording that must not be cancelled.
        await db.InTransactionAsync(async token =>
        {
            foreach (var (stored, result) in outcomes)
            {
                // Applied: the ledger has what it needs; the names and addresses in Stripe's payload go.
                var redacted = StripePayloadRedactor.Redact(stored.Payload);
                // An ignored event that waits for its subscription or session keeps a due time until the recheck below is
                // done: if this process stops (or the recheck fails) first, the sweep applies it again, so it is not lost.
                DateTime? recheckDue = WaitsForRecheck(result) ? processedAt + RecheckGrace : null;
                await events.Where(e => e.Id == stored.Id && e.State == StripeEventState.Processing)
                    .ExecuteUpdateAsync(s => s.SetProperty(e => e.State, result.Applied ? StripeEventState.Processed : StripeEventState.Ignored)
                        .SetProperty(e => e.NextAttemptAt, recheckDue)
                        .SetProperty(e => e.ProcessedAt, processedAt)
                        .SetProperty(e => e.Payload, redacted)
                        .SetProperty(e => e.PayloadRedactedAt, processedAt)
                        .SetProperty(e => e.Note, ErrorText.TruncateOrNull(result.Note)), token);
            }
            return outcomes.Count;
        }, CancellationToken.None);
        foreach (var (stored, result) in outcomes)
        {
            metrics.StripeEventApplied(ignored: !result.Applied, processedAt - stored.StripeCreatedAt);
            if (result.ReceiptEmailId is { } emailId) jobs.Enqueue<TransactionalEmailJob>(job => job.SendAsync(emailId, CancellationToken.None));
            if (!result.Applied) LogIgnored(logger, stored.EventId, stored.Type, result.Note ?? string.Empty);
        }
        var waiting = outcomes.Where(o => WaitsForRecheck(o.Result)).Select(o => (o.Event.Id, o.Result)).ToList();
        try
        {
            await requeue.RecheckAsync(waiting, processedAt + RecheckGrace, CancellationToken.None);
        }
        catch (Exception e)
        {
            // Their due time stays: the sweep applies them again.
            LogRecheckFailed(logger, e, waiting.Count);
        }
    }

    /// <summary>Ignored because its subscription or session is not ours yet: it is checked again once recorded (see <see cref="IgnoredEventRequeue"/>).</summary>
    private static bool WaitsForRecheck(LedgerResult result) => !result.Applied && (result.WaitsForSubscription ?? result.WaitsForSession) is not null;

    /// <summary>
    /// How long after its job recorded an ignored event the sweep may apply it again when that job's own recheck did not
    /// clear it: the recheck follows within milliseconds, and applying twice is harmless, so this only saves work.
    /// </summary>
    public static readonly TimeSpan RecheckGrace = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Finds work the job queue may have lost: events left in Processing by a stopped worker go back to Received,
    /// and every due Received event is enqueued. Runs every minute and after start-up.
    /// </summary>
    [AutomaticRetry(Attempts = 0)]
    [SkipWhenRunning]
    public async Task SweepAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var abandoned = now - ProcessingLease;
        await db.Set<StripeWebhookEvent>().Where(e => e.State == StripeEventState.Processing && e.ClaimedAt < abandoned)
            .ExecuteUpdateAsync(s => s.SetProperty(e => e.State, StripeEventState.Received), cancellationToken);
        // Ignored events still waiting for the recheck their job did not finish (it stopped, or the recheck failed).
        var waitingRecheck = await db.Set<StripeWebhookEvent>().AsNoTracking()
            .Where(e => e.State == StripeEventState.Ignored && e.NextAttemptAt != null && e.NextAttemptAt <= now)
            .OrderBy(e => e.Id).Select(e => e.Id).Take(SweepBatch).ToArrayAsync(cancellationToken);
        if (waitingRecheck.Length > 0) LogRechecking(logger, await requeue.RequeueAsync(waitingRecheck, cancellationToken));
        long lastId = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var due = await db.Set<StripeWebhookEvent>().AsNoTracking()
                .Where(e => e.Id > lastId && e.State == StripeEventState.Received && (e.NextAttemptAt == null || e.NextAttemptAt <= now))
                .OrderBy(e => e.Id).Select(e => e.Id).Take(SweepBatch).ToListAsync(cancellationToken);
            if (due.Count == 0) break;
            var ids = due.ToArray();
            jobs.Enqueue<StripeEventJob>(job => job.ProcessManyAsync(ids, CancellationToken.None));
            lastId = due[^1];
        }
    }

    /// <summary>Staff retry of a Failed event: it gets a fresh set of attempts. False when the event is not Failed.</summary>
    public async Task<bool> RetryFailedAsync(long storedEventId, CancellationToken cancellationToken)
    {
        var reset = await db.Set<StripeWebhookEvent>().Where(e => e.Id == storedEventId && e.State == StripeEventState.Failed)
            .ExecuteUpdateAsync(s => s.SetProperty(e => e.State, StripeEventState.Received)
                .SetProperty(e => e.Attempts, 0)
                .SetProperty(e => e.NextAttemptAt, (DateTime?)null), cancellationToken);
        if (reset == 0) return false;
        jobs.Enqueue<StripeEventJob>(job => job.ProcessAsync(storedEventId, CancellationToken.None));
        return true;
    }

    /// <summary>
    /// Hangfire keeps a scheduled time to the second, so a retry can wake up before its event is due. Such events
    /// are scheduled again for when they are due rather than left for the minute sweep.
    /// </summary>
    private async Task RescheduleEarlyAsync(long[] storedEventIds, DateTime now, CancellationToken cancellationToken)
    {
        var early = await db.Set<StripeWebhookEvent>().AsNoTracking()
            .Where(e => storedEventIds.Contains(e.Id) && e.State == StripeEventState.Received && e.NextAttemptAt > now)
            .Select(e => new { e.Id, NextAttemptAt = e.NextAttemptAt!.Value }).ToListAsync(cancellationToken);
        foreach (var e in early)
            jobs.Schedule<StripeEventJob>(job => job.ProcessAsync(e.Id, CancellationToken.None), JobDelay.Until(e.NextAttemptAt, now));
    }

    private async Task FailAsync(StripeWebhookEvent stored, Exception error, CancellationToken cancellationToken)
    {
        var attempts = stored.Attempts;
        var note = ErrorText.Truncate($"{error.GetType().Name}: {error.Message}");
        var retry = options.Value.WebhookRetry;
        if (!retry.MayRetry(attempts))
        {
            await db.Set<StripeWebhookEvent>().Where(e => e.Id == stored.Id && e.State == StripeEventState.Processing)
                .ExecuteUpdateAsync(s => s.SetProperty(e => e.State, StripeEventState.Failed)
                    .SetProperty(e => e.Note, note), CancellationToken.None);
            metrics.StripeEventFailed(final: true);
            LogFailed(logger, error, stored.EventId, stored.Type, attempts);
            return;
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var due = retry.NextDue(attempts, now);
        await db.Set<StripeWebhookEvent>().Where(e => e.Id == stored.Id && e.State == StripeEventState.Processing)
            .ExecuteUpdateAsync(s => s.SetProperty(e => e.State, StripeEventState.Received)
                .SetProperty(e => e.NextAttemptAt, due)
                .SetProperty(e => e.Note, note), CancellationToken.None);
        jobs.Schedule<StripeEventJob>(job => job.ProcessAsync(stored.Id, CancellationToken.None), JobDelay.Until(due, now));
        metrics.StripeEventFailed(final: false);
        LogRetry(logger, error, stored.EventId, stored.Type, attempts, retry.DelayAfter(attempts));
    }

    [LoggerMessage(EventId = 4020, EventName = "StripeEventIgnored", Level = LogLevel.Information, Message = "Stripe event {EventId} ({Type}) ignored: {Reason}")]
    private static partial void LogIgnored(ILogger logger, string eventId, string type, string reason);

    [LoggerMessage(EventId = 4023, EventName = "StripeEventRecheckFailed", Level = LogLevel.Warning,
        Message = "Could not check whether the subscriptions or sessions of {Count} ignored Stripe events are ours now; the sweep applies them again")]
    private static partial void LogRecheckFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(EventId = 4024, EventName = "StripeEventsRechecked", Level = LogLevel.Information,
        Message = "{Count} ignored Stripe events whose recheck was not finished are applied again")]
    private static partial void LogRechecking(ILogger logger, int count);

    [LoggerMessage(EventId = 4021, EventName = "StripeEventRetry", Level = LogLevel.Warning, Message = "Stripe event {EventId} ({Type}) failed on attempt {Attempt}; trying again in {Delay}")]
    private static partial void LogRetry(ILogger logger, Exception error, string eventId, string type, int attempt, TimeSpan delay);

    [LoggerMessage(EventId = 4022, EventName = "StripeEventFailed", Level = LogLevel.Error, Message = "Stripe event {EventId} ({Type}) failed for good after {Attempts} attempts; staff can retry it")]
    private static partial void LogFailed(ILogger logger, Exception error, string eventId, string type, int attempts);
}
