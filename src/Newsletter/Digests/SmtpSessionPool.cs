using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Newsletter.Email;

namespace Newsletter.Digests;

/// <summary>
/// A per-process pool of open transport sessions (MailKit connections with NoDelay, pipelining when the server offers
/// it). At most <see cref="DigestOptions.Connections"/> are out at once, whatever the number of batch jobs; a session
/// is used by one sender at a time and returned, or discarded after a failure. Idle sessions past the idle timeout
/// are closed rather than reused, since servers drop quiet clients.
/// </summary>
public sealed class SmtpSessionPool(IEmailTransport transport, IOptions<DigestOptions> options, TimeProvider clock) : IAsyncDisposable
{
    private readonly SemaphoreSlim _slots = new(options.Value.Connections, options.Value.Connections);
    private readonly ConcurrentStack<(IEmailSession Session, long ReturnedAt)> _idle = new();

    /// <summary>How many sessions may be out at once.</summary>
    public int Size => options.Value.Connections;

    /// <summary>
    /// Takes a session, opening one if none is idle. Throws <see cref="EmailTransportException"/> when the server
    /// cannot be reached (the slot is released again).
    /// </summary>
    public async Task<IEmailSession> RentAsync(CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken);
        try
        {
            while (_idle.TryPop(out var idle))
            {
                if (clock.GetElapsedTime(idle.ReturnedAt) < options.Value.ConnectionIdleTimeout) return idle.Session;
                _ = CloseQuietlyAsync(idle.Session);
            }
            return await transport.OpenAsync(cancellationToken);
        }
        catch
        {
            _slots.Release();
            throw;
        }
    }

    /// <summary>Gives a healthy session back for the next sender.</summary>
    public void Return(IEmailSession session)
    {
        _idle.Push((session, clock.GetTimestamp()));
        _slots.Release();
    }

    /// <summary>Closes a session that failed; its slot is free for a new connection.</summary>
    public void Discard(IEmailSession session)
    {
        _ = CloseQuietlyAsync(session);
        _slots.Release();
    }

    private static async Task CloseQuietlyAsync(IEmailSession session)
    {
        try
        {
            await session.DisposeAsync();
        }
        catch (Exception e) when (e is EmailTransportException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            // Closing a broken connection can fail; there is nothing left to do with it.
        }
    }

    public async ValueTask DisposeAsync()
    {
        while (_idle.TryPop(out var idle)) await CloseQuietlyAsync(idle.Session);
        _slots.Dispose();
    }
}
