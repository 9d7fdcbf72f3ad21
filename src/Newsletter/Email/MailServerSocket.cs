using System.Net.Sockets;

namespace Newsletter.Email;

/// <summary>
/// The TCP connection to a mail server, SMTP or IMAP, opened by us rather than by MailKit so that Nagle's algorithm
/// is off (NoDelay): MailKit's own socket leaves it on, which against the server's delayed ACKs caps an SMTP connection
/// at about 23 messages/s and makes every IMAP command wait the same way. Each address the name resolves to is tried in
/// turn; the last refusal is what the caller sees.
/// </summary>
internal static class MailServerSocket
{
    public static async Task<Socket> ConnectAsync(string host, int port, CancellationToken cancellationToken)
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
}
