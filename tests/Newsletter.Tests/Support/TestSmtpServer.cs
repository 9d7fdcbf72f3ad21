using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using MimeKit;

namespace Newsletter.Tests.Support;

/// <summary>
/// A real SMTP server on 127.0.0.1 inside the test process: speaks enough RFC 5321 for MailKit (EHLO, PIPELINING,
/// 8BITMIME, SMTPUTF8, MAIL, RCPT, DATA, RSET, NOOP, QUIT), keeps every accepted message, and can be told to answer
/// a message's end of DATA with another reply (451, 550...) to test how the sender copes.
/// </summary>
public sealed class TestSmtpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<ReceivedMessage> _messages = new();
    private readonly List<Task> _sessions = [];
    private readonly Task _acceptLoop;
    private int _dataCount;

    public TestSmtpServer()
    {
        _listener.Start();
        _acceptLoop = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>
    /// Decides the reply to each message's end of DATA: given the 1-based count of DATA commands so far and the
    /// recipients, return null to accept (250) or a full reply line such as "451 4.3.0 Try later".
    /// </summary>
    public Func<int, IReadOnlyList<string>, string?>? DataReply { get; set; }

    public IReadOnlyList<ReceivedMessage> Messages => _messages.ToList();

    public int ConnectionCount;

    /// <summary>Waits until at least <paramref name="count"/> messages arrived; fails the test after the timeout.</summary>
    public async Task<IReadOnlyList<ReceivedMessage>> WaitForMessagesAsync(int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (_messages.Count < count)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Expected {count} message(s), got {_messages.Count}.");
            await Task.Delay(25);
        }
        return Messages;
    }

    /// <summary>The first message to <paramref name="address"/>, waiting for it.</summary>
    public async Task<MimeMessage> WaitForMessageToAsync(string address, Func<MimeMessage, bool>? where = null, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var found = _messages.FirstOrDefault(m => m.Recipients.Contains(address, StringComparer.OrdinalIgnoreCase) && (where is null || where(m.Message)));
            if (found is not null) return found.Message;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"No message to {address} arrived.");
            await Task.Delay(25);
        }
    }

    public void Clear() => _messages.Clear();

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try { socket = await _listener.AcceptSocketAsync(_stop.Token); }
            catch (OperationCanceledException) { return; }
            catch (SocketException) { return; }
            socket.NoDelay = true;
            Interlocked.Increment(ref ConnectionCount);
            lock (_sessions) _sessions.Add(Task.Run(() => SessionAsync(socket)));
        }
    }

    private async Task SessionAsync(Socket socket)
    {
        await using var stream = new NetworkStream(socket, ownsSocket: true);
        using var reader = new StreamReader(stream, new UTF8Encoding(false), false, 8192, leaveOpen: true);
        await using var writer = new StreamWriter(stream, new UTF8Encoding(false), 8192, leaveOpen: true) { NewLine = "\r\n", AutoFlush = false };
        string? from = null;
        var recipients = new List<string>();
        await Reply(writer, "220 test-smtp ESMTP ready");
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var line = await reader.ReadLineAsync(_stop.Token);
                if (line is null) return;
                var command = line.Length >= 4 ? line[..4].ToUpperInvariant() : line.ToUpperInvariant();
                switch (command)
                {
                    case "EHLO":
                        await Reply(writer, "250-test-smtp\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 52428800");
                        break;
                    case "HELO": await Reply(writer, "250 test-smtp"); break;
                    case "MAIL": from = Address(line); recipients.Clear(); await Reply(writer, "250 2.1.0 OK"); break;
                    case "RCPT": recipients.Add(Address(line)); await Reply(writer, "250 2.1.5 OK"); break;
                    case "RSET": from = null; recipients.Clear(); await Reply(writer, "250 2.0.0 OK"); break;
                    case "NOOP": await Reply(writer, "250 2.0.0 OK"); break;
                    case "QUIT": await Reply(writer, "221 2.0.0 Bye"); return;
                    case "DATA":
                        await Reply(writer, "354 End data with <CR><LF>.<CR><LF>");
                        var data = new StringBuilder();
                        while (true)
                        {
                            var dataLine = await reader.ReadLineAsync(_stop.Token);
                            if (dataLine is null) return;
                            if (dataLine == ".") break;
                            data.Append(dataLine.StartsWith("..") ? dataLine[1..] : dataLine).Append("\r\n");
                        }
                        var number = Interlocked.Increment(ref _dataCount);
                        var reply = DataReply?.Invoke(number, recipients.ToList());
                        if (reply is null)
                        {
                            var message = await MimeMessage.LoadAsync(new MemoryStream(Encoding.UTF8.GetBytes(data.ToString())));
                            _messages.Enqueue(new ReceivedMessage(from ?? string.Empty, recipients.ToList(), message, data.ToString()));
                            await Reply(writer, "250 2.0.0 Queued");
                        }
                        else
                        {
                            await Reply(writer, reply);
                        }
                        recipients.Clear();
                        break;
                    default: await Reply(writer, "502 5.5.2 Command not recognized"); break;
                }
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // The client went away or the server is stopping.
        }
    }

    private static string Address(string line)
    {
        var start = line.IndexOf('<');
        var end = line.IndexOf('>', start + 1);
        return start >= 0 && end > start ? line[(start + 1)..end] : string.Empty;
    }

    private static async Task Reply(StreamWriter writer, string text)
    {
        await writer.WriteLineAsync(text);
        await writer.FlushAsync();
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        try { await _acceptLoop; } catch (Exception e) when (e is OperationCanceledException or SocketException) { }
        Task[] sessions;
        lock (_sessions) sessions = _sessions.ToArray();
        await Task.WhenAny(Task.WhenAll(sessions), Task.Delay(2000));
        _stop.Dispose();
    }
}

/// <summary>A message as the server received it: envelope and parsed MIME, plus the raw text.</summary>
public sealed record ReceivedMessage(string From, IReadOnlyList<string> Recipients, MimeMessage Message, string Raw);
