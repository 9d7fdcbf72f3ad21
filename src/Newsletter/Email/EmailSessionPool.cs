using System.Collections.Concurrent;

namespace Newsletter.Email;

/// <summary>
/// The size and timing of one <see cref="EmailSessionPool"/>, and the relay's limits its messages take their place in
/// before they go (<see cref="Relay"/>; null for a lane whose senders ask themselves, as the digests do).
/// </summary>
public sealed record EmailPoolSettings(int Size, TimeSpan IdleTimeout, TimeSpan ReconnectDelay, TimeSpan MaxReconnectDelay, IRelayAllowance? Relay = null);

/// <summary>
/// A per-process pool of open transport sessions (MailKit connections with NoDelay, pipelining when the server offers
/// it). At most <see cref="Size"/> are out at once; each is held by one <see cref="PooledSession"/>, used by one sender
/// at a time. Idle sessions past the idle timeout are closed rather than reused, since servers drop quiet clients.
/// </summary>
public sealed class EmailSessionPool(IEmailTransport transport, MessageSigner signer, EmailPoolSettings settings, TimeProvider clock) : IAsyncDisposable
{
    private readonly SemaphoreSlim _slots = new(settings.Size, settings.Size);
    private readonly ConcurrentStack<(IEmailSession Session, long ReturnedAt)> _idle = new();

    /// <summary>How many sessions may be out at once.</summary>
    public int Size => settings.Size;

    internal MessageSigner Signer => signer;

    internal TimeProvider Clock => clock;

    internal IRelayAllowance? Relay => settings.Relay;

    /// <summary>Waits for a free slot. The session itself is opened on first use (see <see cref="PooledSession.OpenAsync"/>).</summary>
    public async Task<PooledSession> RentAsync(CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken);
        return new PooledSession(this);
    }

    /// <summary>An idle session that is still fresh, or a new one. Throws <see cref="EmailTransportException"/>.</summary>
    internal async Task<IEmailSession> OpenAsync(CancellationToken cancellationToken)
    {
        while (_idle.TryPop(out var idle))
        {
            if (clock.GetElapsedTime(idle.ReturnedAt) < settings.IdleTimeout) return idle.Session;
            _ = CloseQuietlyAsync(idle.Session);
        }
        return await transport.OpenAsync(cancellationToken);
    }

    /// <summary>The wait before the next connection after <paramref name="failures"/> failures in a row (0: none).</summary>
    public TimeSpan Backoff(int failures)
    {
        if (failures <= 0) return TimeSpan.Zero;
        var delay = settings.ReconnectDelay * Math.Pow(2, Math.Min(failures - 1, 20));
        return delay < settings.MaxReconnectDelay ? delay : settings.MaxReconnectDelay;
    }

    internal void Return(IEmailSession? session)
    {
        if (session is not null) _idle.Push((session, clock.GetTimestamp()));
        _slots.Release();
    }

    internal static async Task CloseQuietlyAsync(IEmailSession session)
    {
        try
        {
            await session.DisposeAsync();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // Closing a broken connection can fail; there is nothing left to do with it.
        }
    }

    /// <summary>Closes every idle session, so that the next message opens a new connection (and is greeted anew).</summary>
    public async Task CloseIdleAsync()
    {
        while (_idle.TryPop(out var idle)) await CloseQuietlyAsync(idle.Session);
    }

    public async ValueTask DisposeAsync()
    {
        await CloseIdleAsync();
        _slots.Dispose();
    }
}

/// <summary>
/// One sender's place in the pool: at most one open session, replaced when it fails (never reused after), given back
/// to the pool on dispose. It counts its failures in a row (a connection that could not be opened, a message never
/// handed over, an unknown end): while there are any, the next connection waits first, doubling from
/// <see cref="EmailPoolSettings.ReconnectDelay"/>; the first message the server answers ends the count. Every message
/// is DKIM-signed here when signing is configured, whoever sends it, and on a lane with <see cref="EmailPoolSettings.Relay"/>
/// (transactional mail) every message first takes its place in the relay's limits.
/// </summary>
public sealed class PooledSession : IAsyncDisposable
{
    private readonly EmailSessionPool _pool;
    private IEmailSession? _session;
    private bool _placeTaken;
    private bool _disposed;

    internal PooledSession(EmailSessionPool pool) => _pool = pool;

    /// <summary>Failures since the server last answered a message on this sender's connections.</summary>
    public int Failures { get; private set; }

    /// <summary>The last failure, for the reason a paused send gives.</summary>
    public string? LastFailure { get; private set; }

    /// <summary>How long the next connection will wait first.</summary>
    public TimeSpan Backoff => _pool.Backoff(Failures);

    /// <summary>
    /// Makes sure a session is open, waiting out the backoff first. Throws <see cref="EmailTransportException"/> when
    /// the server cannot be reached; the caller decides whether to try again.
    /// </summary>
    public async Task OpenAsync(CancellationToken cancellationToken)
    {
        if (_session is not null) return;
        if (Failures > 0) await Task.Delay(Backoff, _pool.Clock, cancellationToken);
        try
        {
            _session = await _pool.OpenAsync(cancellationToken);
        }
        catch (EmailTransportException e)
        {
            Failed(e.Message);
            throw;
        }
    }

    /// <summary>
    /// Gets ready for the next message: a session open (see <see cref="OpenAsync"/>) and, on a lane with
    /// <see cref="EmailPoolSettings.Relay"/>, the message's place in the relay's limits taken (which may wait). A sender
    /// that must record "about to go" calls this first, so that the record comes after every wait; <see cref="SendAsync"/>
    /// does it otherwise.
    /// </summary>
    public async Task ReadyAsync(CancellationToken cancellationToken)
    {
        await OpenAsync(cancellationToken);
        if (_placeTaken || _pool.Relay is not { } relay) return;
        await relay.TakeAsync(cancellationToken);
        _placeTaken = true;
    }

    /// <summary>
    /// Sends one message (made ready first if needed, see <see cref="ReadyAsync"/>). The result says what happened; a
    /// session the result calls unusable is closed here. Throws only when no session could be opened (<see cref="EmailTransportException"/>)
    /// or <paramref name="cancellationToken"/> stopped the wait for one: in both cases nothing was sent.
    /// </summary>
    public async Task<SendResult> SendAsync(MimeKit.MimeMessage message, MimeKit.MailboxAddress? envelopeSender, CancellationToken cancellationToken)
    {
        await ReadyAsync(cancellationToken);
        _placeTaken = false;
        _pool.Signer.Sign(message);
        // No cancellation once on the wire: a send cut off between the body and the reply would be a needless Unknown.
        var result = await _session!.SendAsync(message, envelopeSender, CancellationToken.None);
        switch (result.Outcome)
        {
            case SendOutcome.NotHandedOver or SendOutcome.Unknown:
                Failed(result.Detail);
                break;
            case SendOutcome.Invalid or SendOutcome.SenderRefused:
                break;
            default:
                Failures = 0;
                break;
        }
        if (!result.SessionUsable)
        {
            var broken = _session;
            _session = null;
            _ = EmailSessionPool.CloseQuietlyAsync(broken!);
        }
        return result;
    }

    private void Failed(string reason)
    {
        Failures++;
        LastFailure = reason;
    }

    public ValueTask DisposeAsync()
    {
        if (_disposed) return ValueTask.CompletedTask;
        _disposed = true;
        _pool.Return(_session);
        _session = null;
        return ValueTask.CompletedTask;
    }
}
