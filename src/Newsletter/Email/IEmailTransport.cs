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
    /// Sends one message to its To, Cc and Bcc mailboxes, with <paramref name="envelopeSender"/> as MAIL FROM (null:
    /// the From address). Never throws for what the server or the connection did: the result says, and it tells a
    /// failure before the end of the data (not handed over) from one after it (unknown). A session whose result is not
    /// <see cref="SendResult.SessionUsable"/> must not be used again.
    /// </summary>
    Task<SendResult> SendAsync(MimeMessage message, MailboxAddress? envelopeSender, CancellationToken cancellationToken);
}

/// <summary>The transport could not open a session (no connection, refused greeting, failed login).</summary>
public sealed class EmailTransportException(string message, Exception? inner = null) : Exception(message, inner);
