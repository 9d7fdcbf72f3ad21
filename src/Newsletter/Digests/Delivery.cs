namespace Newsletter.Digests;

/// <summary>
/// The ledger: one row per issue and recipient. It moves Pending → Sending → Sent | Failed | Unknown | Skipped, and
/// only forward, except back to Pending when a message was refused for now (4xx, with a later
/// <see cref="NextAttemptAt"/>) or never reached the server, and staff's retry of Failed or Unknown rows.
/// A row is Sending only while its message is in a connection's hands (see src/Newsletter/Digests/README.md).
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

    /// <summary>When the claim was taken or last renewed; the run renews it while it lives, so only a dead run's rows age.</summary>
    public DateTime? ClaimedAt { get; set; }
    public DateTime? NextAttemptAt { get; set; }
    public DateTime? SentAt { get; set; }
    public int? SmtpStatus { get; set; }
    public string? Error { get; set; }
}

public enum DeliveryState
{
    Pending = 0,
    /// <summary>Claimed by a batch run just before its message is handed to a connection; it may be on the wire.</summary>
    Sending = 1,
    /// <summary>The server accepted it (250).</summary>
    Sent = 2,
    /// <summary>Refused for good (5xx) or out of attempts (4xx); staff can retry these.</summary>
    Failed = 3,
    /// <summary>
    /// The server may or may not have it: the connection failed after the message's final "." and before the reply, or
    /// a worker died mid-send. Reported, never sent again by itself; staff may send again to Unknown readers.
    /// </summary>
    Unknown = 4,
    /// <summary>Not sent on purpose: unsubscribed or suppressed since the fan-out, or no articles in the reader's topics.</summary>
    Skipped = 5,
    /// <summary>Accepted, then bounced: a delivery status notification or a provider said it never arrived (see Bounces/).</summary>
    Bounced = 6,
    /// <summary>Accepted and delivered, then the reader reported it as spam (see Bounces/).</summary>
    Complained = 7,
}

/// <summary>
/// A batch run's hold on one id range of an issue, renewed while the run lives: a second job for the same range (the
/// sweep re-enqueues ranges whose job was lost) sees it and stops, so one range never has two runs at once.
/// </summary>
public sealed class DigestBatchLease
{
    public long IssueId { get; set; }
    public long FromId { get; set; }
    public Guid Token { get; set; }
    public DateTime RenewedAt { get; set; }

    /// <summary>
    /// The process running it (<see cref="Workers.ThisWorker"/>): once that process is gone (its heartbeat stopped), a
    /// sweep on any machine settles the run's rows and frees the range, instead of waiting for the lease.
    /// </summary>
    public Guid? WorkerId { get; set; }
}
