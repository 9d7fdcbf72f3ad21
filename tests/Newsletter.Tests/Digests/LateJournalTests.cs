using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Newsletter.Digests;
using Newsletter.Jobs;
using Newsletter.Subscribers;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Digests;

/// <summary>
/// Digests README, "Not guaranteed": a dead worker's windows in flight become Unknown; "starting the process again on
/// that data directory settles them even then (Unknown rows the journal shows as accepted become Sent, never-started
/// ones go out)".
/// </summary>
[Collection(HostCollection.Name)]
public sealed class LateJournalTests(DigestApp app) : IClassFixture<DigestApp>
{
    [Fact]
    public async Task Never_started_copies_settled_from_a_journal_after_the_issue_finished_still_go_out()
    {
        await app.StartupSweepDoneAsync();
        app.Smtp.Script = null;
        app.Smtp.Clear();
        await app.ClearAudienceAsync();
        await app.PushArticleAsync("latejournal-" + Guid.NewGuid().ToString("N")[..6], "News for late journal", "books");
        var readers = await app.AddReadersAsync("latejournal", 3);
        var dead = Guid.NewGuid();
        long issue;
        long[] held;
        await using (var scope = app.Services.CreateAsyncScope())
        {
            issue = (await scope.ServiceProvider.GetRequiredService<DigestPlanner>().PlanAsync(DigestFrequency.Daily, CancellationToken.None))!.Id;
            // A worker claimed a window of two readers an hour ago and died before starting either copy.
            held = await app.WithDbAsync(async db =>
            {
                var rows = readers.Take(2).Select(r => new Delivery
                {
                    IssueId = issue, SubscriberId = r.Id, State = DeliveryState.Sending, ClaimToken = dead, ClaimedAt = DateTime.UtcNow.AddHours(-1), Attempts = 1,
                }).ToList();
                db.AddRange(rows);
                await db.SaveChangesAsync();
                return rows.Select(r => r.Id).ToArray();
            });
            Assert.True(await scope.ServiceProvider.GetRequiredService<DigestFanOut>().StartAsync(issue, CancellationToken.None));
        }
        // The third reader is sent by a live run; the sweep finds the dead run's claims past the lease (Unknown, no
        // journal here), and the issue is finished.
        await app.SweepUntilAsync(async () => (await app.IssueAsync(issue)).State == DigestIssueState.Sent, "the issue to finish",
            TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(3));
        Assert.Equal((1, 2), ((await app.CountsAsync(issue)).Sent, (await app.CountsAsync(issue)).Unknown));

        // The dead worker's process starts again on its data directory: its journal says neither copy was started.
        var journals = app.Services.GetRequiredService<SendJournals>();
        using (var journal = journals.Start(dead, issue, held[0]))
        {
            journal.Window(held);
            journal.Keep();
        }
        foreach (var recovery in app.Services.GetServices<IStartupRecovery>()) await recovery.RecoverAsync(CancellationToken.None);

        // "never-started ones go out": each of the two readers gets the issue once.
        try
        {
            await NewsletterApp.EventuallyAsync(() => Task.FromResult(readers.Take(2).All(r => app.MessagesTo(r.Email).Count == 1)),
                "the two never-started copies to go out", TimeSpan.FromSeconds(20));
        }
        catch (TimeoutException e)
        {
            var counts = await app.CountsAsync(issue);
            var state = (await app.IssueAsync(issue)).State;
            throw new Xunit.Sdk.XunitException($"{e.Message}: issue {state}, pending {counts.Pending}, sent {counts.Sent}, unknown {counts.Unknown}; copies "
                + string.Join(",", readers.Select(r => app.MessagesTo(r.Email).Count)));
        }
        // The run records its copies, and then finishes the issue, after the server has them.
        var finished = await app.WaitUntilSentAsync(issue);
        Assert.Equal((3, 0, 0), (finished.Sent, finished.Pending, finished.Unknown));
    }

    [Fact]
    public async Task A_reader_left_pending_in_a_finished_issue_is_sent_by_the_sweep_and_one_in_a_cancelled_issue_is_skipped()
    {
        // A settle that commits between an issue's last "anything left?" and its close leaves a Pending row in a Sent
        // issue (at READ COMMITTED neither sees the other); a cancel racing it, one in a Cancelled issue.
        await app.StartupSweepDoneAsync();
        app.Smtp.Script = null;
        app.Smtp.Clear();
        await app.ClearAudienceAsync();
        await app.PushArticleAsync("stranded-" + Guid.NewGuid().ToString("N")[..6], "News for stranded", "books");
        var readers = await app.AddReadersAsync("stranded", 3);
        var issue = await app.SendNowAsync();
        await app.WaitUntilSentAsync(issue);
        var late = readers[2];
        await app.WithDbAsync(db => db.Set<Delivery>().Where(d => d.IssueId == issue && d.SubscriberId == late.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.State, DeliveryState.Pending).SetProperty(d => d.SentAt, (DateTime?)null)));
        app.Smtp.Clear();

        await app.SweepUntilAsync(async () => (await app.IssueAsync(issue)).State == DigestIssueState.Sent && app.MessagesTo(late.Email).Count == 1,
            "the stranded reader to be sent", TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1));
        Assert.Equal(DeliveryState.Sent, (await app.DeliveriesAsync(issue)).Single(d => d.SubscriberId == late.Id).State);
        Assert.Empty(app.MessagesTo(readers[0].Email));

        // The same in a cancelled issue: nothing is sent, the row is skipped.
        await app.WithDbAsync(async db =>
        {
            await db.Set<DigestIssue>().Where(i => i.Id == issue).ExecuteUpdateAsync(s => s.SetProperty(i => i.State, DigestIssueState.Cancelled));
            return await db.Set<Delivery>().Where(d => d.IssueId == issue && d.SubscriberId == late.Id).ExecuteUpdateAsync(s => s.SetProperty(d => d.State, DeliveryState.Pending));
        });
        await app.SweepUntilAsync(async () => (await app.DeliveriesAsync(issue)).Single(d => d.SubscriberId == late.Id).State == DeliveryState.Skipped,
            "the reader of the cancelled issue to be skipped", TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1));
        Assert.Single(app.MessagesTo(late.Email));
        Assert.Equal(DigestIssueState.Cancelled, (await app.IssueAsync(issue)).State);
    }
}
