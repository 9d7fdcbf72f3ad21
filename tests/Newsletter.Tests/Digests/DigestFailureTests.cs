using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Newsletter.Digests;
using Newsletter.Email;
using Newsletter.Jobs;
using Newsletter.Subscribers;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Digests;

/// <summary>What goes wrong while sending, and how every reader still ends in exactly one known state.</summary>
[Collection(HostCollection.Name)]
public sealed class DigestFailureTests(DigestApp app) : IClassFixture<DigestApp>
{
    [Fact]
    public async Task A_batch_killed_in_the_middle_resumes_after_a_restart_and_every_reader_gets_exactly_one_copy()
    {
        await app.ClearAudienceAsync();
        app.Smtp.Clear();
        await app.PushArticleAsync("crash-1", "Crash course", "books");
        var readers = await app.AddReadersAsync("crash", 30);
        app.Transport.Reset(crashAfter: 7);

        var issue = await SendNowAsync();
        await NewsletterApp.EventuallyAsync(() => Task.FromResult(app.Transport.Crashed), "the simulated crash");
        // Wait until the crashed batch has recorded what it knows: nothing is left in Sending.
        DeliveryCounts afterCrash = null!;
        await NewsletterApp.EventuallyAsync(async () =>
        {
            afterCrash = await CountsAsync(issue);
            return afterCrash.Sending == 0 && afterCrash.Pending > 0 && afterCrash.Sent + afterCrash.Pending == readers.Count;
        }, "the crashed batch to give back its rows");
        Assert.True(afterCrash.Sent >= 7, $"accepted messages are recorded as Sent, got {afterCrash.Sent}");
        Assert.Equal(afterCrash.Sent, app.Smtp.Messages.Count);
        Assert.Equal(DigestIssueState.Sending, await StateAsync(issue));

        // A restart runs the start-up recovery, which finds the issue still Sending and enqueues what is left.
        foreach (var recovery in app.Services.GetServices<IStartupRecovery>()) await recovery.RecoverAsync(CancellationToken.None);
        var counts = await app.WaitUntilSentAsync(issue);

        Assert.Equal((readers.Count, 0, 0), (counts.Sent, counts.Failed, counts.Unknown));
        foreach (var reader in readers) Assert.Single(app.MessagesTo(reader.Email));
        Assert.Equal(readers.Count, app.Smtp.Messages.Count);
    }

    [Fact]
    public async Task A_451_is_retried_with_backoff_and_then_sent_once()
    {
        await app.ClearAudienceAsync();
        await app.PushArticleAsync("greylist-1", "Greylisted", "books");
        var readers = await app.AddReadersAsync("grey", 5);
        var target = readers[2].Email;
        var refused = 0;
        app.Smtp.DataReply = (_, recipients) => recipients.Contains(target) && Interlocked.Increment(ref refused) == 1 ? "451 4.7.1 Greylisted, try again later" : null;
        try
        {
            var issue = await SendNowAsync();
            // The retry is a Hangfire scheduled job; its scheduler polls, so allow it time.
            var counts = await app.WaitUntilSentAsync(issue, TimeSpan.FromSeconds(90));
            Assert.Equal((5, 0), (counts.Sent, counts.Failed));
            var delivery = await app.WithDbAsync(db => db.Set<Delivery>().AsNoTracking().SingleAsync(d => d.IssueId == issue && d.SubscriberId == readers[2].Id));
            Assert.Equal((DeliveryState.Sent, 2, 250), (delivery.State, delivery.Attempts, delivery.SmtpStatus));
            Assert.Single(app.MessagesTo(target));
        }
        finally
        {
            app.Smtp.DataReply = null;
        }
    }

