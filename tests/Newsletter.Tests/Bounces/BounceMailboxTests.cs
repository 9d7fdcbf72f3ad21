using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Newsletter.Bounces;
using Newsletter.Digests;
using Newsletter.Subscribers;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Bounces;

/// <summary>
/// End to end on real parts: digests go out over SMTP with VERP envelope senders, Postfix's real DSNs (captured) and
/// the other samples land in a real Dovecot mailbox, the scanner in the host reads them over IMAP with IDLE, and the
/// effects are checked in the database, in the mailbox folders and in the next issue.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class BounceMailboxTests(BounceApp app) : IClassFixture<BounceApp>
{
    [Fact]
    public async Task A_real_postfix_bounce_suppresses_the_reader_marks_the_delivery_and_leaves_them_out_of_the_next_issue()
    {
        await app.ClearAudienceAsync();
        var readers = await app.AddReadersAsync("hard", 2);
        var issue = await app.SendIssueAsync("hard-1");
        var copy = app.Received(issue, readers[0].Email);
        var token = BounceApp.Token(copy);
        Assert.Matches($"^d{issue}-\\d+-[a-z2-7]{{16}}$", token);
        Assert.Equal($"{token}@test-review.example", copy.Message.MessageId);
        Assert.Equal($"bounces+{token}@test-review.example", copy.From);

        var (inbox, processed) = (await app.Dovecot.CountAsync("bounces", "INBOX"), await app.Dovecot.CountAsync("bounces", "Processed"));
        var dsn = BounceFixtures.Raw("postfix-unknown-local-user.eml", token, ("bouncee1@readers.example", readers[0].Email), ("\"bouncee1\"", "\"hard1\""));
        await app.Dovecot.DeliverAsync("bounces", BounceApp.WithMessageId(dsn, "hard-1@mta.test-review.example"));
        var inbound = await app.WaitForInboundAsync("hard-1@mta.test-review.example");

        Assert.Equal(InboundOutcome.Applied, inbound.Outcome);
        Assert.True(await app.IsSuppressedAsync(readers[0].Email));
        Assert.False(await app.IsSuppressedAsync(readers[1].Email));
        Assert.Equal(DeliveryState.Bounced, await app.DeliveryStateAsync(issue, readers[0].Id));
        Assert.Equal(DeliveryState.Sent, await app.DeliveryStateAsync(issue, readers[1].Id));
        // The issue's progress still counts both copies as sent (the server took them); the bounce shows beside it.
        var progress = await app.WithDbAsync(db => new Newsletter.Digests.DeliveryLedger(db, TimeProvider.System).CountAsync(issue, CancellationToken.None));
        Assert.Equal((2, 1, 1), (progress.Accepted, progress.Sent, progress.Bounced));
        var history = await app.WithDbAsync(db => db.Set<SubscriberEvent>().Where(e => e.SubscriberId == readers[0].Id && e.Kind == "bounce").SingleAsync());
        Assert.Contains("5.1.1", history.Detail);
        Assert.Contains($"issue {issue}", history.Detail);
        var evidence = await app.WithDbAsync(db => db.Set<BounceEvent>().SingleAsync(e => e.SubscriberId == readers[0].Id));
        Assert.Equal((BounceKind.Hard, "5.1.1", issue), (evidence.Kind, evidence.Status, evidence.IssueId));
        Assert.Contains("unknown user", evidence.Diagnostic);
        // Moved only after the effect was committed; nothing deleted.
        await NewsletterApp.EventuallyAsync(async () => await app.Dovecot.CountAsync("bounces", "INBOX") == inbox, "the bounce to leave the inbox");
        Assert.Equal(processed + 1, await app.Dovecot.CountAsync("bounces", "Processed"));

        var next = await app.SendIssueAsync("hard-2");
        Assert.Equal(DeliveryState.Skipped, await app.DeliveryStateAsync(next, readers[0].Id));
        Assert.Equal(DeliveryState.Sent, await app.DeliveryStateAsync(next, readers[1].Id));
        Assert.Single(app.MessagesTo(readers[0].Email));
        Assert.Equal(2, app.MessagesTo(readers[1].Email).Count);
    }

    [Fact]
    public async Task A_mailto_unsubscribe_in_the_unsubscribe_mailbox_unsubscribes_the_reader()
    {
        await app.ClearAudienceAsync();
        var readers = await app.AddReadersAsync("mailto", 1);
        var issue = await app.SendIssueAsync("mailto-1");
        var header = app.Received(issue, readers[0].Email).Message.Headers["List-Unsubscribe"]!;
        var mailto = header[(header.IndexOf("<mailto:", StringComparison.Ordinal) + 8)..header.LastIndexOf('>')];
        var subject = Uri.UnescapeDataString(mailto[(mailto.IndexOf("subject=", StringComparison.Ordinal) + 8)..]);
        Assert.StartsWith("unsubscribe ", subject);

        var request = BounceFixtures.Raw("mailto-unsubscribe.eml", null, ("Subject: unsubscribe xmanagex", "Subject: " + subject), ("xreaderx", readers[0].Email), ("xmsgx", "mailto1"));
        await app.Dovecot.DeliverAsync("unsubscribe", request);
        var inbound = await app.WaitForInboundAsync("unsub-mailto1@mail.readers.example");

        Assert.Equal((InboundOutcome.Applied, BounceSource.UnsubscribeMailbox), (inbound.Outcome, inbound.Source));
        var reader = await app.WithDbAsync(db => db.Set<Subscriber>().AsNoTracking().SingleAsync(s => s.Id == readers[0].Id));
        Assert.Equal(SubscriberStatus.Unsubscribed, reader.Status);
        Assert.True(await app.WithDbAsync(db => db.Set<SubscriberEvent>().AnyAsync(e => e.SubscriberId == reader.Id && e.Kind == "unsubscribed" && e.Detail == "mailto")));
        // Unsubscribed, not suppressed: they may sign up again.
        Assert.False(await app.IsSuppressedAsync(reader.Email));
        await NewsletterApp.EventuallyAsync(async () => await app.Dovecot.CountAsync("unsubscribe", "Processed") == 1, "the request to be moved");
    }

    [Fact]
    public async Task A_complaint_unsubscribes_and_suppresses_the_reader_and_marks_the_delivery_complained()
    {
        await app.ClearAudienceAsync();
        var readers = await app.AddReadersAsync("complain", 1);
        var issue = await app.SendIssueAsync("complain-1");
        var token = BounceApp.Token(app.Received(issue, readers[0].Email));
        // The report goes to a feedback-loop address, not the VERP one: the token comes from the returned message.
        var report = BounceFixtures.Raw("arf-abuse.eml", token, ("complainer@isp.example", readers[0].Email));
        await app.Dovecot.DeliverAsync("bounces", report);
        Assert.Equal(InboundOutcome.Applied, (await app.WaitForInboundAsync("arf-2026-1@isp.example")).Outcome);

        Assert.True(await app.IsSuppressedAsync(readers[0].Email));
        Assert.Equal(SubscriberStatus.Unsubscribed, await app.WithDbAsync(db => db.Set<Subscriber>().Where(s => s.Id == readers[0].Id).Select(s => s.Status).SingleAsync()));
        Assert.Equal(DeliveryState.Complained, await app.DeliveryStateAsync(issue, readers[0].Id));
        Assert.True(await app.WithDbAsync(db => db.Set<SubscriberEvent>().AnyAsync(e => e.SubscriberId == readers[0].Id && e.Kind == "complaint")));
    }

    [Fact]
    public async Task Soft_bounces_suppress_only_at_the_limit_and_the_same_message_read_twice_counts_once()
    {
        await app.ClearAudienceAsync();
        var readers = await app.AddReadersAsync("soft", 1);
        var issue = await app.SendIssueAsync("soft-1");
        var token = BounceApp.Token(app.Received(issue, readers[0].Email));
        var dsn = BounceFixtures.Raw("postfix-connection-refused.eml", token, ("reader@unreachable.example", readers[0].Email));
        var inbox = await app.Dovecot.CountAsync("bounces", "INBOX");

        async Task DeliverSoftAsync(string id)
        {
            await app.Dovecot.DeliverAsync("bounces", BounceApp.WithMessageId(dsn, id));
            await app.WaitForInboundAsync(id);
            await NewsletterApp.EventuallyAsync(async () => await app.Dovecot.CountAsync("bounces", "INBOX") == inbox, "the bounce to be moved");
        }
        Task<int> SoftCountAsync() => app.WithDbAsync(db => db.Set<BounceEvent>().CountAsync(e => e.SubscriberId == readers[0].Id && e.Kind == BounceKind.Soft));

        await DeliverSoftAsync("soft-a@mta.example");
        Assert.False(await app.IsSuppressedAsync(readers[0].Email));
        Assert.Equal(DeliveryState.Bounced, await app.DeliveryStateAsync(issue, readers[0].Id));
        // The same message again (a second copy, or a move lost to a crash): recorded once, counted once.
        await DeliverSoftAsync("soft-a@mta.example");
        Assert.Equal(1, await SoftCountAsync());
        await DeliverSoftAsync("soft-b@mta.example");
        Assert.Equal(2, await SoftCountAsync());
        Assert.False(await app.IsSuppressedAsync(readers[0].Email));
        await DeliverSoftAsync("soft-c@mta.example");
        Assert.Equal(3, await SoftCountAsync());
        Assert.True(await app.IsSuppressedAsync(readers[0].Email));
        var last = await app.WithDbAsync(db => db.Set<BounceEvent>().Where(e => e.SubscriberId == readers[0].Id).OrderBy(e => e.Id).Select(e => e.Effect).ToListAsync());
        Assert.Equal(["soft bounce 1 of 3 within 30 days", "soft bounce 2 of 3 within 30 days", "soft bounce 3 of 3: suppressed"], last);
    }

    [Fact]
    public async Task Forged_tokens_unknown_addresses_loops_and_vacation_replies_change_nothing_and_are_counted()
    {
        await app.ClearAudienceAsync();
        var readers = await app.AddReadersAsync("hostile", 1);
        var issue = await app.SendIssueAsync("hostile-1");
        var token = BounceApp.Token(app.Received(issue, readers[0].Email));
        var forged = token[..^4] + (token[^4..] == "aaaa" ? "bbbb" : "aaaa");
        var otherReader = token.Replace($"d{issue}-", $"d{issue}-9");
        var inbox = await app.Dovecot.CountAsync("bounces", "INBOX");

        await app.Dovecot.DeliverAsync("bounces", BounceApp.WithMessageId(
            BounceFixtures.Raw("postfix-remote-550.eml", forged, ("gone@rejecting.example", readers[0].Email)), "forged@mta.example"));
        await app.Dovecot.DeliverAsync("bounces", BounceApp.WithMessageId(
            BounceFixtures.Raw("postfix-remote-550.eml", otherReader, ("gone@rejecting.example", readers[0].Email)), "tampered@mta.example"));
        await app.Dovecot.DeliverAsync("bounces", BounceApp.WithMessageId(
            BounceFixtures.Raw("postfix-remote-550.eml", null, ("bounces+xverpx", "news"), ("gone@rejecting.example", "never-mailed@readers.example")), "unknown@mta.example"));
        // A bounce of a bounce that even carries a valid token: never acted on.
        await app.Dovecot.DeliverAsync("bounces", BounceFixtures.Raw("bounce-of-bounce.eml", token));
        await app.Dovecot.DeliverAsync("bounces", BounceFixtures.Raw("vacation.eml"));

        Assert.Equal(InboundOutcome.Forged, (await app.WaitForInboundAsync("forged@mta.example")).Outcome);
        Assert.Equal(InboundOutcome.Forged, (await app.WaitForInboundAsync("tampered@mta.example")).Outcome);
        Assert.Equal(InboundOutcome.Unmatched, (await app.WaitForInboundAsync("unknown@mta.example")).Outcome);
        Assert.Equal(InboundOutcome.Loop, (await app.WaitForInboundAsync("loop-outer@relay.loop.example")).Outcome);
        Assert.Equal(InboundOutcome.Ignored, (await app.WaitForInboundAsync("vacation-1@readers.example")).Outcome);

        Assert.False(await app.IsSuppressedAsync(readers[0].Email));
        Assert.False(await app.IsSuppressedAsync("never-mailed@readers.example"));
        Assert.Equal(DeliveryState.Sent, await app.DeliveryStateAsync(issue, readers[0].Id));
        Assert.Equal(0, await app.WithDbAsync(db => db.Set<BounceEvent>().CountAsync(e => e.SubscriberId == readers[0].Id)));
        await NewsletterApp.EventuallyAsync(async () => await app.Dovecot.CountAsync("bounces", "INBOX") == inbox, "every recorded message to be moved");
    }

    [Fact]
    public async Task A_50_MB_message_and_broken_MIME_stay_in_the_mailbox_counted_once_and_the_scanner_goes_on()
    {
        await app.ClearAudienceAsync();
        var readers = await app.AddReadersAsync("huge", 1);
        var issue = await app.SendIssueAsync("huge-1");
        var token = BounceApp.Token(app.Received(issue, readers[0].Email));
        var before = await app.Dovecot.CountAsync("bounces", "INBOX");

        var line = new string('x', 998) + "\r\n";
        var huge = "From: someone@elsewhere.example\r\nTo: bounces@test-review.example\r\nSubject: huge\r\nMessage-ID: <huge-1@elsewhere.example>\r\n\r\n"
            + string.Concat(Enumerable.Repeat(line, 50 * 1024 * 1024 / line.Length));
        await app.Dovecot.DeliverAsync("bounces", System.Text.Encoding.ASCII.GetBytes(huge));
        await app.Dovecot.DeliverAsync("bounces", BounceFixtures.Raw("broken-mime.eml", token));
        // After both, a good bounce: the scanner reads it although the two before it could not be read.
        await app.Dovecot.DeliverAsync("bounces", BounceFixtures.Raw("qmail.eml", token, ("gone@oldhost.example", readers[0].Email)));

        Assert.Equal(InboundOutcome.Applied, (await app.WaitForInboundAsync("qmail-4242@mx.oldhost.example")).Outcome);
        Assert.Equal(InboundOutcome.Unreadable, (await app.WaitForInboundAsync("huge-1@elsewhere.example")).Outcome);
        Assert.Equal(InboundOutcome.Unreadable, (await app.WaitForInboundAsync("broken-1@broken.example")).Outcome);
        Assert.True(await app.IsSuppressedAsync(readers[0].Email));
        await NewsletterApp.EventuallyAsync(async () => await app.Dovecot.CountAsync("bounces", "INBOX") == before + 2, "only the unreadable two to stay");

        // Later looks skip them: still two records, however often the scanner comes by.
        await app.Dovecot.DeliverAsync("bounces", BounceFixtures.Raw("vacation.eml", null, ("vacation-1@", "vacation-2@")));
        await app.WaitForInboundAsync("vacation-2@readers.example");
        Assert.Equal(2, await app.WithDbAsync(db => db.Set<InboundMessage>().CountAsync(m => m.Outcome == InboundOutcome.Unreadable && (m.Key.Contains("huge-1") || m.Key.Contains("broken-1")))));
    }

    [Fact]
    public async Task The_scanner_survives_the_imap_server_going_away_and_reads_the_mail_that_came_meanwhile()
    {
        await app.ClearAudienceAsync();
        var readers = await app.AddReadersAsync("restart", 1);
        var issue = await app.SendIssueAsync("restart-1");
        var token = BounceApp.Token(app.Received(issue, readers[0].Email));
        app.Dovecot.Stop();
        await Task.Delay(TimeSpan.FromSeconds(3));
        app.Dovecot.Start();
        await app.Dovecot.DeliverAsync("bounces", BounceApp.WithMessageId(
            BounceFixtures.Raw("gmail-plain.eml", token, ("nobody.here@gmail-user.example", readers[0].Email)), "after-restart@mail.gmail.com"));
        Assert.Equal(InboundOutcome.Applied, (await app.WaitForInboundAsync("after-restart@mail.gmail.com")).Outcome);
        Assert.True(await app.IsSuppressedAsync(readers[0].Email));
    }

    [Fact]
    public async Task Only_one_worker_holds_a_mailbox_until_its_lease_runs_out()
    {
        await using var scope = app.Services.CreateAsyncScope();
        var leases = scope.ServiceProvider.GetRequiredService<MailboxLeases>();
        var lease = TimeSpan.FromSeconds(2);
        Assert.True(await leases.TryAcquireAsync("lease-test", "worker-a", lease, CancellationToken.None));
        Assert.False(await leases.TryAcquireAsync("lease-test", "worker-b", lease, CancellationToken.None));
        Assert.True(await leases.TryAcquireAsync("lease-test", "worker-a", lease, CancellationToken.None));
        await Task.Delay(lease + TimeSpan.FromMilliseconds(500));
        Assert.True(await leases.TryAcquireAsync("lease-test", "worker-b", lease, CancellationToken.None));
        Assert.False(await leases.TryAcquireAsync("lease-test", "worker-a", lease, CancellationToken.None));
        await leases.ReleaseAsync("lease-test", "worker-b");
        Assert.True(await leases.TryAcquireAsync("lease-test", "worker-a", lease, CancellationToken.None));
    }

    private const string FixtureDate = "Wed,  2 Dec 2026 00:40:30 +0000 (UTC)";

    /// <summary>
    /// The mailbox was not read for three months (IMAP password expired, the feature switched on late, a worker down):
    /// three soft bounces, 40 days apart, each alone in its 30-day window, are read in one look. They are not "3 soft
    /// bounces within 30 days", and must not suppress the reader.
    /// </summary>
    [Fact]
    public async Task Soft_bounces_months_apart_read_from_a_backlog_do_not_suppress_the_reader()
    {
        await app.ClearAudienceAsync();
        var readers = await app.AddReadersAsync("backlog", 1);
        var ages = new[] { 90, 50, 10 };
        for (var i = 0; i < ages.Length; i++)
        {
            var issue = await app.SendIssueAsync($"backlog-{i}");
            var sentAt = DateTime.UtcNow.AddDays(-ages[i]);
            await app.WithDbAsync(db => db.Set<Delivery>().Where(d => d.IssueId == issue).ExecuteUpdateAsync(s => s.SetProperty(d => d.SentAt, sentAt)));
            var token = BounceApp.Token(app.Received(issue, readers[0].Email));
            // Postfix gave up after a day; its report says when (Date, Arrival-Date).
            var bouncedAt = sentAt.AddDays(1).ToString("r");
            var dsn = BounceFixtures.Raw("postfix-connection-refused.eml", token, ("reader@unreachable.example", readers[0].Email), (FixtureDate, bouncedAt));
            await app.Dovecot.DeliverAsync("bounces", BounceApp.WithMessageId(dsn, $"backlog-{i}@mta.example"));
        }
        for (var i = 0; i < ages.Length; i++) Assert.Equal(InboundOutcome.Applied, (await app.WaitForInboundAsync($"backlog-{i}@mta.example")).Outcome);

        Assert.Equal(3, await app.WithDbAsync(db => db.Set<BounceEvent>().CountAsync(e => e.SubscriberId == readers[0].Id && e.Kind == BounceKind.Soft)));
        Assert.False(await app.IsSuppressedAsync(readers[0].Email), "three soft bounces 40 days apart suppressed the reader");
    }

    /// <summary>
    /// RFC 3463: X.2.2 "Mailbox full ... should be used as a persistent transient failure". Receiving servers answer
    /// a full mailbox with 552 5.2.2, so the sending MTA's DSN says Status: 5.2.2; SES files it as Transient
    /// (MailboxFull), Postmark as SoftBounce. One full mailbox must not suppress the reader for good.
    /// </summary>
    [Fact]
    public async Task A_full_mailbox_is_a_soft_bounce_not_a_suppression()
    {
        await app.ClearAudienceAsync();
        var readers = await app.AddReadersAsync("full", 1);
        var issue = await app.SendIssueAsync("full-1");
        var token = BounceApp.Token(app.Received(issue, readers[0].Email));
        var dsn = BounceFixtures.Raw("postfix-remote-550.eml", token, ("gone@rejecting.example", readers[0].Email),
            ("550 5.1.1", "552 5.2.2"), ("Status: 5.1.1", "Status: 5.2.2"),
            ("Recipient address rejected: User unknown in\n    virtual mailbox table (in reply to RCPT TO command)", "Mailbox full (in reply to end of DATA command)"),
            ("Recipient address\n    rejected: User unknown in virtual mailbox table", "Mailbox full"));
        await app.Dovecot.DeliverAsync("bounces", BounceApp.WithMessageId(dsn, "full-1@mta.example"));
        Assert.Equal(InboundOutcome.Applied, (await app.WaitForInboundAsync("full-1@mta.example")).Outcome);

        var evidence = await app.WithDbAsync(db => db.Set<BounceEvent>().SingleAsync(e => e.SubscriberId == readers[0].Id));
        Assert.Equal("5.2.2", evidence.Status);
        Assert.Equal(BounceKind.Soft, evidence.Kind);
        Assert.False(await app.IsSuppressedAsync(readers[0].Email));
    }

    /// <summary>
    /// A NUL character decoded out of a message (an encoded-word in the Subject, a base64 report part) is text to
    /// .NET and to SQLite, but PostgreSQL refuses it in a text column: it must not keep the message from being recorded,
    /// or a hard bounce carrying it from being applied.
    /// </summary>
    [Fact]
    public async Task A_NUL_decoded_from_a_message_does_not_keep_it_from_being_recorded()
    {
        await app.ClearAudienceAsync();
        var readers = await app.AddReadersAsync("nul", 1);
        var issue = await app.SendIssueAsync("nul-1");
        var token = BounceApp.Token(app.Received(issue, readers[0].Email));

        var letter = "From: someone@elsewhere.example\r\nTo: bounces@test-review.example\r\nSubject: =?utf-8?b?aGVsbG8A?=\r\n"
            + "Message-ID: <nul-subject@elsewhere.example>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nhello\r\n";
        await app.Dovecot.DeliverAsync("bounces", Encoding.ASCII.GetBytes(letter));

        var status = Convert.ToBase64String(Encoding.ASCII.GetBytes(
            "Reporting-MTA: dns; mx.nul.example\r\n\r\nFinal-Recipient: rfc822; " + readers[0].Email + "\r\nAction: failed\r\nStatus: 5.1.1\r\n"
            + "Diagnostic-Code: smtp; 550 5.1.1 no such user\0\r\n"));
        var dsn = "From: Mail Delivery System <MAILER-DAEMON@mx.nul.example>\r\nTo: bounces+" + token + "@test-review.example\r\n"
            + "Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <nul-dsn@mx.nul.example>\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: multipart/report; report-type=delivery-status; boundary=\"n\"\r\n\r\n"
            + "--n\r\nContent-Type: text/plain\r\n\r\nNot delivered.\r\n"
            + "--n\r\nContent-Type: message/delivery-status\r\nContent-Transfer-Encoding: base64\r\n\r\n" + status + "\r\n"
            + "--n\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <" + token + "@test-review.example>\r\n--n--\r\n";
        await app.Dovecot.DeliverAsync("bounces", Encoding.ASCII.GetBytes(dsn));
        // A good bounce after both: read whatever happened to them.
        await app.Dovecot.DeliverAsync("bounces", BounceFixtures.Raw("vacation.eml", null, ("vacation-1@", "vacation-nul@")));
        await app.WaitForInboundAsync("vacation-nul@readers.example");
        await Task.Delay(TimeSpan.FromSeconds(5));

        var subjectRecorded = await app.InboundAsync("nul-subject@elsewhere.example") is not null;
        var bounceRecorded = await app.InboundAsync("nul-dsn@mx.nul.example") is not null;
        var suppressed = await app.IsSuppressedAsync(readers[0].Email);
        Assert.Equal((true, true, true), (subjectRecorded, bounceRecorded, suppressed));
    }
}
