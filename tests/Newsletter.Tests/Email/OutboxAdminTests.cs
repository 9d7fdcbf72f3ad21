using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Newsletter.Email;
using Newsletter.Web;
using Newsletter.Tests.Dashboard;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Email;

/// <summary>
/// An outbox email that did not go out, or may not have, is not a dead end: staff see it (the API and the Outbox page)
/// and send it again, once, with the warning that an Unknown one may arrive twice; an email that went out is not sent
/// again, and bad input changes nothing.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class OutboxAdminTests(NewsletterApp app) : IClassFixture<NewsletterApp>, IAsyncLifetime
{
    private readonly StaffBrowser _browser = new(app);

    public async Task InitializeAsync()
    {
        await StaffBrowser.EnsureAccountAsync(app, "outbox-owner@example.org", StaffRoles.Owner);
        await _browser.LogInAsync("outbox-owner@example.org");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task An_unknown_confirmation_is_listed_sent_again_once_on_request_and_then_arrives()
    {
        // The server takes the confirmation and drops the connection before answering: Unknown.
        app.Smtp.Script = m => m.Stage == SmtpStage.EndOfData && m.Recipients.Contains("lost-answer@example.org") ? new SmtpAction.AcceptAndDrop() : null;
        try
        {
            await app.SignUpAsync("lost-answer@example.org");
            await NewsletterApp.EventuallyAsync(async () => (await app.OutboxEmailAsync("lost-answer@example.org")).State == TransactionalEmailState.Unknown, "the email to be Unknown");
        }
        finally
        {
            app.Smtp.Script = null;
        }
        var email = await app.OutboxEmailAsync("lost-answer@example.org");
        using var staff = app.CreateStaffClient();

        var unknown = await (await staff.GetAsync("/api/admin/outbox?state=unknown")).Content.ReadFromJsonAsync<List<OutboxAdminApi.OutboxItem>>();
        var item = Assert.Single(unknown!, i => i.Id == email.Id);
        Assert.Equal(("subscriber.confirm", "unknown"), (item.Kind, item.State));

        var response = await staff.PostAsync($"/api/admin/outbox/{email.Id}/send-again", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = await response.Content.ReadFromJsonAsync<OutboxAdminApi.SendAgainResult>();
        Assert.Equal(1, result!.SentAgain);
        Assert.Contains("second copy", result.Warning);
        await NewsletterApp.EventuallyAsync(async () => (await app.OutboxEmailAsync("lost-answer@example.org")).State == TransactionalEmailState.Sent, "the email to go again");
        // The server saw it twice: once before the drop, once now; the reader has it for sure.
        Assert.Equal(2, app.Smtp.AcceptedCount.GetValueOrDefault("lost-answer@example.org"));

        // Sent now: asked again (a second click, a script run twice), it is refused and nothing more goes out.
        var again = await staff.PostAsync($"/api/admin/outbox/{email.Id}/send-again", null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("application/problem+json", again.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, (await staff.PostAsync("/api/admin/outbox/987654321/send-again", null)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await staff.PostAsync("/api/admin/outbox/send-again?state=sent", null)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await staff.GetAsync("/api/admin/outbox?state=lost")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.CreateReaderClient().GetAsync("/api/admin/outbox?state=unknown")).StatusCode);
        await Task.Delay(500);
        Assert.Equal(2, app.Smtp.AcceptedCount.GetValueOrDefault("lost-answer@example.org"));
        var audit = await app.WithDbAsync(db => db.Set<Newsletter.Audit.AuditEntry>().AsNoTracking().Where(a => a.Action == "outbox.sent-again").ToListAsync());
        Assert.Contains(audit, a => a.Target == $"email {email.Id}");
    }

    [Fact]
    public async Task Clicks_at_the_same_moment_send_a_failed_email_again_once_and_the_others_are_told_so()
    {
        await RefusedForGoodAsync("double-click@example.org");
        var email = await app.OutboxEmailAsync("double-click@example.org");
        using var staff = app.CreateStaffClient();

        // A state list is not a state: "sending,sent" would otherwise combine into another value (failed).
        Assert.Equal(HttpStatusCode.BadRequest, (await staff.PostAsync("/api/admin/outbox/send-again?state=sending,sent", null)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await staff.GetAsync("/api/admin/outbox?state=pending,unknown")).StatusCode);
        Assert.Equal(TransactionalEmailState.Failed, (await app.OutboxEmailAsync("double-click@example.org")).State);

        var clicks = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => staff.PostAsync($"/api/admin/outbox/{email.Id}/send-again", null)));
        var codes = clicks.Select(c => c.StatusCode).ToList();
        Assert.Equal(1, codes.Count(c => c == HttpStatusCode.OK));
        Assert.Equal(7, codes.Count(c => c == HttpStatusCode.Conflict));
        await NewsletterApp.EventuallyAsync(async () => (await app.OutboxEmailAsync("double-click@example.org")).State == TransactionalEmailState.Sent, "the email to go again");
        await Task.Delay(500);
        Assert.Equal(1, app.Smtp.AcceptedCount.GetValueOrDefault("double-click@example.org"));
        var audit = await app.WithDbAsync(db => db.Set<Newsletter.Audit.AuditEntry>().AsNoTracking().CountAsync(a => a.Action == "outbox.sent-again" && a.Target == $"email {email.Id}"));
        Assert.Equal(1, audit);
    }

    [Fact]
    public async Task The_outbox_page_lists_failed_emails_and_sends_them_all_again_once_the_server_takes_them()
    {
        await RefusedForGoodAsync("full-one@example.org", "full-two@example.org");

        var page = await _browser.GetPageAsync("/admin/outbox");
        Assert.Contains("full-one@example.org", page);
        Assert.Contains("full-two@example.org", page);
        Assert.Contains("Mailbox full", page);
        Assert.Contains("Send all", page);

        // The server is slow to greet the next connection, so the emails wait a moment before they go again: meanwhile
        // they do not look held by the old 552 (the overview would call that the server refusing our sender).
        await app.CloseIdleOutboxConnectionsAsync();
        var greetings = 0;
        app.Smtp.Script = m => m.Stage == SmtpStage.Greeting && Interlocked.Increment(ref greetings) == 1 ? new SmtpAction.Delay(TimeSpan.FromSeconds(2)) : null;
        try
        {
            var sent = await _browser.PostFormAsync("/admin/outbox?handler=sendAllAgain&state=failed", [], "/admin/outbox");
            Assert.Equal(HttpStatusCode.Redirect, sent.StatusCode);
            Assert.Matches("notice=sent-again&count=[2-9]", sent.Headers.Location!.OriginalString);
            foreach (var reader in new[] { "full-one@example.org", "full-two@example.org" })
            {
                // (Sent already, on a machine slow enough to take the whole greeting delay, it has the server's 250.)
                var waiting = await app.OutboxEmailAsync(reader);
                Assert.True(waiting.SmtpStatus is null || waiting.State == TransactionalEmailState.Sent, $"{waiting.State} with {waiting.SmtpStatus}");
            }
            await using var scope = app.Services.CreateAsyncScope();
            Assert.Equal(0, await scope.ServiceProvider.GetRequiredService<TransactionalOutbox>().Held().CountAsync());
        }
        finally
        {
            app.Smtp.Script = null;
        }
        foreach (var reader in new[] { "full-one@example.org", "full-two@example.org" })
        {
            await NewsletterApp.EventuallyAsync(async () => (await app.OutboxEmailAsync(reader)).State == TransactionalEmailState.Sent, "the email to go again");
            Assert.Equal(1, app.Smtp.AcceptedCount.GetValueOrDefault(reader));
        }
        Assert.Equal(HttpStatusCode.BadRequest, (await _browser.PostFormAsync("/admin/outbox?handler=sendAllAgain&state=sent", [], "/admin/outbox")).StatusCode);
        Assert.DoesNotContain("full-one@example.org", await _browser.GetPageAsync("/admin/outbox"));
    }

    /// <summary>A relay that refuses these readers' confirmations for good (552, a mailbox full), then is fixed: each is Failed.</summary>
    private async Task RefusedForGoodAsync(params string[] readers)
    {
        app.Smtp.DataReply = (_, recipients) => recipients.Any(readers.Contains) ? "552 5.2.2 Mailbox full" : null;
        try
        {
            foreach (var reader in readers)
            {
                await app.SignUpAsync(reader);
                await NewsletterApp.EventuallyAsync(async () => (await app.OutboxEmailAsync(reader)).State == TransactionalEmailState.Failed, "the email to fail");
            }
        }
        finally
        {
            app.Smtp.DataReply = null;
        }
    }
}
