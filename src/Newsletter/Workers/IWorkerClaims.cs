namespace Newsletter.Workers;

/// <summary>
/// A feature whose rows a worker claims (the outbox's emails, the digests' ranges) says whether a process still holds
/// any. A process that still does when it stops is not marked stopped (<see cref="WorkerRegistry.MarkStoppedAsync"/>):
/// a job the job server gave up waiting for may still be working on them.
/// </summary>
public interface IWorkerClaims
{
    Task<bool> AnyHeldByAsync(Guid worker, CancellationToken cancellationToken);
}
