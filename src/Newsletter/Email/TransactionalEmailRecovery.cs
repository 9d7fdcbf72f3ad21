using Hangfire;
using Newsletter.Jobs;

namespace Newsletter.Email;

/// <summary>The outbox sweep: every minute, and once right after start-up.</summary>
public sealed class TransactionalEmailRecovery(IBackgroundJobClient jobs) : IRecurringJobSource, IStartupRecovery
{
    public const string SweepJobId = "transactional-email-sweep";

    public void Register(IRecurringJobManager recurringJobs) =>
        recurringJobs.AddOrUpdate<TransactionalEmailJob>(SweepJobId, job => job.SweepAsync(CancellationToken.None), Cron.Minutely());

    public Task RecoverAsync(CancellationToken cancellationToken)
    {
        jobs.Enqueue<TransactionalEmailJob>(job => job.SweepAsync(CancellationToken.None));
        return Task.CompletedTask;
    }
}
