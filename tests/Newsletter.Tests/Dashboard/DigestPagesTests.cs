using System.Net;
using Microsoft.EntityFrameworkCore;
using Newsletter.Articles;
using Newsletter.Digests;
using Newsletter.Subscribers;
using Newsletter.Tests.Support;
using Newsletter.Web;

namespace Newsletter.Tests.Dashboard;

/// <summary>
/// The Articles and Digests pages through the host's HTTP pipeline (TestServer) as a logged-in editor: hiding and adding articles, the schedule, the
/// planned issue's preview and audience, a test copy, sending with the progress bar, and retrying failures.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class DigestPagesTests(PagesApp app) : IClassFixture<PagesApp>, IAsyncLifetime
{
    private readonly StaffBrowser _browser = new(app);

    public async Task InitializeAsync()
    {
        await StaffBrowser.EnsureAccountAsync(app, "digest-editor@example.org", StaffRoles.Editor);
        await _browser.LogInAsync("digest-editor@example.org");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Staff_hide_an_article_from_the_next_digest_add_one_by_hand_and_a_bad_one_is_refused()
    {
        var kept = await app.AddArticleAsync("art-kept", "A novel worth reading", "books");
        var hidden = await app.AddArticleAsync("art-hidden", "An article to hide", "books");
        var list = await _browser.GetPageAsync("/admin/articles");
        Assert.Contains("A novel worth reading", list);
        Assert.Contains("An article to hide", list);

        var hide = await _browser.PostFormAsync($"/admin/articles?handler=hide&id={hidden}", [], "/admin/articles");
        Assert.Equal(HttpStatusCode.Redirect, hide.StatusCode);
        Assert.True(await app.WithDbAsync(db => db.Set<Article>().Where(a => a.Id == hidden).Select(a => a.Hidden).SingleAsync()));
        Assert.False(await app.WithDbAsync(db => db.Set<Article>().Where(a => a.Id == kept).Select(a => a.Hidden).SingleAsync()));
        Assert.Contains("hidden", await _browser.GetPageAsync("/admin/articles"));

        var added = await _browser.PostFormAsync("/admin/articles?handler=add", [new("NewTitle", "Typed in by hand"), new("NewLink", "https://blog.example/by-hand"),
            new("NewCategories", "Film, books"), new("NewSummary", "<p onclick=\"x()\">Hand <script>alert(1)</script>made</p>")], "/admin/articles");
        Assert.Equal(HttpStatusCode.Redirect, added.StatusCode);
        var article = await app.WithDbAsync(db => db.Set<Article>().AsNoTracking().SingleAsync(a => a.Link == "https://blog.example/by-hand"));
        Assert.Equal(("Typed in by hand", "books,film"), (article.Title, article.Categories));
        Assert.DoesNotContain("script", article.Summary);
        Assert.DoesNotContain("onclick", article.Summary);

        var bad = await _browser.PostFormAsync("/admin/articles?handler=add", [new("NewTitle", "No link"), new("NewLink", "javascript:alert(1)")], "/admin/articles");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("The link must be an absolute http(s) URL.", await bad.Content.ReadAsStringAsync());
        Assert.False(await app.WithDbAsync(db => db.Set<Article>().AnyAsync(a => a.Title == "No link")));

        // Showing it again undoes the hide.
        await _browser.PostFormAsync($"/admin/articles?handler=show&id={hidden}", [], "/admin/articles");
        Assert.False(await app.WithDbAsync(db => db.Set<Article>().Where(a => a.Id == hidden).Select(a => a.Hidden).SingleAsync()));
        await _browser.PostFormAsync($"/admin/articles?handler=hide&id={hidden}", [], "/admin/articles");
    }

    [Fact]
    public async Task Send_now_plans_the_issue_confirms_the_audience_previews_sends_shows_progress_and_retries_failures()
    {
        var visible = await app.AddArticleAsync("dg-visible", "The film of the year", "film");
        // Only this test's film article goes into the issue, whichever test ran first.
        await app.WithDbAsync(db => db.Set<Article>().Where(a => a.Id != visible).ExecuteUpdateAsync(s => s.SetProperty(a => a.Hidden, true)));
        var secret = await app.AddArticleAsync("dg-secret", "Not for this issue", "film");
        await app.WithDbAsync(db => db.Set<Article>().Where(a => a.Id == secret).ExecuteUpdateAsync(s => s.SetProperty(a => a.Hidden, true)));
        var readers = await app.AddReadersAsync("dg", 3, topics: "film");
        await app.AddReadersAsync("dgbooks", 2, topics: "books");

        var index = await _browser.GetPageAsync("/admin/digests");
        Assert.Contains("30 7 * * *", index);
        Assert.Contains("Europe/Berlin", index);
        Assert.DoesNotContain("not scheduled", index.Split("weekly")[0]);

        // "Send now" only plans: nothing is written to the ledger before the confirmation.
        var planned = await _browser.PostFormAsync("/admin/digests?handler=sendnow", [new("frequency", "daily")], "/admin/digests");
        Assert.Equal(HttpStatusCode.Redirect, planned.StatusCode);
        var issueUrl = planned.Headers.Location!.OriginalString.Split('?')[0];
        var issueId = long.Parse(issueUrl.Split('/')[^1]);
        Assert.False(await app.WithDbAsync(db => db.Set<Delivery>().AnyAsync(d => d.IssueId == issueId)));
        var confirm = await _browser.GetPageAsync(planned.Headers.Location.OriginalString);
        // Three film readers: the book readers get nothing from a film-only issue, and any reader without topics gets all.
        var expectedAudience = await app.WithDbAsync(db => db.Set<Newsletter.Subscribers.Subscriber>().CountAsync(s =>
            s.Status == Newsletter.Subscribers.SubscriberStatus.Confirmed && s.Frequency == Newsletter.Subscribers.DigestFrequency.Daily && (s.Topics == "" || s.Topics.Contains("film"))));
        Assert.Contains($"<strong id=\"audience\">{expectedAudience}</strong>", confirm);
        Assert.Contains($"Send to {expectedAudience} reader(s) now", confirm);
        Assert.Contains("sandbox=\"\"", confirm);
        Assert.Contains("The film of the year", confirm);
        Assert.DoesNotContain("Not for this issue", confirm);

        // The preview for a chosen reader: their greeting in the HTML (sandboxed by its own CSP) and in the plain text.
        var forReader = await _browser.GetPageAsync($"{issueUrl}?reader={readers[1].Email}");
        Assert.Contains("Hello Reader dg2,", forReader);
        var html = await _browser.Http.GetAsync($"{issueUrl}?handler=html&reader={readers[1].Id}");
        Assert.Equal(HttpStatusCode.OK, html.StatusCode);
        Assert.StartsWith("sandbox;", html.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Contains("The film of the year", await html.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await _browser.Http.GetAsync($"{issueUrl}?handler=html&reader=nobody@pages.example")).StatusCode);

        // A test copy goes to the address typed, marked [Test], and writes nothing to the ledger.
        var test = await _browser.PostFormAsync($"{issueUrl}?handler=test", [new("TestEmail", "proof@pages.example")], issueUrl);
        Assert.Equal(HttpStatusCode.Redirect, test.StatusCode);
        var proof = await app.Smtp.WaitForMessageToAsync("proof@pages.example");
        Assert.StartsWith("[Test] ", proof.Subject);
        var badTest = await _browser.PostFormAsync($"{issueUrl}?handler=test", [new("TestEmail", "not an address")], issueUrl);
        Assert.Equal(HttpStatusCode.BadRequest, badTest.StatusCode);
        Assert.False(await app.WithDbAsync(db => db.Set<Delivery>().AnyAsync(d => d.IssueId == issueId)));

        // One reader's mailbox is full: that delivery fails (and is not suppressed), the rest are sent.
        var refused = readers[2].Email;
        app.Smtp.DataReply = (_, recipients) => recipients.Contains(refused) ? "552 5.2.2 Mailbox full" : null;
        try
        {
            var send = await _browser.PostFormAsync($"{issueUrl}?handler=send", [], issueUrl);
            Assert.Equal(HttpStatusCode.Redirect, send.StatusCode);
            await NewsletterApp.EventuallyAsync(async () => (await app.CountsAsync(issueId)).Done, "the issue to finish sending");
            var counts = await app.CountsAsync(issueId);
            Assert.Equal((expectedAudience - 1, 1), (counts.Sent, counts.Failed));
            var progress = await _browser.GetPageAsync($"{issueUrl}?handler=progress");
            Assert.Contains("100%", progress);
            Assert.Contains($"<strong id=\"count-sent\">{expectedAudience - 1}</strong>", progress);
            Assert.Contains("<strong id=\"count-failed\">1</strong>", progress);
            Assert.DoesNotContain("hx-trigger", progress);
            // The readers' copies were handed over once each and carry the article.
            foreach (var reader in readers.Where(r => r.Email != refused)) Assert.Equal(1, app.Smtp.AcceptedCount.GetValueOrDefault(reader.Email));
            Assert.False(app.Smtp.AcceptedCount.ContainsKey(refused));
            Assert.Contains("The film of the year", Mail.Text(await app.Smtp.WaitForMessageToAsync(readers[0].Email, m => m.Subject?.StartsWith("[Test]") == false)));

            // A second press of Send starts nothing twice.
            var again = await _browser.PostFormAsync($"{issueUrl}?handler=send", [], issueUrl);
            Assert.EndsWith("notice=already-started", again.Headers.Location!.OriginalString);
        }
        finally
        {
            app.Smtp.DataReply = null;
        }

        // Retry sends the failed one only; the past issues list shows the counts.
        var page = await _browser.GetPageAsync(issueUrl);
        Assert.Contains("Retry 1 failed deliveries", page);
        var retry = await _browser.PostFormAsync($"{issueUrl}?handler=retry", [], issueUrl);
        Assert.EndsWith("notice=retried&count=1", retry.Headers.Location!.OriginalString);
        await NewsletterApp.EventuallyAsync(async () => (await app.CountsAsync(issueId)) is { Done: true, Failed: 0 }, "the retried delivery to be sent");
        Assert.Equal(expectedAudience, (await app.CountsAsync(issueId)).Sent);
        // Only the refused reader got a copy now: every other reader still has exactly one.
        Assert.Equal(1, app.Smtp.AcceptedCount.GetValueOrDefault(refused));
        foreach (var reader in readers.Where(r => r.Email != refused)) Assert.Equal(1, app.Smtp.AcceptedCount.GetValueOrDefault(reader.Email));
        var issues = await _browser.GetPageAsync("/admin/digests");
        Assert.Contains($"#{issueId} ", issues);
        // The overview's digest card lists the issue with its final counts.
        var overview = await _browser.GetPageAsync("/admin");
        var card = overview.Split("id=\"digests\"")[1].Split("id=\"donations\"")[0];
        Assert.Contains("<td>daily</td>", card);
        Assert.Contains($"<td>{expectedAudience}</td><td>0</td><td>0</td>", card.Replace("\n", "").Replace(" ", ""));
    }

    [Fact]
    public async Task A_paused_issue_shows_the_servers_answer_resumes_and_unknown_readers_can_be_sent_again()
    {
        var readers = await app.AddReadersAsync("paused", 3);
        await app.AddArticleAsync("paused-1", "A pause for thought", "books", DateTime.UtcNow);
        app.Smtp.Script = m => m.Stage == SmtpStage.Mail ? new SmtpAction.Reply("550 5.7.1 Sender address rejected: not owned by user") : null;
        try
        {
            var planned = await _browser.PostFormAsync("/admin/digests?handler=sendnow", [new("frequency", "daily")], "/admin/digests");
            var issueUrl = planned.Headers.Location!.OriginalString.Split('?')[0];
            var issueId = long.Parse(issueUrl.Split('/')[^1]);
            await _browser.PostFormAsync($"{issueUrl}?handler=send", [], issueUrl);
            await NewsletterApp.EventuallyAsync(async () => await app.WithDbAsync(db => db.Set<DigestIssue>().AnyAsync(i => i.Id == issueId && i.State == DigestIssueState.Paused)), "the issue to pause");
            await NewsletterApp.EventuallyAsync(async () => (await app.CountsAsync(issueId)).Sending == 0, "the senders to give back their rows");

            var overview = await _browser.GetPageAsync("/admin");
            Assert.Contains($"Digest #{issueId} is paused: The SMTP server refused our message (nobody was suppressed): 550 5.7.1 Sender address rejected", overview);
            var page = await _browser.GetPageAsync(issueUrl);
            Assert.Contains("Sending is paused.", page);
            Assert.Contains("550 5.7.1 Sender address rejected: not owned by user", page);
            Assert.Contains("Resume sending", page);
            var total = (await app.CountsAsync(issueId)).Total;
            Assert.Equal(total, (await app.CountsAsync(issueId)).Pending);

            // The relay is fixed; one reader's server takes the message and then drops the connection before answering.
            var maybe = readers[1].Email;
            app.Smtp.Script = m => m.Stage == SmtpStage.EndOfData && m.Recipients.Contains(maybe) && app.Smtp.AcceptedCount.GetValueOrDefault(maybe) == 0
                ? new SmtpAction.AcceptAndDrop() : null;
            var resumed = await _browser.PostFormAsync($"{issueUrl}?handler=resume", [], issueUrl);
            Assert.EndsWith("notice=resumed", resumed.Headers.Location!.OriginalString);
            await NewsletterApp.EventuallyAsync(async () => (await app.CountsAsync(issueId)).Done, "the resumed issue to finish");
            Assert.Equal((total - 1, 1), ((await app.CountsAsync(issueId)).Sent, (await app.CountsAsync(issueId)).Unknown));

            page = await _browser.GetPageAsync(issueUrl);
            Assert.DoesNotContain("Sending is paused.", page);
            Assert.Contains("1 reader(s) with an unknown outcome", page);
            Assert.Contains($"<td>{maybe}</td>", page);
            Assert.Contains("Sending again may give some of these readers a second copy.", page);
            Assert.Contains($"Digest #{issueId}: 1 reader(s) with an unknown outcome", await _browser.GetPageAsync("/admin"));

            var again = await _browser.PostFormAsync($"{issueUrl}?handler=resendUnknown", [], issueUrl);
            Assert.EndsWith("notice=resent-unknown&count=1", again.Headers.Location!.OriginalString);
            await NewsletterApp.EventuallyAsync(async () => (await app.CountsAsync(issueId)) is { Done: true, Unknown: 0 }, "the unknown reader to be sent again");
            Assert.Equal(2, app.Smtp.AcceptedCount.GetValueOrDefault(maybe));
            foreach (var reader in readers.Where(r => r.Email != maybe)) Assert.Equal(1, app.Smtp.AcceptedCount.GetValueOrDefault(reader.Email));
        }
        finally
        {
            app.Smtp.Script = null;
        }
    }

    [Fact]
    public async Task Staff_pause_a_sending_issue_from_its_page_and_resume_it()
    {
        // More readers than the host holds in flight (4 connections × a window of 10), and a slow server (150 ms per
        // message), so the issue is still sending when the editor presses Pause and some readers are left to wait.
        try
        {
            var (readers, issueUrl, issueId) = await StartSlowSendAsync("halted", "A slow afternoon");
            Assert.Contains("Pause sending", await _browser.GetPageAsync(issueUrl));

            var paused = await PauseAsync(issueUrl, issueId);
            Assert.EndsWith("notice=paused", paused.Headers.Location!.OriginalString);
            var page = await _browser.GetPageAsync(issueUrl);
            Assert.Contains("<strong>Sending is paused</strong> by <span id=\"paused-by\">digest-editor@example.org</span>", page);
            Assert.Contains("Resume sending", page);
            Assert.DoesNotContain("Pause sending", page);
            Assert.Contains($"Digest #{issueId} was paused by digest-editor@example.org; its remaining readers wait.", await _browser.GetPageAsync("/admin"));
            Assert.True((await app.CountsAsync(issueId)).Pending > 0);
            // A second press changes nothing and says so.
            var again = await _browser.PostFormAsync($"{issueUrl}?handler=pause", [], issueUrl);
            Assert.EndsWith("notice=not-sending", again.Headers.Location!.OriginalString);

            app.Smtp.Script = null;
            var resumed = await _browser.PostFormAsync($"{issueUrl}?handler=resume", [], issueUrl);
            Assert.EndsWith("notice=resumed", resumed.Headers.Location!.OriginalString);
            await NewsletterApp.EventuallyAsync(async () => (await app.CountsAsync(issueId)).Done, "the resumed issue to finish");
            var counts = await app.CountsAsync(issueId);
            Assert.Equal((counts.Total, 0, 0), (counts.Sent, counts.Failed, counts.Unknown));
            foreach (var reader in readers) Assert.Equal(1, app.Smtp.AcceptedCount.GetValueOrDefault(reader.Email));
            Assert.DoesNotContain("was paused by", await _browser.GetPageAsync("/admin"));
        }
        finally
        {
            app.Smtp.Script = null;
        }
    }

    [Fact]
    public async Task Staff_cancel_a_paused_issue_from_its_page()
    {
        try
        {
            var (_, issueUrl, issueId) = await StartSlowSendAsync("cancelled", "A mistake in the headline");
            await PauseAsync(issueUrl, issueId);
            var pending = (await app.CountsAsync(issueId)).Pending;
            var page = await _browser.GetPageAsync(issueUrl);
            Assert.Contains($"the {pending} reader(s) not yet sent to never get this issue", page);
            Assert.Contains("Cancel the rest of this issue", page);

            var cancelled = await _browser.PostFormAsync($"{issueUrl}?handler=cancel", [], issueUrl);
            Assert.EndsWith($"notice=cancelled&count={pending}", cancelled.Headers.Location!.OriginalString);
            page = await _browser.GetPageAsync(cancelled.Headers.Location!.OriginalString);
            Assert.Contains($"Issue cancelled: {pending} reader(s) will not get it.", page);
            Assert.Contains("<strong>Cancelled</strong> by <span id=\"cancelled-by\">digest-editor@example.org</span>", page);
            Assert.DoesNotContain("Resume sending", page);
            Assert.DoesNotContain("Cancel the rest of this issue", page);
            Assert.Equal((0, pending), ((await app.CountsAsync(issueId)).Pending, (await app.CountsAsync(issueId)).Skipped));
            Assert.DoesNotContain($"Digest #{issueId} ", await _browser.GetPageAsync("/admin"));
            // Twice is refused, with the reason on the page.
            var again = await _browser.PostFormAsync($"{issueUrl}?handler=cancel", [], issueUrl);
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
            Assert.Contains("Only a paused issue can be cancelled", await again.Content.ReadAsStringAsync());
        }
        finally
        {
            app.Smtp.Script = null;
        }
    }

    /// <summary>
    /// Plans and sends an issue from its page to 150 new readers through a slow server (150 ms a message, so that it
    /// is still sending when the editor acts); returns once the first copies are out. The caller clears the script.
    /// </summary>
    private async Task<(List<Subscriber> Readers, string IssueUrl, long IssueId)> StartSlowSendAsync(string prefix, string title)
    {
        var readers = await app.AddReadersAsync(prefix, 150);
        await app.AddArticleAsync(prefix + "-1", title, "books", DateTime.UtcNow);
        app.Smtp.Script = m => m.Stage == SmtpStage.EndOfData ? new SmtpAction.Delay(TimeSpan.FromMilliseconds(150)) : null;
        var planned = await _browser.PostFormAsync("/admin/digests?handler=sendnow", [new("frequency", "daily")], "/admin/digests");
        var issueUrl = planned.Headers.Location!.OriginalString.Split('?')[0];
        var issueId = long.Parse(issueUrl.Split('/')[^1]);
        await _browser.PostFormAsync($"{issueUrl}?handler=send", [], issueUrl);
        await NewsletterApp.EventuallyAsync(() => Task.FromResult(readers.Sum(r => app.Smtp.AcceptedCount.GetValueOrDefault(r.Email)) >= 2), "the first copies");
        return (readers, issueUrl, issueId);
    }

    /// <summary>Presses Pause on the issue's page and waits for the windows already claimed to finish.</summary>
    private async Task<HttpResponseMessage> PauseAsync(string issueUrl, long issueId)
    {
        var paused = await _browser.PostFormAsync($"{issueUrl}?handler=pause", [], issueUrl);
        await NewsletterApp.EventuallyAsync(async () => (await app.CountsAsync(issueId)).Sending == 0, "the claimed windows to finish");
        return paused;
    }

    [Fact]
    public async Task Unknown_issues_are_404_and_send_now_with_no_new_articles_says_so()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await _browser.Http.GetAsync("/admin/digests/999999")).StatusCode);
        var bad = await _browser.PostFormAsync("/admin/digests?handler=sendnow", [new("frequency", "hourly")], "/admin/digests");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);

        // No article a weekly issue could carry (every one hidden): send now plans nothing and the page says why.
        await app.WithDbAsync(db => db.Set<Article>().ExecuteUpdateAsync(s => s.SetProperty(a => a.Hidden, true)));
        var weeklyIssues = await app.WithDbAsync(db => db.Set<DigestIssue>().CountAsync(i => i.Frequency == Newsletter.Subscribers.DigestFrequency.Weekly));
        var nothing = await _browser.PostFormAsync("/admin/digests?handler=sendnow", [new("frequency", "weekly")], "/admin/digests");
        Assert.Equal("/admin/digests?notice=nothing-new", nothing.Headers.Location?.OriginalString);
        Assert.Contains("No new articles since the last issue of that frequency: there is nothing to send.", await _browser.GetPageAsync(nothing.Headers.Location!.OriginalString));
        Assert.Equal(weeklyIssues, await app.WithDbAsync(db => db.Set<DigestIssue>().CountAsync(i => i.Frequency == Newsletter.Subscribers.DigestFrequency.Weekly)));

        // One new article, and the same button plans an issue.
        await app.AddArticleAsync("dg-weekly-new", "Something new this week", "books");
        var planned = await _browser.PostFormAsync("/admin/digests?handler=sendnow", [new("frequency", "weekly")], "/admin/digests");
        Assert.EndsWith("?confirm=send", planned.Headers.Location?.OriginalString);
    }
}
