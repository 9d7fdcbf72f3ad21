using MailKit;

namespace Newsletter.Email;

/// <summary>
/// Sees every byte MailKit writes to an SMTP connection, in plain text (before TLS) and only once the write has
/// succeeded (MailKit's SmtpStream logs after writing). So <see cref="EndOfDataWritten"/> turns true exactly when the
/// data's final "\r\n.\r\n" has gone to the network: a failure before that leaves the server without the message; only
/// a failure after it, before the reply, leaves the outcome unknown. Dot-stuffing makes that sequence impossible inside
/// a message body, and commands never contain it.
/// </summary>
public sealed class EndOfDataWatch : IProtocolLogger
{
    private static readonly byte[] EndOfData = "\r\n.\r\n"u8.ToArray();
    private readonly byte[] _tail = new byte[EndOfData.Length];
    private int _tailLength;

    /// <summary>True once the final "." of the current message has been written.</summary>
    public bool EndOfDataWritten { get; private set; }

    /// <summary>True once any byte of the current message's transaction has been written.</summary>
    public bool AnythingWritten { get; private set; }

    /// <summary>Starts watching a new message.</summary>
    public void Reset()
    {
        EndOfDataWritten = false;
        AnythingWritten = false;
        _tailLength = 0;
    }

    public void LogClient(byte[] buffer, int offset, int count)
    {
        if (count <= 0) return;
        AnythingWritten = true;
        // Keep the last five bytes written, across writes (the "." comes in a write of its own after the body's CRLF).
        var take = Math.Min(count, _tail.Length);
        var keep = Math.Min(_tailLength, _tail.Length - take);
        Buffer.BlockCopy(_tail, _tailLength - keep, _tail, 0, keep);
        Buffer.BlockCopy(buffer, offset + count - take, _tail, keep, take);
        _tailLength = keep + take;
        if (_tailLength == _tail.Length && _tail.AsSpan().SequenceEqual(EndOfData)) EndOfDataWritten = true;
    }

    public void LogServer(byte[] buffer, int offset, int count)
    {
    }

    public void LogConnect(Uri uri)
    {
    }

    public IAuthenticationSecretDetector? AuthenticationSecretDetector { get; set; }

    public void Dispose()
    {
    }
}
