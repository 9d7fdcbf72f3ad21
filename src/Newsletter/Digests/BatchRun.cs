using System.Collections.Concurrent;
using Newsletter.Email;

namespace Newsletter.Digests;

internal enum OutcomeKind
{
    Sent,
    /// <summary>The server answered no (4xx or 5xx): it does not have the message.</summary>
    Refused,
    /// <summary>The connection failed or the send was cancelled mid-way: it may or may not have the message.</summary>
    Unknown,
    /// <summary>The reader's data cannot make a valid message (never sent; a person must look).</summary>
    Invalid,
}

internal sealed record SendOutcome(DigestRecipient Recipient, OutcomeKind Kind, int? SmtpStatus, string Reason);

/// <summary>
/// One batch's sending: a few senders (one pooled connection each) take recipients in order until the list is done
/// or something stops them. When one fails hard, the others finish the message in hand and stop, so afterwards every
/// recipient is exactly one of: accepted, refused, unknown, or never tried.
/// </summary>
internal sealed class BatchRun(DigestBatchJob job, Guid token, IReadOnlyList<(DigestRecipient Recipient, RenderedDigest Digest)> recipients)
{
    private readonly ConcurrentQueue<SendOutcome> _outcomes = new();
    private readonly ConcurrentQueue<long> _unflushed = new();
    private readonly SemaphoreSlim _flushLock = new(1, 1);
    private readonly bool[] _taken = new bool[recipients.Count];
    private int _next = -1;
    private volatile bool _stop;
    private int _sent;
    private Exception? _crash;

    public IEnumerable<SendOutcome> Outcomes => _outcomes;
    public int SentCount => _sent;

    /// <summary>True when the batch stopped because no connection could be opened.</summary>
    public bool TransportDown { get; private set; }

    /// <summary>Recipients no sender took: they were never handed to the server.</summary>
    public IEnumerable<DigestRecipient> Untried => recipients.Where((_, i) => !_taken[i]).Select(r => r.Recipient);

    public async Task SendAllAsync(CancellationToken cancellationToken)
    {
        var senders = Math.Min(job.Pool.Size, recipients.Count);
        await Task.WhenAll(Enumerable.Range(0, senders).Select(_ => Task.Run(() => SenderAsync(cancellationToken), CancellationToken.None)));
        if (_crash is not null) throw new InvalidOperationException("The digest batch stopped: " + _crash.Message, _crash);
        cancellationToken.ThrowIfCancellationRequested();
    }

    private async Task SenderAsync(CancellationToken cancellationToken)
    {
        IEmailSession? session = null;
        try
        {
            while (!_stop && !cancellationToken.IsCancellationRequested)
            {
                // Wait for the rate limit before taking a recipient, so a stop while waiting leaves it untried.
                await job.RateLimiter.AcquireAsync(cancellationToken);
                if (_stop) return;
                if (session is null)
                {
                    try
                    {
                        session = await job.Pool.RentAsync(cancellationToken);
                    }
                    catch (EmailTransportException e)
                    {
                        TransportDown = true;
                        _stop = true;
                        DigestBatchJob.LogTransportDown(job.Logger, e.Message);
                        return;
                    }
                }
                var index = Interlocked.Increment(ref _next);
                if (index >= recipients.Count) return;
                _taken[index] = true;
                if (!await SendOneAsync(session, index))
                {
                    job.Pool.Discard(session);
                    session = null;
                }
                await FlushSentAsync(force: false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _stop = true;
        }
        finally
        {
            if (session is not null) job.Pool.Return(session);
        }
    }

    /// <summary>Sends one copy and records the outcome. Returns false when the session must not be reused.</summary>
    private async Task<bool> SendOneAsync(IEmailSession session, int index)
    {
        var (recipient, digest) = recipients[index];
        MimeKit.MimeMessage message;
        try
        {
            message = job.Builder.Build(digest, recipient);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or MimeKit.ParseException)
        {
            _outcomes.Enqueue(new SendOutcome(recipient, OutcomeKind.Invalid, null, "The message could not be built: " + e.Message));
            return true;
        }
        try
        {
            // No cancellation once on the wire: a send cut off between the body and the 250 would be a needless Unknown.
            await session.SendAsync(message, CancellationToken.None);
            _outcomes.Enqueue(new SendOutcome(recipient, OutcomeKind.Sent, 250, ""));
            _unflushed.Enqueue(recipient.DeliveryId);
            Interlocked.Increment(ref _sent);
            return true;
        }
        catch (EmailRejectedException e)
        {
            _outcomes.Enqueue(new SendOutcome(recipient, OutcomeKind.Refused, e.StatusCode, e.Message));
            return true;
        }
        catch (Exception e) when (e is EmailTransportException or OperationCanceledException or TimeoutException)
        {
            _outcomes.Enqueue(new SendOutcome(recipient, OutcomeKind.Unknown, null, "The connection failed during sending; the server may or may not have it: " + e.Message));
            return false;
        }
        catch (Exception e)
        {
            // Not a server answer and not a wire failure: by IEmailSession's contract the message was not handed over.
            // Stop the batch; the row goes back to Pending with the untried ones, and the error reaches Hangfire.
            _crash ??= e;
            _stop = true;
            _taken[index] = false;
            DigestBatchJob.LogAborted(job.Logger, e.Message);
            return false;
        }
    }

    /// <summary>The checkpoint: records accepted messages as Sent, in bulk, at least every CheckpointEvery messages.</summary>
    public async Task FlushSentAsync(bool force)
    {
        if (_unflushed.IsEmpty || (!force && _unflushed.Count < job.CheckpointEvery)) return;
        if (!force && !await _flushLock.WaitAsync(0)) return;
        if (force) await _flushLock.WaitAsync();
        try
        {
            var ids = new List<long>();
            while (ids.Count < 1000 && _unflushed.TryDequeue(out var id)) ids.Add(id);
            while (ids.Count > 0)
            {
                await job.Ledger.MarkSentAsync(token, ids);
                ids.Clear();
                if (!force) break;
                while (ids.Count < 1000 && _unflushed.TryDequeue(out var id)) ids.Add(id);
            }
        }
        finally
        {
            _flushLock.Release();
        }
    }
}
