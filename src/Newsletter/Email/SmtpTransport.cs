using System.Net.Sockets;
using MailKit.Net.Smtp;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Newsletter.Email;

/// <summary>
/// SMTP through MailKit, on a socket we open with NoDelay (<see cref="MailServerSocket"/>): MailKit's own leaves Nagle on,
/// which against delayed ACKs caps a connection at about 23 messages/s; with it off, thousands. MailKit talks to it
/// through <see cref="SmtpSocketStream"/>, which sends a message in one piece instead of one send per 4 KB block.
/// Each session watches the bytes MailKit writes (<see cref="EndOfDataWatch"/>), so a failure is known to have
/// happened before or after the final "." of the data: the difference between "send it again" and "unknown".
/// </summary>
public sealed class SmtpTransport(IOptions<EmailOptions> options) : IEmailTransport
{
    public async Task<IEmailSession> OpenAsync(CancellationToken cancellationToken)
    {
        var smtp = options.Value.Smtp;
        var watch = new EndOfDataWatch();
        var client = new SmtpClient(watch) { Timeout = smtp.TimeoutSeconds * 1000 };
        Socket? socket = null;
        try
        {
            socket = await MailServerSocket.ConnectAsync(smtp.Host!, smtp.Port, cancellationToken);
            // Our stream, not MailKit's: a message leaves in one send instead of one per 4 KB block (SmtpSocketStream).
            await client.ConnectAsync(new SmtpSocketStream(socket), smtp.Host!, smtp.Port, smtp.Security, cancellationToken);
            if (!string.IsNullOrEmpty(smtp.Username))
                await client.AuthenticateAsync(smtp.Username, smtp.Password ?? string.Empty, cancellationToken);
            // DATA only: with BDAT the end of the message is not a "." the watch can see. No SIZE: MailKit would write
            // every message twice (once to measure it); a server with a size limit still refuses a big one after the data.
            client.Capabilities &= ~(SmtpCapabilities.Chunking | SmtpCapabilities.BinaryMime | SmtpCapabilities.Size);
            return new Session(client, watch);
        }
        catch (Exception e) when (e is SocketException or IOException or SmtpProtocolException or MailKit.Security.AuthenticationException
                                      or SmtpCommandException or TimeoutException or NotSupportedException or MailKit.Security.SslHandshakeException)
        {
            client.Dispose();
            socket?.Dispose();
            throw new EmailTransportException($"Could not open an SMTP session to {smtp.Host}:{smtp.Port}: {e.Message}", e);
        }
    }

    private sealed class Session(SmtpClient client, EndOfDataWatch watch) : IEmailSession
    {
        public async Task<SendResult> SendAsync(MimeMessage message, MailboxAddress? envelopeSender, CancellationToken cancellationToken)
        {
            if (!client.IsConnected)
                return new SendResult(SendOutcome.NotHandedOver, null, null, "The SMTP connection was already closed.", false);
            watch.Reset();
            try
            {
                if (envelopeSender is null)
                    await client.SendAsync(message, cancellationToken);
                else
                    await client.SendAsync(message, envelopeSender, message.GetRecipients(onlyUnique: true), cancellationToken);
                return SendResult.Accepted;
            }
            catch (SmtpCommandException e)
            {
                var result = SmtpReplyClassifier.Classify(e.ErrorCode, (int)e.StatusCode, e.Message);
                // MailKit sends RSET after a refusal; if that failed, the connection is gone.
                return client.IsConnected ? result : result with { SessionUsable = false };
            }
            catch (Exception e) when (e is IOException or SocketException or SmtpProtocolException or MailKit.ServiceNotConnectedException
                                          or ObjectDisposedException or TimeoutException or OperationCanceledException)
            {
                return ConnectionFailed(e);
            }
            catch (Exception e) when (e is ArgumentException or FormatException or InvalidOperationException or NotSupportedException && !watch.AnythingWritten)
            {
                // MailKit refused to put this message on the wire (an address it cannot format, SMTPUTF8 needed and
                // missing): nothing went out, and nothing is wrong with the connection.
                return new SendResult(SendOutcome.Invalid, null, null, "The message could not be sent as it is: " + e.Message, client.IsConnected);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                return ConnectionFailed(e);
            }
        }

        /// <summary>
        /// The connection failed (reset, closed, timed out) or the send was cancelled. Which side of the final "." it
        /// happened on decides everything: before it the server cannot have the message.
        /// </summary>
        private SendResult ConnectionFailed(Exception e)
        {
            var reason = $"The SMTP connection failed ({e.GetType().Name}: {e.Message})";
            return watch.EndOfDataWritten
                ? new SendResult(SendOutcome.Unknown, null, null, reason + " after the message was written and before the server answered; it may or may not have it.", false)
                : new SendResult(SendOutcome.NotHandedOver, null, null, reason + " before the message was complete; the server does not have it.", false);
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                if (client.IsConnected) await client.DisconnectAsync(quit: true);
            }
            catch (Exception e) when (e is IOException or SmtpProtocolException or SocketException or SmtpCommandException or TimeoutException or OperationCanceledException)
            {
                // The server went away first; nothing is left to close cleanly.
            }
            client.Dispose();
        }
    }
}
