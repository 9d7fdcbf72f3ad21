using System.Text.RegularExpressions;
using MailKit.Net.Smtp;
using Newsletter.Jobs;

namespace Newsletter.Email;

/// <summary>
/// The one place that decides what an SMTP refusal means. It reads who was refused (MailKit's
/// <see cref="SmtpErrorCode"/>: the recipient, the sender or the message), the reply code, and the RFC 3463 enhanced code
/// at the start of the text. The rule that protects the list: only a refusal of the recipient's address is the reader's
/// fault; a refused sender, refused content or a policy refusal is ours, so it pauses sending and suppresses nobody.
/// </summary>
public static partial class SmtpReplyClassifier
{
    /// <summary>Classifies a refusal the server sent during a mail transaction.</summary>
    public static SendResult Classify(SmtpErrorCode who, int status, string text)
    {
        var enhanced = EnhancedCode(text);
        var detail = Detail(status, text);
        var usable = true;
        // Postfix checks the sender's restrictions when the recipient is given (smtpd_delay_reject, its default), so a
        // relay that refuses our envelope sender answers the RCPT: "553 5.1.8 <news@...>: Sender address rejected".
        // RFC 3463's X.1.7 and X.1.8 are the sender's address; whatever command they answer, they are ours.
        if (who is SmtpErrorCode.RecipientNotAccepted or SmtpErrorCode.MessageNotAccepted && AboutOurSender(enhanced, text)) who = SmtpErrorCode.SenderNotAccepted;
        var outcome = status switch
        {
            // 421: the server is closing the connection (throttling, shutdown). Whatever the command, it did not take the
            // message; the connection is gone.
            421 => SendOutcome.NotHandedOver,
            >= 400 and < 500 => who == SmtpErrorCode.SenderNotAccepted ? SendOutcome.NotHandedOver : SendOutcome.Deferred,
            >= 500 and < 600 => Permanent(who, status, enhanced),
            _ => SendOutcome.SenderRefused,
        };
        if (status == 421) usable = false;
        return new SendResult(outcome, status, enhanced, detail, usable);
    }

    private static SendOutcome Permanent(SmtpErrorCode who, int status, string? enhanced)
    {
        var (subject, detail) = Parts(enhanced);
        var addressIsBad = subject == 1 || (subject == 2 && detail == 1);
        return who switch
        {
            // A policy refusal of a recipient at our own relay ("relay access denied", "sender not authorised") is about
            // us; a real dead address is X.1.x or 5.2.1. Old servers send no enhanced code: a bare 550/551/553 is the
            // classic "no such user".
            SmtpErrorCode.RecipientNotAccepted when addressIsBad => SendOutcome.RecipientRefused,
            SmtpErrorCode.RecipientNotAccepted when enhanced is null && status is 550 or 551 or 553 => SendOutcome.RecipientRefused,
            SmtpErrorCode.RecipientNotAccepted when subject == 7 => SendOutcome.SenderRefused,
            SmtpErrorCode.RecipientNotAccepted => SendOutcome.RecipientFailed,
            // Some servers check the recipient only after the data; with one recipient per message the reply is theirs:
            // a dead address, or their mailbox (full, 5.2.x) or domain (routing, 5.4.x). Anything else refused at the end
            // of the data (5.7.x policy or spam, 5.6.x content, 5.3.4 too big, no enhanced code) is about our message.
            SmtpErrorCode.MessageNotAccepted when addressIsBad => SendOutcome.RecipientRefused,
            SmtpErrorCode.MessageNotAccepted when subject is 2 or 4 => SendOutcome.RecipientFailed,
            _ => SendOutcome.SenderRefused,
        };
    }

    private static bool AboutOurSender(string? enhanced, string text) =>
        Parts(enhanced) is (1, 7 or 8) || text.Contains("Sender address rejected", StringComparison.OrdinalIgnoreCase);

    /// <summary>The RFC 3463 code at the start of a reply's text ("5.1.1"), or null when there is none.</summary>
    public static string? EnhancedCode(string text)
    {
        var match = EnhancedPattern().Match(text);
        return match.Success ? match.Groups[1].Value : null;
    }

    private static (int Subject, int Detail) Parts(string? enhanced)
    {
        if (enhanced is null) return (-1, -1);
        var parts = enhanced.Split('.');
        return (int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), int.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>"550 5.1.1 No such user": the code and the server's text, on one line, short enough for a column.</summary>
    public static string Detail(int status, string text)
    {
        var line = string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return ErrorText.Truncate($"{status} {line}".Trim());
    }

    [GeneratedRegex(@"^\s*([245]\.\d{1,3}\.\d{1,3})(?!\d)")]
    private static partial Regex EnhancedPattern();
}
