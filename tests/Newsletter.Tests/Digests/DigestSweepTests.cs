using Hangfire;
using Hangfire.Storage;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Newsletter.Digests;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Digests;

/// <summary>
/// The recurring sweep is registered with the configured schedule, and when it runs (triggered here, since in tests
/// its schedule is once a year) a delivery left in Sending past Digests:SendingLease by a worker that died becomes
/// Unknown, is reported once in the log (DigestDeliveriesUnknown), and is not sent again; a younger one is left alone.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class DigestSweepTests(DigestSweepTests.App app) : IClassFixture<DigestSweepTests.App>
{
    public sealed class App : DigestApp
    {
        public LogCapture Logs { get; } = new();

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureLogging(logging => logging.AddProvider(Logs));
        }
    }

    [Fact]
    public async Task The_recurring_sweep_turns_a_delivery_stuck_in_sending_past_the_lease_into_unknown_reports_it_and_sends_nothing()
    {
        using (var connection = app.Services.GetRequiredService<JobStorage>().GetConnection())
        {
            var sweep = Assert.Single(connection.GetRecurringJobs(), j => j.Id == DigestRecovery.SweepJobId);
            Assert.Equal("0 0 1 1 *", sweep.Cron);
        }

        var readers = await app.AddReadersAsync("stuck", 2);
        var now = DateTime.UtcNow;
        var lease = TimeSpan.FromMinutes(10); // Digests:SendingLease, the default
        var (issueId, stale, fresh) = await app.WithDbAsync(async db =>
        {
            // One transaction: the host's start-up sweep may run right now, and an issue in Sending seen without its
            // rows is a finished one (CI saw it closed as Sent, after which no sweep looks at it again).
            await using var transaction = await db.Database.BeginTransactionAsync();
            var issue = new DigestIssue
            {
                Frequency = Newsletter.Subscribers.DigestFrequency.Daily, Key = "sweep-test:" + Guid.NewGuid().ToString("N"), PeriodStart = now.AddDays(-1), PeriodEnd = now,
                Subject = "A worker died sending this", State = DigestIssueState.Sending, CreatedAt = now.AddMinutes(-30), StartedAt = now.AddMinutes(-30),
            };
            db.Add(issue);
            await db.SaveChangesAsync();
            // One claimed a minute past the lease by a worker that then died; one claimed a minute ago, still in its lease.
            var old = new Delivery { IssueId = issue.Id, SubscriberId = readers[0].Id, State = DeliveryState.Sending, Attempts = 1, ClaimedAt = now - lease - TimeSpan.FromMinutes(1) };
            var young = new Delivery { IssueId = issue.Id, SubscriberId = readers[1].Id, State = DeliveryState.Sending, Attempts = 1, ClaimedAt = now - TimeSpan.FromMinutes(1) };
            db.AddRange(old, young);
            await db.SaveChangesAsync();
            await transaction.CommitAsync();
            return (issue.Id, old.Id, young.Id);
        });

        // Triggered until one sweep has run (SweepUntilAsync). On PostgreSQL a sweep's lock outlives a lost holder by
        // Jobs:DistributedLockTimeout (a minute), hence a budget past that. This test failed in full runs until each host
        // got its own JobActivator: its sweeps ran, with another test's host's services, against that host's database.
        await app.SweepUntilAsync(async () => (await app.DeliveriesAsync(issueId)).Single(d => d.Id == stale).State == DeliveryState.Unknown,
            "the sweep to mark the stale delivery Unknown", budget: TimeSpan.FromSeconds(150), perTrigger: TimeSpan.FromSeconds(15), state: async () =>
            {
                var issueState = await app.WithDbAsync(db => db.Set<DigestIssue>().Where(i => i.Id == issueId).Select(i => i.State).SingleAsync());
                var rows = string.Join(", ", (await app.DeliveriesAsync(issueId)).Select(d => $"{d.Id} {d.State} claimed {d.ClaimedAt:O}"));
                return $"issue {issueId} {issueState}; deliveries {rows}";
            });

        var deliveries = await app.DeliveriesAsync(issueId);
        Assert.Equal("The worker stopped while sending; the server may or may not have accepted it.", deliveries.Single(d => d.Id == stale).Error);
        Assert.Equal(DeliveryState.Sending, deliveries.Single(d => d.Id == fresh).State);
        // The sweep saves the rows first and logs after: wait for the line, then check there is exactly one.
        await NewsletterApp.EventuallyAsync(() => Task.FromResult(app.Logs.Lines.Any(l => l.Event.Name == "DigestDeliveriesUnknown")),
            "the sweep's DigestDeliveriesUnknown report", TimeSpan.FromSeconds(10));
        var report = Assert.Single(app.Logs.Lines, l => l.Event.Name == "DigestDeliveriesUnknown");
        Assert.Equal(LogLevel.Warning, report.Level);
        Assert.Equal($"Digest issue {issueId}: 1 deliveries were left in Sending by a stopped worker and are now Unknown (not resent)", report.Message);
        Assert.Equal(1, (await app.CountsAsync(issueId)).Unknown);
        // Never resent by itself: nothing reached the server for either reader.
        Assert.False(app.Smtp.AcceptedCount.ContainsKey(readers[0].Email));
        Assert.False(app.Smtp.AcceptedCount.ContainsKey(readers[1].Email));
    }
}
