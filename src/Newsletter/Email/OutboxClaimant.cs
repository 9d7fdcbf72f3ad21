using Newsletter.Data;

namespace Newsletter.Email;

/// <summary>
/// This process as the outbox knows it: a token written on every row it claims (<see cref="TransactionalEmail.ClaimedBy"/>)
/// and a file of that name in <c>outbox-claimants</c> in the data directory, held with an exclusive lock while the
/// process lives. The kernel drops the lock when the process dies, however it dies, so a sweep that can take a file's
/// lock knows its process is gone and settles that process's rows at once (never handed over: sent again; handed
/// over: Unknown) instead of waiting <see cref="TransactionalEmailOptions.SendingLease"/>, as long as a live worker may
/// take. A process on another machine's data directory is not seen here: its rows still wait for the lease.
/// </summary>
public sealed class OutboxClaimant(DataDirectory data) : IDisposable
{
    private readonly Lock _lock = new();
    private FileStream? _held;
    private Guid _token;

    public string Folder { get; } = Directory.CreateDirectory(data.Resolve("outbox-claimants")).FullName;

    /// <summary>This process's token; its file is made and locked the first time it is asked for (before any claim).</summary>
    public Guid Token
    {
        get
        {
            lock (_lock)
            {
                if (_held is null) (_token, _held) = Hold();
                return _token;
            }
        }
    }

    private (Guid, FileStream) Hold()
    {
        for (var attempt = 1; ; attempt++)
        {
            var token = Guid.NewGuid();
            try
            {
                // Open then lock: in between, a sweep may lock the new file as a dead process's (it finds no rows and
                // deletes it); our lock then fails and we take another name. No row carries a token before its lock.
                return (token, new FileStream(Path.Combine(Folder, token.ToString("N")), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, bufferSize: 0));
            }
            catch (IOException) when (attempt < 3)
            {
            }
        }
    }

    /// <summary>
    /// The tokens of processes that are gone, each file locked by us until <see cref="DeadClaimants.Dispose"/>, which
    /// deletes them once their rows are settled (<see cref="DeadClaimants.Settled"/>); left for the next sweep otherwise.
    /// </summary>
    public DeadClaimants FindDead()
    {
        var dead = new DeadClaimants();
        foreach (var path in Directory.EnumerateFiles(Folder))
        {
            // A live process holds its file's lock: it is left alone.
            if (Guid.TryParseExact(Path.GetFileName(path), "N", out var token) && LockFiles.TryTakeLeftBehind(path) is { } file)
                dead.Add(token, file);
        }
        return dead;
    }

    /// <summary>
    /// Lets the file go, unlocked and still there: a row a stopping job left Sending (its shutdown time ran out) is
    /// settled by the next sweep, and a file with no rows is deleted by it.
    /// </summary>
    public void Dispose()
    {
        lock (_lock)
        {
            _held?.Dispose();
            _held = null;
        }
    }

    public sealed class DeadClaimants : IDisposable
    {
        private readonly List<FileStream> _files = [];

        public List<Guid> Tokens { get; } = [];

        /// <summary>Their rows are settled: the files go when this is disposed.</summary>
        public bool Settled { get; set; }

        internal void Add(Guid token, FileStream file)
        {
            Tokens.Add(token);
            _files.Add(file);
        }

        public void Dispose()
        {
            foreach (var file in _files)
            {
                if (Settled) File.Delete(file.Name);
                file.Dispose();
            }
        }
    }
}
