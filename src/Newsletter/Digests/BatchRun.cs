using Microsoft.Extensions.DependencyInjection;
using Newsletter.Email;

namespace Newsletter.Digests;

/// <summary>One reader's copy to send: the delivery row, its attempts before this claim, and the rendered issue for their topics.</summary>
internal sealed record PendingCopy(DigestRecipient Recipient, int Attempts, RenderedDigest Digest);

/// <summary>
/// One batch job's sending. A few senders, each holding one pooled connection, take the next few recipients (a
/// window no larger than <see cref="DigestOptions.ClaimWindow"/> and what the rate limit grants), claim them in the
/// ledger, send them one by one and record the window's outcomes before taking the next. So at any instant at most
/// connections × window rows are Sending, and its journal (<see cref="SendJournal"/>) tells a restart which of those
/// never left and which the server accepted: a crash leaves only the copy each connection had on the wire uncertain.
/// While the run lives it renews its claims, so no sweep mistakes it for a dead one. When the server refuses us (sender, content, policy) or cannot be
/// reached, the issue pauses and every sender gives back what it has not sent.
/// </summary>
internal sealed class BatchRun(DigestBatchJob job, long issueId, Guid token, IReadOnlyList<PendingCopy> recipients, SendJournal journal)
{
    /// <summary>Waits for the rate limit longer than this free the worker: the range is scheduled again for then.</summary>
    private static readonly TimeSpan LongestWait = TimeSpan.FromSeconds(10);

    private readonly Lock _lock = new();
    private int _next = -1;
    /// <summary>Stop at once (the issue paused, the process is stopping): what is claimed and not sent goes back.</summary>
    private volatile bool _stop;

    /// <summary>Take no more windows (the rate limit is spent for a while); windows in hand are finished.</summary>
    private volatile bool _noMoreWindows;
    private int _sent;
    private int _other;
    private DateTime? _earliestRetry;

    public int SentCount => _sent;
    public int OtherCount => _other;

