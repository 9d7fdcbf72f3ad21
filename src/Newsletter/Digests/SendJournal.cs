using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Newsletter.Data;

namespace Newsletter.Digests;

/// <summary>
/// What one batch run does with each copy, written to a file beside the database as it happens, so that a restart
/// after a crash knows more than the ledger: which claimed copies never left (sent again), which the server accepted
/// (Sent), and only the ones caught between the start of a send and its reply stay Unknown. The ledger records a
/// window's outcomes once the window is over, so without this a crash made every claimed row of every window in flight
/// Unknown (connections × window); with it, at most the one copy each connection was sending.
/// <para>
/// One file per run, held with an exclusive lock while the run lives (the kernel drops the lock when the process dies,
/// however it dies), deleted when the run ends with everything recorded. Lines, each written by one write(2) before the step
/// it announces goes on: <c>R token issue fromId boot</c> (the run), <c>W id,id,...</c> (a window about to be claimed),
/// <c>S id</c> (about to hand the copy to a connection), <c>A id</c> (the server accepted it), <c>N id</c> (it will
/// not reach the reader this time: refused, put off, or never handed over). No fsync (one per copy would cost more
/// than the send): a killed process's writes are all in the file, but a machine that went down may have lost the last
/// ones. So the first line also names the boot (Linux's <c>boot_id</c>); a journal from an earlier boot is trusted only
/// for what it says happened (accepted, not delivered), never for what it does not say (a copy with no line may have
/// gone).
/// </para>
/// </summary>
internal sealed class SendJournal : IDisposable
{
    private readonly FileStream _file;
    private readonly Lock _lock = new();
    private string _path;
    private bool _kept;

    private SendJournal(FileStream file)
    {
        _file = file;
        _path = file.Name;
    }

    public string Path => _path;

    /// <summary>Starts a run's journal in <paramref name="folder"/>: a new file, locked, its first line written.</summary>
    public static SendJournal Start(string folder, Guid token, long issueId, long fromId)
    {
        // Made under another name and renamed once locked and labelled, so a recovery never settles a file being born.
        // Unbuffered: each Write is one write(2), in the file (the page cache) before the step it announces.
        string name;
        FileStream file;
        for (var attempt = 1; ; attempt++)
        {
            name = System.IO.Path.Combine(folder, Guid.NewGuid().ToString("N"));
            try
            {
                file = new FileStream(name + SendJournals.Unborn, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, bufferSize: 0);
                break;
            }
            catch (IOException) when (attempt == 1)
            {
                // A sweep's clean-up took the new file's lock in the instant between its creation and ours: another name.
            }
        }
        var journal = new SendJournal(file);
        try
        {
            journal.Write(FormattableString.Invariant($"R {token:N} {issueId} {fromId} {SendJournals.Boot}\n"));
            File.Move(name + SendJournals.Unborn, name + SendJournals.Extension);
            journal._path = name + SendJournals.Extension;
        }
        catch
        {
            journal.Dispose();
            throw;
        }
        return journal;
    }

    /// <summary>Before the claim: these rows may become ours.</summary>
    public void Window(IEnumerable<long> ids) => Write("W " + string.Join(',', ids.Select(id => id.ToString(CultureInfo.InvariantCulture))) + "\n");

    /// <summary>Before the copy goes to a connection: from here until <see cref="Accepted"/> or <see cref="NotDelivered"/> its fate is uncertain.</summary>
    public void Starting(long id) => Write(Line('S', id));

    public void Accepted(long id) => Write(Line('A', id));

    /// <summary>The copy did not reach the reader this time (refused, put off, never handed over): safe to send again.</summary>
    public void NotDelivered(long id) => Write(Line('N', id));

    /// <summary>The ledger could not record a window: the file stays when the run is disposed, for the next start to settle.</summary>
    public void Keep() => _kept = true;

    private static string Line(char kind, long id) => string.Create(CultureInfo.InvariantCulture, $"{kind} {id}\n");

    private void Write(string line)
    {
        // A copy's line on the stack; a window's list of ids (up to ClaimWindow of them) may be larger.
        Span<byte> bytes = line.Length <= 256 ? stackalloc byte[256] : new byte[line.Length];
        var count = Encoding.ASCII.GetBytes(line, bytes);
        lock (_lock) _file.Write(bytes[..count]);
    }

    /// <summary>
    /// Closes the file and deletes it: everything the run did is in the ledger, unless <see cref="Keep"/> said otherwise.
    /// A killed process never gets here, so its file stays.
    /// </summary>
    public void Dispose()
    {
        if (!_kept) File.Delete(_path);
        _file.Dispose();
    }

