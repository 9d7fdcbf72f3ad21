using System.Net.Sockets;

namespace Newsletter.Email;

/// <summary>
/// The socket under MailKit's SMTP client. MailKit writes a message in 4 KB blocks and its own socket stream sends
/// each block at once, with a new timer, cancellation source and task per block: a 17 KB digest copy cost five
/// sends, each waking the server. Here what MailKit writes is gathered until it flushes (after a command batch, and
/// at the end of a message), so a copy usually leaves in one send, and a read first sends anything still gathered,
/// so no reply is awaited for bytes the server has not got. Reads and writes time out after
/// <see cref="ReadTimeout"/> and <see cref="WriteTimeout"/> (MailKit sets both from its Timeout), and a timed-out
/// socket is closed: the session is never used again.
/// <para>
/// Where a failure happened (before or after the final "." of the data) is still told by <see cref="EndOfDataWatch"/>,
/// which sees the bytes as MailKit writes them, so gathering them can only turn "not handed over" into "unknown" for
/// a message whose last send failed: the safe side, never a second copy.
/// </para>
/// </summary>
internal sealed class SmtpSocketStream(Socket socket) : Stream
{
    /// <summary>Gathered bytes are sent once there are this many, even before MailKit flushes (a large message).</summary>
    private const int MostGathered = 256 * 1024;

    private byte[] _gathered = new byte[32 * 1024];
    private int _count;
    /// <summary>One timer for this stream's operations, re-armed for each (they never overlap: SMTP is one exchange at a time).</summary>
    private CancellationTokenSource _deadline = new();

    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;
    public override bool CanTimeout => true;
    public override int ReadTimeout { get; set; } = Timeout.Infinite;
    public override int WriteTimeout { get; set; } = Timeout.Infinite;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (_count + buffer.Length > MostGathered) Flush();
        Gather(buffer);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_count + buffer.Length <= MostGathered)
        {
            Gather(buffer.Span);
            return ValueTask.CompletedTask;
        }
        return FlushThenGatherAsync(buffer, cancellationToken);
    }

    private async ValueTask FlushThenGatherAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        await FlushAsync(cancellationToken);
        Gather(buffer.Span);
    }

    private void Gather(ReadOnlySpan<byte> bytes)
    {
        if (_count + bytes.Length > _gathered.Length)
            Array.Resize(ref _gathered, Math.Max(_count + bytes.Length, _gathered.Length * 2));
        bytes.CopyTo(_gathered.AsSpan(_count));
        _count += bytes.Length;
    }

    public override void Flush()
    {
        if (_count == 0) return;
        socket.SendTimeout = WriteTimeout == Timeout.Infinite ? 0 : WriteTimeout;
        try
        {
            var sent = 0;
            while (sent < _count) sent += socket.Send(_gathered, sent, _count - sent, SocketFlags.None);
        }
        catch (SocketException e)
        {
            throw new IOException(e.Message, e);
        }
        finally
        {
            _count = 0;
        }
    }

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_count == 0) return;
        try
        {
            var sent = 0;
            while (sent < _count)
            {
                var token = Arm(WriteTimeout, cancellationToken, out var linked);
                try
                {
                    sent += await socket.SendAsync(_gathered.AsMemory(sent, _count - sent), SocketFlags.None, token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw TimedOut("write");
                }
                finally
                {
                    Disarm(linked);
                }
            }
        }
        catch (SocketException e)
        {
            throw new IOException(e.Message, e);
        }
        finally
        {
            _count = 0;
        }
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        Flush();
        socket.ReceiveTimeout = ReadTimeout == Timeout.Infinite ? 0 : ReadTimeout;
        try
        {
            return socket.Receive(buffer, offset, count, SocketFlags.None);
        }
        catch (SocketException e)
        {
            throw new IOException(e.Message, e);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await FlushAsync(cancellationToken);
        var token = Arm(ReadTimeout, cancellationToken, out var linked);
        try
        {
            return await socket.ReceiveAsync(buffer, SocketFlags.None, token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw TimedOut("read");
        }
        catch (SocketException e)
        {
            throw new IOException(e.Message, e);
        }
        finally
        {
            Disarm(linked);
        }
    }

    /// <summary>The token of one operation: this stream's deadline, and the caller's token when it can cancel.</summary>
    private CancellationToken Arm(int timeout, CancellationToken cancellationToken, out CancellationTokenSource? linked)
    {
        if (timeout != Timeout.Infinite) _deadline.CancelAfter(timeout);
        linked = cancellationToken.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _deadline.Token) : null;
        return linked?.Token ?? _deadline.Token;
    }

    private void Disarm(CancellationTokenSource? linked)
    {
        linked?.Dispose();
        if (_deadline.TryReset()) return;
        _deadline.Dispose();
        _deadline = new CancellationTokenSource();
    }

    private TimeoutException TimedOut(string what)
    {
        // The exchange is cut in the middle: this connection must not carry another command.
        socket.Dispose();
        return new TimeoutException($"The SMTP server did not let us {what} within {(what == "read" ? ReadTimeout : WriteTimeout) / 1000} s.");
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            socket.Dispose();
            _deadline.Dispose();
        }
        base.Dispose(disposing);
    }
}
