using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Newsletter.Data;
using Newsletter.Email;
using Newsletter.Jobs;

namespace Newsletter.Subscribers;

/// <summary>Deletes sign-ups never confirmed within the expiry: we keep no data on people who didn't opt in.</summary>
public sealed partial class UnconfirmedPurgeJob(NewsletterDb db, UnsubscribeTombstones tombstones, IOptions<SubscriberOptions> options, TimeProvider clock, ILogger<UnconfirmedPurgeJob> logger)
{
    public const string JobId = "purge-unconfirmed-subscribers";

    [AutomaticRetry(Attempts = 3)]
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var cutoff = clock.GetUtcNow().UtcDateTime - options.Value.ConfirmationExpiry;
        var expired = db.Set<Subscriber>().Where(s => s.Status == SubscriberStatus.Unconfirmed && s.ConsentAt < cutoff).Select(s => s.Id);
        var count = await db.InTransactionAsync(async token =>
        {
            // A row that unsubscribed before (rows reset by a sign-up before that could not happen any more) leaves its
            // opt-out behind as a tombstone, so a later import does not subscribe the address again.
            var optedOut = await db.Set<Subscriber>().Where(s => expired.Contains(s.Id)
                    && db.Set<SubscriberEvent>().Any(e => e.SubscriberId == s.Id && e.Kind == "unsubscribed"))
                .Select(s => s.EmailKey).ToListAsync(token);
            foreach (var key in optedOut) await tombstones.StageAsync(key, token);
            await db.SaveChangesAsync(token);
            await db.Set<TransactionalEmail>().Where(e => e.Kind.StartsWith("subscriber.") && expired.Contains(e.SubjectId)).ExecuteDeleteAsync(token);
            await db.Set<SubscriberEvent>().Where(e => expired.Contains(e.SubscriberId)).ExecuteDeleteAsync(token);
            return await db.Set<Subscriber>().Where(s => s.Status == SubscriberStatus.Unconfirmed && s.ConsentAt < cutoff).ExecuteDeleteAsync(token);
        }, cancellationToken);
        LogPurged(logger, count);
        return count;
    }

    [LoggerMessage(EventId = 3010, EventName = "UnconfirmedPurged", Level = LogLevel.Information, Message = "Purged {Count} unconfirmed sign-up(s)")]
    private static partial void LogPurged(ILogger logger, int count);
}

public sealed class UnconfirmedPurgeSchedule : IRecurringJobSource
{
    public void Register(IRecurringJobManager recurringJobs) =>
        recurringJobs.AddOrUpdate<UnconfirmedPurgeJob>(UnconfirmedPurgeJob.JobId, job => job.RunAsync(CancellationToken.None), Cron.Hourly());
}
