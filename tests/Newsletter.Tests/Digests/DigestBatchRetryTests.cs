using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Newsletter.Data;
using Newsletter.Digests;
using Newsletter.Subscribers;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Digests;

/// <summary>
/// A digest batch job that throws is never run again by Hangfire (its retries could send a range twice over a run
/// that is still alive); the ledger keeps what is left, and the sweep hands it out again.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class DigestBatchRetryTests(DigestApp app) : IClassFixture<DigestApp>
{
    [Fact]
    public async Task A_batch_job_that_throws_ends_Failed_in_Hangfire_without_a_retry_and_the_sweep_picks_its_rows_up()
    {
        await app.ClearAudienceAsync();
        var reader = (await app.AddReadersAsync("thrown", 1, status: SubscriberStatus.Unsubscribed)).Single();
        var now = DateTime.UtcNow;
        var (issueId, deliveryId) = await app.WithDbAsync(async db =>
        {
            // One transaction: a sweep that saw the issue in Sending without its row would close it as finished.
            await using var transaction = await db.Database.BeginTransactionAsync();
            var issue = new DigestIssue
            {
                Frequency = DigestFrequency.Daily, Key = "retry-test:" + Guid.NewGuid().ToString("N"), PeriodStart = now.AddDays(-1), PeriodEnd = now,
                Subject = "A batch that throws", State = DigestIssueState.Sending, CreatedAt = now, StartedAt = now,
            };
            db.Add(issue);
            await db.SaveChangesAsync();
            var delivery = new Delivery { IssueId = issue.Id, SubscriberId = reader.Id };
            db.Add(delivery);
            await db.SaveChangesAsync();
            // The database refuses every change to this issue's rows: the batch's first write (skipping the reader who
            // left) throws out of the job. In the same transaction: a sweep may hand the issue out the moment it is
            // committed, and a batch that ran before the trigger would skip the reader and succeed.
            await db.Database.ExecuteSqlRawAsync(app.Provider == DatabaseProvider.Postgres
                ? $$"""
                    CREATE FUNCTION refuse_batch_{{issue.Id}}() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN RAISE EXCEPTION 'the test refuses this batch'; END $f$;
                    CREATE TRIGGER refuse_batch_{{issue.Id}} BEFORE UPDATE ON "Deliveries" FOR EACH ROW WHEN (NEW."IssueId" = {{issue.Id}}) EXECUTE FUNCTION refuse_batch_{{issue.Id}}();
                    """
                : $"""CREATE TRIGGER refuse_batch_{issue.Id} BEFORE UPDATE ON "Deliveries" WHEN NEW."IssueId" = {issue.Id} BEGIN SELECT RAISE(ABORT, 'the test refuses this batch'); END;""");
            await transaction.CommitAsync();
            return (issue.Id, delivery.Id);
        });

        app.Services.GetRequiredService<IBackgroundJobClient>()
            .Enqueue<DigestBatchJob>(job => job.SendAsync(issueId, deliveryId, deliveryId, CancellationToken.None));
        var monitoring = app.Services.GetRequiredService<JobStorage>().GetMonitoringApi();
        // The start-up sweep may still be running and find this Sending issue too: then its batch job for the range and
        // ours race, and whichever leases the range first meets the trigger (the other finds the range held and ends).
        // So the job to judge is whichever batch job of this issue Hangfire settled: Failed for good, or Scheduled for a retry.
        bool OfThisIssue(Hangfire.Common.Job? job) => job?.Type == typeof(DigestBatchJob) && job.Args.Count > 0 && Convert.ToInt64(job.Args[0]) == issueId;
        string? jobId = null;
        try
        {
            await NewsletterApp.EventuallyAsync(() =>
            {
                jobId = monitoring.FailedJobs(0, 200).Where(j => OfThisIssue(j.Value.Job)).Select(j => j.Key)
                    .Concat(monitoring.ScheduledJobs(0, 200).Where(j => OfThisIssue(j.Value.Job)).Select(j => j.Key)).FirstOrDefault();
                return Task.FromResult(jobId is not null);
            }, "Hangfire to settle the failed batch job");
        }
        catch (TimeoutException e)
        {
            string Jobs<T>(Hangfire.Storage.Monitoring.JobList<T> list, Func<T, Hangfire.Common.Job?> job) =>
                string.Join(", ", list.Select(j => $"{j.Key} {job(j.Value)?.Type.Name}({string.Join("/", job(j.Value)?.Args ?? [])})"));
            throw new TimeoutException($"{e.Message} (issue {issueId}; failed: {Jobs(monitoring.FailedJobs(0, 20), j => j.Job)}; " +
                $"processing: {Jobs(monitoring.ProcessingJobs(0, 20), j => j.Job)}; succeeded: {Jobs(monitoring.SucceededJobs(0, 20), j => j.Job)})", e);
        }
        Assert.DoesNotContain(monitoring.ScheduledJobs(0, 200), j => OfThisIssue(j.Value.Job));
        var history = monitoring.JobDetails(jobId).History;
        var states = string.Join(" <- ", history.Select(h => $"{h.StateName} ({h.Reason})"));
        Assert.True(history[0].StateName == "Failed", "The batch job should end Failed; its states were: " + states);
        Assert.DoesNotContain(history, h => h.StateName == "Scheduled");
        Assert.Single(history, h => h.StateName == "Processing");
        Assert.Contains("the test refuses this batch", history[0].Data is { } failed && failed.TryGetValue("ExceptionMessage", out var message) ? message : "");
        Assert.Equal(DeliveryState.Pending, (await app.DeliveriesAsync(issueId)).Single().State);

        // The ledger still says what is left; once the database takes writes again, the sweep hands the range out.
        await app.WithDbAsync(db => db.Database.ExecuteSqlRawAsync(app.Provider == DatabaseProvider.Postgres
            ? $"""DROP TRIGGER refuse_batch_{issueId} ON "Deliveries"; DROP FUNCTION refuse_batch_{issueId}();"""
            : $"DROP TRIGGER refuse_batch_{issueId};"));
        await app.SweepUntilAsync(async () => (await app.DeliveriesAsync(issueId)).Single().State == DeliveryState.Skipped,
            "the swept batch to skip the reader who left", budget: TimeSpan.FromSeconds(60), perTrigger: TimeSpan.FromSeconds(5));
        Assert.Empty(app.MessagesTo(reader.Email));
    }
}
