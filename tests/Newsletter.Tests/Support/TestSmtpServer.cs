using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MimeKit;

namespace Newsletter.Tests.Support;

/// <summary>Where in an SMTP session the server is about to answer.</summary>
public enum SmtpStage
{
    /// <summary>A client connected; the server would send its 220 greeting.</summary>
    Greeting,
    Ehlo,
    Mail,
    Rcpt,
    /// <summary>The DATA command, before the 354.</summary>
    Data,
    /// <summary>The final "." of a message was received.</summary>
    EndOfData,
}

/// <summary>What the server is about to answer to: the stage, the session's envelope so far, and counters.</summary>
/// <param name="Connection">1-based number of the connection.</param>
/// <param name="Message">1-based number of the message across all connections (at EndOfData: this one).</param>
public sealed record SmtpMoment(SmtpStage Stage, int Connection, int Message, string? From, IReadOnlyList<string> Recipients, string? Address);

/// <summary>How the server misbehaves at a moment; null from the script means "as a good server would".</summary>
public abstract record SmtpAction
{
    /// <summary>Answer with this reply (one or more lines, e.g. "451 4.7.1 Try later") and go on.</summary>
    public sealed record Reply(string Text) : SmtpAction;

    /// <summary>Answer, then close the connection (as a throttling "421 4.7.0 ... closing" does).</summary>
    public sealed record ReplyAndClose(string Text) : SmtpAction;

    /// <summary>Close the connection without a word.</summary>
    public sealed record Drop : SmtpAction;

    /// <summary>At EndOfData: keep the message (the server has it) and close without answering.</summary>
    public sealed record AcceptAndDrop : SmtpAction;

    /// <summary>Wait, then answer as a good server would (a slow server).</summary>
    public sealed record Delay(TimeSpan Time) : SmtpAction;
}

