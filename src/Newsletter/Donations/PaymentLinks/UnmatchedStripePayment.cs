namespace Newsletter.Donations;

/// <summary>
/// A Checkout payment on the Stripe account that this service did not start and was not told to record (a Payment Link
/// not in Donations:PaymentLinks, a shop on the same account): listed for staff, who adopt it as a donation or dismiss it.
/// </summary>
public sealed class UnmatchedStripePayment
{
    public long Id { get; set; }
    public required string CheckoutSessionId { get; set; }
    public string? PaymentLinkId { get; set; }
    public string? PaymentIntentId { get; set; }
    public string? SubscriptionId { get; set; }

    /// <summary>"payment" or "subscription".</summary>
    public required string Mode { get; set; }

    public long Amount { get; set; }
    public required string Currency { get; set; }

    /// <summary>How far the payment got (only moves forward, as for donations).</summary>
    public PaymentOutcome Outcome { get; set; }

    public string? PayerName { get; set; }
    public string? PayerEmail { get; set; }
    public string? PayerEmailKey { get; set; }

    public UnmatchedState State { get; set; } = UnmatchedState.Unmatched;

    /// <summary>When Stripe created the first event about it.</summary>
    public DateTime StripeCreatedAt { get; set; }

    public DateTime? DecidedAt { get; set; }

    /// <summary>The staff member who adopted or dismissed it.</summary>
    public string? DecidedBy { get; set; }

    public int Version { get; set; }
}

public enum UnmatchedState
{
    Unmatched = 0,
    /// <summary>Staff said it is a donation: its events are applied again and record it.</summary>
    Adopted = 1,
    /// <summary>Staff said it is not a donation (a shop sale): hidden from the list.</summary>
    Dismissed = 2,
}
