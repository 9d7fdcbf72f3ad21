using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Newsletter.Data;
using Newsletter.Jobs;
using Newsletter.Subscribers;

namespace Newsletter.Email;

/// <summary>
/// Sends transactional emails from the outbox. Each send takes its row with one conditional update
/// (Pending to Sending); no row updated means another worker has it or it is done, so running twice is harmless.
/// Retries are ours (NextAttemptAt, picked up by the sweep), not Hangfire's, so they survive a restart.
/// </summary>
public sealed partial class TransactionalEmailJob(
    NewsletterDb db,
    IEmailTransport transport,
    IEnumerable<ITransactionalEmailComposer> composers,
    SuppressionList suppression,
    IOptions<TransactionalEmailOptions> options,
    IBackgroundJobClient jobs,
    TimeProvider clock,
    ILogger<TransactionalEmailJob> logger,
    Bounces.BounceAddresses bounces)
{
    private const int SweepBatch = 200;

    /// <summary>Sends one email by id, if it is still due.</summary>
    [AutomaticRetry(Attempts = 0)]
    public async Task SendAsync(long emailId, CancellationToken cancellationToken)
    {
        await using var session = new LazySession(transport);
        await SendOneAsync(session, emailId, cancellationToken);
    }

    /// <summary>Sends every due Pending email, oldest first, over one connection. Run every minute and after start-up.</summary>
    [AutomaticRetry(Attempts = 0)]
    [DisableConcurrentExecution(timeoutInSeconds: 0)]
    public async Task SweepAsync(CancellationToken cancellationToken)
    {
        await MarkAbandonedAsUnknownAsync(cancellationToken);
        await using var session = new LazySession(transport);
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

    /// <summary>Rows stuck in Sending past the lease: the worker died mid-send. We cannot know, so we say so.</summary>
    public async Task<int> MarkAbandonedAsUnknownAsync(CancellationToken cancellationToken)
    {
        var cutoff = clock.GetUtcNow().UtcDateTime - options.Value.SendingLease;
        var count = await db.Set<TransactionalEmail>()
            .Where(e => e.State == TransactionalEmailState.Sending && e.ClaimedAt < cutoff)
            .ExecuteUpdateAsync(s => s.SetProperty(e => e.State, TransactionalEmailState.Unknown)
                .SetProperty(e => e.LastError, "The worker stopped while sending; the server may or may not have accepted it."), cancellationToken);
        if (count > 0) LogUnknown(logger, count);
        return count;
    }

    private async Task SendOneAsync(LazySession session, long emailId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var claimed = await db.Set<TransactionalEmail>()
            .Where(e => e.Id == emailId && e.State == TransactionalEmailState.Pending && (e.NextAttemptAt == null || e.NextAttemptAt <= now))
            .ExecuteUpdateAsync(s => s.SetProperty(e => e.State, TransactionalEmailState.Sending)
                .SetProperty(e => e.ClaimedAt, now)
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

        var email = await db.Set<TransactionalEmail>().AsNoTracking().SingleAsync(e => e.Id == emailId, cancellationToken);
        var composer = composers.FirstOrDefault(c => c.Kind == email.Kind);
        if (composer is null)
        {
            await FinishAsync(emailId, TransactionalEmailState.Failed, $"No composer for kind '{email.Kind}'.", null, cancellationToken);
            return;
        }
        if (EmailAddress.TryParse(email.Recipient, out var recipient, out _) && await suppression.IsSuppressedAsync(recipient, cancellationToken))
        {
            await FinishAsync(emailId, TransactionalEmailState.Skipped, "The address is on the suppression list.", null, cancellationToken);
            return;
        }
        MimeKit.MimeMessage? message;
        try
        {
            message = await composer.ComposeAsync(email, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A template or data problem: nothing was sent, so Failed (staff can retry once it is fixed).
            await FinishAsync(emailId, TransactionalEmailState.Failed, "Could not build the email: " + e.Message, null, cancellationToken);
            LogFailed(logger, email.Kind, emailId, e.Message);
            return;
        }
        if (message is null)
        {
            await FinishAsync(emailId, TransactionalEmailState.Skipped, "Nothing to send any more.", null, cancellationToken);
            return;
        }
        bounces.Stamp(message, Bounces.SentMessage.Outbox(emailId));
        try
        {
            await (await session.GetAsync(cancellationToken)).SendAsync(message, cancellationToken);
            await FinishAsync(emailId, TransactionalEmailState.Sent, null, 250, cancellationToken);
            LogSent(logger, email.Kind, emailId);
        }
        catch (EmailRejectedException e) when (e.IsPermanent || email.Attempts >= options.Value.MaxAttempts)
        {
            // Suppress first: once the row says Failed, nothing may mail a hard-bounced address again.
            if (e.IsPermanent && recipient is not null && e.StatusCode is 550 or 551 or 553)
                await suppression.AddAsync(recipient, SuppressionReason.HardBounce, e.Message, CancellationToken.None);
            await FinishAsync(emailId, TransactionalEmailState.Failed, e.Message, e.StatusCode, cancellationToken);
            LogFailed(logger, email.Kind, emailId, e.Message);
        }
        catch (Exception e) when (e is not EmailRejectedException and not EmailTransportException and not OperationCanceledException)
        {
            // Anything else came from inside the send: we cannot tell whether the server took the message.
            session.Reset();
            await FinishAsync(emailId, TransactionalEmailState.Unknown, "Unexpected error while sending: " + e.Message, null, cancellationToken);
            LogFailed(logger, email.Kind, emailId, e.ToString());
        }
        catch (Exception e) when (e is EmailRejectedException or EmailTransportException)
        {
            // Temporary: back to Pending with a growing delay; the sweep picks it up again.
            session.Reset();
            // email was read after the claim, so Attempts already counts this one.
            var attempts = email.Attempts;
            if (attempts >= options.Value.MaxAttempts)
            {
                await FinishAsync(emailId, TransactionalEmailState.Failed, e.Message, (e as EmailRejectedException)?.StatusCode, cancellationToken);
                LogFailed(logger, email.Kind, emailId, e.Message);
                return;
            }
            var delay = options.Value.RetryDelay * Math.Pow(2, attempts - 1);
            // Computed here, not in the query: EF would try to translate DateTime + TimeSpan into SQL.
            DateTime? nextAttempt = clock.GetUtcNow().UtcDateTime + delay;
            await db.Set<TransactionalEmail>().Where(x => x.Id == emailId && x.State == TransactionalEmailState.Sending)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.State, TransactionalEmailState.Pending)
                    .SetProperty(x => x.NextAttemptAt, nextAttempt)
                    .SetProperty(x => x.SmtpStatus, (e as EmailRejectedException)?.StatusCode)
                    .SetProperty(x => x.LastError, Truncate(e.Message)), cancellationToken);
            // Scheduled for speed; if the schedule is lost (in-memory storage, restart), the sweep still finds it.
            jobs.Schedule<TransactionalEmailJob>(job => job.SendAsync(emailId, CancellationToken.None), JobDelay.After(delay));
            LogRetry(logger, email.Kind, emailId, delay, e.Message);
        }
    }

    private Task FinishAsync(long emailId, TransactionalEmailState state, string? error, int? smtpStatus, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        // CancellationToken.None: once the server has the message, recording that must not be cancelled.
        return db.Set<TransactionalEmail>().Where(e => e.Id == emailId && e.State == TransactionalEmailState.Sending)
            .ExecuteUpdateAsync(s => s.SetProperty(e => e.State, state)
                .SetProperty(e => e.SentAt, state == TransactionalEmailState.Sent ? now : null)
                .SetProperty(e => e.SmtpStatus, smtpStatus)
                .SetProperty(e => e.LastError, error == null ? null : Truncate(error)), CancellationToken.None);
    }

    private static string Truncate(string value) => value.Length <= 1000 ? value : value[..1000];

    /// <summary>Opens the transport only when there is something to send, and reopens it after a failure.</summary>
    private sealed class LazySession(IEmailTransport transport) : IAsyncDisposable
    {
        private IEmailSession? _session;

        public async Task<IEmailSession> GetAsync(CancellationToken cancellationToken) =>
            _session ??= await transport.OpenAsync(cancellationToken);

        public void Reset()
        {
            var old = _session;
            _session = null;
            if (old is not null) _ = old.DisposeAsync().AsTask();
        }

        public async ValueTask DisposeAsync()
        {
            if (_session is not null) await _session.DisposeAsync();
        }
    }

    [LoggerMessage(EventId = 2000, EventName = "TransactionalEmailSent", Level = LogLevel.Information, Message = "Sent {Kind} email {EmailId}")]
    private static partial void LogSent(ILogger logger, string kind, long emailId);

    [LoggerMessage(EventId = 2001, EventName = "TransactionalEmailRetry", Level = LogLevel.Warning, Message = "{Kind} email {EmailId} will be retried in {Delay}: {Reason}")]
    private static partial void LogRetry(ILogger logger, string kind, long emailId, TimeSpan delay, string reason);

    [LoggerMessage(EventId = 2002, EventName = "TransactionalEmailFailed", Level = LogLevel.Error, Message = "{Kind} email {EmailId} failed for good: {Reason}")]
    private static partial void LogFailed(ILogger logger, string kind, long emailId, string reason);

    [LoggerMessage(EventId = 2004, EventName = "TransactionalEmailNotClaimed", Level = LogLevel.Debug, Message = "Email {EmailId} is not due or is taken by another worker")]
    private static partial void LogNotClaimed(ILogger logger, long emailId);

    [LoggerMessage(EventId = 2003, EventName = "TransactionalEmailUnknown", Level = LogLevel.Warning, Message = "{Count} transactional email(s) were left in Sending by a stopped worker and are now Unknown")]
    private static partial void LogUnknown(ILogger logger, int count);
}
