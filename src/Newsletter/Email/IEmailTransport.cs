using MimeKit;

namespace Newsletter.Email;

/// <summary>
/// Hands messages to the outside world. A session is one connection (SMTP) or one folder (pickup);
/// it is not thread-safe: one session per sending worker, many messages per session.
/// </summary>
public interface IEmailTransport
{
    /// <summary>Opens a session. Throws <see cref="EmailTransportException"/> when the server cannot be reached.</summary>
    Task<IEmailSession> OpenAsync(CancellationToken cancellationToken);
}

public interface IEmailSession : IAsyncDisposable
{
    /// <summary>
    /// Sends one message. Returns when the server accepted it. Throws <see cref="EmailRejectedException"/> when the
    /// server refused it (with the SMTP code), <see cref="EmailTransportException"/> when the connection failed.
    /// </summary>
    Task SendAsync(MimeMessage message, CancellationToken cancellationToken);
}

/// <summary>The server said no to a message: <see cref="IsPermanent"/> for 5xx, retry later for 4xx.</summary>
public sealed class EmailRejectedException(int statusCode, string message, Exception? inner = null) : Exception(message, inner)
{
    public int StatusCode { get; } = statusCode;
    public bool IsPermanent => StatusCode >= 500;
}

/// <summary>The transport itself failed (no connection, protocol error, timeout). The message's fate may be unknown.</summary>
public sealed class EmailTransportException(string message, Exception? inner = null) : Exception(message, inner);
