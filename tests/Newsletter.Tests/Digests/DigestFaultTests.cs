using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Newsletter.Digests;
using Newsletter.Jobs;
using Newsletter.Subscribers;
using Newsletter.Tests.Support;
using Newsletter.Web;

namespace Newsletter.Tests.Digests;

/// <summary>
/// What a real SMTP server can do wrong while a digest goes out, each scripted on the test server, and what a user
/// checks afterwards: how many copies each reader really got, every row's state, and who is on the suppression list.
/// Nobody is lost, nobody gets two copies, and nobody is suppressed for the sender's problem.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class DigestFaultTests(DigestApp app) : IClassFixture<DigestApp>
{
    [Fact]
    public async Task A_recipient_refused_for_good_at_RCPT_fails_and_is_suppressed_and_nobody_else_is()
    {
        var readers = await StartAsync("gone", 6);
        var target = readers[1].Email;
        app.Smtp.Script = m => m.Stage == SmtpStage.Rcpt && m.Address == target ? new SmtpAction.Reply("550 5.1.1 <" + target + ">: Recipient address rejected: User unknown") : null;

        var issue = await app.SendNowAsync();
        var counts = await app.WaitUntilSentAsync(issue);

        Assert.Equal((5, 1, 0, 0), (counts.Sent, counts.Failed, counts.Unknown, counts.Pending));
        var failed = (await app.DeliveriesAsync(issue)).Single(d => d.State == DeliveryState.Failed);
        Assert.Equal((readers[1].Id, 550), (failed.SubscriberId, failed.SmtpStatus));
        Assert.Contains("5.1.1", failed.Error);
        Assert.True(await app.IsSuppressedAsync(target));
        foreach (var reader in readers.Where(r => r.Email != target))
        {
            Assert.Equal(1, Copies(reader.Email));
            Assert.False(await app.IsSuppressedAsync(reader.Email));
        }
        Assert.Equal(0, Copies(target));
    }

    [Fact]
    public async Task A_recipient_deferred_twice_with_451_is_retried_with_backoff_and_gets_one_copy()
    {
        var readers = await StartAsync("grey", 5);
        var target = readers[2].Email;
        var refusals = 0;
        app.Smtp.Script = m => m.Stage == SmtpStage.Rcpt && m.Address == target && Interlocked.Increment(ref refusals) <= 2
            ? new SmtpAction.Reply("451 4.7.1 <" + target + ">: Recipient address rejected: Greylisted, try again later")
            : null;

        var issue = await app.SendNowAsync();
        var counts = await app.WaitUntilSentAsync(issue, TimeSpan.FromSeconds(90));

        Assert.Equal((5, 0, 0), (counts.Sent, counts.Failed, counts.Unknown));
        var delivery = (await app.DeliveriesAsync(issue)).Single(d => d.SubscriberId == readers[2].Id);
        Assert.Equal((DeliveryState.Sent, 3), (delivery.State, delivery.Attempts));
        Assert.Equal(3, refusals);
        foreach (var reader in readers) Assert.Equal(1, Copies(reader.Email));
        Assert.False(await app.IsSuppressedAsync(target));
    }

    [Theory]
    [InlineData("mail", "550 5.7.1 <news@test-review.example>: Sender address rejected: not owned by user")]
    // Postfix checks the sender's restrictions at RCPT (smtpd_delay_reject, its default): the refusal of our sender
    // answers each recipient, with a code of the 5.1.x family that would otherwise mean a dead address.
    [InlineData("rcpt", "553 5.1.8 <news@test-review.example>: Sender address rejected: Domain not found")]
    // A relay refusing to relay names the recipient ({0}): the issue's reason, kept and logged, must not.
    [InlineData("rcpt", "554 5.7.1 <{0}>: Relay access denied")]
    public async Task A_refused_sender_pauses_the_issue_suppresses_nobody_and_a_resume_sends_each_reader_once(string stage, string reply)
    {
        var readers = await StartAsync("relay-" + stage + reply.Length, 8);
        app.Smtp.Script = m => m.Stage == (stage == "mail" ? SmtpStage.Mail : SmtpStage.Rcpt) ? new SmtpAction.Reply(string.Format(reply, m.Address)) : null;

        var issue = await app.SendNowAsync();
        var paused = await app.WaitUntilPausedAsync(issue);

        Assert.Contains(reply[..9], paused.PausedReason);
        Assert.All(readers, reader => Assert.DoesNotContain(reader.Email, paused.PausedReason!, StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(app.RecentWarnings, line => readers.Any(reader => line.Contains(reader.Email, StringComparison.OrdinalIgnoreCase)));
        var counts = await app.CountsAsync(issue);
        Assert.Equal((0, 0, 0, 0, 8), (counts.Sent, counts.Failed, counts.Unknown, counts.Sending, counts.Pending));
        Assert.All(await app.DeliveriesAsync(issue), d => Assert.Equal(0, d.Attempts));
        foreach (var reader in readers) Assert.False(await app.IsSuppressedAsync(reader.Email));
        Assert.Empty(app.Smtp.Messages);

        // The dashboard says why, and the staff API resumes once the relay is fixed.
        using var staff = app.CreateStaffClient();
        var summary = await staff.GetFromJsonAsync<DigestAdminApi.IssueSummary>($"/api/admin/digests/{issue}");
        Assert.Equal(("paused", paused.PausedReason), (summary!.State, summary.PausedReason));
        app.Smtp.Script = null;
        Assert.Equal(HttpStatusCode.Accepted, (await staff.PostAsync($"/api/admin/digests/{issue}/resume", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await staff.PostAsync($"/api/admin/digests/{issue}/resume", null)).StatusCode);

        counts = await app.WaitUntilSentAsync(issue);
        Assert.Equal((8, 0, 0), (counts.Sent, counts.Failed, counts.Unknown));
        foreach (var reader in readers) Assert.Equal(1, Copies(reader.Email));
        Assert.Null((await app.IssueAsync(issue)).PausedReason);
    }

    [Fact]
    public async Task Staff_pause_a_sending_issue_the_claimed_windows_finish_and_a_resume_sends_each_remaining_reader_once()
    {
        var readers = await StartAsync("halt", 80);
        // A slow server (150 ms per message: 4 s for all), so the send is still going when staff press Pause.
        app.Smtp.Script = m => m.Stage == SmtpStage.EndOfData ? new SmtpAction.Delay(TimeSpan.FromMilliseconds(150)) : null;
        var issue = await app.SendNowAsync();
        await NewsletterApp.EventuallyAsync(() => Task.FromResult(Accepted() >= 3), "the first copies to go out");

        using var staff = app.CreateStaffClient();
        Assert.Equal(HttpStatusCode.Accepted, (await staff.PostAsync($"/api/admin/digests/{issue}/pause", null)).StatusCode);
        var acceptedAtPause = Accepted();
        Assert.Equal(HttpStatusCode.Conflict, (await staff.PostAsync($"/api/admin/digests/{issue}/pause", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await staff.PostAsync($"/api/admin/digests/{issue + 1000}/pause", null)).StatusCode);

        // Each sender finishes the window it holds (3 connections × 3) and claims nothing more.
        await NewsletterApp.EventuallyAsync(async () => (await app.CountsAsync(issue)).Sending == 0, "the claimed windows to finish");
        await Task.Delay(1000);
        var counts = await app.CountsAsync(issue);
        Assert.InRange(Accepted(), acceptedAtPause, acceptedAtPause + 9);
        Assert.Equal((Accepted(), 0, 0, 80 - Accepted()), (counts.Sent, counts.Failed, counts.Unknown, counts.Pending));
        var summary = await staff.GetFromJsonAsync<DigestAdminApi.IssueSummary>($"/api/admin/digests/{issue}");
        Assert.Equal(("paused", StaffApiKeyAuthentication.SettingsKeyName), (summary!.State, summary.PausedBy));
        Assert.Contains(StaffApiKeyAuthentication.SettingsKeyName, summary.PausedReason);
        foreach (var reader in readers) Assert.False(await app.IsSuppressedAsync(reader.Email));

        app.Smtp.Script = null;
        Assert.Equal(HttpStatusCode.Accepted, (await staff.PostAsync($"/api/admin/digests/{issue}/resume", null)).StatusCode);
        counts = await app.WaitUntilSentAsync(issue);
        Assert.Equal((80, 0, 0), (counts.Sent, counts.Failed, counts.Unknown));
        foreach (var reader in readers) Assert.Equal(1, Copies(reader.Email));
        var resumed = await app.IssueAsync(issue);
        Assert.Equal((DigestIssueState.Sent, null, null), (resumed.State, resumed.PausedBy, resumed.PausedReason));
        // A sent issue has nothing to pause.
        Assert.Equal(HttpStatusCode.Conflict, (await staff.PostAsync($"/api/admin/digests/{issue}/pause", null)).StatusCode);
    }

    [Fact]
    public async Task A_paused_issue_cancelled_skips_its_unsent_readers_leaves_the_site_and_the_next_issue_carries_its_articles()
    {
        var readers = await StartAsync("stop", 80);
        app.Smtp.Script = m => m.Stage == SmtpStage.EndOfData ? new SmtpAction.Delay(TimeSpan.FromMilliseconds(150)) : null;
        var issue = await app.SendNowAsync();
        await NewsletterApp.EventuallyAsync(() => Task.FromResult(Accepted() >= 3), "the first copies to go out");
        using var staff = app.CreateStaffClient();
        // Only a paused issue can be cancelled: a sending one still has windows in flight.
        Assert.Equal(HttpStatusCode.Conflict, (await staff.PostAsync($"/api/admin/digests/{issue}/cancel", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await staff.PostAsync($"/api/admin/digests/{issue}/pause", null)).StatusCode);
        await NewsletterApp.EventuallyAsync(async () => (await app.CountsAsync(issue)).Sending == 0, "the claimed windows to finish");

        var cancel = await staff.PostAsync($"/api/admin/digests/{issue}/cancel", null);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        var skipped = (await cancel.Content.ReadFromJsonAsync<DigestAdminApi.CancelResponse>())!.Skipped;
        var sentBefore = Accepted();
        Assert.Equal(80 - sentBefore, skipped);
        var counts = await app.CountsAsync(issue);
        Assert.Equal((sentBefore, skipped, 0, 0, 0), (counts.Sent, counts.Skipped, counts.Pending, counts.Sending, counts.Unknown));
        var summary = await staff.GetFromJsonAsync<DigestAdminApi.IssueSummary>($"/api/admin/digests/{issue}");
        Assert.Equal(("cancelled", StaffApiKeyAuthentication.SettingsKeyName), (summary!.State, summary.CancelledBy));
        // Nothing brings it back, and nobody more gets it.
        Assert.Equal(HttpStatusCode.Conflict, (await staff.PostAsync($"/api/admin/digests/{issue}/cancel", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await staff.PostAsync($"/api/admin/digests/{issue}/resume", null)).StatusCode);
        app.Smtp.Script = null;
        await Task.Delay(1000);
        Assert.Equal(sentBefore, Accepted());
        // It is not on the site.
        using var reader = app.CreateReaderClient();
        Assert.Equal(HttpStatusCode.NotFound, (await reader.GetAsync($"/archive/{issue}")).StatusCode);
        Assert.DoesNotContain($"/archive/{issue}\"", await reader.GetStringAsync("/archive"));

        // The next issue covers the cancelled one's period again: its article reaches every reader, once.
        await app.PushArticleAsync("stop-next-" + Guid.NewGuid().ToString("N")[..6], "Later news", "books");
        var next = await app.SendNowAsync();
        counts = await app.WaitUntilSentAsync(next);
        Assert.Equal((80, 0, 0), (counts.Sent, counts.Failed, counts.Unknown));
        Assert.Equal((await app.IssueAsync(issue)).PeriodStart, (await app.IssueAsync(next)).PeriodStart);
        var nextSubject = (await app.IssueAsync(next)).Subject;
        foreach (var r in readers)
        {
            var copy = Assert.Single(app.MessagesTo(r.Email), m => m.Subject == nextSubject);
            Assert.Contains("News for stop", copy.HtmlBody);
            Assert.Contains("Later news", copy.HtmlBody);
        }
    }

    [Fact]
    public async Task Content_refused_at_the_end_of_data_pauses_the_issue_and_blames_no_reader()
    {
        var readers = await StartAsync("spam", 6);
        app.Smtp.Script = m => m.Stage == SmtpStage.EndOfData ? new SmtpAction.Reply("554 5.7.1 Message rejected: looks like spam") : null;

        var issue = await app.SendNowAsync();
        var paused = await app.WaitUntilPausedAsync(issue);

        Assert.Contains("554 5.7.1", paused.PausedReason);
        Assert.NotEqual(DigestIssueState.Sent, paused.State);
        await BlamedNobodyAndResumeSendsEachOnceAsync(issue, readers);
    }

    [Fact]
    public async Task A_421_and_close_after_the_data_or_at_MAIL_loses_nobody_and_doubles_nobody()
    {
        var readers = await StartAsync("throttle", 40);
        var mails = 0;
        // Gmail and Outlook throttle like this: "421 4.7.0 Try again later, closing connection", then the socket closes.
        app.Smtp.Script = m => m.Stage switch
        {
            SmtpStage.EndOfData when m.Message % 7 == 0 => new SmtpAction.ReplyAndClose("421 4.7.0 Try again later, closing connection"),
            SmtpStage.Mail when Interlocked.Increment(ref mails) % 11 == 0 => new SmtpAction.ReplyAndClose("421 4.7.28 Too many messages, closing connection"),
            _ => null,
        };
        var connectionsBefore = app.Smtp.ConnectionCount;

        var issue = await app.SendNowAsync();
        var counts = await app.WaitUntilSentAsync(issue, TimeSpan.FromSeconds(90));

        Assert.Equal((40, 0, 0), (counts.Sent, counts.Failed, counts.Unknown));
        foreach (var reader in readers) Assert.Equal(1, Copies(reader.Email));
        // A closed connection was never reused: every 421 cost a new connection.
        Assert.True(app.Smtp.ConnectionCount - connectionsBefore > 5, $"only {app.Smtp.ConnectionCount - connectionsBefore} connections for all the 421s");
        Assert.All(await app.DeliveriesAsync(issue), d => Assert.Equal((DeliveryState.Sent, null), (d.State, d.Error)));
    }

    [Fact]
    public async Task A_server_that_drops_after_the_greeting_is_retried_and_one_that_keeps_dropping_pauses_the_issue()
    {
        var readers = await StartAsync("greet", 6);
        var first = app.Smtp.ConnectionCount;
        // The first two connections are dropped right after the 220; the third works.
        app.Smtp.Script = m => m.Stage == SmtpStage.Ehlo && m.Connection <= first + 2 ? new SmtpAction.Drop() : null;
        var issue = await app.SendNowAsync();
        var counts = await app.WaitUntilSentAsync(issue);
        Assert.Equal((6, 0, 0), (counts.Sent, counts.Failed, counts.Unknown));
        foreach (var reader in readers) Assert.Equal(1, Copies(reader.Email));

        // Now the server drops every connection (the open ones at the next MAIL, new ones after the greeting): after a
        // few tries the issue pauses instead of failing anyone.
        readers = await StartAsync("greet-down", 6);
        app.Smtp.Script = m => m.Stage is SmtpStage.Ehlo or SmtpStage.Mail ? new SmtpAction.Drop() : null;
        issue = await app.SendNowAsync();
        var paused = await app.WaitUntilPausedAsync(issue);
        Assert.Contains("could not be reached", paused.PausedReason);
        await BlamedNobodyAndResumeSendsEachOnceAsync(issue, readers);
    }

    /// <summary>
    /// A paused issue blamed no reader (all still Pending, none suppressed); resumed once the server behaves, each
    /// reader gets exactly one copy.
    /// </summary>
    private async Task BlamedNobodyAndResumeSendsEachOnceAsync(long issue, IReadOnlyList<Subscriber> readers)
    {
        var counts = await app.CountsAsync(issue);
        Assert.Equal((0, 0, 0, readers.Count), (counts.Sent, counts.Failed, counts.Unknown, counts.Pending));
        foreach (var reader in readers) Assert.False(await app.IsSuppressedAsync(reader.Email));

        app.Smtp.Script = null;
        await using (var scope = app.Services.CreateAsyncScope())
            Assert.True(await scope.ServiceProvider.GetRequiredService<DigestService>().ResumeAsync(issue, CancellationToken.None));
        counts = await app.WaitUntilSentAsync(issue);
        Assert.Equal(readers.Count, counts.Sent);
        foreach (var reader in readers) Assert.Equal(1, Copies(reader.Email));
    }

    [Fact]
    public async Task A_drop_after_the_final_dot_is_unknown_never_resent_by_itself_and_staff_can_send_again()
    {
        var readers = await StartAsync("dot", 6);
        var kept = readers[1].Email;
        var lost = readers[4].Email;
        // One server takes the message and then dies before saying so; another dies before taking it. From outside
        // both look the same: the whole message was written and no answer came.
        app.Smtp.Script = m => m.Stage == SmtpStage.EndOfData && m.Recipients.Contains(kept) && Copies(kept) == 0 ? new SmtpAction.AcceptAndDrop()
            : m.Stage == SmtpStage.EndOfData && m.Recipients.Contains(lost) && !_lostOnce ? DropOnce()
            : null;

        var issue = await app.SendNowAsync();
        var counts = await app.WaitUntilSentAsync(issue);

        Assert.Equal((4, 2, 0), (counts.Sent, counts.Unknown, counts.Failed));
        var unknown = (await app.DeliveriesAsync(issue)).Where(d => d.State == DeliveryState.Unknown).Select(d => d.SubscriberId).Order().ToList();
        Assert.Equal(new[] { readers[1].Id, readers[4].Id }.Order(), unknown);
        Assert.Equal((1, 0), (Copies(kept), Copies(lost)));
        foreach (var reader in readers.Where(r => r.Email != kept && r.Email != lost)) Assert.Equal(1, Copies(reader.Email));

        // A restart's recovery does not send them again.
        foreach (var recovery in app.Services.GetServices<IStartupRecovery>()) await recovery.RecoverAsync(CancellationToken.None);
        await Task.Delay(1500);
        Assert.Equal((1, 0), (Copies(kept), Copies(lost)));

        // Staff see who they are, and may choose to send again, warned that some may get a second copy.
        using var staff = app.CreateStaffClient();
        var listed = await staff.GetFromJsonAsync<List<DigestAdminApi.DeliveryItem>>($"/api/admin/digests/{issue}/deliveries?state=unknown");
        Assert.Equal(new[] { kept, lost }.Order(), listed!.Select(d => d.Email).Order());
        Assert.All(listed!, d => Assert.Contains("may or may not", d.Error));
        Assert.Equal(HttpStatusCode.BadRequest, (await staff.GetAsync($"/api/admin/digests/{issue}/deliveries?state=lost")).StatusCode);
        var resend = await staff.PostAsync($"/api/admin/digests/{issue}/resend-unknown", null);
        var result = await resend.Content.ReadFromJsonAsync<DigestAdminApi.ResendResult>();
        Assert.Equal(2, result!.Resent);
        Assert.Contains("second copy", result.Warning);
        counts = await app.WaitUntilSentAsync(issue);
        Assert.Equal((6, 0), (counts.Sent, counts.Unknown));
        Assert.Equal((2, 1), (Copies(kept), Copies(lost)));
    }

    private volatile bool _lostOnce;

    private SmtpAction DropOnce()
    {
        _lostOnce = true;
        return new SmtpAction.Drop();
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
        var readers = await StartAsync("lease", 3);
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
            Assert.True(await scope.ServiceProvider.GetRequiredService<DigestFanOut>().StartAsync(issue, CancellationToken.None));
        }
        foreach (var recovery in app.Services.GetServices<IStartupRecovery>()) await recovery.RecoverAsync(CancellationToken.None);
        var counts = await app.WaitUntilSentAsync(issue);
        Assert.Equal((2, 1), (counts.Sent, counts.Unknown));
        Assert.Equal(0, Copies(readers[0].Email));
    }

    /// <summary>A fresh audience of <paramref name="count"/> readers, a new article, and a quiet server.</summary>
    private async Task<List<Subscriber>> StartAsync(string prefix, int count)
    {
        app.Smtp.Script = null;
        app.Smtp.Clear();
        await app.ClearAudienceAsync();
        await app.PushArticleAsync(prefix + "-" + Guid.NewGuid().ToString("N")[..6], "News for " + prefix, "books");
        return await app.AddReadersAsync(prefix, count);
    }

    private int Copies(string email) => app.Smtp.AcceptedCount.GetValueOrDefault(email);

    private int Accepted() => app.Smtp.AcceptedCount.Values.Sum();
}
