using Hangfire;
using Microsoft.Extensions.Options;
using Newsletter.Jobs;
using Newsletter.Subscribers;

namespace Newsletter.Digests;

/// <summary>
/// The digest's recurring jobs (daily and weekly issues in the configured time zone, and a sweep, every minute by default) and its
/// start-up recovery. The sweep is what makes the database the source of truth: it turns rows a dead worker left in
/// Sending into Unknown, re-enqueues ranges that still have due Pending rows, and closes finished issues. At start-up
/// the journals of runs that died mid-send are settled first (<see cref="SendJournals"/>).
/// </summary>
public sealed class DigestRecovery(IBackgroundJobClient jobs, SendJournals journals, IOptions<DigestOptions> options) : IRecurringJobSource, IStartupRecovery
{
    public const string SweepJobId = "digest-sweep";

    public static string ScheduleJobId(DigestFrequency frequency) => "digest-" + frequency.ToString().ToLowerInvariant();

    public void Register(IRecurringJobManager recurringJobs)
    {
        var zone = options.Value.Zone();
        foreach (var (frequency, cron) in new[] { (DigestFrequency.Daily, options.Value.DailyCron), (DigestFrequency.Weekly, options.Value.WeeklyCron) })
        {
            if (string.IsNullOrWhiteSpace(cron))
                recurringJobs.RemoveIfExists(ScheduleJobId(frequency));
            else
                recurringJobs.AddOrUpdate<DigestScheduleJob>(ScheduleJobId(frequency), job => job.RunAsync(frequency, CancellationToken.None), cron,
                    new RecurringJobOptions { TimeZone = zone });
        }
        recurringJobs.AddOrUpdate<DigestSweepJob>(SweepJobId, job => job.RunAsync(false, CancellationToken.None), options.Value.SweepCron);
    }

    public async Task RecoverAsync(CancellationToken cancellationToken)
    {
        // First what runs killed mid-send wrote down (their claims become Sent, Pending or Unknown, their ranges free),
        // so the sweep below resends the rest at once.
        await journals.RecoverAsync(cancellationToken);
        jobs.Enqueue<DigestSweepJob>(job => job.RunAsync(true, CancellationToken.None));
    }
}
