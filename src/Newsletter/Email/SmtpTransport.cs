using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Newsletter.Email;

/// <summary>
/// SMTP through MailKit. We connect the socket ourselves to set NoDelay: MailKit's own socket leaves Nagle on,
/// which against delayed ACKs caps a connection at about 23 messages/s; with it off, thousands.
/// </summary>
public sealed class SmtpTransport(IOptions<EmailOptions> options) : IEmailTransport
{
    public async Task<IEmailSession> OpenAsync(CancellationToken cancellationToken)
    {
        var smtp = options.Value.Smtp;
        var client = new SmtpClient { Timeout = smtp.TimeoutSeconds * 1000 };
        Socket? socket = null;
        try
        {
            socket = await ConnectSocketAsync(smtp.Host!, smtp.Port, cancellationToken);
            await client.ConnectAsync(socket, smtp.Host!, smtp.Port, smtp.Security, cancellationToken);
            if (!string.IsNullOrEmpty(smtp.Username))
                await client.AuthenticateAsync(smtp.Username, smtp.Password ?? string.Empty, cancellationToken);
            return new Session(client);
        }
        catch (Exception e) when (e is SocketException or IOException or SmtpProtocolException or MailKit.Security.AuthenticationException or SmtpCommandException or TimeoutException)
        {
            client.Dispose();
            socket?.Dispose();
            throw new EmailTransportException($"Could not open an SMTP session to {smtp.Host}:{smtp.Port}: {e.Message}", e);
        }
    }

    private static async Task<Socket> ConnectSocketAsync(string host, int port, CancellationToken cancellationToken)
    {
        var addresses = await System.Net.Dns.GetHostAddressesAsync(host, cancellationToken);
        SocketException? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(address, port, cancellationToken);
                return socket;
            }
            catch (SocketException e)
            {
                last = e;
                socket.Dispose();
            }
        }
        throw last ?? new SocketException((int)SocketError.HostNotFound);
    }

    private sealed class Session(SmtpClient client) : IEmailSession
    {
        public async Task SendAsync(MimeMessage message, CancellationToken cancellationToken)
        {
            try
            {
                // A VERP envelope sender, when the message carries one (Bounces/EnvelopeSender.cs); otherwise MailKit uses From.
                if (Bounces.EnvelopeSender.Take(message) is { } sender) await client.SendAsync(message, sender, Bounces.EnvelopeSender.Recipients(message), cancellationToken);
                else await client.SendAsync(message, cancellationToken);
            }
            catch (SmtpCommandException e)
            {
                throw new EmailRejectedException((int)e.StatusCode, $"{(int)e.StatusCode} {e.Message}", e);
            }
            catch (Exception e) when (e is SmtpProtocolException or IOException or ServiceNotConnectedException or SocketException)
            {
                throw new EmailTransportException($"SMTP connection failed: {e.Message}", e);
            }
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                if (client.IsConnected) await client.DisconnectAsync(quit: true);
            }
            catch (Exception e) when (e is IOException or SmtpProtocolException or SocketException or SmtpCommandException)
            {
                // The server went away first; nothing is left to close cleanly.
            }
            client.Dispose();
        }
    }
}
