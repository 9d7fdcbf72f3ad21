using Hangfire;

namespace Newsletter.Jobs;

/// <summary>A feature's recurring jobs. Each has an explicit, stable id so re-registering replaces, never duplicates.</summary>
public interface IRecurringJobSource
{
    void Register(IRecurringJobManager recurringJobs);
}

/// <summary>
/// Finds unfinished work in the feature's own tables after a start-up and enqueues it again: in-memory job storage
/// forgets everything on restart, and the database, not Hangfire, is the source of truth.
/// </summary>
public interface IStartupRecovery
{
    Task RecoverAsync(CancellationToken cancellationToken);
}
