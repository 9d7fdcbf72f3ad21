using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Newsletter.Audit;
using Newsletter.Data;
using Newsletter.Email;
using Newsletter.Subscribers;

namespace Newsletter.Digests;

/// <summary>One delivery as staff see it in a list of Failed or Unknown readers.</summary>
public sealed record DeliveryRow(long Id, long SubscriberId, string Email, DeliveryState State, int Attempts, int? SmtpStatus, string? Error, DateTime? ClaimedAt, DateTime? SentAt);

/// <summary>One reader's copy of an issue.</summary>
public sealed record DigestCopy(string Subject, string Html, string Text);

/// <summary>
/// What staff (the dashboard) can do with digests: plan, send now, send a test copy, preview for a reader, retry
/// failures, and read progress. Sending itself always goes through the ledger and the batch jobs.
/// </summary>
public sealed partial class DigestService(
    NewsletterDb db,
    DigestPlanner planner,
    DigestFanOut fanOut,
    DeliveryLedger ledger,
    DigestRenderer renderer,
    DigestMessageBuilder builder,
    [FromKeyedServices(EmailLanes.Transactional)] EmailSessionPool testLane,
    AuditLog audit,
    ILogger<DigestService> logger)
{
    /// <summary>Plans the next issue of a frequency without sending it (null: no new articles).</summary>
    public Task<DigestIssue?> PlanAsync(DigestFrequency frequency, CancellationToken cancellationToken) => planner.PlanAsync(frequency, cancellationToken);

    /// <summary>Plans (or reuses the planned) issue and starts sending it now. Null when there is nothing new to send.</summary>
    public async Task<DigestIssue?> SendNowAsync(DigestFrequency frequency, CancellationToken cancellationToken)
    {
        var issue = await planner.PlanAsync(frequency, cancellationToken);
        if (issue is null) return null;
        if (await fanOut.StartAsync(issue.Id, cancellationToken))
            await audit.RecordAsync(AuditActions.DigestSent, $"issue {issue.Id}", $"{frequency} digest, send now", cancellationToken);
        return await FindAsync(issue.Id, cancellationToken);
    }

    /// <summary>Starts sending a planned issue. False when it is not Planned any more (already sending or sent).</summary>
    public async Task<bool> StartAsync(long issueId, CancellationToken cancellationToken)
    {
        var started = await fanOut.StartAsync(issueId, cancellationToken);
        if (started) await audit.RecordAsync(AuditActions.DigestSent, $"issue {issueId}", null, cancellationToken);
        return started;
    }

    public Task<DigestIssue?> FindAsync(long issueId, CancellationToken cancellationToken) =>
        db.Set<DigestIssue>().AsNoTracking().SingleOrDefaultAsync(i => i.Id == issueId, cancellationToken);

    /// <summary>Newest issues first.</summary>
    public Task<List<DigestIssue>> ListAsync(long? before, int limit, CancellationToken cancellationToken) =>
        db.Set<DigestIssue>().AsNoTracking().Where(i => before == null || i.Id < before).OrderByDescending(i => i.Id)
            .Take(Math.Clamp(limit, 1, 200)).ToListAsync(cancellationToken);

    /// <summary>The issue's progress bar: deliveries per state.</summary>
    public Task<DeliveryCounts> ProgressAsync(long issueId, CancellationToken cancellationToken) => ledger.CountAsync(issueId, cancellationToken);

    /// <summary>
    /// Sends one copy of the issue (every topic) to <paramref name="address"/>, marked [Test], outside the ledger, over
    /// the transactional lane. The result says whether the server took it. Throws <see cref="EmailTransportException"/>
    /// when no connection could be opened.
    /// </summary>
    public async Task<SendResult> SendTestAsync(long issueId, EmailAddress address, CancellationToken cancellationToken)
    {
        var digest = await renderer.GetAsync(issueId, "", cancellationToken);
        var message = builder.Build(digest, new DigestRecipient(0, address.Address, null, Guid.Empty, ""), "[Test] ");
        await using var session = await testLane.RentAsync(cancellationToken);
        var result = await session.SendAsync(message, null, cancellationToken);
        if (result.IsAccepted)
        {
            LogTestSent(logger, issueId);
            await audit.RecordAsync(AuditActions.DigestTestSent, $"issue {issueId}", "to " + address.Address, cancellationToken);
        }
        return result;
    }

    /// <summary>The HTML <paramref name="subscriberId"/> would receive (their topics, their links); null when unknown or empty.</summary>
    public async Task<string?> PreviewAsync(long issueId, long subscriberId, CancellationToken cancellationToken)
    {
        var subscriber = await db.Set<Subscriber>().AsNoTracking().SingleOrDefaultAsync(s => s.Id == subscriberId, cancellationToken);
        return subscriber is null ? null : (await CopyForAsync(issueId, subscriber, cancellationToken))?.Html;
    }

    /// <summary>
    /// The copy <paramref name="reader"/> would get (their topics, language, greeting and links), as the batch builds
    /// it; null when the issue does not exist or the copy would be empty.
    /// </summary>
    public async Task<DigestCopy?> CopyForAsync(long issueId, Subscriber reader, CancellationToken cancellationToken)
    {
        if (await FindAsync(issueId, cancellationToken) is null) return null;
        var digest = await renderer.GetAsync(issueId, reader.Topics, reader.Language, cancellationToken);
        if (digest.IsEmpty) return null;
        var message = builder.Build(digest, new DigestRecipient(0, reader.Email, reader.Name, reader.PublicId, reader.Topics));
        return new DigestCopy(message.Subject ?? string.Empty, message.HtmlBody ?? string.Empty, message.TextBody ?? string.Empty);
    }

    /// <summary>The public web version (archive) of a sent issue; null when it does not exist or is not sent yet.</summary>
    public async Task<string?> WebVersionAsync(long issueId, CancellationToken cancellationToken)
    {
        var issue = await FindAsync(issueId, cancellationToken);
        if (issue is not { Public: true }) return null;
        var digest = await renderer.GetWebAsync(issueId, cancellationToken);
        return digest.IsEmpty ? null : builder.WebVersion(digest);
    }

    /// <summary>Puts the issue's Failed deliveries (only those) back to Pending and sends them again. Returns how many.</summary>
    public Task<int> RetryFailedAsync(long issueId, CancellationToken cancellationToken) => SendAgainAsync(issueId, DeliveryState.Failed, cancellationToken);

    /// <summary>
    /// Puts the issue's Unknown deliveries back to Pending and sends them again. The server may already have some of
    /// them, so those readers may get a second copy: staff choose this knowing that.
    /// </summary>
    public Task<int> ResendUnknownAsync(long issueId, CancellationToken cancellationToken) => SendAgainAsync(issueId, DeliveryState.Unknown, cancellationToken);

    private async Task<int> SendAgainAsync(long issueId, DeliveryState state, CancellationToken cancellationToken)
    {
        var count = await db.InTransactionAsync(async token =>
        {
            // A cancelled issue sends nothing more.
            var again = await db.Set<Delivery>().Where(d => d.IssueId == issueId && d.State == state
                    && db.Set<DigestIssue>().Any(i => i.Id == issueId && i.State != DigestIssueState.Cancelled))
                .ExecuteUpdateAsync(s => s.SetProperty(d => d.State, DeliveryState.Pending).SetProperty(d => d.Attempts, 0)
                    .SetProperty(d => d.NextAttemptAt, (DateTime?)null), token);
            if (again > 0)
                await db.Set<DigestIssue>().Where(i => i.Id == issueId && i.State == DigestIssueState.Sent)
                    .ExecuteUpdateAsync(s => s.SetProperty(i => i.State, DigestIssueState.Sending).SetProperty(i => i.FinishedAt, (DateTime?)null), token);
            return again;
        }, cancellationToken);
        if (count > 0)
        {
            await fanOut.EnqueueDueBatchesAsync(issueId, cancellationToken);
            LogSendAgain(logger, issueId, count, state);
            await audit.RecordAsync(AuditActions.DigestRetried, $"issue {issueId}", $"{count} {state.ToString().ToLowerInvariant()} deliveries sent again", cancellationToken);
        }
        return count;
    }

    /// <summary>
    /// Staff stop a sending issue (a mistake seen in the copy, a wrong audience): Sending → Paused, with who did it.
    /// The copies already handed to a connection (at most connections × claim window) still go out; every other
    /// reader stays Pending, to be sent once on resume or never. False when the issue was not Sending.
    /// </summary>
    public async Task<bool> PauseAsync(long issueId, CancellationToken cancellationToken)
    {
        var who = audit.Actor;
        var paused = await ledger.PauseAsync(issueId, $"Paused by {who}.", who);
        if (!paused) return false;
        LogPausedByStaff(logger, issueId, who);
        await audit.RecordAsync(AuditActions.DigestPaused, $"issue {issueId}", null, cancellationToken);
        return true;
    }

    /// <summary>
    /// Staff end a paused issue for good: its readers not yet sent to are Skipped (they never get it), the issue leaves
    /// the site, and the next issue of its frequency covers its period again, so its articles are not lost.
    /// </summary>
    public async Task<CancelResult> CancelAsync(long issueId, CancellationToken cancellationToken)
    {
        var who = audit.Actor;
        var result = await ledger.CancelAsync(issueId, who);
        if (!result.Cancelled) return result;
        LogCancelled(logger, issueId, who, result.Skipped);
        await audit.RecordAsync(AuditActions.DigestCancelled, $"issue {issueId}", $"{result.Skipped} readers not sent to", cancellationToken);
        return result;
    }

    /// <summary>Resumes a paused issue: Paused → Sending, and its Pending deliveries go out. False when it was not Paused.</summary>
    public async Task<bool> ResumeAsync(long issueId, CancellationToken cancellationToken)
    {
        var resumed = await db.Set<DigestIssue>().Where(i => i.Id == issueId && i.State == DigestIssueState.Paused)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.State, DigestIssueState.Sending).SetProperty(i => i.PausedReason, (string?)null)
                .SetProperty(i => i.PausedAt, (DateTime?)null).SetProperty(i => i.PausedBy, (string?)null), cancellationToken) > 0;
        if (!resumed) return false;
        LogResumed(logger, issueId);
        if (!await fanOut.CompleteIfDoneAsync(issueId, cancellationToken)) await fanOut.EnqueueDueBatchesAsync(issueId, cancellationToken);
        await audit.RecordAsync(AuditActions.DigestResumed, $"issue {issueId}", null, cancellationToken);
        return true;
    }

    /// <summary>The issue's deliveries in one state with the reader's address, by id (keyset: pass the last id as <paramref name="after"/>).</summary>
    public async Task<List<DeliveryRow>> DeliveriesAsync(long issueId, DeliveryState state, long? after, int limit, CancellationToken cancellationToken)
    {
        var rows = await db.Set<Delivery>().AsNoTracking().Where(d => d.IssueId == issueId && d.State == state && (after == null || d.Id > after))
            .Join(db.Set<Subscriber>(), d => d.SubscriberId, s => s.Id, (d, s) => new { Delivery = d, s.Email })
            .OrderBy(x => x.Delivery.Id).Take(Math.Clamp(limit, 1, 1000)).ToListAsync(cancellationToken);
        return rows.Select(x => new DeliveryRow(x.Delivery.Id, x.Delivery.SubscriberId, x.Email, x.Delivery.State, x.Delivery.Attempts, x.Delivery.SmtpStatus,
            x.Delivery.Error, x.Delivery.ClaimedAt, x.Delivery.SentAt)).ToList();
    }

    [LoggerMessage(EventId = 5040, EventName = "DigestTestSent", Level = LogLevel.Information, Message = "Test copy of digest issue {IssueId} sent")]
    private static partial void LogTestSent(ILogger logger, long issueId);

    [LoggerMessage(EventId = 5041, EventName = "DigestSendAgain", Level = LogLevel.Information, Message = "Digest issue {IssueId}: {Count} {State} deliveries queued again")]
    private static partial void LogSendAgain(ILogger logger, long issueId, int count, DeliveryState state);

    [LoggerMessage(EventId = 5042, EventName = "DigestResumedByStaff", Level = LogLevel.Information, Message = "Digest issue {IssueId} resumed")]
    private static partial void LogResumed(ILogger logger, long issueId);

    [LoggerMessage(EventId = 5043, EventName = "DigestPausedByStaff", Level = LogLevel.Warning, Message = "Digest issue {IssueId} paused by {Actor}")]
    private static partial void LogPausedByStaff(ILogger logger, long issueId, string actor);

    [LoggerMessage(EventId = 5044, EventName = "DigestCancelled", Level = LogLevel.Warning, Message = "Digest issue {IssueId} cancelled by {Actor}: {Skipped} readers not sent to")]
    private static partial void LogCancelled(ILogger logger, long issueId, string actor, int skipped);
}