    /// <summary>
    /// What a dead run's journal says, per row of its windows. <paramref name="Complete"/>: written in this boot, so
    /// every line the run wrote is there and a row with no line never started; otherwise only the accepted and the not
    /// delivered can be settled.
    /// </summary>
    internal sealed record Account(Guid Token, long IssueId, long FromId, bool Complete, List<long> Accepted, List<long> NotDelivered, List<long> Uncertain, List<long> NeverStarted)
    {
        /// <summary>
        /// Reads a journal; null when it holds no whole first line (the run died before writing it, or the file is not a
        /// journal). A line that does not read (a damaged file) makes the journal incomplete: only what it says happened counts.
        /// </summary>
        public static Account? Read(string text, string boot)
        {
            // A last line without its newline was cut short by the crash: it did not happen.
            var end = text.LastIndexOf('\n');
            if (end < 0) return null;
            var lines = text[..end].Split('\n');
            var head = lines[0].Split(' ');
            if (head.Length != 5 || head[0] != "R" || !Guid.TryParseExact(head[1], "N", out var token) || !TryId(head[2], out var issueId) || !TryId(head[3], out var fromId))
                return null;
            var whole = head[4] == boot && boot != SendJournals.NoBoot;
            var windows = new List<long>();
            var last = new Dictionary<long, char>();
            foreach (var line in lines.Skip(1))
            {
                if (line.Length >= 3 && line[1] == ' ' && line[0] == 'W')
                {
                    foreach (var part in line[2..].Split(','))
                        if (TryId(part, out var id)) windows.Add(id);
                        else whole = false;
                }
                else if (line.Length >= 3 && line[1] == ' ' && line[0] is 'S' or 'A' or 'N' && TryId(line[2..], out var id))
                    last[id] = line[0];
                else
                    whole = false;
            }
            var account = new Account(token, issueId, fromId, whole, [], [], [], []);
            foreach (var id in windows.Distinct())
            {
                var list = last.GetValueOrDefault(id) switch
                {
                    'A' => account.Accepted,
                    'N' => account.NotDelivered,
                    'S' => account.Uncertain,
                    _ => account.NeverStarted,
                };
                list.Add(id);
            }
            return account;
        }

        private static bool TryId(string text, out long id) => long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out id);
    }
}

/// <summary>
/// The folder of run journals (<c>sending-journal</c> in the data directory) and the start-up step that settles the
/// journals dead runs left: each row of theirs still claimed by the dead run (Sending, or already Unknown after the
/// sweep) becomes Sent, Pending again or Unknown as its journal says, and the dead run's range is let go so the restart
/// sends the rest at once instead of after <see cref="DigestOptions.SendingLease"/>.
/// </summary>
public sealed partial class SendJournals(DataDirectory data, IServiceScopeFactory scopes, ILogger<SendJournals> logger)
{
    internal const string Extension = ".journal";

    internal const string NoBoot = "-";

    /// <summary>This boot of the machine (Linux's boot_id); elsewhere none, and every dead run's journal is read as one from another boot.</summary>
    internal static readonly string Boot = ReadBoot();

    private static string ReadBoot()
    {
        try
        {
            return File.Exists("/proc/sys/kernel/random/boot_id") ? File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim() : NoBoot;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return NoBoot;
        }
    }

    /// <summary>A journal being made: at most its first line, nothing claimed yet.</summary>
    internal const string Unborn = ".new";

    public string Folder { get; } = Directory.CreateDirectory(data.Resolve("sending-journal")).FullName;

    internal SendJournal Start(Guid token, long issueId, long fromId) => SendJournal.Start(Folder, token, issueId, fromId);

    /// <summary>
    /// Settles every journal no live process holds (at start-up, and at each sweep for processes that share this data
    /// directory and died without a restart). Returns how many it settled.
    /// </summary>
    public async Task<int> RecoverAsync(CancellationToken cancellationToken)
    {
        // A run that died while its journal was being made had claimed nothing; its range waits for the lease.
        foreach (var path in Directory.EnumerateFiles(Folder, "*" + Unborn))
        {
            // Left alone while being made right now (or already gone).
            using var unborn = LockFiles.TryTakeLeftBehind(path);
            if (unborn is not null) File.Delete(path);
        }
        var settled = 0;
        foreach (var path in Directory.EnumerateFiles(Folder, "*" + Extension))
        {
            string text;
            // A live run holds its file's lock: it is left alone.
            if (LockFiles.TryTakeLeftBehind(path) is not { } file) continue;
            using (file)
            {
                using (var reader = new StreamReader(file, Encoding.ASCII, detectEncodingFromByteOrderMarks: false, leaveOpen: true))
                    text = await reader.ReadToEndAsync(cancellationToken);
                var account = SendJournal.Account.Read(text, Boot);
                if (account is not null)
                {
                    try
                    {
                        await using var scope = scopes.CreateAsyncScope();
                        var result = await scope.ServiceProvider.GetRequiredService<DeliveryLedger>().SettleDeadRunAsync(account, cancellationToken);
                        LogSettled(logger, account.IssueId, account.FromId, result.Sent, result.Pending, result.Unknown);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        // The database said no (down, busy): the file stays for the next sweep, and start-up goes on.
                        LogNotSettled(logger, path, e);
                        continue;
                    }
                }
                File.Delete(path);
            }
            settled++;
        }
        return settled;
    }

    [LoggerMessage(EventId = 5034, EventName = "DigestDeadRunNotSettled", Level = LogLevel.Error,
        Message = "The send journal {Path} of a run that stopped mid-send could not be settled now; the next sweep tries again")]
    private static partial void LogNotSettled(ILogger logger, string path, Exception exception);

    [LoggerMessage(EventId = 5033, EventName = "DigestDeadRunSettled", Level = LogLevel.Warning,
        Message = "Digest issue {IssueId} ids from {FromId}: a run stopped mid-send; from its journal {Sent} copies are Sent, {Pending} go again, {Unknown} are Unknown (caught on the wire)")]
    private static partial void LogSettled(ILogger logger, long issueId, long fromId, int sent, int pending, int unknown);
}
