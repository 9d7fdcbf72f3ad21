using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Newsletter.Email;
using Newsletter.Subscribers;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Email;

/// <summary>How transactional mail copes with what real SMTP servers answer.</summary>
[Collection(HostCollection.Name)]
public sealed class TransactionalEmailTests(NewsletterApp app) : IClassFixture<NewsletterApp>
{
    [Fact]
    public async Task A_451_is_retried_and_the_email_arrives_once()
    {
        var attempts = 0;
        app.Smtp.DataReply = (_, recipients) => recipients.Contains("busy@example.org") && Interlocked.Increment(ref attempts) == 1 ? "451 4.3.0 Mailbox busy, try later" : null;
        try
        {
            var response = await app.CreateReaderClient().PostAsJsonAsync("/api/subscribers", new { email = "busy@example.org" });
            Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
            try
            {
                await app.Smtp.WaitForMessageToAsync("busy@example.org");
            }
            catch (TimeoutException)
            {
                var row = await Outbox("busy@example.org");
                Assert.Fail($"The retry never arrived: {row.State} after {row.Attempts} attempt(s): {row.LastError}; next attempt {row.NextAttemptAt:O}, now {DateTime.UtcNow:O}");
            }
            await NewsletterApp.EventuallyAsync(async () => (await Outbox("busy@example.org")).State == TransactionalEmailState.Sent, "the email to be marked Sent");
            var email = await Outbox("busy@example.org");
            Assert.Equal(TransactionalEmailState.Sent, email.State);
            Assert.Equal(2, email.Attempts);
            Assert.Equal(2, attempts);
            Assert.Single(app.Smtp.Messages, m => m.Recipients.Contains("busy@example.org"));
        }
        finally
        {
            app.Smtp.DataReply = null;
        }
    }

    [Fact]
    public async Task A_550_fails_for_good_and_suppresses_the_address()
    {
        app.Smtp.DataReply = (_, recipients) => recipients.Contains("gone@example.org") ? "550 5.1.1 No such user" : null;
        try
        {
            var response = await app.CreateReaderClient().PostAsJsonAsync("/api/subscribers", new { email = "gone@example.org" });
            Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
            await NewsletterApp.EventuallyAsync(async () => (await Outbox("gone@example.org")).State == TransactionalEmailState.Failed, "the email to fail");
            var email = await Outbox("gone@example.org");
            Assert.Equal(550, email.SmtpStatus);
            Assert.Contains("No such user", email.LastError);
            Assert.Equal(1, email.Attempts);
            await using var scope = app.Services.CreateAsyncScope();
            var hash = scope.ServiceProvider.GetRequiredService<SuppressionList>().HashOf("gone@example.org");
            var suppressed = await app.WithDbAsync(db => db.Set<SuppressedAddress>().SingleAsync(s => s.AddressHash == hash));
            Assert.Equal(SuppressionReason.HardBounce, suppressed.Reason);
        }
        finally
        {
            app.Smtp.DataReply = null;
        }
    }

    [Fact]
    public async Task A_connection_lost_after_the_final_dot_is_unknown_and_never_sent_twice()
    {
        // The server takes the confirmation and dies before saying so: a second confirmation would be a second email.
        app.Smtp.Script = m => m.Stage == SmtpStage.EndOfData && m.Recipients.Contains("maybe@example.org") ? new SmtpAction.AcceptAndDrop() : null;
        try
        {
            var response = await app.CreateReaderClient().PostAsJsonAsync("/api/subscribers", new { email = "maybe@example.org" });
            Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
            await NewsletterApp.EventuallyAsync(async () => (await Outbox("maybe@example.org")).State == TransactionalEmailState.Unknown, "the email to be Unknown");
            await using (var scope = app.Services.CreateAsyncScope())
                await scope.ServiceProvider.GetRequiredService<TransactionalEmailJob>().SweepAsync(CancellationToken.None);
            await Task.Delay(1500);
            var email = await Outbox("maybe@example.org");
            Assert.Equal((TransactionalEmailState.Unknown, 1), (email.State, email.Attempts));
            Assert.Contains("may or may not", email.LastError);
            Assert.Equal(1, app.Smtp.AcceptedCount.GetValueOrDefault("maybe@example.org"));
        }
        finally
        {
            app.Smtp.Script = null;
        }
    }

