using Hangfire;
using Newsletter.Jobs;

namespace Newsletter.Donations;

/// <summary>
/// The webhook sweep (every minute), the cancellation of erased donors' plans (every five minutes) and both once right after
/// start-up (in-memory job storage forgets); the daily retention of stored events.
/// </summary>
public sealed class StripeEventRecovery(IBackgroundJobClient jobs) : IRecurringJobSource, IStartupRecovery
{
    public const string SweepJobId = "stripe-event-sweep";

    public void Register(IRecurringJobManager recurringJobs)
    {
        recurringJobs.AddOrUpdate<StripeEventJob>(SweepJobId, job => job.SweepAsync(CancellationToken.None), Cron.Minutely());
        recurringJobs.AddOrUpdate<ErasedPlanCancellation>(ErasedPlanCancellation.JobId, job => job.RunAsync(CancellationToken.None), "*/5 * * * *");
        recurringJobs.AddOrUpdate<StripeEventRetention>(StripeEventRetention.JobId, job => job.RunAsync(CancellationToken.None), Cron.Daily(3));
    }

    public Task RecoverAsync(CancellationToken cancellationToken)
    {
        jobs.Enqueue<StripeEventJob>(job => job.SweepAsync(CancellationToken.None));
        jobs.Enqueue<ErasedPlanCancellation>(job => job.RunAsync(CancellationToken.None));
        return Task.CompletedTask;
    }
}
