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
            await app.SignUpAsync("busy@example.org");
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
            await app.SignUpAsync("gone@example.org");
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
            await app.SignUpAsync("maybe@example.org");
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
            await app.SignUpAsync("held@example.org");
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

    /// <summary>
    /// Postfix checks sender restrictions at RCPT TO by default (smtpd_delay_reject = yes), so a relay that refuses our
    /// envelope sender (reject_unknown_sender_domain, reject_unlisted_sender) answers the RCPT with 5.1.8 / 5.1.0
    /// "Sender address rejected". That is about us, not the reader: the email must be held and the reader not suppressed.
    /// </summary>
    [Fact]
    public async Task A_sender_refused_at_rcpt_by_postfix_delay_reject_suppresses_nobody_and_the_email_goes_later()
    {
        var refusals = 0;
        app.Smtp.Script = m => m.Stage == SmtpStage.Rcpt && m.Address == "delayreject@example.org" && Interlocked.Increment(ref refusals) <= 1
            ? new SmtpAction.Reply("553 5.1.8 <news@test-review.example>: Sender address rejected: Domain not found")
            : null;
        try
        {
            await app.SignUpAsync("delayreject@example.org");
            await NewsletterApp.EventuallyAsync(async () => Volatile.Read(ref refusals) >= 1 && (await Outbox("delayreject@example.org")).State != TransactionalEmailState.Sending
                && (await Outbox("delayreject@example.org")).LastError != null, "the first refusal recorded");
            await using (var scope = app.Services.CreateAsyncScope())
                Assert.False(await scope.ServiceProvider.GetRequiredService<SuppressionList>().IsSuppressedAsync(EmailAddress.FromStored("delayreject@example.org"), CancellationToken.None),
                    "the reader was suppressed for a refusal of our own sender");
            await app.Smtp.WaitForMessageToAsync("delayreject@example.org", timeout: TimeSpan.FromSeconds(30));
        }
        finally
        {
            app.Smtp.Script = null;
        }
    }

    [Fact]
    public async Task A_refusal_that_names_the_reader_is_logged_without_their_address()
    {
        // Relays often name the recipient in a refusal. The row keeps the reply (it names its recipient anyway, and is
        // erased with them); the log, which outlives an erasure, must not.
        var refusals = 0;
        app.Smtp.Script = m => m.Stage == SmtpStage.Rcpt && m.Address == "named-in-reply@example.org" && Interlocked.Increment(ref refusals) <= 1
            ? new SmtpAction.Reply("450 4.2.1 <named-in-reply@example.org>: Recipient address rejected: try again later")
            : null;
        try
        {
            await app.SignUpAsync("named-in-reply@example.org");
            await app.Smtp.WaitForMessageToAsync("named-in-reply@example.org", timeout: TimeSpan.FromSeconds(30));
            Assert.Contains(app.RecentWarnings, line => line.Contains("Recipient address rejected", StringComparison.Ordinal) && line.Contains("(address)", StringComparison.Ordinal));
            Assert.DoesNotContain(app.RecentWarnings, line => line.Contains("named-in-reply@", StringComparison.OrdinalIgnoreCase));
        }
        finally
        {
            app.Smtp.Script = null;
        }
    }

    [Fact]
    public async Task A_worker_so_slow_that_its_row_was_given_away_does_not_send_it_a_second_time()
    {
        // The first connection is slow to greet: the worker has claimed the confirmation and waits. A connection an
        // earlier test left open would not be greeted, so none is left.
        await app.CloseIdleOutboxConnectionsAsync();
        var greetings = 0;
        app.Smtp.Script = m => m.Stage == SmtpStage.Greeting && Interlocked.Increment(ref greetings) == 1 ? new SmtpAction.Delay(TimeSpan.FromSeconds(3)) : null;
        try
        {
            await app.SignUpAsync("slow@example.org");
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

    [Fact]
    public async Task A_worker_whose_row_was_given_away_leaves_the_new_claim_alone_when_its_own_connection_fails()
    {
        // The first worker claims the confirmation and waits for a slow greeting, after which its connection is
        // dropped (it gives the row back). Meanwhile the sweep has taken the row as a dead worker's, claimed it again
        // and handed it to a server slow to answer the final dot.
        await app.CloseIdleOutboxConnectionsAsync();
        var greetings = 0;
        var slowConnection = 0;
        var ends = 0;
        app.Smtp.Script = m =>
        {
            if (m.Stage == SmtpStage.Greeting && Interlocked.Increment(ref greetings) == 1)
            {
                Volatile.Write(ref slowConnection, m.Connection);
                return new SmtpAction.Delay(TimeSpan.FromSeconds(3));
            }
            if (m.Stage == SmtpStage.Ehlo && m.Connection == Volatile.Read(ref slowConnection)) return new SmtpAction.Drop();
            return m.Stage == SmtpStage.EndOfData && m.Recipients.Contains("given-away@example.org") && Interlocked.Increment(ref ends) == 1
                ? new SmtpAction.Delay(TimeSpan.FromSeconds(5)) : null;
        };
        try
        {
            await app.SignUpAsync("given-away@example.org");
            await NewsletterApp.EventuallyAsync(() => Task.FromResult(Volatile.Read(ref greetings) >= 1), "the first worker to connect");
            await app.WithDbAsync(db => db.Set<TransactionalEmail>().Where(e => e.Recipient == "given-away@example.org")
                .ExecuteUpdateAsync(s => s.SetProperty(e => e.ClaimedAt, DateTime.UtcNow.AddMinutes(-11))));

            // The sweep's send takes five seconds; the first worker's connection fails at the third.
            await using (var scope = app.Services.CreateAsyncScope())
                await scope.ServiceProvider.GetRequiredService<TransactionalEmailJob>().SweepAsync(CancellationToken.None);

            // The first worker's give-back did not touch the sweep's claim (had it, its retry would have sent the email
            // again a second after): the row is Sent, once.
            Assert.Equal(TransactionalEmailState.Sent, (await Outbox("given-away@example.org")).State);
            await Task.Delay(TimeSpan.FromSeconds(3));
            Assert.Equal(1, app.Smtp.AcceptedCount.GetValueOrDefault("given-away@example.org"));
            Assert.Equal(TransactionalEmailState.Sent, (await Outbox("given-away@example.org")).State);
        }
        finally
        {
            app.Smtp.Script = null;
        }
    }

    [Fact]
    public async Task The_sweep_settles_at_once_the_rows_of_a_process_that_is_gone_and_leaves_a_live_workers_alone()
    {
        foreach (var reader in new[] { "gone-before@example.org", "gone-after@example.org" })
        {
            await app.SignUpAsync(reader);
            await NewsletterApp.EventuallyAsync(async () => (await Outbox(reader)).State == TransactionalEmailState.Sent, "the confirmation to go");
        }
        // Another process on this data directory claimed two rows a moment ago and died (its claimant file is there,
        // and nobody holds its lock): one before its message went to a connection, one after.
        var dead = Guid.NewGuid();
        var claimants = app.Services.GetRequiredService<Newsletter.Workers.ThisWorker>();
        await File.WriteAllBytesAsync(Path.Combine(claimants.Folder, dead.ToString("N")), []);
        foreach (var (reader, handedOver) in new[] { ("gone-before@example.org", (DateTime?)null), ("gone-after@example.org", DateTime.UtcNow) })
            await app.WithDbAsync(db => db.Set<TransactionalEmail>().Where(e => e.Recipient == reader)
                .ExecuteUpdateAsync(s => s.SetProperty(e => e.State, TransactionalEmailState.Sending).SetProperty(e => e.ClaimedAt, DateTime.UtcNow)
                    .SetProperty(e => e.ClaimedBy, dead).SetProperty(e => e.HandedOverAt, handedOver)));

        // This process's worker has handed a confirmation over and waits for a slow server's reply: alive, well within
        // the lease.
        var ends = 0;
        app.Smtp.Script = m => m.Stage == SmtpStage.EndOfData && m.Recipients.Contains("alive@example.org") && Interlocked.Increment(ref ends) == 1
            ? new SmtpAction.Delay(TimeSpan.FromSeconds(3)) : null;
        try
        {
            await app.SignUpAsync("alive@example.org");
            await NewsletterApp.EventuallyAsync(() => Task.FromResult(Volatile.Read(ref ends) >= 1), "the worker to hand the email over");
            Assert.Equal(claimants.Token, (await Outbox("alive@example.org")).ClaimedBy);

            (int Again, int Unknown) settled;
            await using (var scope = app.Services.CreateAsyncScope())
                settled = await scope.ServiceProvider.GetRequiredService<TransactionalEmailJob>().SettleAbandonedAsync(CancellationToken.None);

            Assert.Equal((1, 1), settled);
            Assert.Equal(TransactionalEmailState.Unknown, (await Outbox("gone-after@example.org")).State);
            var again = await Outbox("gone-before@example.org");
            Assert.False(again.State == TransactionalEmailState.Unknown || again.ClaimedBy == dead && again.State == TransactionalEmailState.Sending, $"{again.State} by {again.ClaimedBy}");
            Assert.Equal(TransactionalEmailState.Sending, (await Outbox("alive@example.org")).State);
            Assert.False(File.Exists(Path.Combine(claimants.Folder, dead.ToString("N"))));
            Assert.True(File.Exists(Path.Combine(claimants.Folder, claimants.Token.ToString("N"))));

            // The live worker's confirmation goes once its server answers; the dead one's never-sent row goes again.
            await NewsletterApp.EventuallyAsync(async () => (await Outbox("alive@example.org")).State == TransactionalEmailState.Sent, "the live worker's email");
            await using (var scope = app.Services.CreateAsyncScope())
                await scope.ServiceProvider.GetRequiredService<TransactionalEmailJob>().SweepAsync(CancellationToken.None);
            await NewsletterApp.EventuallyAsync(async () => (await Outbox("gone-before@example.org")).State == TransactionalEmailState.Sent, "the dead worker's unsent email");
            Assert.Equal(1, app.Smtp.AcceptedCount.GetValueOrDefault("alive@example.org"));
            Assert.Equal(1, app.Smtp.AcceptedCount.GetValueOrDefault("gone-after@example.org"));
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
