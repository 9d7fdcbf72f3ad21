namespace Newsletter.Donations;

/// <summary>
/// One gift: a one-time Stripe payment, one monthly payment of a recurring plan, or a gift made elsewhere and
/// recorded by staff. Stripe gifts are unique by their Stripe ids; offline gifts by source and reference.
/// The facts (payment outcome, amount refunded, dispute) only ever move forward, so events applied in any order
/// end in the same row; <see cref="Status"/> is derived from them.
/// </summary>
public sealed class Donation
{
    public long Id { get; set; }

    /// <summary>Where the money came in: "stripe", or the offline source staff named (paypal, cheque...), lower case.</summary>
    public required string Source { get; set; }

    public DonationKind Kind { get; set; }

    /// <summary>Amount in minor units (cents) of <see cref="Currency"/>.</summary>
    public long Amount { get; set; }

    /// <summary>ISO 4217 code, lower case as Stripe writes it.</summary>
    public required string Currency { get; set; }

    public DonationStatus Status { get; set; } = DonationStatus.Pending;

    /// <summary>How far the payment got; only moves forward (Pending, Failed, Paid).</summary>
    public PaymentOutcome Outcome { get; set; } = PaymentOutcome.Pending;

    /// <summary>Total refunded so far, in minor units (Stripe's cumulative amount_refunded).</summary>
    public long AmountRefunded { get; set; }

    public DisputeState Dispute { get; set; } = DisputeState.None;

    public string? DonorName { get; set; }
    public string? DonorEmail { get; set; }

    /// <summary>The comparison key of <see cref="DonorEmail"/> (see <see cref="Email.EmailAddress.Key"/>).</summary>
    public string? DonorEmailKey { get; set; }

    /// <summary>The donor's short note (at most 255 characters).</summary>
    public string? Message { get; set; }

    /// <summary>
    /// When the donor was erased (GDPR art. 17). From then on nothing fills in who gave: not a late webhook, not the
    /// next invoice of the same plan. The money facts stay for the books.
    /// </summary>
    public DateTime? DonorErasedAt { get; set; }

    /// <summary>The subscriber with the same address when the gift was recorded, if any.</summary>
    public long? SubscriberId { get; set; }

    public long? RecurringPlanId { get; set; }

    public string? StripeCheckoutSessionId { get; set; }
    public string? StripePaymentIntentId { get; set; }
    public string? StripeInvoiceId { get; set; }

    /// <summary>For offline gifts: the source's own id of the payment (PayPal transaction id, cheque number).</summary>
    public string? OfflineReference { get; set; }

    /// <summary>The Stripe customer (cus_...) who paid, when Stripe made one: the Billing Portal opens for it.</summary>
    public string? StripeCustomerId { get; set; }

    /// <summary>The campaign the gift was given to (see <see cref="Campaign"/> for when it counts toward the goal).</summary>
    public long? CampaignId { get; set; }

    /// <summary>The part of <see cref="Amount"/> the donor added to cover card fees, in minor units (0 when none).</summary>
    public long CoveredFee { get; set; }

    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    /// <summary>When the money arrived (the earliest paid event we saw, or the date staff entered).</summary>
    public DateTime? PaidAt { get; set; }

    /// <summary>Optimistic concurrency: two workers updating one row cannot lose each other's facts.</summary>
    public int Version { get; set; }
}

public enum DonationKind
{
    OneTime = 0,
    Recurring = 1,
    Offline = 2,
}

public enum DonationStatus
{
    Pending = 0,
    Paid = 1,
    Failed = 2,
    Refunded = 3,
    PartiallyRefunded = 4,
    Disputed = 5,
}

/// <summary>Ordered: a later value always wins over an earlier one, whatever order the events arrive in.</summary>
public enum PaymentOutcome
{
    Pending = 0,
    Failed = 1,
    Paid = 2,
}

/// <summary>Ordered like <see cref="PaymentOutcome"/>: a closed dispute never reopens.</summary>
public enum DisputeState
{
    None = 0,
    Open = 1,
    Won = 2,
    Lost = 3,
}
