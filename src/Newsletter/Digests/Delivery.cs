namespace Newsletter.Digests;

/// <summary>
/// The ledger: one row per issue and recipient. It moves Pending → Sending → Sent | Failed | Unknown | Skipped, and
/// only forward, except a 4xx (Sending → Pending with a later <see cref="NextAttemptAt"/>) and staff's retry of Failed.
/// </summary>
public sealed class Delivery
{
    public long Id { get; set; }
    public long IssueId { get; set; }
    public long SubscriberId { get; set; }
    public DeliveryState State { get; set; } = DeliveryState.Pending;
    public int Attempts { get; set; }

    /// <summary>Which batch run claimed the row: a run only ever touches rows carrying its own token.</summary>
    public Guid? ClaimToken { get; set; }

    public DateTime? ClaimedAt { get; set; }
    public DateTime? NextAttemptAt { get; set; }
    public DateTime? SentAt { get; set; }
    public int? SmtpStatus { get; set; }
    public string? Error { get; set; }
}

public enum DeliveryState
{
    Pending = 0,
    /// <summary>Claimed by a batch; the message may be on the wire.</summary>
    Sending = 1,
    /// <summary>The server accepted it (250).</summary>
    Sent = 2,
    /// <summary>Refused for good (5xx) or out of attempts (4xx); staff can retry these.</summary>
    Failed = 3,
    /// <summary>A worker stopped mid-send: the server may or may not have it. Reported, never resent.</summary>
    Unknown = 4,
    /// <summary>Not sent on purpose: unsubscribed or suppressed since the fan-out, or no articles in the reader's topics.</summary>
    Skipped = 5,
    /// <summary>Accepted, then bounced: a delivery status notification or a provider said it never arrived (see Bounces/).</summary>
    Bounced = 6,
    /// <summary>Accepted and delivered, then the reader reported it as spam (see Bounces/).</summary>
    Complained = 7,
}