/// <summary>
/// A real SMTP server on 127.0.0.1 inside the test process: speaks enough RFC 5321 for MailKit (EHLO, PIPELINING,
/// 8BITMIME, SMTPUTF8, MAIL, RCPT, DATA, RSET, NOOP, QUIT) and keeps every message it accepted. With a
/// <see cref="Certificate"/> it offers STARTTLS (RFC 3207) and, with <see cref="Credentials"/>, AUTH PLAIN (RFC 4954),
/// and then refuses mail from a client that has not authenticated, as a submission server on port 587 does. A <see cref="Script"/>
/// makes it misbehave at any stage: a refusal per recipient or per command, a 421 and close, a drop after the
/// greeting or after the final ".", a slow answer. <see cref="AcceptedCount"/> is what a user would check: how many
/// copies each address really got.
/// </summary>
public sealed class TestSmtpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<ReceivedMessage> _messages = new();
    private readonly ConcurrentDictionary<string, int> _accepted = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<DateTime, int> _perSecond = new();
    private readonly List<Task> _sessions = [];
    private readonly Task _acceptLoop;
    private int _dataCount;
    private int _connectionCount;

    public TestSmtpServer()
    {
        _listener.Start();
        _acceptLoop = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Decides how the server answers at each moment; null (or a null answer) means a good server's answer.</summary>
    public Func<SmtpMoment, SmtpAction?>? Script { get; set; }

    /// <summary>
    /// The older, narrower hook: given the 1-based count of messages so far and the recipients, a reply line to the
    /// end of DATA, or null to accept.
    /// </summary>
    public Func<int, IReadOnlyList<string>, string?>? DataReply { get; set; }

    /// <summary>False: count accepted copies per address only, keep no message (a benchmark's hundred thousand).</summary>
    public bool KeepMessages { get; set; } = true;

    /// <summary>False: an older server that announces neither 8BITMIME nor SMTPUTF8, so clients must send 7bit.</summary>
    public bool EightBitMime { get; set; } = true;

    /// <summary>When set, every end of DATA waits for this before answering: a test sets the server's pace itself.</summary>
    public Func<Task>? BeforeDataReply { get; set; }

    /// <summary>When set, EHLO offers STARTTLS and the upgrade uses this certificate (with its private key).</summary>
    public X509Certificate2? Certificate { get; set; }

    /// <summary>When set, EHLO offers AUTH PLAIN (after STARTTLS, when there is a certificate) and MAIL needs it first.</summary>
    public (string User, string Password)? Credentials { get; set; }

    /// <summary>Every AUTH attempt: the user name given and whether the password was right.</summary>
    public IReadOnlyList<(string User, bool Accepted)> AuthAttempts { get { lock (_auths) return _auths.ToList(); } }
    private readonly List<(string User, bool Accepted)> _auths = [];

    public IReadOnlyList<ReceivedMessage> Messages => _messages.ToList();

    /// <summary>Connections accepted so far.</summary>
    public int ConnectionCount => Volatile.Read(ref _connectionCount);

    /// <summary>How many messages the server accepted for each address.</summary>
    public IReadOnlyDictionary<string, int> AcceptedCount => _accepted;

    /// <summary>How many messages the server accepted in each second (UTC, truncated to the second).</summary>
    public IReadOnlyDictionary<DateTime, int> AcceptedPerSecond => _perSecond;

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

    public void Clear()
    {
        _messages.Clear();
        _accepted.Clear();
        _perSecond.Clear();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try { socket = await _listener.AcceptSocketAsync(_stop.Token); }
            catch (OperationCanceledException) { return; }
            catch (SocketException) { return; }
            socket.NoDelay = true;
            var number = Interlocked.Increment(ref _connectionCount);
            lock (_sessions) _sessions.Add(Task.Run(() => SessionAsync(socket, number)));
        }
    }

    private async Task SessionAsync(Socket socket, int connection)
    {
        await using var network = new NetworkStream(socket, ownsSocket: true);
        Stream stream = network;
        var reader = new StreamReader(stream, new UTF8Encoding(false), false, 8192, leaveOpen: true);
        var writer = new StreamWriter(stream, new UTF8Encoding(false), 8192, leaveOpen: true) { NewLine = "\r\n", AutoFlush = false };
        SslProtocols? tls = null;
        string? user = null;
        string? from = null;
        var recipients = new List<string>();
        SmtpMoment Moment(SmtpStage stage, string? address = null, int? message = null) =>
            new(stage, connection, message ?? Volatile.Read(ref _dataCount) + 1, from, recipients.ToList(), address);
        try
        {
            if (!await AnswerAsync(writer, Moment(SmtpStage.Greeting), "220 test-smtp ESMTP ready")) return;
            while (!_stop.IsCancellationRequested)
            {
                var line = await reader.ReadLineAsync(_stop.Token);
                if (line is null) return;
                var command = line.Length >= 4 ? line[..4].ToUpperInvariant() : line.ToUpperInvariant();
                switch (command)
                {
                    case "EHLO":
                        var extensions = new List<string> { "test-smtp", "PIPELINING" };
                        if (EightBitMime) extensions.AddRange(["8BITMIME", "SMTPUTF8"]);
                        if (Certificate is not null && tls is null) extensions.Add("STARTTLS");
                        // Like a submission server: credentials only over TLS when TLS is on offer.
                        if (Credentials is not null && (Certificate is null || tls is not null)) extensions.Add("AUTH PLAIN");
                        extensions.Add("SIZE 52428800");
                        var ehlo = string.Join("\r\n", extensions.Select((e, i) => (i == extensions.Count - 1 ? "250 " : "250-") + e));
                        if (!await AnswerAsync(writer, Moment(SmtpStage.Ehlo), ehlo)) return;
                        break;
                    case "STAR" when line.Equals("STARTTLS", StringComparison.OrdinalIgnoreCase) && Certificate is not null && tls is null:
                        await Reply(writer, "220 2.0.0 Ready to start TLS");
                        var secure = new SslStream(network, leaveInnerStreamOpen: true);
                        await secure.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = Certificate }, _stop.Token);
                        tls = secure.SslProtocol;
                        // RFC 3207: everything known before the upgrade is forgotten; the client starts again with EHLO.
                        stream = secure;
                        reader = new StreamReader(stream, new UTF8Encoding(false), false, 8192, leaveOpen: true);
                        writer = new StreamWriter(stream, new UTF8Encoding(false), 8192, leaveOpen: true) { NewLine = "\r\n", AutoFlush = false };
                        from = null;
                        recipients.Clear();
                        break;
                    case "AUTH" when Credentials is { } expected && (Certificate is null || tls is not null):
                        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                        if (parts.Length < 2 || !parts[1].Equals("PLAIN", StringComparison.OrdinalIgnoreCase)) { await Reply(writer, "504 5.5.4 Unrecognized authentication type"); break; }
                        var response = parts.Length > 2 ? parts[2] : null;
                        if (response is null)
                        {
                            await Reply(writer, "334 ");
                            response = await reader.ReadLineAsync(_stop.Token);
                            if (response is null) return;
                        }
                        string[] plain;
                        try { plain = Encoding.UTF8.GetString(Convert.FromBase64String(response)).Split('\0'); }
                        catch (FormatException) { await Reply(writer, "501 5.5.2 Cannot decode response"); break; }
                        var ok = plain.Length == 3 && plain[1] == expected.User && plain[2] == expected.Password;
                        lock (_auths) _auths.Add((plain.Length == 3 ? plain[1] : string.Empty, ok));
                        if (ok) { user = plain[1]; await Reply(writer, "235 2.7.0 Authentication successful"); }
                        else await Reply(writer, "535 5.7.8 Authentication credentials invalid");
                        break;
                    case "HELO":
                        if (!await AnswerAsync(writer, Moment(SmtpStage.Ehlo), "250 test-smtp")) return;
                        break;
                    case "MAIL" when Credentials is not null && user is null:
                        await Reply(writer, "530 5.7.0 Authentication required");
                        break;
                    case "MAIL":
                        recipients.Clear();
                        var sender = Address(line);
                        from = sender;
                        if (!await AnswerAsync(writer, Moment(SmtpStage.Mail, sender), "250 2.1.0 OK", refused: () => from = null)) return;
                        break;
                    case "RCPT":
                        var recipient = Address(line);
                        if (!await AnswerAsync(writer, Moment(SmtpStage.Rcpt, recipient), "250 2.1.5 OK", accepted: () => recipients.Add(recipient))) return;
                        break;
                    case "RSET": from = null; recipients.Clear(); await Reply(writer, "250 2.0.0 OK"); break;
                    case "NOOP": await Reply(writer, "250 2.0.0 OK"); break;
                    case "QUIT": await Reply(writer, "221 2.0.0 Bye"); return;
                    case "DATA":
                        if (from is null || recipients.Count == 0) { await Reply(writer, "554 5.5.1 Error: no valid recipients"); break; }
                        if (!await AnswerAsync(writer, Moment(SmtpStage.Data), "354 End data with <CR><LF>.<CR><LF>", refused: () => recipients.Clear())) return;
                        if (recipients.Count == 0) break;
                        var data = KeepMessages ? new StringBuilder() : null;
                        while (true)
                        {
                            var dataLine = await reader.ReadLineAsync(_stop.Token);
                            if (dataLine is null) return;
                            if (dataLine == ".") break;
                            data?.Append(dataLine.StartsWith("..") ? dataLine[1..] : dataLine).Append("\r\n");
                        }
                        var number = Interlocked.Increment(ref _dataCount);
                        if (BeforeDataReply is { } pace) await pace();
                        var moment = Moment(SmtpStage.EndOfData, message: number);
                        var action = Script?.Invoke(moment);
                        if (action is null && DataReply?.Invoke(number, moment.Recipients) is { } legacy) action = new SmtpAction.Reply(legacy);
                        if (action is SmtpAction.Delay delay) { await Task.Delay(delay.Time, _stop.Token); action = null; }
                        if (action is null or SmtpAction.AcceptAndDrop) Keep(from ?? string.Empty, recipients, data?.ToString() ?? string.Empty, tls, user);
                        switch (action)
                        {
                            case null: await Reply(writer, "250 2.0.0 Queued"); break;
                            case SmtpAction.Reply reply: await Reply(writer, reply.Text); break;
                            case SmtpAction.ReplyAndClose close: await Reply(writer, close.Text); return;
                            default: return;
                        }
                        recipients.Clear();
                        break;
                    default: await Reply(writer, "502 5.5.2 Command not recognized"); break;
                }
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException or ObjectDisposedException or AuthenticationException)
        {
            // The client went away (or gave up on the TLS handshake), or the server is stopping.
        }
        finally
        {
            reader.Dispose();
            try { await writer.DisposeAsync(); } catch (Exception e) when (e is IOException or ObjectDisposedException) { }
            if (stream != network) await stream.DisposeAsync();
        }
    }

    /// <summary>
    /// Answers at a moment as the script says, or with <paramref name="normal"/>. Returns false when the connection is
    /// to close. <paramref name="accepted"/> runs when the answer is a 2xx/3xx, <paramref name="refused"/> otherwise.
    /// </summary>
    private async Task<bool> AnswerAsync(StreamWriter writer, SmtpMoment moment, string normal, Action? accepted = null, Action? refused = null)
    {
        var action = Script?.Invoke(moment);
        if (action is SmtpAction.Delay delay)
        {
            await Task.Delay(delay.Time, _stop.Token);
            action = null;
        }
        var text = action switch
        {
            null => normal,
            SmtpAction.Reply reply => reply.Text,
            SmtpAction.ReplyAndClose close => close.Text,
            _ => null,
        };
        if (text is null) return false;
        if (text[0] is '2' or '3') accepted?.Invoke();
        else refused?.Invoke();
        await Reply(writer, text);
        return action is not SmtpAction.ReplyAndClose;
    }

    private void Keep(string from, List<string> recipients, string raw, SslProtocols? tls, string? user)
    {
        if (KeepMessages) _messages.Enqueue(new ReceivedMessage(from, recipients.ToList(), raw) { ReceivedAt = DateTime.UtcNow, Tls = tls, AuthenticatedAs = user });
        foreach (var recipient in recipients) _accepted.AddOrUpdate(recipient, 1, (_, count) => count + 1);
        var now = DateTime.UtcNow;
        _perSecond.AddOrUpdate(new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc), 1, (_, count) => count + 1);
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

/// <summary>A message as the server received it: the envelope, the raw text, and the MIME message (parsed on first use).</summary>
public sealed class ReceivedMessage(string from, IReadOnlyList<string> recipients, string raw)
{
    private readonly Lazy<MimeMessage> _message = new(() => MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(raw))));

    public string From { get; } = from;
    public IReadOnlyList<string> Recipients { get; } = recipients;
    public string Raw { get; } = raw;
    public MimeMessage Message => _message.Value;

    /// <summary>When the server accepted it (UTC).</summary>
    public DateTime ReceivedAt { get; init; }

    /// <summary>The TLS protocol of the session after STARTTLS, or null when the message came in the clear.</summary>
    public System.Security.Authentication.SslProtocols? Tls { get; init; }

    /// <summary>The user the session authenticated as, or null.</summary>
    public string? AuthenticatedAs { get; init; }
}