    [Fact]
    public async Task A_550_fails_for_good_suppresses_the_address_and_a_retry_of_failures_skips_it()
    {
        await app.ClearAudienceAsync();
        await app.PushArticleAsync("bounce-1", "Bounced", "books");
        var readers = await app.AddReadersAsync("hard", 4);
        var target = readers[0].Email;
        app.Smtp.DataReply = (_, recipients) => recipients.Contains(target) ? "550 5.1.1 No such user" : null;
        try
        {
            var issue = await SendNowAsync();
            var counts = await app.WaitUntilSentAsync(issue);
            Assert.Equal((3, 1), (counts.Sent, counts.Failed));
            var failed = await app.WithDbAsync(db => db.Set<Delivery>().AsNoTracking().SingleAsync(d => d.IssueId == issue && d.State == DeliveryState.Failed));
            Assert.Equal((readers[0].Id, 550, 1), (failed.SubscriberId, failed.SmtpStatus, failed.Attempts));
            Assert.Contains("No such user", failed.Error);
            await using (var scope = app.Services.CreateAsyncScope())
                Assert.True(await scope.ServiceProvider.GetRequiredService<SuppressionList>().IsSuppressedAsync(EmailAddress.FromStored(target), CancellationToken.None));

            // Staff retry the failures only: the sent ones are not touched, the suppressed address is skipped.
            using var staff = app.CreateStaffClient();
            var retry = await staff.PostAsync($"/api/admin/digests/{issue}/retry-failed", null);
            Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
            Assert.Equal(1, (await retry.Content.ReadFromJsonAsync<DigestAdminApi.RetryResult>())!.Retried);
            counts = await app.WaitUntilSentAsync(issue);
            Assert.Equal((3, 0, 1), (counts.Sent, counts.Failed, counts.Skipped));
            Assert.Empty(app.MessagesTo(target));
            foreach (var reader in readers.Skip(1)) Assert.Single(app.MessagesTo(reader.Email));
        }
        finally
        {
            app.Smtp.DataReply = null;
        }
    }

    [Fact]
    public async Task Two_planners_racing_for_the_same_period_make_one_issue()
    {
        await app.PushArticleAsync("race-1", "Race report", "film");
        var planned = await Task.WhenAll(Enumerable.Range(0, 6).Select(async _ =>
        {
            await using var scope = app.Services.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<DigestPlanner>().PlanAsync(DigestFrequency.Weekly, CancellationToken.None);
        }));
        Assert.Single(planned.Select(i => i!.Id).Distinct());
        var key = planned[0]!.Key;
        Assert.Equal(1, await app.WithDbAsync(db => db.Set<DigestIssue>().CountAsync(i => i.Key == key)));
    }

    [Fact]
    public async Task Rows_left_in_sending_by_a_dead_worker_become_unknown_and_are_never_resent()
    {
        await app.ClearAudienceAsync();
        await app.PushArticleAsync("lease-1", "Lease", "books");
        var readers = await app.AddReadersAsync("lease", 3);
        long issue;
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var planned = await scope.ServiceProvider.GetRequiredService<DigestPlanner>().PlanAsync(DigestFrequency.Daily, CancellationToken.None);
            issue = planned!.Id;
            // A worker claimed the first row an hour ago and died: write the ledger as it left it, then start.
            await app.WithDbAsync(async db =>
            {
                db.Add(new Delivery { IssueId = issue, SubscriberId = readers[0].Id, State = DeliveryState.Sending, ClaimToken = Guid.NewGuid(), ClaimedAt = DateTime.UtcNow.AddHours(-1), Attempts = 1 });
                await db.SaveChangesAsync();
            });
            await db_StartAsync(scope, issue);
        }
        foreach (var recovery in app.Services.GetServices<IStartupRecovery>()) await recovery.RecoverAsync(CancellationToken.None);
        var counts = await app.WaitUntilSentAsync(issue);
        Assert.Equal((2, 1), (counts.Sent, counts.Unknown));
        Assert.Empty(app.MessagesTo(readers[0].Email));
    }

    private static async Task db_StartAsync(AsyncServiceScope scope, long issue) =>
        Assert.True(await scope.ServiceProvider.GetRequiredService<DigestFanOut>().StartAsync(issue, CancellationToken.None));

    private async Task<long> SendNowAsync()
    {
        using var staff = app.CreateStaffClient();
        var response = await staff.PostAsJsonAsync("/api/admin/digests/send-now", new { frequency = "daily" });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<DigestAdminApi.IssueSummary>())!.Id;
    }

    private Task<DeliveryCounts> CountsAsync(long issue) => app.WithDbAsync(db => new DeliveryLedger(db, TimeProvider.System).CountAsync(issue, CancellationToken.None));

    private Task<DigestIssueState> StateAsync(long issue) => app.WithDbAsync(db => db.Set<DigestIssue>().Where(i => i.Id == issue).Select(i => i.State).SingleAsync());
}
