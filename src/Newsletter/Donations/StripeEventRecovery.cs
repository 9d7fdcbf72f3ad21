using Hangfire;
using Newsletter.Jobs;

namespace Newsletter.Donations;

/// <summary>The webhook sweep: every minute, and once right after start-up (in-memory job storage forgets).</summary>
public sealed class StripeEventRecovery(IBackgroundJobClient jobs) : IRecurringJobSource, IStartupRecovery
{
    public const string SweepJobId = "stripe-event-sweep";

    public void Register(IRecurringJobManager recurringJobs) =>
        recurringJobs.AddOrUpdate<StripeEventJob>(SweepJobId, job => job.SweepAsync(CancellationToken.None), Cron.Minutely());

    public Task RecoverAsync(CancellationToken cancellationToken)
    {
        jobs.Enqueue<StripeEventJob>(job => job.SweepAsync(CancellationToken.None));
        return Task.CompletedTask;
    }
}