    /// <summary>When the earliest row this run put back for a later retry is due, or the rate limit allows sending again (null: neither).</summary>
    public DateTime? EarliestRetry => _earliestRetry;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var stopRenewing = new CancellationTokenSource();
        var renewing = RenewClaimsAsync(stopRenewing.Token);
        try
        {
            var senders = Math.Min(job.Pool.Size, recipients.Count);
            await Task.WhenAll(Enumerable.Range(0, senders).Select(_ => Task.Run(() => SenderAsync(cancellationToken), CancellationToken.None)));
        }
        finally
        {
            await stopRenewing.CancelAsync();
            await renewing;
        }
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>Renews this run's range and claims every quarter of the lease while it runs, however slow the sending.</summary>
    private async Task RenewClaimsAsync(CancellationToken stop)
    {
        var every = job.Options.SendingLease / 4;
        try
        {
            while (true)
            {
                await Task.Delay(every, job.Clock, stop);
                try
                {
                    await using var scope = job.Scopes.CreateAsyncScope();
                    await scope.ServiceProvider.GetRequiredService<DeliveryLedger>().RenewAsync(token, stop);
                }
                catch (Exception e) when (!stop.IsCancellationRequested)
                {
                    // One failed renewal (the database busy or away for a moment) must not end the renewing: three more
                    // come before the lease runs out, and without them the sweep would take this live run for a dead one.
                    DigestBatchJob.LogRenewalFailed(job.Logger, e, issueId);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The run is over; its rows are recorded.
        }
    }

    private async Task SenderAsync(CancellationToken cancellationToken)
    {
        await using var scope = job.Scopes.CreateAsyncScope();
        var ledger = scope.ServiceProvider.GetRequiredService<DeliveryLedger>();
        PooledSession? session = null;
        try
        {
            session = await job.Pool.RentAsync(cancellationToken);
            while (!_stop && !_noMoreWindows && !cancellationToken.IsCancellationRequested)
            {
                // A connection first: rows are claimed only by a sender that can send them at once.
                if (!await ConnectAsync(session, cancellationToken)) return;
                var remaining = recipients.Count - Volatile.Read(ref _next) - 1;
                if (remaining <= 0) return;
                var (granted, comeBackAt) = await job.RateLimiter.AcquireAsync(Math.Min(job.Options.ClaimWindow, remaining), LongestWait, cancellationToken);
                if (comeBackAt is { } later)
                {
                    // The fleet's allowance is spent for a while: take no more (this sender claimed nothing) and come back then.
                    NoteRetry(later);
                    _noMoreWindows = true;
                    return;
                }
                var window = Take(granted);
                if (window.Count == 0) return;
                var windowIds = window.Select(p => p.Recipient.DeliveryId).ToList();
                journal.Window(windowIds);
                // Not cancellable: a claim cut off half-way would leave rows Sending for the lease to find.
                var claimed = await ledger.ClaimAsync(issueId, windowIds, token, CancellationToken.None);
                if (claimed.Count == 0)
                {
                    // Taken by another run, no longer due, or the issue is no longer Sending (paused): look before going on.
                    if (!await job.IsSendingAsync(issueId)) _stop = true;
                    continue;
                }
                var ids = claimed.ToHashSet();
                await SendWindowAsync(session, ledger, window.Where(p => ids.Contains(p.Recipient.DeliveryId)).ToList(), cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _stop = true;
        }
        finally
        {
            if (session is not null) await session.DisposeAsync();
        }
    }

    /// <summary>The next <paramref name="count"/> recipients nobody has taken, in id order.</summary>
    private List<PendingCopy> Take(int count)
    {
        var window = new List<PendingCopy>(count);
        while (window.Count < count)
        {
            var index = Interlocked.Increment(ref _next);
            if (index >= recipients.Count) break;
            window.Add(recipients[index]);
        }
        return window;
    }

    /// <summary>Opens a connection (waiting out the backoff). False when stopped, or when the server cannot be reached and the issue paused.</summary>
    private async Task<bool> ConnectAsync(PooledSession session, CancellationToken cancellationToken)
    {
        while (!_stop)
        {
            try
            {
                await session.OpenAsync(cancellationToken);
                return true;
            }
            catch (EmailTransportException e)
            {
                if (session.Failures >= job.Options.ConnectionFailuresBeforePause)
                {
                    await PauseAsync($"The SMTP server could not be reached {session.Failures} times in a row: {e.Message}");
                    return false;
                }
                DigestBatchJob.LogConnectionFailed(job.Logger, issueId, session.Failures, session.Backoff, e.Message);
            }
        }
        return false;
    }

    /// <summary>Sends a claimed window and records it, whatever stops it half-way: what was not sent goes back to Pending.</summary>
    private async Task SendWindowAsync(PooledSession session, DeliveryLedger ledger, List<PendingCopy> window, CancellationToken cancellationToken)
    {
        var outcomes = new WindowOutcomes();
        var bounced = new List<EmailAddress>();
        var done = 0;
        try
        {
            for (; done < window.Count && !_stop; done++)
                await SendOneAsync(session, window[done], outcomes, bounced, cancellationToken);
        }
        finally
        {
            // What was not tried goes back; a copy whose send ended in an exception after its outcome was noted keeps it.
            foreach (var untried in window.Skip(done).Where(c => !outcomes.Has(c.Recipient.DeliveryId)))
                outcomes.Released.Add((untried.Recipient.DeliveryId, null, false, null, null));
            try
            {
                // A hard bounce is on the suppression list before its row says Failed.
                await job.SuppressAsync(bounced);
                await ledger.RecordAsync(token, outcomes);
            }
            catch
            {
                // The ledger does not have this window: its journal is what a restart will settle it from.
                journal.Keep();
                throw;
            }
            outcomes.CountInto(job.Metrics);
        }
    }

    private async Task SendOneAsync(PooledSession session, PendingCopy copy, WindowOutcomes outcomes, List<EmailAddress> bounced, CancellationToken cancellationToken)
    {
        var id = copy.Recipient.DeliveryId;
        MimeKit.MimeMessage message;
        try
        {
            message = job.Builder.Build(copy.Digest, copy.Recipient);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or MimeKit.ParseException)
        {
            outcomes.Final.Add((id, DeliveryState.Failed, null, "The message could not be built: " + e.Message));
            Interlocked.Increment(ref _other);
            journal.NotDelivered(id);
            return;
        }
        // Disposed when done: a MimeMessage has a finalizer, and a million of them queued for finalization cost GC time.
        using var sent = message;
        // A message that never reached the server goes again at once, on a fresh connection, a few times.
        for (var tries = 1; ; tries++)
        {
            // Cancelled while reconnecting: the message was not handed over, so the window gives it back.
            if (!await ConnectAsync(session, cancellationToken))
            {
                outcomes.Released.Add((id, null, false, null, null));
                journal.NotDelivered(id);
                return;
            }
            SendResult result;
            journal.Starting(id);
            try
            {
                result = await session.SendAsync(message, job.Bounces.EnvelopeSender(Bounces.SentMessage.Delivery(issueId, id)), CancellationToken.None);
            }
            catch (EmailTransportException)
            {
                // The connection could not be reopened: ConnectAsync above decides when to give up.
                continue;
            }
            // From here on the server has answered: the copy's outcome is noted for the ledger before its journal line,
            // so a journal that cannot be written (a full disk) fails the run without giving an accepted copy back.
            var now = job.Clock.GetUtcNow().UtcDateTime;
            var decision = SendPolicy.Decide(result, copy.Attempts + 1, job.Options.Retry, now);
            switch (decision.Fate)
            {
                case RowFate.Sent:
                    outcomes.Sent.Add(id);
                    Interlocked.Increment(ref _sent);
                    journal.Accepted(id);
                    return;
                case RowFate.TryAgainNow when session.Failures >= job.Options.ConnectionFailuresBeforePause:
                    outcomes.Released.Add((id, null, false, result.SmtpStatus, result.Detail));
                    journal.NotDelivered(id);
                    await PauseAsync($"The SMTP server dropped {session.Failures} connections in a row (nobody was suppressed): {result.Detail}");
                    return;
                case RowFate.TryAgainNow when tries < 3:
                    continue;
                case RowFate.TryAgainNow when !job.Options.Retry.MayRetry(copy.Attempts + 1):
                    // Three fresh connections did not take this message, and that was its last attempt: it fails.
                    outcomes.Final.Add((id, DeliveryState.Failed, result.SmtpStatus, result.Detail));
                    break;
                case RowFate.TryAgainNow:
                    // Three fresh connections did not take this message: let it count, and come back to it later.
                    var later = now + job.Options.Retry.DelayAfter(copy.Attempts + 1);
                    outcomes.Released.Add((id, later, true, result.SmtpStatus, result.Detail));
                    NoteRetry(later);
                    break;
                case RowFate.RetryLater:
                    outcomes.Released.Add((id, decision.RetryAt, true, result.SmtpStatus, result.Detail));
                    NoteRetry(decision.RetryAt!.Value);
                    break;
                case RowFate.HoldForSender:
                    outcomes.Released.Add((id, null, false, result.SmtpStatus, result.Detail));
                    await PauseAsync("The SMTP server refused our message (nobody was suppressed): " + result.Detail);
                    break;
                case RowFate.Failed:
                    outcomes.Final.Add((id, DeliveryState.Failed, result.SmtpStatus, result.Detail));
                    if (decision.Suppress && EmailAddress.TryParse(copy.Recipient.Email, out var address, out _)) bounced.Add(address);
                    break;
                case RowFate.Unknown:
                    outcomes.Final.Add((id, DeliveryState.Unknown, null, result.Detail));
                    break;
            }
            // For a restart's sake: this copy will not reach the reader this time. (An Unknown stays as Starting left it.)
            if (decision.Fate != RowFate.Unknown) journal.NotDelivered(id);
            Interlocked.Increment(ref _other);
            return;
        }
    }

    private void NoteRetry(DateTime due)
    {
        lock (_lock)
        {
            if (_earliestRetry is null || due < _earliestRetry) _earliestRetry = due;
        }
    }

    private async Task PauseAsync(string reason)
    {
        _stop = true;
        await job.PauseAsync(issueId, reason);
    }
}
