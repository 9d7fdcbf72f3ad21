using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Newsletter.Data;
using Newsletter.Subscribers;

namespace Newsletter.Digests;

/// <summary>
/// Starts sending an issue: one conditional update takes the issue from Planned to Sending (the lock) and, in the same
/// transaction, one <c>INSERT ... SELECT</c> writes a Pending delivery for every reader of the issue's
/// <see cref="DigestAudience"/>. Then batch jobs over id ranges are enqueued. Never a row per reader in memory.
/// </summary>
public sealed partial class DigestFanOut(NewsletterDb db, DeliveryLedger ledger, IBackgroundJobClient jobs, IOptions<DigestOptions> options, TimeProvider clock, ILogger<DigestFanOut> logger)
{
    /// <summary>
    /// Writes the ledger and enqueues the batches. Returns false when the issue was not Planned (already started).
    /// The request is committed first, on its own: a crash before the ledger is written leaves a Planned issue that
    /// says it was asked for, and the recovery starts it.
    /// </summary>
    public async Task<bool> StartAsync(long issueId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await db.Set<DigestIssue>().Where(i => i.Id == issueId && i.State == DigestIssueState.Planned && i.SendRequestedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.SendRequestedAt, now), cancellationToken);
        var written = await db.InTransactionAsync(async token =>
        {
            var started = await db.Set<DigestIssue>().Where(i => i.Id == issueId && i.State == DigestIssueState.Planned)
                .ExecuteUpdateAsync(s => s.SetProperty(i => i.State, DigestIssueState.Sending).SetProperty(i => i.StartedAt, now), token);
            if (started == 0) return (int?)null;
            var issue = await db.Set<DigestIssue>().AsNoTracking().SingleAsync(i => i.Id == issueId, token);
            await Data.SqlitePragmas.UseLargeCacheAsync(db, token);
            var inserted = await InsertDeliveriesAsync(issue, token);
            // The large cache is for this statement only: the send that follows would otherwise carry it (see TrimNativeHeap).
            await Data.SqlitePragmas.UseSmallCacheAsync(db, token);
            return inserted;
        }, cancellationToken);
        if (written is null) return false;
        if (db.Database.IsSqlite()) Data.SqlitePragmas.TrimNativeHeap();
        LogFannedOut(logger, issueId, written.Value);
        // PostgreSQL plans each claim from the table's statistics, which know nothing of rows just written: it took the
        // (IssueId, State) index and read every Pending row of the issue to find a window's ten ids, 12 ms a claim and
        // growing with the audience (pg_stat_statements, 100,000 readers), until autovacuum's analyze a minute later.
        // Fresh statistics make it look the ids up by key (0.04 ms). Lost in a crash here, autovacuum still comes; a
        // database role that does not own the table gets a warning from PostgreSQL and the same wait, never an error.
        if (db.Database.IsNpgsql()) await db.Database.ExecuteSqlRawAsync("ANALYZE \"Deliveries\"", cancellationToken);
        await EnqueueDueBatchesAsync(issueId, cancellationToken);
        return true;
    }

    private Task<int> InsertDeliveriesAsync(DigestIssue issue, CancellationToken cancellationToken)
    {
        var parameters = new List<object> { issue.Id };
        var audience = DigestAudience.Sql(db.Database, issue, parameters);
        var sql = $"""
            INSERT INTO "Deliveries" ("IssueId", "SubscriberId", "State", "Attempts")
            SELECT {"{0}"}, s."Id", {(int)DeliveryState.Pending}, 0
            FROM "Subscribers" AS s
            WHERE {audience}
              AND NOT EXISTS (SELECT 1 FROM "Deliveries" AS d WHERE d."IssueId" = {"{0}"} AND d."SubscriberId" = s."Id")
            ORDER BY s."Id"
            """;
        return db.Database.ExecuteSqlRawAsync(sql, parameters, cancellationToken);
    }

    /// <summary>
    /// Enqueues one batch job per id range that still has due Pending rows. Ranges are fixed slices of the issue's id
    /// span, so a range enqueued twice is harmless: its second run finds nothing Pending.
    /// </summary>
    public async Task<int> EnqueueDueBatchesAsync(long issueId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var rows = db.Set<Delivery>().Where(d => d.IssueId == issueId);
        var first = await rows.MinAsync(d => (long?)d.Id, cancellationToken);
        if (first is null) return 0;
        long size = options.Value.BatchSize;
        var start = first.Value;
        var slices = await rows.Where(d => d.State == DeliveryState.Pending && (d.NextAttemptAt == null || d.NextAttemptAt <= now))
            .Select(d => (d.Id - start) / size).Distinct().OrderBy(k => k).ToListAsync(cancellationToken);
        // A range a live run holds is being sent already.
        var leased = await ledger.LeasedRangesAsync(issueId, options.Value.SendingLease, cancellationToken);
        slices = slices.Where(slice => !leased.Contains(start + slice * size)).ToList();
        foreach (var slice in slices)
        {
            var from = start + slice * size;
            var to = from + size - 1;
            jobs.Enqueue<DigestBatchJob>(job => job.SendAsync(issueId, from, to, CancellationToken.None));
        }
        if (slices.Count > 0) LogEnqueued(logger, issueId, slices.Count);
        return slices.Count;
    }

    /// <summary>Marks the issue Sent once no delivery is Pending or Sending. Safe to call any number of times.</summary>
    public async Task<bool> CompleteIfDoneAsync(long issueId, CancellationToken cancellationToken)
    {
        var busy = await db.Set<Delivery>().AnyAsync(d => d.IssueId == issueId && (d.State == DeliveryState.Pending || d.State == DeliveryState.Sending), cancellationToken);
        if (busy) return false;
        var now = clock.GetUtcNow().UtcDateTime;
        var finished = await db.Set<DigestIssue>().Where(i => i.Id == issueId && i.State == DigestIssueState.Sending)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.State, DigestIssueState.Sent).SetProperty(i => i.FinishedAt, now), cancellationToken);
        if (finished > 0) LogFinished(logger, issueId);
        return finished > 0;
    }

    [LoggerMessage(EventId = 5010, EventName = "DigestFannedOut", Level = LogLevel.Information, Message = "Digest issue {IssueId}: {Count} deliveries written")]
    private static partial void LogFannedOut(ILogger logger, long issueId, int count);

    [LoggerMessage(EventId = 5011, EventName = "DigestBatchesEnqueued", Level = LogLevel.Information, Message = "Digest issue {IssueId}: {Count} batch job(s) enqueued")]
    private static partial void LogEnqueued(ILogger logger, long issueId, int count);

    [LoggerMessage(EventId = 5012, EventName = "DigestFinished", Level = LogLevel.Information, Message = "Digest issue {IssueId} finished sending")]
    private static partial void LogFinished(ILogger logger, long issueId);
}
