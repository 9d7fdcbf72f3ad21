using Hangfire.Common;
using Hangfire.Logging;
using Hangfire.PostgreSql;
using Hangfire.Server;
using Hangfire.Storage;

namespace Newsletter.Jobs;

/// <summary>
/// One run at a time, and a run that meets another one still going has nothing to do: it does not run the method and
/// ends Deleted ("Canceled by filter 'SkipWhenRunningAttribute'"), with a debug line, instead of Failed with a
/// DistributedLockTimeoutException and an error in the log as <c>[DisableConcurrentExecution(0)]</c> ends it. For
/// sweeps that find their work in our tables: the run in progress, or the next trigger, does what the skipped one would
/// have done. A job that must wait its turn keeps <c>DisableConcurrentExecution</c> with a positive timeout.
/// </summary>
/// <remarks>
/// Deleted is what Hangfire 1.8 itself makes of a job whose server filter sets <c>PerformingContext.Canceled</c>
/// (tested in SkipWhenRunningTests): no second hook is needed to choose a state, and the dashboard shows the skip as
/// not run, with the reason, rather than counting it among the runs that did the work. Deleted is not Failed: no retry,
/// no failed-jobs alert. The lock is Hangfire's lock of the same name, so processes still on
/// <c>DisableConcurrentExecution</c> during a rolling upgrade and processes on this filter exclude each other.
/// </remarks>
[AttributeUsage(AttributeTargets.Method)]
public sealed class SkipWhenRunningAttribute : JobFilterAttribute, IServerFilter
{
    private const string LockItem = "Newsletter.SkipWhenRunning.Lock";

    public void OnPerforming(PerformingContext context)
    {
        var resource = Resource(context.BackgroundJob.Job);
        try
        {
            context.Items[LockItem] = context.Connection.AcquireDistributedLock(resource, TimeSpan.Zero);
        }
        catch (Exception e) when (IsHeldLock(e))
        {
            // Canceled: neither the method nor the filters inside this one run, and Hangfire moves the job to Deleted.
            context.Canceled = true;
            // Asked for here, not kept in a static: Hangfire's log provider is the latest host's (tests start several).
            LogProvider.GetLogger(typeof(SkipWhenRunningAttribute)).Debug($"Background job {context.BackgroundJob.Id} ({resource}) not run: another run was in progress.");
        }
    }

    /// <summary>
    /// True when taking a Hangfire distributed lock failed because another holder has it. Hangfire.PostgreSql says
    /// "held" with its own exception type; the other storages with Hangfire's.
    /// </summary>
    public static bool IsHeldLock(Exception e) => e is DistributedLockTimeoutException or PostgreSqlDistributedLockException;

    /// <summary>Called after the method returned or threw (not after a skip): the lock is released either way.</summary>
    public void OnPerformed(PerformedContext context)
    {
        if (!context.Items.TryGetValue(LockItem, out var held)) return;
        context.Items.Remove(LockItem);
        ((IDisposable)held).Dispose();
    }

    /// <summary>
    /// The name <c>DisableConcurrentExecution</c> locks in Hangfire 1.8 without a resource argument: the type's name
    /// without its namespace (nested types joined with a dot), a dot, the method's name. Hangfire's own helper for it
    /// is internal; this copy matches it for non-generic job types, which all of ours are.
    /// </summary>
    public static string Resource(Job job)
    {
        var type = job.Type;
        var name = string.IsNullOrEmpty(type.Namespace) ? type.FullName! : type.FullName![(type.Namespace.Length + 1)..];
        return $"{name.Replace('+', '.')}.{job.Method.Name}";
    }
}
