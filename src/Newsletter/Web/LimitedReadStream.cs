using Microsoft.AspNetCore.Http;

namespace Newsletter.Web;

/// <summary>
/// A request body that refuses to be read past <see cref="MaxBytes"/>: the limit holds on the bytes actually read,
/// whatever Content-Length said (a chunked upload has none) and whatever the server enforces (TestServer nothing).
/// Reading past it throws the same <see cref="BadHttpRequestException"/> (413) Kestrel throws for its own limit.
/// </summary>
public sealed class LimitedReadStream(Stream inner, long maxBytes) : Stream
{
    private long _read;

    public long MaxBytes { get; } = maxBytes;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _read; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, Allowed(count)));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await inner.ReadAsync(buffer[..Allowed(buffer.Length)], cancellationToken));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    // One byte more than the limit is asked for, so a body of exactly MaxBytes passes and one byte more is caught.
    private int Allowed(int count) => (int)Math.Min(count, MaxBytes - _read + 1);

    private int Count(int read)
    {
        _read += read;
        if (_read > MaxBytes)
            throw new BadHttpRequestException($"The request body is larger than the {MaxBytes} bytes this endpoint accepts.", StatusCodes.Status413PayloadTooLarge);
        return read;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync() => inner.DisposeAsync();
}
