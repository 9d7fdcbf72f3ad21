namespace Newsletter.Bounces;

/// <summary>
/// A bounce, complaint or mailto unsubscribe that took effect, with its evidence: the status and diagnostic the
/// receiving server gave, and which message (issue and delivery, or outbox row) it was about.
/// </summary>
public sealed class BounceEvent
{
    public long Id { get; set; }
    public long InboundMessageId { get; set; }
    public DateTime At { get; set; }
    public BounceKind Kind { get; set; }
    public BounceSource Source { get; set; }

    /// <summary>The reader, when the address belongs to one (a receipt's donor may not be a subscriber).</summary>
    public long? SubscriberId { get; set; }

    /// <summary>SHA-256 of the lower-cased address: soft bounces are counted per address, subscriber or not.</summary>
    public required string AddressHash { get; set; }

    public long? IssueId { get; set; }
    public long? DeliveryId { get; set; }
    public long? TransactionalEmailId { get; set; }

    /// <summary>RFC 3463 status (5.1.1), or the provider's word.</summary>
    public string? Status { get; set; }

    public string? Diagnostic { get; set; }
    public string? RemoteMta { get; set; }

    /// <summary>What the policy did: "suppressed", "soft bounce 2 of 3 in 30 days", "unsubscribed and suppressed".</summary>
    public string? Effect { get; set; }
}

public enum BounceKind
{
    Hard = 0,
    Soft = 1,
    Complaint = 2,
    Unsubscribe = 3,
}
