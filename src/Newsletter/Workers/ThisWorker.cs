using Newsletter.Data;

namespace Newsletter.Workers;

/// <summary>
/// This process as its claims know it: a token written on every outbox row it claims
/// (<see cref="Email.TransactionalEmail.ClaimedBy"/>) and on every digest range it leases
/// (<see cref="Digests.DigestBatchLease.WorkerId"/>), with two signs of life. A file of that name in <c>workers/</c> in
/// the data directory is held with an exclusive lock while the process lives; the kernel drops the lock when the
/// process dies, however it dies, so a process sharing the data directory knows at once. And a row of that id in
/// <c>Workers</c> whose heartbeat (<see cref="WorkerHeartbeat"/>) tells a process on any other machine, within
/// <see cref="WorkerOptions.DeadAfter"/>. <see cref="DeadWorkers"/> reads both.
/// </summary>
public sealed class ThisWorker(DataDirectory data, bool runsJobs = true) : IDisposable
{
    /// <summary>Whether this process runs the job server (the <c>worker</c> role): the one that sends mail.</summary>
    public bool RunsJobs { get; } = runsJobs;

    private readonly Lock _lock = new();
    private FileStream? _held;
    private Guid _token;

    public string Folder { get; } = Directory.CreateDirectory(data.Resolve("workers")).FullName;

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
    /// The tokens of processes on this data directory that are gone, each file locked by us until
    /// <see cref="DeadWorkers.Dispose"/>, which deletes them once their rows are settled
    /// (<see cref="DeadWorkers.Settled"/>); left for the next sweep otherwise.
    /// </summary>
    internal DeadWorkers FindDeadHere()
    {
        var dead = new DeadWorkers();
        foreach (var path in Directory.EnumerateFiles(Folder))
        {
            // A live process holds its file's lock: it is left alone.
            if (Guid.TryParseExact(Path.GetFileName(path), "N", out var token) && LockFiles.TryTakeLeftBehind(path) is { } file)
                dead.Add(token, file);
        }
        return dead;
    }

    /// <summary>
    /// Whether the process of <paramref name="token"/> is alive on this data directory: its file is here and locked.
    /// That is proof, whatever its heartbeat says (a beat it could not write for a while, a database too busy).
    /// </summary>
    internal bool IsAliveHere(Guid token)
    {
        var path = Path.Combine(Folder, token.ToString("N"));
        if (!File.Exists(path)) return false;
        using var file = LockFiles.TryTakeLeftBehind(path);
        // Taken: nobody holds it (a dead process's file, left for the sweep that settles it). Not taken: held, alive,
        // or one we hold ourselves as a dead one's, which FindDeadHere has named already.
        return file is null && File.Exists(path);
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
}
