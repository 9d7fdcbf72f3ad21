namespace Newsletter.Bounces;

/// <summary>
/// What one inbound item asks of the policy, whatever it came from (a mailbox, SES, Postmark, the signed webhook):
/// unique by <see cref="Key"/>, naming a sent message (from a verified token) or, from an authenticated provider, an address.
/// </summary>
public sealed record BounceNotice(string Key, BounceSource Source, NoticeKind Kind, string Summary)
{
    /// <summary>The message it is about, from a token whose signature verified.</summary>
    public SentMessage? Message { get; init; }

    /// <summary>The address it is about, when no token names the message (provider webhooks only).</summary>
    public string? Address { get; init; }

    public string? Status { get; init; }
    public string? Diagnostic { get; init; }
    public string? RemoteMta { get; init; }

    /// <summary>The manage token of a mailto unsubscribe.</summary>
    public string? UnsubscribeToken { get; init; }

    /// <summary>Decided before the database: recorded (and counted) with this outcome, no effect.</summary>
    public InboundOutcome? Outcome { get; init; }

    public static BounceNotice Recorded(string key, BounceSource source, InboundOutcome outcome, string summary) =>
        new(key, source, NoticeKind.None, summary) { Outcome = outcome };
}

public enum NoticeKind
{
    None,
    HardBounce,
    SoftBounce,
    Complaint,
    Unsubscribe,
}