    [Fact]
    public async Task A_refused_sender_holds_the_email_suppresses_nobody_and_it_goes_once_the_relay_takes_it()
    {
        var refusals = 0;
        app.Smtp.Script = m => m.Stage == SmtpStage.Mail && m.Recipients.Count == 0 && Volatile.Read(ref refusals) < 2 && Interlocked.Increment(ref refusals) <= 2
            ? new SmtpAction.Reply("550 5.7.1 <news@test-review.example>: Sender address rejected: not owned by user")
            : null;
        try
        {
            var response = await app.CreateReaderClient().PostAsJsonAsync("/api/subscribers", new { email = "held@example.org" });
            Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
            await NewsletterApp.EventuallyAsync(async () => (await Outbox("held@example.org")).SmtpStatus == 550, "the first refusal");
            var held = await Outbox("held@example.org");
            Assert.Equal((TransactionalEmailState.Pending, 0), (held.State, held.Attempts));
            Assert.NotNull(held.NextAttemptAt);
            await using (var scope = app.Services.CreateAsyncScope())
                Assert.False(await scope.ServiceProvider.GetRequiredService<SuppressionList>().IsSuppressedAsync(EmailAddress.FromStored("held@example.org"), CancellationToken.None));

            // The relay is fixed (here: it stops refusing after two tries): the held email goes, once.
            await app.Smtp.WaitForMessageToAsync("held@example.org", timeout: TimeSpan.FromSeconds(60));
            await NewsletterApp.EventuallyAsync(async () => (await Outbox("held@example.org")).State == TransactionalEmailState.Sent, "the email to be Sent");
            Assert.Equal(1, app.Smtp.AcceptedCount.GetValueOrDefault("held@example.org"));
            Assert.Equal(1, (await Outbox("held@example.org")).Attempts);
        }
        finally
        {
            app.Smtp.Script = null;
        }
    }

    [Fact]
    public async Task A_worker_so_slow_that_its_row_was_given_away_does_not_send_it_a_second_time()
    {
        // The first connection is slow to greet: the worker has claimed the confirmation and waits.
        var greetings = 0;
        app.Smtp.Script = m => m.Stage == SmtpStage.Greeting && Interlocked.Increment(ref greetings) == 1 ? new SmtpAction.Delay(TimeSpan.FromSeconds(3)) : null;
        try
        {
            var response = await app.CreateReaderClient().PostAsJsonAsync("/api/subscribers", new { email = "slow@example.org" });
            Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
            await NewsletterApp.EventuallyAsync(() => Task.FromResult(Volatile.Read(ref greetings) >= 1), "the worker to connect");

            // Meanwhile its claim looks older than the lease: the sweep takes the row as a dead worker's and sends it.
            await app.WithDbAsync(db => db.Set<TransactionalEmail>().Where(e => e.Recipient == "slow@example.org")
                .ExecuteUpdateAsync(s => s.SetProperty(e => e.ClaimedAt, DateTime.UtcNow.AddMinutes(-11))));
            await using (var scope = app.Services.CreateAsyncScope())
                await scope.ServiceProvider.GetRequiredService<TransactionalEmailJob>().SweepAsync(CancellationToken.None);
            Assert.Equal(TransactionalEmailState.Sent, (await Outbox("slow@example.org")).State);

            // The slow worker's connection opens at last; its claim is gone, so it sends nothing.
            await Task.Delay(TimeSpan.FromSeconds(4));
            Assert.Equal(1, app.Smtp.AcceptedCount.GetValueOrDefault("slow@example.org"));
            Assert.Equal(TransactionalEmailState.Sent, (await Outbox("slow@example.org")).State);
        }
        finally
        {
            app.Smtp.Script = null;
        }
    }

    private async Task<TransactionalEmail> Outbox(string recipient)
    {
        var rows = await app.WithDbAsync(db => db.Set<TransactionalEmail>().AsNoTracking().ToListAsync());
        var subs = await app.WithDbAsync(db => db.Set<Subscriber>().AsNoTracking().Select(s => s.EmailKey + ":" + s.Status).ToListAsync());
        return rows.SingleOrDefault(e => e.Recipient == recipient) ?? throw new Exception(string.Join("; ", rows.Select(r => r.Recipient + " " + r.State + " " + r.Kind)) + " | " + string.Join(",", subs));
    }
}
