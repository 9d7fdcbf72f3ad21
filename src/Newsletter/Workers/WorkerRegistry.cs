using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Newsletter.Data;

namespace Newsletter.Workers;

/// <summary>The <c>Workers</c> table: this process's heartbeat, and which processes of the fleet are gone.</summary>
public sealed class WorkerRegistry(NewsletterDb db, ThisWorker me, IOptions<WorkerOptions> options, TimeProvider clock, IEnumerable<IWorkerClaims> claims)
{
    /// <summary>Rows of processes silent for this long are deleted: by then every lease has settled what they held.</summary>
    internal static readonly TimeSpan Forgotten = TimeSpan.FromDays(1);

    /// <summary>This process is alive now (its row is made on the first beat, and again if a sweep forgot it).</summary>
    public async Task BeatAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var id = me.Token;
        if (await db.Set<Worker>().Where(w => w.Id == id).ExecuteUpdateAsync(s => s.SetProperty(w => w.BeatAt, now).SetProperty(w => w.StoppedAt, (DateTime?)null), cancellationToken) > 0)
            return;
        db.Add(new Worker { Id = id, Machine = Environment.MachineName[..Math.Min(200, Environment.MachineName.Length)], ProcessId = Environment.ProcessId, RunsJobs = me.RunsJobs, StartedAt = now, BeatAt = now });
        await db.SaveChangesAsync(cancellationToken);
        db.ChangeTracker.Clear();
    }

    /// <summary>
    /// This process is stopping, its jobs done: the fleet knows at once. Not while it still holds a claim (an email
    /// taken, a digest range): every job gives its claims back when it ends, so a claim still held means a job the job
    /// server gave up waiting for may still be sending, and a sweep that took its rows now would record the copies it is
    /// sending as Unknown. Then the beat simply ages, and the fleet settles them after <see cref="WorkerOptions.DeadAfter"/>.
    /// False when not marked.
    /// </summary>
    public async Task<bool> MarkStoppedAsync(CancellationToken cancellationToken)
    {
        var id = me.Token;
        foreach (var feature in claims)
            if (await feature.AnyHeldByAsync(id, cancellationToken)) return false;
        var now = clock.GetUtcNow().UtcDateTime;
        await db.Set<Worker>().Where(w => w.Id == id).ExecuteUpdateAsync(s => s.SetProperty(w => w.StoppedAt, now), cancellationToken);
        return true;
    }

    /// <summary>Deletes the rows of processes silent for a day.</summary>
    public Task<int> ForgetOldAsync(CancellationToken cancellationToken)
    {
        var cutoff = clock.GetUtcNow().UtcDateTime - Forgotten;
        return db.Set<Worker>().Where(w => w.BeatAt < cutoff).ExecuteDeleteAsync(cancellationToken);
    }

    /// <summary>
    /// The processes that are gone: those on this data directory whose lock file is free (known at once), and those
    /// anywhere that stopped or whose heartbeat is older than <see cref="WorkerOptions.DeadAfter"/>. Never this one.
    /// </summary>
    public async Task<DeadWorkers> FindDeadAsync(CancellationToken cancellationToken)
    {
        var dead = me.FindDeadHere();
        try
        {
            dead.Tokens.UnionWith(await FindSilentAsync(cancellationToken));
            return dead;
        }
        catch
        {
            dead.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The processes, on any machine, that stopped or whose heartbeat is older than <see cref="WorkerOptions.DeadAfter"/>:
    /// the heartbeat alone, for a sweep that reads this data directory's dead another way (the digests' journals). A
    /// process that still holds its lock file on this data directory is alive, whatever its heartbeat says, and is
    /// never among them.
    /// </summary>
    public async Task<List<Guid>> FindSilentAsync(CancellationToken cancellationToken)
    {
        var self = me.Token;
        var silent = await db.Set<Worker>().AsNoTracking().Where(Gone()).Where(w => w.Id != self).Select(w => w.Id).ToListAsync(cancellationToken);
        silent.RemoveAll(me.IsAliveHere);
        return silent;
    }

    /// <summary>Processes with the worker role alive now: the ones that send. None means nothing goes out.</summary>
    public IQueryable<Worker> SendingProcesses() => db.Set<Worker>().AsNoTracking().Where(Alive()).Where(w => w.RunsJobs);

    /// <summary>Processes that went silent without saying they stopped (killed, out of memory, a machine gone), newest first.</summary>
    public IQueryable<Worker> Vanished() => db.Set<Worker>().AsNoTracking().Where(Gone()).Where(w => w.StoppedAt == null).OrderByDescending(w => w.BeatAt);

    /// <summary>The one rule for "alive": a beat within <see cref="WorkerOptions.DeadAfter"/> and no word of stopping.</summary>
    private System.Linq.Expressions.Expression<Func<Worker, bool>> Alive()
    {
        var cutoff = clock.GetUtcNow().UtcDateTime - options.Value.DeadAfter;
        return w => w.StoppedAt == null && w.BeatAt >= cutoff;
    }

    private System.Linq.Expressions.Expression<Func<Worker, bool>> Gone()
    {
        var cutoff = clock.GetUtcNow().UtcDateTime - options.Value.DeadAfter;
        return w => w.StoppedAt != null || w.BeatAt < cutoff;
    }
}
