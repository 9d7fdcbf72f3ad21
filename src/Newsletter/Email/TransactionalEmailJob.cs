using Hangfire;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;
using Newsletter.Data;
using Newsletter.Jobs;

namespace Newsletter.Email;

/// <summary>
/// Sends transactional emails from the outbox over the transactional lane (<see cref="EmailLanes"/>). Each send
/// takes its row with one conditional update (Pending to Sending); no row updated means another worker has it or it is
/// done, so running twice is harmless. What a send comes to is decided by <see cref="SendPolicy"/>, as for digests.
/// Retries are ours (NextAttemptAt, picked up by the sweep), not Hangfire's, so they survive a restart.
/// </summary>
public sealed partial class TransactionalEmailJob(
    NewsletterDb db,
    [FromKeyedServices(EmailLanes.Transactional)] EmailSessionPool pool,
    IEnumerable<ITransactionalEmailComposer> composers,
    SuppressionList suppression,
    Workers.ThisWorker me,
    Workers.WorkerRegistry workers,
    Bounces.BounceAddresses bounces,
    IOptions<TransactionalEmailOptions> options,
    IBackgroundJobClient jobs,
    TimeProvider clock,
    ILogger<TransactionalEmailJob> logger)
{
    private const int SweepBatch = 200;

    /// <summary>Sends one email by id, if it is still due.</summary>
    [AutomaticRetry(Attempts = 0)]
    public async Task SendAsync(long emailId, CancellationToken cancellationToken)
    {
        await using var session = await pool.RentAsync(cancellationToken);
        await SendOneAsync(session, emailId, cancellationToken);
    }

    /// <summary>Sends every due Pending email, oldest first, over one connection. Run every minute and after start-up.</summary>
    [AutomaticRetry(Attempts = 0)]
    [SkipWhenRunning]
    public async Task SweepAsync(CancellationToken cancellationToken)
    {
        await SettleAbandonedAsync(cancellationToken);
        await using var session = await pool.RentAsync(cancellationToken);
        long lastId = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var now = clock.GetUtcNow().UtcDateTime;
            var due = await db.Set<TransactionalEmail>()
                .Where(e => e.Id > lastId && e.State == TransactionalEmailState.Pending && (e.NextAttemptAt == null || e.NextAttemptAt <= now))
                .OrderBy(e => e.Id).Select(e => e.Id).Take(SweepBatch).ToListAsync(cancellationToken);
            if (due.Count == 0) break;
            foreach (var id in due) await SendOneAsync(session, id, cancellationToken);
            lastId = due[^1];
        }
    }

    /// <summary>
    /// Rows whose worker died (SIGKILL, out of memory, a power cut) or stopped with them in hand: at once for a process
    /// that shared this data directory, within <see cref="Workers.WorkerOptions.DeadAfter"/> for one elsewhere whose
    /// heartbeat stopped (<see cref="Workers.WorkerRegistry.FindDeadAsync"/>), and after the lease for any row whose
    /// worker left no sign. One whose message never went to a connection goes again, its attempt given back; one whose
    /// message did may be in the inbox, and we cannot know, so it is Unknown (reported, never resent).
    /// </summary>
    public async Task<(int Again, int Unknown)> SettleAbandonedAsync(CancellationToken cancellationToken)
    {
        using var dead = await workers.FindDeadAsync(cancellationToken);
        var gone = dead.Tokens.ToList();
        var cutoff = clock.GetUtcNow().UtcDateTime - options.Value.SendingLease;
        var abandoned = db.Set<TransactionalEmail>().Where(e => e.State == TransactionalEmailState.Sending
            && (e.ClaimedAt < cutoff || (e.ClaimedBy != null && gone.Contains(e.ClaimedBy.Value))));
        var again = await abandoned.Where(e => e.HandedOverAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(e => e.State, TransactionalEmailState.Pending)
                .SetProperty(e => e.NextAttemptAt, (DateTime?)null)
                .SetProperty(e => e.Attempts, e => e.Attempts > 0 ? e.Attempts - 1 : 0)
                .SetProperty(e => e.LastError, "The worker stopped before the email went out; it goes again."), cancellationToken);
        var unknown = await abandoned.Where(e => e.HandedOverAt != null)
            .ExecuteUpdateAsync(s => s.SetProperty(e => e.State, TransactionalEmailState.Unknown)
                .SetProperty(e => e.LastError, "The worker stopped while sending; the server may or may not have accepted it."), cancellationToken);
        dead.Settled = true;
        if (again > 0) LogAbandonedAgain(logger, again);
        if (unknown > 0) LogUnknown(logger, unknown);
        return (again, unknown);
    }

    private async Task SendOneAsync(PooledSession session, long emailId, CancellationToken cancellationToken)
    {
        // The claim is known by this time from here on (see Ours): whole microseconds, which every database keeps as given.
        var now = clock.GetUtcNow().UtcDateTime;
        now = now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMicrosecond));
        var claimed = await db.Set<TransactionalEmail>()
            .Where(e => e.Id == emailId && e.State == TransactionalEmailState.Pending && (e.NextAttemptAt == null || e.NextAttemptAt <= now))
            .ExecuteUpdateAsync(s => s.SetProperty(e => e.State, TransactionalEmailState.Sending)
                .SetProperty(e => e.ClaimedAt, now)
                .SetProperty(e => e.ClaimedBy, me.Token)
                .SetProperty(e => e.HandedOverAt, (DateTime?)null)
                .SetProperty(e => e.Attempts, e => e.Attempts + 1), cancellationToken);
        if (claimed == 0)
        {
            // A retry can wake a little before it is due (see JobDelay): ask again.
            var due = await db.Set<TransactionalEmail>().Where(e => e.Id == emailId && e.State == TransactionalEmailState.Pending)
                .Select(e => e.NextAttemptAt).FirstOrDefaultAsync(cancellationToken);
            if (due > now) jobs.Schedule<TransactionalEmailJob>(job => job.SendAsync(emailId, CancellationToken.None), JobDelay.Until(due.Value, now));
            LogNotClaimed(logger, emailId);
            return;
        }

        TransactionalEmail email;
        MimeMessage? message;
        EmailAddress? recipient;
        try
        {
            email = await db.Set<TransactionalEmail>().AsNoTracking().SingleAsync(e => e.Id == emailId, cancellationToken);
            var composer = composers.FirstOrDefault(c => c.Kind == email.Kind);
            if (composer is null)
            {
                await FinishAsync(emailId, now, TransactionalEmailState.Failed, $"No composer for kind '{email.Kind}'.", null);
                return;
            }
            if (EmailAddress.TryParse(email.Recipient, out recipient, out _) && await suppression.IsSuppressedAsync(recipient, cancellationToken))
            {
                await FinishAsync(emailId, now, TransactionalEmailState.Skipped, "The address is on the suppression list.", null);
                return;
            }
            try
            {
                message = await composer.ComposeAsync(email, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A template or data problem: nothing was sent, so Failed (staff can retry once it is fixed).
                await FinishAsync(emailId, now, TransactionalEmailState.Failed, "Could not build the email: " + e.Message, null);
                LogFailed(logger, email.Kind, emailId, e.Message);
                return;
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down before anything went out: give the row back rather than leave it to become Unknown.
            await ReleaseAsync(emailId, now, null, null, countAttempt: false);
            throw;
        }
        if (message is null)
        {
            await FinishAsync(emailId, now, TransactionalEmailState.Skipped, "Nothing to send any more.", null);
            return;
        }

        // The Message-ID names the outbox row (signed) and, with Bounces:Address, so does the envelope sender.
        var envelopeSender = bounces.Stamp(message, Bounces.SentMessage.Outbox(emailId));
        SendResult result;
        try
        {
            // Connected (and its place in the relay's rate taken) first, then marked as handed over, then sent: a crash
            // before the mark leaves a row that never left (it goes again after the lease); after it, one the server may
            // have (Unknown). The mark is made only while the claim is still this one: a worker so slow that the sweep
            // gave its row away does not send it.
            await session.ReadyAsync(cancellationToken);
            if (!await MarkHandedOverAsync(emailId, now))
            {
                LogClaimLost(logger, email.Kind, emailId);
                return;
            }
            result = await session.SendAsync(message, envelopeSender, cancellationToken);
        }
        catch (Exception e) when (e is EmailTransportException or OperationCanceledException)
        {
            // No connection could be opened (or we are shutting down while waiting for one): nothing went out.
            var retryAt = e is EmailTransportException ? clock.GetUtcNow().UtcDateTime + session.Backoff : (DateTime?)null;
            await ReleaseAsync(emailId, now, retryAt, e.Message, countAttempt: false);
            if (retryAt is { } at) ScheduleAt(emailId, at);
            if (e is OperationCanceledException) throw;
            LogRetry(logger, email.Kind, emailId, retryAt!.Value - clock.GetUtcNow().UtcDateTime, e.Message);
            return;
        }
        await RecordAsync(email, now, recipient, result, session);
    }

    private async Task RecordAsync(TransactionalEmail email, DateTime claimedAt, EmailAddress? recipient, SendResult result, PooledSession session)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        // email was read after the claim, so Attempts already counts this one.
        var decision = SendPolicy.Decide(result, email.Attempts, options.Value.Retry, now);
        switch (decision.Fate)
        {
            case RowFate.Sent:
                await FinishAsync(email.Id, claimedAt, TransactionalEmailState.Sent, null, 250);
                LogSent(logger, email.Kind, email.Id);
                break;
            case RowFate.Failed:
                // Suppress first: once the row says Failed, nothing may mail a hard-bounced address again.
                if (decision.Suppress && recipient is not null && !await TrySuppressAsync(email, claimedAt, recipient, result))
                    break;
                await FinishAsync(email.Id, claimedAt, TransactionalEmailState.Failed, result.Detail, result.SmtpStatus);
                LogFailed(logger, email.Kind, email.Id, ErrorText.WithoutAddresses(result.Detail));
                break;
            case RowFate.Unknown:
                // The connection failed after the whole message was written: sending again could make a second copy.
                await FinishAsync(email.Id, claimedAt, TransactionalEmailState.Unknown, result.Detail, null);
                LogUnknownOne(logger, email.Kind, email.Id, ErrorText.WithoutAddresses(result.Detail));
                break;
            default:
                var retryAt = decision.Fate switch
                {
                    RowFate.RetryLater => decision.RetryAt!.Value,
                    RowFate.HoldForSender => now + options.Value.HoldDelay,
                    _ => now + session.Backoff,
                };
                await ReleaseAsync(email.Id, claimedAt, retryAt, result.Detail, countAttempt: decision.Fate == RowFate.RetryLater, result.SmtpStatus);
                // Scheduled for speed; if the schedule is lost (in-memory storage, restart), the sweep still finds it.
                ScheduleAt(email.Id, retryAt);
                if (decision.Fate == RowFate.HoldForSender) LogSenderRefused(logger, email.Kind, email.Id, ErrorText.WithoutAddresses(result.Detail));
                else LogRetry(logger, email.Kind, email.Id, retryAt - now, ErrorText.WithoutAddresses(result.Detail));
                break;
        }
    }

    /// <summary>
    /// Puts a hard-bounced recipient on the suppression list. If the database refuses that write (full, read-only,
    /// failing), the row is not recorded Failed without it: it goes back for a later try, which the server refuses
    /// again and which then records both. False in that case.
    /// </summary>
    private async Task<bool> TrySuppressAsync(TransactionalEmail email, DateTime claimedAt, EmailAddress recipient, SendResult result)
    {
        try
        {
            await suppression.AddAsync(recipient, SuppressionReason.HardBounce, result.Detail, CancellationToken.None);
            return true;
        }
        catch (Exception e) when (e is DbUpdateException or System.Data.Common.DbException)
        {
            var retryAt = clock.GetUtcNow().UtcDateTime + options.Value.Retry.DelayAfter(email.Attempts);
            await ReleaseAsync(email.Id, claimedAt, retryAt, $"Refused ({result.Detail}), but the suppression list could not be written: {e.Message}", countAttempt: true, result.SmtpStatus);
            ScheduleAt(email.Id, retryAt);
            LogSuppressionNotWritten(logger, e, email.Kind, email.Id, retryAt - clock.GetUtcNow().UtcDateTime);
            return false;
        }
    }

    /// <summary>
    /// The row as long as our claim on it holds: Sending, claimed at <paramref name="claimedAt"/>. A row the sweep gave
    /// away (a worker it took for dead) and another worker claimed is not ours any more: we neither send it, nor give
    /// it back, nor record an outcome on it, or the other worker's copy would be undone and sent a second time.
    /// </summary>
    private IQueryable<TransactionalEmail> Ours(long emailId, DateTime claimedAt) =>
        db.Set<TransactionalEmail>().Where(e => e.Id == emailId && e.State == TransactionalEmailState.Sending && e.ClaimedAt == claimedAt);

    private async Task<bool> MarkHandedOverAsync(long emailId, DateTime claimedAt)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return await Ours(emailId, claimedAt).Where(e => e.HandedOverAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(e => e.HandedOverAt, now), CancellationToken.None) == 1;
    }

    private void ScheduleAt(long emailId, DateTime due) =>
        jobs.Schedule<TransactionalEmailJob>(job => job.SendAsync(emailId, CancellationToken.None), JobDelay.Until(due, clock.GetUtcNow().UtcDateTime));

    /// <summary>Sending → Pending, due at <paramref name="retryAt"/>; an attempt that never reached the server is not counted.</summary>
    private Task ReleaseAsync(long emailId, DateTime claimedAt, DateTime? retryAt, string? error, bool countAttempt, int? smtpStatus = null)
    {
        var undo = countAttempt ? 0 : 1;
        // CancellationToken.None: the row must not stay Sending because we are shutting down.
        return Ours(emailId, claimedAt)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.State, TransactionalEmailState.Pending)
                .SetProperty(x => x.NextAttemptAt, retryAt)
                .SetProperty(x => x.Attempts, x => x.Attempts - undo)
                .SetProperty(x => x.SmtpStatus, smtpStatus)
                .SetProperty(x => x.LastError, ErrorText.TruncateOrNull(error)), CancellationToken.None);
    }

    private Task FinishAsync(long emailId, DateTime claimedAt, TransactionalEmailState state, string? error, int? smtpStatus)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        // CancellationToken.None: once the server has the message, recording that must not be cancelled.
        return Ours(emailId, claimedAt)
            .ExecuteUpdateAsync(s => s.SetProperty(e => e.State, state)
                .SetProperty(e => e.SentAt, state == TransactionalEmailState.Sent ? now : null)
                .SetProperty(e => e.SmtpStatus, smtpStatus)
                .SetProperty(e => e.LastError, ErrorText.TruncateOrNull(error)), CancellationToken.None);
    }

    [LoggerMessage(EventId = 2000, EventName = "TransactionalEmailSent", Level = LogLevel.Information, Message = "Sent {Kind} email {EmailId}")]
    private static partial void LogSent(ILogger logger, string kind, long emailId);

    [LoggerMessage(EventId = 2001, EventName = "TransactionalEmailRetry", Level = LogLevel.Warning, Message = "{Kind} email {EmailId} will be retried in {Delay}: {Reason}")]
    private static partial void LogRetry(ILogger logger, string kind, long emailId, TimeSpan delay, string reason);

    [LoggerMessage(EventId = 2002, EventName = "TransactionalEmailFailed", Level = LogLevel.Error, Message = "{Kind} email {EmailId} failed for good: {Reason}")]
    private static partial void LogFailed(ILogger logger, string kind, long emailId, string reason);

    [LoggerMessage(EventId = 2004, EventName = "TransactionalEmailNotClaimed", Level = LogLevel.Debug, Message = "Email {EmailId} is not due or is taken by another worker")]
    private static partial void LogNotClaimed(ILogger logger, long emailId);

    [LoggerMessage(EventId = 2003, EventName = "TransactionalEmailUnknown", Level = LogLevel.Warning, Message = "{Count} transactional email(s) were on the wire when their worker stopped and are now Unknown")]
    private static partial void LogUnknown(ILogger logger, int count);

    [LoggerMessage(EventId = 2007, EventName = "TransactionalEmailAbandonedAgain", Level = LogLevel.Warning, Message = "{Count} transactional email(s) were claimed by a worker that stopped before sending them; they go again")]
    private static partial void LogAbandonedAgain(ILogger logger, int count);

    [LoggerMessage(EventId = 2008, EventName = "TransactionalEmailClaimLost", Level = LogLevel.Warning, Message = "{Kind} email {EmailId} was given to another worker while this one was slow (past Email:Transactional:SendingLease); not sent here")]
    private static partial void LogClaimLost(ILogger logger, string kind, long emailId);

    [LoggerMessage(EventId = 2005, EventName = "TransactionalEmailMaybeSent", Level = LogLevel.Warning, Message = "{Kind} email {EmailId} may or may not have been delivered; it is Unknown and will not be sent again: {Reason}")]
    private static partial void LogUnknownOne(ILogger logger, string kind, long emailId, string reason);

    [LoggerMessage(EventId = 2010, EventName = "TransactionalEmailSuppressionNotWritten", Level = LogLevel.Error,
        Message = "{Kind} email {EmailId} was refused for good, but its address could not be put on the suppression list; it is tried again in {Delay}")]
    private static partial void LogSuppressionNotWritten(ILogger logger, Exception error, string kind, long emailId, TimeSpan delay);

    [LoggerMessage(EventId = 2006, EventName = "TransactionalEmailSenderRefused", Level = LogLevel.Error, Message = "The SMTP server refused our sender or content for {Kind} email {EmailId}; it is held and tried again later: {Reason}")]
    private static partial void LogSenderRefused(ILogger logger, string kind, long emailId, string reason);
}
