namespace Newsletter.Workers;

/// <summary>
/// Processes whose claims can be settled now: gone from this data directory (their lock file was free; we hold it
/// until disposed) or, on any machine, silent in <c>Workers</c> for longer than <see cref="WorkerOptions.DeadAfter"/>
/// or stopped. Found by <see cref="WorkerRegistry.FindDeadAsync"/>; each sweep settles the claims it owns (outbox rows,
/// digest ranges) by these tokens.
/// </summary>
public sealed class DeadWorkers : IDisposable
{
    private readonly List<FileStream> _files = [];

    public HashSet<Guid> Tokens { get; } = [];

    /// <summary>The claims are settled: the lock files go when this is disposed (the rows stay until they are old).</summary>
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
