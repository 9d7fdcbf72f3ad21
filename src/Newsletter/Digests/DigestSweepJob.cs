using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Newsletter.Data;
using Newsletter.Jobs;

namespace Newsletter.Digests;

/// <summary>Finds unfinished sending in the ledger and drives it on. Safe to run at any time, on any worker.</summary>
public sealed partial class DigestSweepJob(NewsletterDb db, DeliveryLedger ledger, DigestFanOut fanOut, SendRateLimiter rateLimiter, SendJournals journals,
    Workers.WorkerRegistry workers,
    JobStorage storage, IOptions<DigestOptions> options, ILogger<DigestSweepJob> logger)
{
    /// <summary>
    /// <paramref name="afterStartup"/>: nothing can be queued yet (in-memory storage forgets), so every due range is
    /// resumed. Otherwise ranges are only resumed when the queue is empty: while batches are still queued, their
    /// Pending rows are not lost, only waiting, and enqueueing them again would just add no-op jobs.
    /// </summary>
    [AutomaticRetry(Attempts = 0)]
    [SkipWhenRunning]
    public async Task RunAsync(bool afterStartup, CancellationToken cancellationToken)
    {
        // Send now or the schedule asked for these, and the process stopped before their ledger was written.
        var requested = await db.Set<DigestIssue>().AsNoTracking().Where(i => i.State == DigestIssueState.Planned && i.SendRequestedAt != null)
            .Select(i => i.Id).ToListAsync(cancellationToken);
        foreach (var issueId in requested)
            if (await fanOut.StartAsync(issueId, cancellationToken)) LogStartedRequested(logger, issueId);

        // Runs that died in a process sharing this data directory: their journals say more than the lease would.
        await journals.RecoverAsync(cancellationToken);
        // Runs of processes gone elsewhere (their heartbeat stopped): no journal here, so their windows in flight become
        // Unknown and their ranges are free now, not after the lease.
        foreach (var (issueId, count) in await ledger.SettleRunsOfDeadWorkersAsync(await workers.FindSilentAsync(cancellationToken), cancellationToken))
            if (count > 0) LogUnknown(logger, issueId, count);

        // Readers given back to Pending after their issue closed (a late journal, or a close racing a settle) still get it.
        var reopened = await ledger.SettleStrandedPendingAsync(null, cancellationToken);
        if (reopened > 0) LogReopened(logger, reopened);

        var open = await db.Set<DigestIssue>().AsNoTracking().Where(i => i.State == DigestIssueState.Sending || i.State == DigestIssueState.Paused)
            .Select(i => new { i.Id, i.State }).ToListAsync(cancellationToken);
        foreach (var issue in open)
        {
            var unknown = await ledger.MarkAbandonedAsUnknownAsync(issue.Id, options.Value.SendingLease, cancellationToken);
            if (unknown > 0) LogUnknown(logger, issue.Id, unknown);
            if (issue.State == DigestIssueState.Paused) continue;
            if (await fanOut.CompleteIfDoneAsync(issue.Id, cancellationToken)) continue;
            if (!afterStartup && storage.GetMonitoringApi().EnqueuedCount("default") > 0) continue;
            // The fleet's allowance is spent: the ranges scheduled themselves for when it comes back.
            if (await rateLimiter.WaitAsync(cancellationToken) > TimeSpan.Zero) continue;
            var enqueued = await fanOut.EnqueueDueBatchesAsync(issue.Id, cancellationToken);
            if (enqueued > 0) LogResumed(logger, issue.Id, enqueued);
        }
        await rateLimiter.PurgeAsync(db, cancellationToken);
    }

    [LoggerMessage(EventId = 5030, EventName = "DigestDeliveriesUnknown", Level = LogLevel.Warning,
        Message = "Digest issue {IssueId}: {Count} deliveries were left in Sending by a stopped worker and are now Unknown (not resent)")]
    private static partial void LogUnknown(ILogger logger, long issueId, int count);

    [LoggerMessage(EventId = 5031, EventName = "DigestResumed", Level = LogLevel.Information, Message = "Digest issue {IssueId}: resumed {Count} batch range(s) with pending deliveries")]
    private static partial void LogResumed(ILogger logger, long issueId, int count);

    [LoggerMessage(EventId = 5036, EventName = "DigestReopened", Level = LogLevel.Warning,
        Message = "{Count} finished digest issue(s) had readers given back to Pending after they closed; they are sending again")]
    private static partial void LogReopened(ILogger logger, int count);

    [LoggerMessage(EventId = 5032, EventName = "DigestRequestedStarted", Level = LogLevel.Information, Message = "Digest issue {IssueId} was asked to send before a restart; its ledger is written now")]
    private static partial void LogStartedRequested(ILogger logger, long issueId);
}
