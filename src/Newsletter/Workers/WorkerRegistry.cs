using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Newsletter.Data;

namespace Newsletter.Workers;

/// <summary>The <c>Workers</c> table: this process's heartbeat, and which processes of the fleet are gone.</summary>
public sealed class WorkerRegistry(NewsletterDb db, ThisWorker me, IOptions<WorkerOptions> options, TimeProvider clock)
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

    /// <summary>This process is stopping: what it still holds is settled by the next sweep anywhere, not after a lease.</summary>
    public Task MarkStoppedAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var id = me.Token;
        return db.Set<Worker>().Where(w => w.Id == id).ExecuteUpdateAsync(s => s.SetProperty(w => w.StoppedAt, now), cancellationToken);
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
    /// the heartbeat alone, for a sweep that reads this data directory's dead another way (the digests' journals).
    /// </summary>
    public async Task<List<Guid>> FindSilentAsync(CancellationToken cancellationToken)
    {
        var self = me.Token;
        return await db.Set<Worker>().AsNoTracking().Where(Gone()).Where(w => w.Id != self).Select(w => w.Id).ToListAsync(cancellationToken);
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
