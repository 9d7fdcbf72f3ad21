using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Newsletter.Data;

namespace Newsletter.Digests;

/// <summary>Finds unfinished sending in the ledger and drives it on. Safe to run at any time, on any worker.</summary>
public sealed partial class DigestSweepJob(NewsletterDb db, DeliveryLedger ledger, DigestFanOut fanOut, JobStorage storage, IOptions<DigestOptions> options, ILogger<DigestSweepJob> logger)
{
    /// <summary>
    /// <paramref name="afterStartup"/>: nothing can be queued yet (in-memory storage forgets), so every due range is
    /// resumed. Otherwise ranges are only resumed when the queue is empty: while batches are still queued, their
    /// Pending rows are not lost, only waiting, and enqueueing them again would just add no-op jobs.
    /// </summary>
    [AutomaticRetry(Attempts = 0)]
    [DisableConcurrentExecution(timeoutInSeconds: 0)]
    public async Task RunAsync(bool afterStartup, CancellationToken cancellationToken)
    {
        var unknown = await ledger.MarkAbandonedAsUnknownAsync(options.Value.SendingLease, cancellationToken);
        if (unknown > 0) LogUnknown(logger, unknown);
        var sending = await db.Set<DigestIssue>().AsNoTracking().Where(i => i.State == DigestIssueState.Sending).Select(i => i.Id).ToListAsync(cancellationToken);
        foreach (var issueId in sending)
        {
            if (await fanOut.CompleteIfDoneAsync(issueId, cancellationToken)) continue;
            if (!afterStartup && storage.GetMonitoringApi().EnqueuedCount("default") > 0) continue;
            var enqueued = await fanOut.EnqueueDueBatchesAsync(issueId, cancellationToken);
            if (enqueued > 0) LogResumed(logger, issueId, enqueued);
        }
    }

    [LoggerMessage(EventId = 5030, EventName = "DigestDeliveriesUnknown", Level = LogLevel.Warning,
        Message = "{Count} digest deliveries were left in Sending by a stopped worker and are now Unknown (not resent)")]
    private static partial void LogUnknown(ILogger logger, int count);

    [LoggerMessage(EventId = 5031, EventName = "DigestResumed", Level = LogLevel.Information, Message = "Digest issue {IssueId}: resumed {Count} batch range(s) with pending deliveries")]
    private static partial void LogResumed(ILogger logger, long issueId, int count);
}
