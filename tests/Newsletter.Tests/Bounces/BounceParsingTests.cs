using Newsletter.Bounces;

namespace Newsletter.Tests.Bounces;

/// <summary>
/// What the reader makes of real and hand-written inbound mail: Postfix's DSNs (captured on this machine), qmail,
/// Gmail's plain notice, Exchange's NDR, RFC 6533's global DSN, an ARF complaint, a vacation reply, a bounce of a
/// bounce, broken MIME, a mailto unsubscribe.
/// </summary>
public sealed class BounceParsingTests
{
    private const string Unsubscribe = "unsubscribe@test-review.example";
    private const string Verp = "bounces+xverpx@test-review.example";

    [Theory]
    [InlineData("postfix-unknown-local-user.eml", "bouncee1@readers.example", "5.1.1", true, "unknown user")]
    [InlineData("postfix-remote-550.eml", "gone@rejecting.example", "5.1.1", true, "550 5.1.1")]
    [InlineData("postfix-connection-refused.eml", "reader@unreachable.example", "4.4.1", false, "Connection refused")]
    [InlineData("qmail.eml", "gone@oldhost.example", "5.1.1", true, "no mailbox here")]
    [InlineData("gmail-plain.eml", "nobody.here@gmail-user.example", "5.1.1", true, "does not exist")]
    [InlineData("exchange-ndr.eml", "left@corp.example", "5.1.10", true, "RecipientNotFound")]
    [InlineData("global-dsn.eml", "josé@intl.example", "5.2.2", false, "Mailbox full")]
    public void Bounces_give_the_recipient_status_diagnostic_and_where_to_find_the_token(string file, string recipient, string status, bool permanent, string diagnostic)
    {
        var report = InboundMailReader.Read(BounceFixtures.Message(file), Unsubscribe);
        Assert.Equal(ReportKind.Bounce, report.Kind);
        var failed = Assert.Single(report.Recipients, r => r.IsFailed);
        Assert.Equal(recipient, failed.Address);
        Assert.Equal(status, failed.Status);
        Assert.Equal(permanent, failed.IsPermanent);
        Assert.Contains(diagnostic, failed.Diagnostic);
        Assert.Contains(Verp, report.EnvelopeCandidates);
        Assert.Equal("xmsgidx@test-review.example", report.OriginalMessageId);
        Assert.False(report.IsLoop);
    }

    [Fact]
    public void Postfix_names_the_remote_server_and_a_delay_warning_is_not_a_bounce()
    {
        var remote = InboundMailReader.Read(BounceFixtures.Message("postfix-remote-550.eml"), Unsubscribe);
        Assert.Equal("127.0.0.1", remote.Failed!.RemoteMta);
        var delayed = InboundMailReader.Read(BounceFixtures.Message("postfix-delayed.eml"), Unsubscribe);
        Assert.Equal(ReportKind.Delayed, delayed.Kind);
        Assert.Equal("delayed", Assert.Single(delayed.Recipients).Action);
    }

    [Fact]
    public void An_ARF_abuse_report_is_a_complaint_about_the_returned_message()
    {
        var report = InboundMailReader.Read(BounceFixtures.Message("arf-abuse.eml"), Unsubscribe);
        Assert.Equal(ReportKind.Complaint, report.Kind);
        Assert.Equal("abuse", report.FeedbackType);
        Assert.Equal("complainer@isp.example", Assert.Single(report.Recipients).Address);
        Assert.Contains(Verp, report.EnvelopeCandidates);
        Assert.Equal("xmsgidx@test-review.example", report.OriginalMessageId);

        var notSpam = InboundMailReader.Read(BounceFixtures.Message("arf-abuse.eml", null, ("Feedback-Type: abuse", "Feedback-Type: not-spam")), Unsubscribe);
        Assert.NotEqual(ReportKind.Complaint, notSpam.Kind);
    }

    [Fact]
    public void Vacation_replies_are_ignored_and_a_bounce_of_a_bounce_is_a_loop()
    {
        Assert.Equal(ReportKind.AutoReply, InboundMailReader.Read(BounceFixtures.Message("vacation.eml"), Unsubscribe).Kind);
        var loop = InboundMailReader.Read(BounceFixtures.Message("bounce-of-bounce.eml"), Unsubscribe);
        Assert.Equal(ReportKind.Bounce, loop.Kind);
        Assert.True(loop.IsLoop);
    }

    [Fact]
    public void Broken_MIME_and_an_ordinary_letter_are_unrecognised_never_bounces()
    {
        Assert.Equal(ReportKind.Unrecognised, InboundMailReader.Read(BounceFixtures.Message("broken-mime.eml"), Unsubscribe).Kind);
        var letter = BounceFixtures.Message("vacation.eml", null, ("Auto-Submitted: auto-replied\n", ""), ("Precedence: bulk\n", ""),
            ("Subject: Out of Office: ", "Subject: Re: "), ("I am away until Monday", "Great issue! The 550 pages of that novel were worth it."));
        Assert.Equal(ReportKind.Unrecognised, InboundMailReader.Read(letter, Unsubscribe).Kind);
    }

    [Fact]
    public void A_mailto_unsubscribe_carries_its_token_in_the_subject_or_the_address()
    {
        var bySubject = InboundMailReader.Read(BounceFixtures.Message("mailto-unsubscribe.eml", null, ("xmanagex", "AbC-_1.xyz0123456789"), ("xreaderx", "r@readers.example")), Unsubscribe);
        Assert.Equal(ReportKind.Unsubscribe, bySubject.Kind);
        Assert.Equal("AbC-_1.xyz0123456789", bySubject.UnsubscribeToken);

        var byAddress = InboundMailReader.Read(BounceFixtures.Message("mailto-unsubscribe.eml", null, ("Subject: unsubscribe xmanagex", "Subject: please"),
            ("unsubscribe@test-review.example", "unsubscribe+AbC-_1.xyz0123456789@test-review.example"), ("xreaderx", "r@readers.example")), Unsubscribe);
        Assert.Equal(ReportKind.Unsubscribe, byAddress.Kind);
        Assert.Equal("AbC-_1.xyz0123456789", byAddress.UnsubscribeToken);
    }
}
