namespace Newsletter.Bounces;

/// <summary>What an inbound message says, read without touching the database: see <see cref="InboundMailReader"/>.</summary>
public sealed record InboundReport(ReportKind Kind, string Summary)
{
    /// <summary>Per-recipient results of a delivery report (RFC 3464), or the complained-about recipient of an ARF report.</summary>
    public IReadOnlyList<RecipientStatus> Recipients { get; init; } = [];

    /// <summary>The Message-ID of the message the report is about (from its returned headers), if any.</summary>
    public string? OriginalMessageId { get; init; }

    /// <summary>Addresses that may be our VERP bounce address: the report's own envelope recipient, the original's Return-Path.</summary>
    public IReadOnlyList<string> EnvelopeCandidates { get; init; } = [];

    /// <summary>ARF Feedback-Type (abuse, fraud, not-spam...).</summary>
    public string? FeedbackType { get; init; }

    /// <summary>The manage token of a mailto unsubscribe.</summary>
    public string? UnsubscribeToken { get; init; }

    /// <summary>The returned message is itself a bounce: a bounce of a bounce, never acted on.</summary>
    public bool IsLoop { get; init; }

    /// <summary>The recipient that failed, when any did (the first one; we send one recipient per message).</summary>
    public RecipientStatus? Failed => Recipients.FirstOrDefault(r => r.IsFailed);
}

public enum ReportKind
{
    /// <summary>A delivery failed for good: a hard or a soft bounce, by <see cref="RecipientStatus.IsPermanent"/>.</summary>
    Bounce,
    /// <summary>A delay warning (Action: delayed) or a positive report: nothing to do.</summary>
    Delayed,
    /// <summary>An ARF abuse report from a feedback loop.</summary>
    Complaint,
    /// <summary>A reader used the mailto: half of List-Unsubscribe.</summary>
    Unsubscribe,
    /// <summary>A vacation or other automatic reply (RFC 3834): ignored.</summary>
    AutoReply,
    /// <summary>Nothing we can read: it stays in the mailbox for a person and is counted.</summary>
    Unrecognised,
}

/// <summary>One recipient of a delivery report.</summary>
public sealed record RecipientStatus(string? Address, string Action, string? Status, string? Diagnostic, string? RemoteMta)
{
    public bool IsFailed => Action.Equals("failed", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Permanent (a hard bounce) when the status class is 5, or without a status when the diagnostic's SMTP reply is
    /// 5xx. A failed delivery with a 4.x.x status (the sender gave up retrying) is a soft bounce, and so is a 5.x.x that
    /// says nothing against the address (<see cref="NotTheAddress"/>).
    /// </summary>
    public bool IsPermanent => Status is { Length: > 0 } s ? s[0] == '5' && !NotTheAddress(s) : Diagnostic is { } d && SmtpReply5xx(d);

    /// <summary>
    /// RFC 3463 codes that condemn neither the address nor the mailbox for good, even in class 5: X.2.2 mailbox full
    /// ("a persistent transient failure"), X.2.3 message too long, and X.7.x security or policy (our sending IP on a
    /// block list, a DMARC or SPF refusal): about us or this message. Suppressing on them would, as a relay refusing
    /// the sender would, wipe every reader at one provider. They count as soft bounces, towards the soft limit.
    /// </summary>
    public static bool NotTheAddress(string status) => status.Split('.') is [_, var subject, var detail] && (subject == "7" || (subject == "2" && detail is "2" or "3"));

    private static bool SmtpReply5xx(string diagnostic)
    {
        var text = diagnostic.StartsWith("smtp;", StringComparison.OrdinalIgnoreCase) ? diagnostic[5..].TrimStart() : diagnostic;
        return text.Length >= 3 && text[0] == '5' && char.IsAsciiDigit(text[1]) && char.IsAsciiDigit(text[2]);
    }
}
