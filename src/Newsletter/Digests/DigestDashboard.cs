using Hangfire;
using Hangfire.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Newsletter.Data;
using Newsletter.Email;
using Newsletter.Subscribers;

namespace Newsletter.Digests;

/// <summary>
/// What the Digests pages read beyond <see cref="DigestService"/>: the schedule as Hangfire will run it, the audience an
/// issue would go to, and the reader staff want a preview for (the copy itself is <see cref="DigestService.CopyForAsync"/>). Reads only; sending stays in the digest engine.
/// </summary>
public sealed class DigestDashboard(
    NewsletterDb db,
    JobStorage storage,
    IOptions<DigestOptions> options)
{
    /// <summary>Each frequency's cron, time zone and next run, as Hangfire computed it from the cron in the time zone.</summary>
    public IReadOnlyList<ScheduledDigest> Schedule()
    {
        var ids = new[] { DigestFrequency.Daily, DigestFrequency.Weekly }.ToDictionary(DigestRecovery.ScheduleJobId);
        using var connection = storage.GetConnection();
        var jobs = connection.GetRecurringJobs(ids.Keys.ToArray()).Where(j => !j.Removed).ToDictionary(j => j.Id);
        return ids.Select(pair =>
        {
            var cron = pair.Value == DigestFrequency.Daily ? options.Value.DailyCron : options.Value.WeeklyCron;
            jobs.TryGetValue(pair.Key, out var job);
            return new ScheduledDigest(pair.Value, string.IsNullOrWhiteSpace(cron) ? null : cron, job?.TimeZoneId ?? options.Value.TimeZone,
                job?.NextExecution, job?.LastExecution, job?.Error);
        }).ToList();
    }

    /// <summary>
    /// How many readers starting the issue now would write to the ledger (its <see cref="DigestAudience"/>).
    /// </summary>
    public Task<int> AudienceAsync(DigestIssue issue, CancellationToken cancellationToken) =>
        DigestAudience.Of(db.Set<Subscriber>(), issue).CountAsync(cancellationToken);

    /// <summary>A subscriber by id or address (what staff type into the preview box); null when there is none.</summary>
    public async Task<Subscriber?> FindReaderAsync(string? idOrEmail, DigestFrequency frequency, CancellationToken cancellationToken)
    {
        var readers = db.Set<Subscriber>().AsNoTracking();
        if (string.IsNullOrWhiteSpace(idOrEmail))
            return await readers.Where(s => s.Status == SubscriberStatus.Confirmed && s.Frequency == frequency).OrderBy(s => s.Id).FirstOrDefaultAsync(cancellationToken);
        if (long.TryParse(idOrEmail, out var id)) return await readers.SingleOrDefaultAsync(s => s.Id == id, cancellationToken);
        return EmailAddress.TryParse(idOrEmail, out var address, out _)
            ? await readers.SingleOrDefaultAsync(s => s.EmailKey == address.Key, cancellationToken)
            : null;
    }
}

/// <summary>One frequency's schedule: no cron means it is off; the next run is UTC.</summary>
public sealed record ScheduledDigest(DigestFrequency Frequency, string? Cron, string TimeZone, DateTime? NextRun, DateTime? LastRun, string? Error);
