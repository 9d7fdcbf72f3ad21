using MailKit.Net.Smtp;
using Newsletter.Email;

namespace Newsletter.Tests.Email;

/// <summary>
/// The one classification of SMTP refusals. The rule that protects the list: only a refusal of the recipient's address
/// suppresses; a refused sender, content or policy is ours and stops sending; 421 means the connection is going.
/// </summary>
public sealed class SmtpReplyClassifierTests
{
    [Theory]
    // The reader's address is dead: fail and suppress.
    [InlineData(SmtpErrorCode.RecipientNotAccepted, 550, "5.1.1 <a@b.example>: Recipient address rejected: User unknown", SendOutcome.RecipientRefused)]
    [InlineData(SmtpErrorCode.RecipientNotAccepted, 550, "5.1.10 Recipient address rejected: null MX", SendOutcome.RecipientRefused)]
    [InlineData(SmtpErrorCode.RecipientNotAccepted, 550, "5.2.1 The email account that you tried to reach is disabled", SendOutcome.RecipientRefused)]
    [InlineData(SmtpErrorCode.RecipientNotAccepted, 550, "No such user here", SendOutcome.RecipientRefused)]
    [InlineData(SmtpErrorCode.RecipientNotAccepted, 553, "sorry, that domain isn't in my list of allowed rcpthosts", SendOutcome.RecipientRefused)]
    [InlineData(SmtpErrorCode.MessageNotAccepted, 550, "5.1.1 User unknown (checked after the data)", SendOutcome.RecipientRefused)]
    // Refused for this reader, but not proof the address is dead: fail, do not suppress.
    [InlineData(SmtpErrorCode.RecipientNotAccepted, 552, "5.2.2 Mailbox full", SendOutcome.RecipientFailed)]
    [InlineData(SmtpErrorCode.MessageNotAccepted, 552, "5.2.2 Over quota", SendOutcome.RecipientFailed)]
    [InlineData(SmtpErrorCode.RecipientNotAccepted, 554, "5.4.4 Unable to route", SendOutcome.RecipientFailed)]
    // Ours, whatever the code: the sender, the content, a policy. Nobody is blamed; sending stops.
    [InlineData(SmtpErrorCode.SenderNotAccepted, 550, "5.7.1 Sender address rejected: not owned by user", SendOutcome.SenderRefused)]
    [InlineData(SmtpErrorCode.SenderNotAccepted, 553, "5.1.8 Domain of sender address does not exist", SendOutcome.SenderRefused)]
    [InlineData(SmtpErrorCode.RecipientNotAccepted, 554, "5.7.1 <a@b.example>: Relay access denied", SendOutcome.SenderRefused)]
    // Postfix checks the sender at RCPT (smtpd_delay_reject): its refusal of our sender answers the recipient.
    [InlineData(SmtpErrorCode.RecipientNotAccepted, 553, "5.1.8 <news@ours.example>: Sender address rejected: Domain not found", SendOutcome.SenderRefused)]
    [InlineData(SmtpErrorCode.RecipientNotAccepted, 550, "5.1.0 <bounce@ours.example>: Sender address rejected: User unknown in local recipient table", SendOutcome.SenderRefused)]
    [InlineData(SmtpErrorCode.RecipientNotAccepted, 553, "5.1.7 <bounce@ours>: Sender address rejected: need fully-qualified address", SendOutcome.SenderRefused)]
    [InlineData(SmtpErrorCode.RecipientNotAccepted, 450, "4.1.8 <news@ours.example>: Sender address rejected: Domain not found", SendOutcome.NotHandedOver)]
    [InlineData(SmtpErrorCode.MessageNotAccepted, 554, "5.7.1 Message rejected as spam", SendOutcome.SenderRefused)]
    [InlineData(SmtpErrorCode.MessageNotAccepted, 552, "5.3.4 Message too big for system", SendOutcome.SenderRefused)]
    [InlineData(SmtpErrorCode.MessageNotAccepted, 554, "Transaction failed", SendOutcome.SenderRefused)]
    [InlineData(SmtpErrorCode.UnexpectedStatusCode, 554, "5.5.1 Error: no valid recipients", SendOutcome.SenderRefused)]
    // For now: the reader waits (an attempt), or the connection is going (no attempt).
    [InlineData(SmtpErrorCode.RecipientNotAccepted, 450, "4.2.0 Greylisted, try again in 5 minutes", SendOutcome.Deferred)]
    [InlineData(SmtpErrorCode.MessageNotAccepted, 451, "4.3.0 Temporary failure, try later", SendOutcome.Deferred)]
    [InlineData(SmtpErrorCode.SenderNotAccepted, 451, "4.3.0 Temporary lookup failure", SendOutcome.NotHandedOver)]
    [InlineData(SmtpErrorCode.MessageNotAccepted, 421, "4.7.0 Try again later, closing connection", SendOutcome.NotHandedOver)]
    [InlineData(SmtpErrorCode.SenderNotAccepted, 421, "4.7.28 Too many messages, closing connection", SendOutcome.NotHandedOver)]
    public void Each_refusal_has_one_meaning(SmtpErrorCode who, int status, string text, SendOutcome expected)
    {
        var result = SmtpReplyClassifier.Classify(who, status, text);
        Assert.Equal(expected, result.Outcome);
        Assert.Equal(status, result.SmtpStatus);
        Assert.StartsWith(status + " ", result.Detail);
        Assert.Equal(status != 421, result.SessionUsable);
    }

    [Theory]
    [InlineData("5.1.1 User unknown", "5.1.1")]
    [InlineData("  4.7.28 Throttled", "4.7.28")]
    [InlineData("5.1.10 null MX", "5.1.10")]
    [InlineData("550 is not an enhanced code", null)]
    [InlineData("5.1.1234 too many digits", null)]
    [InlineData("User unknown", null)]
    public void The_enhanced_code_is_read_from_the_start_of_the_text(string text, string? expected) =>
        Assert.Equal(expected, SmtpReplyClassifier.EnhancedCode(text));

    [Fact]
    public void A_reply_on_several_lines_becomes_one_short_line()
    {
        var detail = SmtpReplyClassifier.Detail(550, "5.7.1 Rejected\r\n5.7.1 see https://example.org\n" + new string('x', 2000));
        Assert.DoesNotContain('\n', detail);
        Assert.StartsWith("550 5.7.1 Rejected 5.7.1 see https://example.org", detail);
        Assert.Equal(1000, detail.Length);
    }
}
